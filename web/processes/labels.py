"""Words for the codes the engine uses on the process pages (statuses, element types, kinds of change)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

STATUS = {"draft": _l("草稿"), "published": _l("已发布"), "retired": lazy_pgettext("version", "已停用")}

CHANGE = {"added": _l("新增"), "removed": _l("删除"), "changed": lazy_pgettext("change", "修改")}

ELEMENT = {
    "process": _l("流程"), "participant": _l("参与方"), "lane": _l("泳道"),
    "startEvent": _l("开始事件"), "endEvent": _l("结束事件"), "boundaryEvent": _l("边界事件"),
    "intermediateCatchEvent": _l("中间捕获事件"), "intermediateThrowEvent": _l("中间抛出事件"),
    "userTask": _l("用户任务"), "scriptTask": _l("脚本任务"), "serviceTask": _l("服务任务"),
    "manualTask": _l("手工任务"), "task": _l("任务"), "callActivity": _l("调用活动"), "subProcess": _l("子流程"),
    "exclusiveGateway": _l("排他网关"), "parallelGateway": _l("并行网关"), "inclusiveGateway": _l("包容网关"),
    "eventBasedGateway": _l("事件网关"), "sequenceFlow": _l("连线"), "textAnnotation": _l("注释"),
    "association": _l("关联"), "dataObject": _l("数据对象"), "dataObjectReference": _l("数据对象"),
    "message": _l("消息"),
}

DETAIL = {
    "type": _l("类型"), "name": _l("名称"), "condition": _l("条件"), "timer": _l("定时器"), "lane": _l("泳道"),
    "members": _l("泳道中的元素"), "script": _l("脚本"), "source": _l("起点"), "target": _l("终点"),
    "attached_to": _l("附着于"), "cancel_activity": _l("中断任务"), "default_flow": _l("默认连线"),
    "called_element": _l("调用的流程"), "form_key": _l("表单"), "documentation": lazy_pgettext("bpmn", "说明"),
    "executable": _l("可执行"),
    "field_added": _l("新增表单字段"), "field_removed": _l("删除表单字段"), "field_label": _l("字段标签"),
    "field_type": _l("字段类型"), "field_validation": _l("字段校验"), "field_options": _l("字段选项"),
    "field_default": _l("字段默认值"), "field_properties": _l("字段属性"),
}


def label(table: dict[str, object], code: str | None) -> str:
    """The word for ``code``, or the code itself when there is none (a new type from another modeller)."""
    if code is None:
        return ""
    return str(table.get(code, code))

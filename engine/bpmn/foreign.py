"""What diagrams from other modellers carry that casegrid would otherwise silently ignore.

SpiffWorkflow parses a Camunda diagram and drops what it does not know: spiff-arena's JSON forms
and pre/post scripts, Camunda's embedded and deployed forms, execution listeners, input/output
mappings, a second executable pool. A supervisor would publish a process that looks complete and
behaves differently. Each such construct is refused here, naming the element and what to change.
"""
from __future__ import annotations

from lxml import etree

from engine.bpmn.foreign_expressions import translate

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
_NS = {"bpmn": BPMN, "camunda": CAMUNDA, "spiffworkflow": SPIFF, "zeebe": ZEEBE}

#: camunda:formKey prefixes that point at forms outside the diagram.
_EXTERNAL_FORMS = ("embedded:", "app:", "deployment:", "camunda-forms:")
#: Extension elements casegrid reads, by namespace and name; any other extension is refused.
_READ = {(CAMUNDA, "formData"), (CAMUNDA, "formField"), (CAMUNDA, "properties"), (CAMUNDA, "property"),
         (CAMUNDA, "validation"), (CAMUNDA, "constraint"), (CAMUNDA, "value")}
_WHAT = {
    (SPIFF, "properties"): None,  # spiff-arena's own annotations, harmless only when empty (checked below)
    (SPIFF, "preScript"): "SpiffWorkflow 的前置脚本（preScript）不会执行：请改为任务前的脚本任务",
    (SPIFF, "postScript"): "SpiffWorkflow 的后置脚本（postScript）不会执行：请改为任务后的脚本任务",
    (SPIFF, "instructionsForEndUser"): None,
    (SPIFF, "unitTests"): None,
    (SPIFF, "serviceTaskOperator"): "SpiffWorkflow 的服务任务调用外部系统，casegrid 不执行：请改为用户任务",
    (SPIFF, "messagePayload"): "SpiffWorkflow 的消息内容表达式不受支持：请去掉，消息内容由发送方提供",
    (SPIFF, "messageVariable"): None,
    (CAMUNDA, "executionListener"): "执行监听器（camunda:executionListener）不会执行：请改为脚本任务",
    (CAMUNDA, "taskListener"): "任务监听器（camunda:taskListener）不会执行：办理人由泳道决定，其他逻辑请改为脚本任务",
    (CAMUNDA, "inputOutput"): "输入输出映射（camunda:inputOutput）不会执行：请改为脚本任务中的赋值，例如 total = a + b",
    (CAMUNDA, "in"): "调用活动的变量传递（camunda:in）不受支持：被调用的流程直接读取本流程的变量",
    (CAMUNDA, "out"): "调用活动的变量传递（camunda:out）不受支持：被调用的流程的变量会自动带回",
    (CAMUNDA, "connector"): "连接器（camunda:connector）调用外部系统，casegrid 不执行：请改为用户任务",
    (CAMUNDA, "failedJobRetryTimeCycle"): None,  # job retries: meaningless here, nothing is lost without them
    (CAMUNDA, "field"): "字段注入（camunda:field）不受支持",
    (CAMUNDA, "errorEventDefinition"): "外部任务的错误定义不受支持",
}


def foreign_problems(root: etree._Element) -> list[str]:
    """Every construct of another engine in ``root`` that casegrid would not run, as ``<id>: <message>``."""
    problems: list[str] = []
    problems += _pool_problems(root)
    for owner in root.iter():
        if not isinstance(owner.tag, str) or etree.QName(owner).namespace != BPMN:
            continue
        where = owner.get("id") or _nearest_id(owner)
        line = f"（第 {owner.sourceline} 行）"
        form_key = (owner.get(f"{{{CAMUNDA}}}formKey") or "").strip()
        if form_key.startswith(_EXTERNAL_FORMS):
            problems.append(f"{where}: 外部表单 {form_key} 不会显示：casegrid 的表单由任务上的表单字段（camunda:formData）"
                            f"生成，请在属性面板的“表单字段”中逐项添加{line}")
        if owner.get(f"{{{CAMUNDA}}}formRef"):
            problems.append(f"{where}: Camunda 表单（camunda:formRef）不会显示：请改为任务上的表单字段{line}")
        if etree.QName(owner).localname == "extensionElements":
            problems += _extension_problems(owner)
        if etree.QName(owner).localname == "conditionExpression" and owner.get(f"{{{CAMUNDA}}}resource"):
            problems.append(f"{where}: 外部脚本文件中的条件（camunda:resource）不受支持：请把条件直接写在连线上{line}")
    return list(dict.fromkeys(problems))


def _nearest_id(element: etree._Element) -> str:
    for ancestor in element.iterancestors():
        if ancestor.get("id"):
            return str(ancestor.get("id"))
    return "definitions"


def _extension_problems(extensions: etree._Element) -> list[str]:
    problems = []
    where = _nearest_id(extensions)
    for child in extensions:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        key = (qname.namespace, qname.localname)
        line = f"（第 {child.sourceline} 行）"
        if key in _READ:
            continue
        if qname.namespace == SPIFF and qname.localname == "properties":
            for prop in child:
                if isinstance(prop.tag, str) and (prop.get("name") or "").startswith("form"):
                    problems.append(f"{where}: SpiffWorkflow 的 JSON 表单（{prop.get('name')}）不会显示：casegrid 的表单"
                                    f"由任务上的表单字段（camunda:formData）生成，请在属性面板的“表单字段”中逐项添加{line}")
            continue
        if key in _WHAT:
            if _WHAT[key] is not None:
                problems.append(f"{where}: {_WHAT[key]}{line}")
            continue
        if qname.namespace == ZEEBE:
            if qname.localname == "taskDefinition" or qname.localname == "formDefinition":
                what = "Camunda 8 的任务定义（zeebe:taskDefinition）调用外部程序" if qname.localname == "taskDefinition" \
                    else "Camunda 8 的表单（zeebe:formDefinition）不会显示"
                problems.append(f"{where}: {what}，casegrid 不执行：请改为用户任务和任务上的表单字段{line}")
            elif qname.localname in ("ioMapping", "taskHeaders", "calledElement", "subscription", "script"):
                problems.append(f"{where}: Camunda 8 的 zeebe:{qname.localname} 不受支持，请删除后按 casegrid 的写法设置{line}")
            continue
        if qname.namespace not in (CAMUNDA, SPIFF):
            continue  # another tool's layout hints (Signavio, Trisotech): presentation only
        problems.append(f"{where}: 扩展 {qname.localname} 不受 casegrid 支持，会被忽略：请删除它{line}")
    return problems


def _pool_problems(root: etree._Element) -> list[str]:
    processes = root.findall("bpmn:process", _NS)
    executable = [p for p in processes if p.get("isExecutable", "true") == "true"
                  and any(isinstance(c.tag, str) and etree.QName(c).localname.endswith(("Task", "Event"))
                          for c in p)]
    if len(executable) <= 1:
        return []
    called = {c.get("calledElement") for c in root.iterfind(".//bpmn:callActivity", _NS)}
    independent = [p for p in executable[1:] if p.get("id") not in called]
    return [f"{p.get('id')}: 第二个可执行的池（流程 {p.get('id')}）不会运行：一个案件只运行一个流程。请把它的"
            f"“可执行”取消勾选，或把它作为调用活动的被调用流程（第 {p.sourceline} 行）" for p in independent]


def condition_hint(text: str, language: str | None = None) -> str | None:
    """For a condition casegrid cannot read as written: the translation to use, as a message (None: none)."""
    result = translate(text, language)
    if result.dialect == "casegrid":
        return None
    if result.expression is not None:
        name = "JUEL" if result.dialect == "juel" else "FEEL"
        return (f"{name} 表达式 {text.strip()} 需要改写为 casegrid 表达式：{result.expression}"
                "（导入流程图时可自动转换，或在属性面板中修改）")
    return result.problem

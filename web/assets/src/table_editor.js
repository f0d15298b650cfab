/*
 * Entry of the routing-table editor bundle (web/static/vendor/dmn-table-editor/dmn-table-editor.min.js).
 *
 * dmn-js's decision-table editor alone: a routing table (权责清单) is one decision table, so the
 * DRD, literal-expression and boxed-expression editors are left out of the bundle. UI strings are
 * translated to Chinese through dmn-js's `translate` service. The page script
 * (web/static/js/routing_editor.js) builds it through `window.CasegridTableEditor.create(...)`.
 */
import EditingManager from 'dmn-js-shared/lib/base/EditingManager';
import DecisionTableEditor from 'dmn-js-decision-table/lib/Editor';
import { is } from 'dmn-js-shared/lib/util/ModelUtil';

class RoutingTableEditor extends EditingManager {
  _getViewProviders() {
    return [{
      id: 'decisionTable',
      constructor: DecisionTableEditor,
      opens(element) {
        return is(element, 'dmn:Decision') && is(element.decisionLogic, 'dmn:DecisionTable');
      }
    }];
  }
}

const ZH = {
  'Add cell description': '添加单元格说明',
  'Add input column left': '在左侧添加输入列',
  'Add input column right': '在右侧添加输入列',
  'Add input': '添加输入列',
  'Add output column left': '在左侧添加输出列',
  'Add output column right': '在右侧添加输出列',
  'Add output': '添加输出列',
  'Add predefined values': '添加预设取值',
  'Add rule above': '在上方添加规则',
  'Add rule below': '在下方添加规则',
  'Add rule': '添加规则',
  'Add values': '添加取值',
  'Annotation': '备注',
  'Annotations': '备注',
  'Clear predefined values': '清除预设取值',
  'Copy input column': '复制输入列',
  'Copy output column': '复制输出列',
  'Copy rule': '复制规则',
  'Cut input column': '剪切输入列',
  'Cut output column': '剪切输出列',
  'Cut rule': '剪切规则',
  'Decision name': '决策名称',
  'Decision name: ': '决策名称：',
  'Edit input': '编辑输入列',
  'Edit output': '编辑输出列',
  'Edit string': '编辑文本',
  'Edit number': '编辑数字',
  'Edit': '编辑',
  'Enter expression': '输入表达式',
  'Expression': '表达式',
  'Expression language': '表达式语言',
  'Hit policy': '命中策略',
  'Hit policy:': '命中策略：',
  'Input': '输入（条件）',
  'Input expression': '输入表达式',
  'Input expression: ': '输入表达式：',
  'Input label': '输入列标题',
  'Input label: ': '输入列标题：',
  'Input type': '输入类型',
  'Input values': '输入取值',
  'Match one': '等于其中之一',
  'Match none': '不等于其中任何一个',
  'Move rule': '移动规则',
  'No values': '无取值',
  'Output': '输出（结果）',
  'Output label': '输出列标题',
  'Output label: ': '输出列标题：',
  'Output name': '输出变量名',
  'Output name: ': '输出变量名：',
  'Output type': '输出类型',
  'Output values': '输出取值',
  'Paste input column left': '粘贴输入列到左侧',
  'Paste input column right': '粘贴输入列到右侧',
  'Paste output column left': '粘贴输出列到左侧',
  'Paste output column right': '粘贴输出列到右侧',
  'Paste rule above': '粘贴规则到上方',
  'Paste rule below': '粘贴规则到下方',
  'Predefined values': '预设取值',
  'Remove cell description': '删除单元格说明',
  'Remove input column': '删除输入列',
  'Remove output column': '删除输出列',
  'Remove rule': '删除规则',
  'Set value': '设定值',
  'Strings must be in double quotes': '文本须加英文双引号',
  'Type': '类型',
  'Value': '值',
  'Values': '取值',
  'When': '当',
  'Then': '则',
  'And': '且',
  'Yes': '是',
  'No': '否'
};

function translate(template, replacements) {
  const text = ZH[template] || template;
  return text.replace(/{([^}]+)}/g, (match, key) => (replacements && key in replacements ? replacements[key] : match));
}

function create(options) {
  return new RoutingTableEditor({
    container: options.container,
    keyboard: options.keyboard || undefined,
    common: { additionalModules: [{ translate: ['value', translate] }] }
  });
}

window.CasegridTableEditor = { create: create };

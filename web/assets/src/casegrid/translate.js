/*
 * The modeler in Chinese: bpmn-js's palette and context pad and the properties panel's labels,
 * through bpmn-js's translate service (a module that replaces `translate`). Strings with no entry
 * stay as bpmn-js wrote them; the groups that would show them are mostly hidden (provider.js).
 */
const ZH = {
  // palette, context pad, popup menu
  'Activate hand tool': '抓手工具（拖动画布）', 'Activate lasso tool': '套索选择', 'Activate create/remove space tool': '插入/删除空间',
  'Activate global connect tool': '连线工具', 'Create start event': '开始事件', 'Create end event': '结束事件',
  'Create task': '任务', 'Create gateway': '网关', 'Create intermediate/boundary event': '中间/边界事件',
  'Create pool/participant': '池', 'Create expanded sub-process': '子流程', 'Create group': '分组',
  'Create data object reference': '数据对象', 'Create data store reference': '数据存储',
  'Append task': '追加任务', 'Append gateway': '追加网关', 'Append end event': '追加结束事件',
  'Append intermediate/boundary event': '追加中间事件', 'Append timer intermediate catch event': '追加定时器',
  'Append message intermediate catch event': '追加消息等待', 'Append receive task': '追加接收任务',
  'Append signal intermediate catch event': '追加信号等待', 'Append conditional intermediate catch event': '追加条件等待',
  'Append compensation activity': '追加补偿活动', 'Add text annotation': '添加注释', 'Change element': '更改类型',
  'Connect to other element': '连到其他元素', 'Connect using association': '用关联连接', 'Delete': '删除',
  'Add lane above': '在上方添加泳道', 'Add lane below': '在下方添加泳道', 'Divide into two lanes': '分为两条泳道',
  'Divide into three lanes': '分为三条泳道', 'Align elements': '对齐', 'Distribute elements horizontally': '水平分布',
  'Distribute elements vertically': '垂直分布', 'Search in diagram': '在图中搜索', 'Toggle non-interrupting': '切换为不中断',
  'Loop': '循环', 'Parallel multi-instance': '并行多实例', 'Sequential multi-instance': '串行多实例',
  'User task': '用户任务', 'Script task': '脚本任务', 'Exclusive gateway': '排他网关', 'Parallel gateway': '并行网关',
  'Inclusive gateway': '包容网关', 'Timer intermediate catch event': '定时器', 'Message intermediate catch event': '消息等待',
  'Start event': '开始事件', 'End event': '结束事件', 'Task': '任务', 'Sub-process (collapsed)': '子流程（折叠）',
  'Sub-process (expanded)': '子流程（展开）', 'Call activity': '调用活动', 'Business rule task': '业务规则任务',
  // properties panel
  'Select an element to edit its properties.': '选中一个元素后在此编辑它的属性。',
  'General': '基本信息', 'Name': '名称', 'ID': '标识（ID）', 'Documentation': '说明', 'Element documentation': '元素说明',
  'Process documentation': '流程说明', 'Process name': '流程名称', 'Process ID': '流程标识', 'Executable': '可执行',
  'Participant Name': '池名称', 'Version tag': '版本标签',
  'ID must be unique.': '标识不能重复。', 'ID must not be empty.': '标识不能为空。', 'ID must not contain spaces.': '标识不能含空格。',
  'ID must be a valid QName.': '标识须以字母开头，只含字母、数字、_ 和 -。', 'ID must not contain prefix.': '标识不能含前缀。',
  'Form fields': '表单字段', 'Label': '标签', 'Type': '类型', 'Default value': '默认值', 'Values': '选项',
  'Constraints': '校验规则', 'Config': '参数', 'Properties': '属性', 'Value': '值', 'Key': '键',
  'Custom type': '自定义类型', '<custom type>': '<自定义类型>', 'boolean': '是/否', 'date': '日期', 'enum': '选项',
  'long': '整数', 'string': '文本', '<none>': '<无>', '<empty>': '<空>',
  'Timer': '定时器', 'Date': '日期', 'Duration': '时长', 'Cycle': '周期',
  'Condition': '条件', 'Condition expression': '条件表达式', 'Condition Expression': '条件表达式', 'Expression': '表达式',
  'Message': '消息', 'Global message reference': '消息', 'Create new ...': '新建…', 'Create': '新建',
  'Multi-instance': '多实例', 'Loop cardinality': '实例数', 'Collection': '集合', 'Element variable': '元素变量',
  'Completion condition': '完成条件', 'Script': '脚本', 'Script type': '脚本类型', 'Format': '格式',
  'Inline script': '内联脚本', 'Called element': '被调用的流程', 'Add': '添加', 'Remove': '删除',
  'Timer documentation': '定时器说明', 'How to configure a timer': '如何设置定时器',
  'A time duration defined as ISO 8601 durations format.': 'ISO 8601 时长，例如 P3D（3 天）或 PT4H（4 小时）。',
  'Learn how to define conditions.': '条件的写法见右侧“条件助手”。'
};

export default function translateModule(locale) {
  const table = (locale || '').indexOf('zh') === 0 ? ZH : {};
  function translate(template, replacements) {
    replacements = replacements || {};
    const text = table[template] || template;
    return text.replace(/{([^}]+)}/g, (_, key) => replacements[key] !== undefined ? replacements[key] : '{' + key + '}');
  }
  return { translate: ['value', translate] };
}

/*
 * The properties panel as a street office needs it: only what casegrid uses, plus helpers.
 *
 * Camunda 7's groups that mean nothing here (asynchronous continuations, job execution, listeners,
 * input/output, external tasks, history cleanup …) are hidden; name, documentation, form fields,
 * timers, conditions and messages stay. Added, in Chinese: the lane's role, a timer picker
 * (N working days / N calendar days / N hours / the date in a form field), a condition helper
 * (field – operator – value, the raw expression below it for experts) and "使用表单字段" for a task
 * that has no form yet.
 */
import { h } from '@bpmn-io/properties-panel/preact';
import { CheckboxEntry, NumberFieldEntry, SelectEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';
import {
  OPERATORS, addFormData, conditionText, formFields, hasFormData, laneRole, readCondition, readEvidence, readTimer,
  setLaneRole, timerDefinition, writeCondition, writeEvidence, writeTimer
} from './model';

/* Groups (by id) that casegrid reads; everything else the providers offer is hidden. */
const KEEP = ['general', 'documentation', 'CamundaPlatform__FormData', 'timer', 'CamundaPlatform__Condition',
              'message', 'multiInstance', 'CamundaPlatform__Script', 'CamundaPlatform__CallActivity',
              // English names (name_en) for staff who read the UI in English are extension properties.
              'CamundaPlatform__ExtensionProperties'];
/* Entries of the general group that are Camunda 7 engine settings. */
const DROP_ENTRIES = ['versionTag', 'isStartableInTasklist', 'historyTimeToLive', 'taskPriority', 'jobPriority',
                      'candidateStarterGroups', 'candidateStarterUsers'];

const ROLES = [
  ['', '（按泳道名称）'], ['resident', '居民'], ['grid_worker', '网格员'], ['council', '社区治理委员会'],
  ['department', '职能部门'], ['mediator', '调解员'], ['supervisor', '街道督办']
];

function LaneRole(props) {
  const { element, id } = props;
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  return h(SelectEntry, {
    element, id, label: '由哪个角色办理',
    description: '泳道中的任务出现在这个角色的待办中。泳道名称可以保留岗位名称（如“民政科”）。',
    getValue: () => laneRole(element),
    setValue: (value) => setLaneRole(element, value, bpmnFactory, modeling),
    getOptions: () => ROLES.map(([value, label]) => ({ value, label }))
  });
}

const TIMER_KINDS = [
  ['', '（请选择）'], ['workdays', 'N 个工作日'], ['calendar_days', 'N 个自然日'], ['hours', 'N 小时'],
  ['date_field', '表单中的日期'], ['custom', '其他写法（见下方“定时器”）']
];

function TimerKind(props) {
  const { element, id } = props;
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  const definition = timerDefinition(element);
  return h(SelectEntry, {
    element, id, label: '时限',
    description: '工作日按国家法定节假日和调休计算。',
    getValue: () => readTimer(definition).kind,
    setValue: (kind) => {
      const current = readTimer(definition);
      if (kind === 'date_field') {
        const dates = formFields(useServiceRegistry(modeling)).filter((f) => f.type === 'date');
        writeTimer(element, definition, { kind, field: current.field || (dates[0] && dates[0].id) }, bpmnFactory, modeling);
      } else {
        writeTimer(element, definition, { kind, amount: current.amount || 1 }, bpmnFactory, modeling);
      }
    },
    getOptions: () => TIMER_KINDS.map(([value, label]) => ({ value, label }))
  });
}

/* The element registry behind ``modeling`` (a hook cannot be called inside a callback). */
function useServiceRegistry(modeling) {
  return modeling._elementRegistry;
}

function TimerAmount(props) {
  const { element, id } = props;
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const definition = timerDefinition(element);
  const timer = readTimer(definition);
  if (['workdays', 'calendar_days', 'hours'].indexOf(timer.kind) < 0) {
    return null;
  }
  return h(NumberFieldEntry, {
    element, id, label: '数量', min: 1, max: 3650, debounce,
    getValue: () => readTimer(definition).amount,
    setValue: (value) => writeTimer(element, definition, { kind: readTimer(definition).kind, amount: value },
                                    bpmnFactory, modeling)
  });
}

function TimerField(props) {
  const { element, id } = props;
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  const elementRegistry = useService('elementRegistry');
  const definition = timerDefinition(element);
  if (readTimer(definition).kind !== 'date_field') {
    return null;
  }
  return h(SelectEntry, {
    element, id, label: '日期字段', description: '在这个日期当天结束时到期（北京时间）。',
    getValue: () => readTimer(definition).field || '',
    setValue: (field) => writeTimer(element, definition, { kind: 'date_field', field }, bpmnFactory, modeling),
    getOptions: () => [{ value: '', label: '（请选择）' }].concat(formFields(elementRegistry)
      .filter((f) => f.type === 'date').map((f) => ({ value: f.id, label: f.label + '（' + f.id + '）' })))
  });
}

function conditionPart(part) {
  return function ConditionPart(props) {
    const { element, id } = props;
    const debounce = useService('debounceInput');
    const bpmnFactory = useService('bpmnFactory');
    const modeling = useService('modeling');
    const elementRegistry = useService('elementRegistry');
    const write = (key, value) => {
      const current = readCondition(element);
      current[key] = value;
      if (current.field) {
        writeCondition(element, conditionText(current.field, current.operator, current.value), bpmnFactory, modeling);
      }
    };
    if (part === 'field') {
      return h(SelectEntry, {
        element, id, label: '字段', description: '表单中的哪一项（选好字段、比较方式和值后自动写出条件表达式）',
        getValue: () => readCondition(element).field,
        setValue: (value) => write('field', value),
        getOptions: () => [{ value: '', label: '（请选择）' }].concat(
          formFields(elementRegistry).map((f) => ({ value: f.id, label: f.label + '（' + f.id + '）' })))
      });
    }
    if (part === 'operator') {
      const words = { '==': '等于', '!=': '不等于', '>': '大于', '>=': '大于等于', '<': '小于', '<=': '小于等于' };
      return h(SelectEntry, {
        element, id, label: '比较',
        getValue: () => readCondition(element).operator,
        setValue: (value) => write('operator', value),
        getOptions: () => OPERATORS.map((op) => ({ value: op, label: words[op] }))
      });
    }
    return h(TextFieldEntry, {
      element, id, label: '值', description: '数字直接写；“是”“否”表示勾选与否；其他按文字比较（选项写选项的代码）',
      debounce,
      getValue: () => readCondition(element).value,
      setValue: (value) => write('value', value)
    });
  };
}

function UseForm(props) {
  const { element, id } = props;
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  return h(CheckboxEntry, {
    element, id, label: '使用表单字段', description: '勾选后在“表单字段”中逐项添加：类型、标签、是否必填、选项和校验。',
    getValue: () => hasFormData(element),
    setValue: (value) => { if (value) { addFormData(element, bpmnFactory, modeling); } }
  });
}

/* Why a file is attached (engine/evidence/purposes.py). */
const PURPOSES = [['completion', '办结照片'], ['after', '处置后'], ['before', '处置前'], ['site_visit', '现场核查'],
                  ['triage', '网格员核查'], ['document', '办理文书'], ['session', '调解会谈材料'],
                  ['agreement', '调解协议'], ['minutes', '会议记录']];

function evidencePart(part) {
  return function EvidencePart(props) {
    const { element, id } = props;
    const bpmnFactory = useService('bpmnFactory');
    const modeling = useService('modeling');
    const debounce = useService('debounceInput');
    const write = (key, value) => {
      const current = readEvidence(element);
      current[key] = value;
      writeEvidence(element, current, bpmnFactory, modeling);
    };
    if (part === 'type') {
      return h(SelectEntry, {
        element, id, label: '办理证据', description: '办理这一步时必须上传的照片或文件（保存在案件的证据中，可核验）',
        getValue: () => readEvidence(element).type,
        setValue: (value) => write('type', value),
        getOptions: () => [{ value: '', label: '不需要' }, { value: 'photo', label: '照片' },
                           { value: 'file', label: '照片或文件（PDF）' }]
      });
    }
    if (!readEvidence(element).type) {
      return null;
    }
    if (part === 'purpose') {
      return h(SelectEntry, {
        element, id, label: '用途', getValue: () => readEvidence(element).purpose,
        setValue: (value) => write('purpose', value),
        getOptions: () => PURPOSES.map(([value, label]) => ({ value, label }))
      });
    }
    return h(NumberFieldEntry, {
      element, id, label: part === 'min' ? '至少几个' : '最多几个', min: part === 'min' ? 0 : 1, max: 50, debounce,
      getValue: () => readEvidence(element)[part],
      setValue: (value) => write(part, value)
    });
  };
}

function casegridGroups(element) {
  const groups = [];
  if (is(element, 'bpmn:Lane')) {
    groups.push({ id: 'casegrid__lane', label: '泳道角色', entries: [{ id: 'casegrid-lane-role', component: LaneRole }] });
  }
  if ((is(element, 'bpmn:UserTask') || (is(element, 'bpmn:StartEvent') && !timerDefinition(element)))
      && !hasFormData(element)) {
    groups.push({ id: 'casegrid__form', label: '表单', entries: [{ id: 'casegrid-use-form', component: UseForm }] });
  }
  if (is(element, 'bpmn:UserTask')) {
    groups.push({ id: 'casegrid__evidence', label: '办理证据', entries: [
      { id: 'casegrid-evidence-type', component: evidencePart('type') },
      { id: 'casegrid-evidence-purpose', component: evidencePart('purpose') },
      { id: 'casegrid-evidence-min', component: evidencePart('min') },
      { id: 'casegrid-evidence-max', component: evidencePart('max') }
    ] });
  }
  if (is(element, 'bpmn:Event') && timerDefinition(element)) {
    groups.push({ id: 'casegrid__timer', label: '时限（定时器）', entries: [
      { id: 'casegrid-timer-kind', component: TimerKind },
      { id: 'casegrid-timer-amount', component: TimerAmount },
      { id: 'casegrid-timer-field', component: TimerField }
    ] });
  }
  const bo = getBusinessObject(element);
  if (is(element, 'bpmn:SequenceFlow') && bo.sourceRef && is(bo.sourceRef, 'bpmn:Gateway')) {
    groups.push({ id: 'casegrid__condition', label: '条件助手', entries: [
      { id: 'casegrid-condition-field', component: conditionPart('field') },
      { id: 'casegrid-condition-operator', component: conditionPart('operator') },
      { id: 'casegrid-condition-value', component: conditionPart('value') }
    ] });
  }
  return groups;
}

export default function CasegridPropertiesProvider(propertiesPanel) {
  // Priority 400: after Camunda's provider (500), so its groups are there to narrow down.
  propertiesPanel.registerProvider(400, this);
}
CasegridPropertiesProvider.prototype.getGroups = function (element) {
    return function (groups) {
      const kept = groups.filter((g) => KEEP.indexOf(g.id) >= 0);
      kept.forEach((g) => {
        if (g.id === 'general' && g.entries) {
          g.entries = g.entries.filter((e) => DROP_ENTRIES.indexOf(e.id) < 0);
        }
      });
      const mine = casegridGroups(element);
      // Ours right after the general group: what a supervisor changes most.
      return kept.slice(0, 1).concat(mine, kept.slice(1));
    };
};
CasegridPropertiesProvider.$inject = ['propertiesPanel'];

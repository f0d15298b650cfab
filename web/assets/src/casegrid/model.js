/*
 * Reading and writing what casegrid keeps in a diagram, on bpmn-js business objects: a lane's role
 * (camunda:properties → casegrid.role), a timer's expression, a flow's condition, a task's form.
 * Every write goes through `modeling` so it can be undone.
 */
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

export const ROLE_PROPERTY = 'casegrid.role';

function extensionValues(bo, type) {
  const ext = bo.get('extensionElements');
  return ext ? ext.get('values').filter((v) => is(v, type)) : [];
}

export function laneRole(element) {
  const props = extensionValues(getBusinessObject(element), 'camunda:Properties')[0];
  const prop = props && props.get('values').find((p) => p.get('name') === ROLE_PROPERTY);
  return prop ? prop.get('value') : '';
}

function ensureExtensions(element, bo, bpmnFactory, modeling) {
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements: ext });
  }
  return ext;
}

function ensureOne(element, ext, type, bpmnFactory, modeling) {
  let found = ext.get('values').find((v) => is(v, type));
  if (!found) {
    found = bpmnFactory.create(type, type === 'camunda:FormData' ? { fields: [] } : { values: [] });
    found.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: ext.get('values').concat([found]) });
  }
  return found;
}

export function setLaneRole(element, role, bpmnFactory, modeling) {
  const bo = getBusinessObject(element);
  const ext = ensureExtensions(element, bo, bpmnFactory, modeling);
  const props = ensureOne(element, ext, 'camunda:Properties', bpmnFactory, modeling);
  const prop = props.get('values').find((p) => p.get('name') === ROLE_PROPERTY);
  if (!role) {
    if (prop) {
      modeling.updateModdleProperties(element, props, { values: props.get('values').filter((p) => p !== prop) });
    }
    return;
  }
  if (prop) {
    modeling.updateModdleProperties(element, prop, { value: role });
    return;
  }
  const created = bpmnFactory.create('camunda:Property', { name: ROLE_PROPERTY, value: role });
  created.$parent = props;
  modeling.updateModdleProperties(element, props, { values: props.get('values').concat([created]) });
}

export function hasFormData(element) {
  return extensionValues(getBusinessObject(element), 'camunda:FormData').length > 0;
}

export function addFormData(element, bpmnFactory, modeling) {
  const bo = getBusinessObject(element);
  const ext = ensureExtensions(element, bo, bpmnFactory, modeling);
  ensureOne(element, ext, 'camunda:FormData', bpmnFactory, modeling);
}

/* Every form field in the diagram: [{id, label, type}] (for the timer's date field and the condition helper). */
export function formFields(elementRegistry) {
  const seen = {};
  const fields = [];
  elementRegistry.getAll().forEach((el) => {
    const bo = el.businessObject;
    if (!bo || !bo.get || !(is(el, 'bpmn:UserTask') || is(el, 'bpmn:StartEvent'))) {
      return;
    }
    extensionValues(bo, 'camunda:FormData').forEach((data) => {
      (data.get('fields') || []).forEach((f) => {
        const id = f.get('id');
        if (id && !seen[id]) {
          seen[id] = true;
          fields.push({ id, label: f.get('label') || id, type: f.get('type') || 'string' });
        }
      });
    });
  });
  return fields;
}

export function timerDefinition(element) {
  const bo = getBusinessObject(element);
  return (bo.get('eventDefinitions') || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

/* The timer as the picker shows it: {kind, amount, field}; kind 'custom' when it is written otherwise. */
export function readTimer(definition) {
  const date = definition.get('timeDate');
  const duration = definition.get('timeDuration');
  const text = ((date || duration || definition.get('timeCycle') || {}).body || '').trim();
  let m;
  if (date && (m = /^workdays\((\d+)\)$/.exec(text))) {
    return { kind: 'workdays', amount: +m[1] };
  }
  if (date && (m = /^calendar_days\((\d+)\)$/.exec(text))) {
    return { kind: 'calendar_days', amount: +m[1] };
  }
  if (duration && (m = /^"?PT(\d+)H"?$/.exec(text))) {
    return { kind: 'hours', amount: +m[1] };
  }
  if (duration && (m = /^"?P(\d+)D"?$/.exec(text))) {
    return { kind: 'calendar_days', amount: +m[1] };
  }
  if (date && (m = /^end_of_day\((\w+)\)$/.exec(text))) {
    return { kind: 'date_field', field: m[1] };
  }
  return { kind: text ? 'custom' : '', amount: 1 };
}

/* Write the picker's choice as the timer expression casegrid evaluates. */
export function writeTimer(element, definition, timer, bpmnFactory, modeling) {
  const amount = Math.max(1, Math.min(3650, parseInt(timer.amount, 10) || 1));
  let attr, body;
  if (timer.kind === 'workdays') {
    attr = 'timeDate'; body = 'workdays(' + amount + ')';
  } else if (timer.kind === 'calendar_days') {
    attr = 'timeDate'; body = 'calendar_days(' + amount + ')';
  } else if (timer.kind === 'hours') {
    attr = 'timeDuration'; body = '"PT' + amount + 'H"';
  } else if (timer.kind === 'date_field' && timer.field) {
    attr = 'timeDate'; body = 'end_of_day(' + timer.field + ')';
  } else {
    return;
  }
  const expression = bpmnFactory.create('bpmn:FormalExpression', { body });
  expression.$parent = definition;
  const update = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
  update[attr] = expression;
  modeling.updateModdleProperties(element, definition, update);
}

const OPERATORS = ['==', '!=', '>', '>=', '<', '<='];
export { OPERATORS };

/* ``field op value`` as a casegrid expression: numbers and 是/否 as such, anything else as a quoted string. */
export function conditionText(field, operator, value) {
  let literal;
  const v = String(value == null ? '' : value).trim();
  if (/^-?\d+(\.\d+)?$/.test(v)) {
    literal = v;
  } else if (/^(true|是|yes)$/i.test(v)) {
    literal = 'True';
  } else if (/^(false|否|no)$/i.test(v)) {
    literal = 'False';
  } else {
    literal = "'" + v.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
  }
  return field + ' ' + (OPERATORS.indexOf(operator) >= 0 ? operator : '==') + ' ' + literal;
}

export function readCondition(element) {
  const expression = getBusinessObject(element).get('conditionExpression');
  const text = expression ? (expression.body || '').trim() : '';
  const m = /^([A-Za-z]\w*)\s*(==|!=|>=|<=|>|<)\s*(.+)$/.exec(text);
  if (!m) {
    return { field: '', operator: '==', value: '', raw: text };
  }
  let value = m[3].trim();
  if (/^'.*'$|^".*"$/.test(value)) {
    value = value.slice(1, -1);
  } else if (value === 'True') {
    value = '是';
  } else if (value === 'False') {
    value = '否';
  }
  return { field: m[1], operator: m[2], value, raw: text };
}

export function writeCondition(element, text, bpmnFactory, modeling) {
  const expression = bpmnFactory.create('bpmn:FormalExpression', { body: text });
  modeling.updateProperties(element, { conditionExpression: expression });
}

/* The evidence a task asks for: its form field ``evidence`` of type photo or file (engine/bpmn/forms.py). */
export const EVIDENCE_FIELD = 'evidence';

function formData(element) {
  return extensionValues(getBusinessObject(element), 'camunda:FormData')[0];
}

function evidenceField(element) {
  const data = formData(element);
  return data ? (data.get('fields') || []).find((f) => f.get('id') === EVIDENCE_FIELD) : undefined;
}

export function readEvidence(element) {
  const field = evidenceField(element);
  if (!field) {
    return { type: '', purpose: 'completion', min: 1, max: 6 };
  }
  const props = field.get('properties');
  const purposeProp = props && (props.get('values') || []).find((p) => p.get('id') === 'purpose');
  const constraints = (field.get('validation') && field.get('validation').get('constraints')) || [];
  const config = (name, fallback) => {
    const c = constraints.find((x) => x.get('name') === name);
    return c && c.get('config') ? parseInt(c.get('config'), 10) : fallback;
  };
  return { type: field.get('type') || 'photo', purpose: purposeProp ? purposeProp.get('value') : 'completion',
           min: config('min', 0), max: config('max', 6) };
}

/* Write the evidence requirement as the task's ``evidence`` field (type ''/none removes it). */
export function writeEvidence(element, evidence, bpmnFactory, modeling) {
  const bo = getBusinessObject(element);
  const ext = ensureExtensions(element, bo, bpmnFactory, modeling);
  const data = ensureOne(element, ext, 'camunda:FormData', bpmnFactory, modeling);
  const others = (data.get('fields') || []).filter((f) => f.get('id') !== EVIDENCE_FIELD);
  if (!evidence.type) {
    modeling.updateModdleProperties(element, data, { fields: others });
    return;
  }
  const min = Math.max(0, Math.min(50, parseInt(evidence.min, 10) || 0));
  const max = Math.max(Math.max(1, min), Math.min(50, parseInt(evidence.max, 10) || 1));
  const field = bpmnFactory.create('camunda:FormField', {
    id: EVIDENCE_FIELD, label: evidence.type === 'photo' ? '现场照片' : '证明材料', type: evidence.type });
  const purpose = bpmnFactory.create('camunda:Property', { id: 'purpose', value: evidence.purpose || 'completion' });
  const props = bpmnFactory.create('camunda:Properties', { values: [purpose] });
  const constraints = [['min', min], ['max', max]].map(([name, n]) =>
    bpmnFactory.create('camunda:Constraint', { name, config: String(n) }));
  if (min > 0) {
    constraints.unshift(bpmnFactory.create('camunda:Constraint', { name: 'required' }));
  }
  const validation = bpmnFactory.create('camunda:Validation', { constraints });
  purpose.$parent = props; props.$parent = field; validation.$parent = field; field.$parent = data;
  constraints.forEach((c) => { c.$parent = validation; });
  field.set('properties', props);
  field.set('validation', validation);
  modeling.updateModdleProperties(element, data, { fields: others.concat([field]) });
}

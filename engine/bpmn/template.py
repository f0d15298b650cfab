"""The diagram a new process starts from: one lane per working role, start → first task → end.

It publishes as it is (a supervisor may start a case of it at once and see the loop work), and
it shows the conventions a supervisor then follows: lanes named after roles, a start form whose
fields become the case's first data, a task form with a required field.
"""
from __future__ import annotations

from xml.sax.saxutils import quoteattr

from engine.people.roles import ROLE_LABELS, Role

#: The lanes of a new process, top to bottom.
TEMPLATE_ROLES = (Role.GRID_WORKER, Role.DEPARTMENT, Role.SUPERVISOR)
_LANE_HEIGHT = 160
_LEFT = 190


def blank_template(key: str, name: str) -> str:
    """A publishable diagram for process ``key`` named ``name`` (both already checked by the caller)."""
    lanes, lane_shapes = [], []
    for i, role in enumerate(TEMPLATE_ROLES):
        refs = "\n        ".join(f"<bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>"
                                 for ref in (("start", "handle", "end", "handle_deadline", "overdue")
                                             if role is Role.GRID_WORKER else ()))
        lanes.append(f'      <bpmn:lane id="lane_{role.value}" name="{ROLE_LABELS[role]}">\n        {refs}\n      </bpmn:lane>')
        lane_shapes.append(
            f'      <bpmndi:BPMNShape id="lane_{role.value}_di" bpmnElement="lane_{role.value}" isHorizontal="true">'
            f'<dc:Bounds x="{_LEFT}" y="{80 + i * _LANE_HEIGHT}" width="740" height="{_LANE_HEIGHT}"/></bpmndi:BPMNShape>')
    top = 80
    mid = top + _LANE_HEIGHT // 2
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    id="definitions_{key}" targetNamespace="https://casegrid.example/bpmn">
  <bpmn:collaboration id="collaboration_{key}">
    <bpmn:participant id="participant_{key}" name={quoteattr(name)} processRef="{key}"/>
  </bpmn:collaboration>
  <bpmn:process id="{key}" name={quoteattr(name)} isExecutable="true">
    <bpmn:laneSet id="laneset_{key}">
{chr(10).join(lanes)}
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="登记">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="title" label="标题" type="string">
            <camunda:validation><camunda:constraint name="required"/><camunda:constraint name="maxlength" config="200"/></camunda:validation>
          </camunda:formField>
          <camunda:formField id="description" label="情况说明" type="string">
            <camunda:validation><camunda:constraint name="maxlength" config="4000"/></camunda:validation>
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
      <bpmn:outgoing>flow_start_handle</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="handle" name="办理" camunda:formKey="handle">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="result" label="办理结果" type="string">
            <camunda:validation><camunda:constraint name="required"/></camunda:validation>
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_start_handle</bpmn:incoming>
      <bpmn:outgoing>flow_handle_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="handle_deadline" name="3个工作日" cancelActivity="false" attachedToRef="handle">
      <bpmn:outgoing>flow_deadline_overdue</bpmn:outgoing>
      <bpmn:timerEventDefinition id="handle_deadline_timer">
        <bpmn:timeDate>workdays(3)</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="overdue" name="超时提醒">
      <bpmn:incoming>flow_deadline_overdue</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_deadline_overdue" sourceRef="handle_deadline" targetRef="overdue"/>
    <bpmn:endEvent id="end" name="办结">
      <bpmn:incoming>flow_handle_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_start_handle" sourceRef="start" targetRef="handle"/>
    <bpmn:sequenceFlow id="flow_handle_end" sourceRef="handle" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{key}">
    <bpmndi:BPMNPlane id="plane_{key}" bpmnElement="collaboration_{key}">
      <bpmndi:BPMNShape id="participant_{key}_di" bpmnElement="participant_{key}" isHorizontal="true"><dc:Bounds x="160" y="{top}" width="770" height="{_LANE_HEIGHT * len(TEMPLATE_ROLES)}"/></bpmndi:BPMNShape>
{chr(10).join(lane_shapes)}
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="250" y="{mid - 18}" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="handle_di" bpmnElement="handle"><dc:Bounds x="400" y="{mid - 40}" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="handle_deadline_di" bpmnElement="handle_deadline"><dc:Bounds x="432" y="{mid + 22}" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="overdue_di" bpmnElement="overdue"><dc:Bounds x="520" y="{mid + 62}" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_deadline_overdue_di" bpmnElement="flow_deadline_overdue"><di:waypoint x="450" y="{mid + 58}"/><di:waypoint x="450" y="{mid + 80}"/><di:waypoint x="520" y="{mid + 80}"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="620" y="{mid - 18}" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_start_handle_di" bpmnElement="flow_start_handle"><di:waypoint x="286" y="{mid}"/><di:waypoint x="400" y="{mid}"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="flow_handle_end_di" bpmnElement="flow_handle_end"><di:waypoint x="500" y="{mid}"/><di:waypoint x="620" y="{mid}"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
'''

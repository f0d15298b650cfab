"""What changed between two versions of a diagram, element by element — not a text diff of the XML.

Both documents are read safely (:func:`engine.bpmn.parser.read_xml`) and reduced to
the facts that matter to a running process: each element's type and name, a
flow's ends and condition, a timer's kind and expression, a script, the lane a
task sits in and the members of each lane, and every form field (label, type,
validation, options). Layout (the diagram interchange part) is ignored: moving a
box is not a change.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from engine.bpmn.parser import read_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
_NS = {"bpmn": BPMN, "camunda": CAMUNDA}

#: Elements that are parts of another element (reported as a fact of their owner), or containers.
_NOT_REPORTED = frozenset({"definitions", "laneSet", "collaboration", "incoming", "outgoing", "flowNodeRef"})

#: Kind of change of an element.
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class Detail:
    """One fact that differs. ``what`` is a code the interface labels (``name``, ``condition``, ``timer``,
    ``lane``, ``members``, ``script``, ``source``, ``target``, ``attached_to``, ``type`` …; for form
    fields ``field_added``, ``field_removed``, ``field_label``, ``field_type``, ``field_validation``,
    ``field_options``, ``field_default``, ``field_properties`` with ``field`` naming the field)."""

    what: str
    old: str | None
    new: str | None
    field: str | None = None


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    element_type: str
    name: str | None
    change: str
    details: tuple[Detail, ...] = ()


@dataclass
class SpecDiff:
    changes: list[ElementChange] = field(default_factory=list)

    def ids(self, change: str) -> list[str]:
        return [c.element_id for c in self.changes if c.change == change]

    @property
    def added(self) -> list[str]:
        return self.ids(ADDED)

    @property
    def removed(self) -> list[str]:
        return self.ids(REMOVED)

    @property
    def changed(self) -> list[str]:
        return self.ids(CHANGED)

    def change_of(self, element_id: str) -> ElementChange | None:
        return next((c for c in self.changes if c.element_id == element_id), None)

    def __bool__(self) -> bool:
        return bool(self.changes)


@dataclass
class _Element:
    type: str
    name: str | None
    facts: dict[str, str | None] = field(default_factory=dict)
    form: dict[str, dict[str, str | None]] = field(default_factory=dict)


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    text = "".join(el.itertext()).strip()
    return text or None


def _timer(el: etree._Element) -> str | None:
    definition = el.find("bpmn:timerEventDefinition", _NS)
    if definition is None:
        return None
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        value = definition.find(f"bpmn:{kind}", _NS)
        if value is not None:
            return f"{kind}: {_text(value) or ''}"
    return "timer"


def _form(el: etree._Element) -> dict[str, dict[str, str | None]]:
    fields: dict[str, dict[str, str | None]] = {}
    for f in el.iterfind("bpmn:extensionElements/camunda:formData/camunda:formField", _NS):
        constraints = [f"{c.get('name')}={c.get('config')}" if c.get("config") is not None else str(c.get("name"))
                       for c in f.iterfind("camunda:validation/camunda:constraint", _NS)]
        options = [f"{v.get('id')}={v.get('name')}" for v in f.iterfind("camunda:value", _NS)]
        properties = [f"{p.get('id')}={p.get('value')}" for p in f.iterfind("camunda:properties/camunda:property", _NS)]
        fields[str(f.get("id"))] = {
            "label": f.get("label"), "type": f.get("type"), "default": f.get("defaultValue"),
            "validation": ", ".join(constraints) or None, "options": ", ".join(options) or None,
            "properties": ", ".join(properties) or None,
        }
    return fields


def _elements(root: etree._Element) -> dict[str, _Element]:
    """Every BPMN element with an id, in document order, reduced to its facts."""
    lane_of: dict[str, str] = {}
    for lane in root.iterfind(".//bpmn:lane", _NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", _NS):
            lane_of[(ref.text or "").strip()] = lane.get("name") or str(lane.get("id"))
    found: dict[str, _Element] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        qname = etree.QName(el)
        element_id = el.get("id")
        if (qname.namespace != BPMN or element_id is None or qname.localname in _NOT_REPORTED
                or qname.localname.endswith("EventDefinition")):
            continue
        kind = qname.localname
        item = _Element(kind, el.get("name"))
        facts = item.facts
        if kind == "sequenceFlow":
            facts["source"], facts["target"] = el.get("sourceRef"), el.get("targetRef")
            facts["condition"] = _text(el.find("bpmn:conditionExpression", _NS))
        elif kind == "lane":
            facts["members"] = ", ".join(sorted((r.text or "").strip() for r in el.iterfind("bpmn:flowNodeRef", _NS)))
        elif kind == "process":
            facts["executable"] = el.get("isExecutable", "true")
        else:
            facts["lane"] = lane_of.get(element_id)
            facts["timer"] = _timer(el)
            facts["attached_to"] = el.get("attachedToRef")
            # BPMN's default, which bpmn-js leaves out when it saves: not writing it is no change.
            facts["cancel_activity"] = el.get("cancelActivity", "true") if kind == "boundaryEvent" else None
            facts["script"] = _text(el.find("bpmn:script", _NS))
            facts["default_flow"] = el.get("default")
            facts["called_element"] = el.get("calledElement")
            facts["form_key"] = el.get(f"{{{CAMUNDA}}}formKey")
            item.form = _form(el)
        facts["documentation"] = _text(el.find("bpmn:documentation", _NS))
        found[element_id] = item
    return found


def _form_details(old: dict[str, dict[str, str | None]], new: dict[str, dict[str, str | None]]) -> list[Detail]:
    details: list[Detail] = []
    for field_id in [*new, *(f for f in old if f not in new)]:
        before, after = old.get(field_id), new.get(field_id)
        if before is None and after is not None:
            details.append(Detail("field_added", None, f"{after['label'] or field_id}（{after['type']}）", field_id))
        elif after is None and before is not None:
            details.append(Detail("field_removed", f"{before['label'] or field_id}（{before['type']}）", None, field_id))
        elif before is not None and after is not None:
            details += [Detail(f"field_{fact}", before[fact], after[fact], field_id)
                        for fact in after if before[fact] != after[fact]]
    return details


def _element_details(old: _Element, new: _Element) -> list[Detail]:
    details = []
    if old.type != new.type:
        details.append(Detail("type", old.type, new.type))
    if old.name != new.name:
        details.append(Detail("name", old.name, new.name))
    for fact in [*new.facts, *(f for f in old.facts if f not in new.facts)]:
        before, after = old.facts.get(fact), new.facts.get(fact)
        if before != after:
            details.append(Detail(fact, before, after))
    return details + _form_details(old.form, new.form)


def diff_xml(old_xml: str | bytes, new_xml: str | bytes) -> SpecDiff:
    """The semantic difference from ``old_xml`` to ``new_xml`` (raises :class:`SpecError` if one is not XML)."""
    old, new = _elements(read_xml(old_xml)), _elements(read_xml(new_xml))
    result = SpecDiff()
    for element_id, after in new.items():
        before = old.get(element_id)
        if before is None:
            details = tuple(_form_details({}, after.form))
            result.changes.append(ElementChange(element_id, after.type, after.name, ADDED, details))
        elif details := _element_details(before, after):
            result.changes.append(ElementChange(element_id, after.type, after.name, CHANGED, tuple(details)))
    for element_id, before in old.items():
        if element_id not in new:
            result.changes.append(ElementChange(element_id, before.type, before.name, REMOVED))
    return result

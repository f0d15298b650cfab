"""Which role does each lane stand for? Its name, or the role a supervisor mapped it to at import.

Diagrams from other modellers name lanes after jobs (申请人, 民政科, Sachbearbeiter); casegrid
assigns work by role. The import dialog writes the chosen role into the lane itself
(``camunda:properties`` → ``casegrid.role``), so the lane keeps the name people drew and the
diagram carries its own mapping wherever it goes.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from engine.people.roles import ROLE_LABELS, Role, role_for_lane

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
#: The ``camunda:property`` name that holds a lane's role code.
ROLE_PROPERTY = "casegrid.role"
_NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}


@dataclass(frozen=True)
class Lane:
    id: str
    name: str
    #: The role it stands for (mapped or by name), None when neither says.
    role: Role | None
    #: Whether the role was written into the lane (at import or in the panel) rather than read from its name.
    mapped: bool
    #: Ids of the flow nodes drawn in it.
    nodes: tuple[str, ...]


def accepted_lane_names() -> str:
    """The lane names casegrid understands, for messages: ``居民（resident）、网格员（grid_worker）…``."""
    return "、".join(f"{label}（{role.value}）" for role, label in ROLE_LABELS.items()
                    if role not in (Role.AUDITOR, Role.ADMIN))


def mapped_role(lane: etree._Element) -> str | None:
    for prop in lane.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", _NS):
        if prop.get("name") == ROLE_PROPERTY:
            return (prop.get("value") or "").strip() or None
    return None


def lanes_of(root: etree._Element) -> list[Lane]:
    """Every lane of the document, the innermost first where lanes nest (child lanes hold the work)."""
    found = []
    for lane in root.iterfind(".//bpmn:lane", _NS):
        code = mapped_role(lane)
        name = (lane.get("name") or "").strip()
        role = role_for_lane(code) if code else role_for_lane(name)
        nodes = tuple((ref.text or "").strip() for ref in lane.iterfind("bpmn:flowNodeRef", _NS))
        found.append(Lane(lane.get("id") or "", name, role, code is not None, nodes))
    # A parent lane lists its children's nodes too: the deepest lane is the one a node is drawn in.
    depth = {lane.get("id"): sum(1 for _ in lane.iterancestors(f"{{{BPMN_NS}}}lane"))
             for lane in root.iterfind(".//bpmn:lane", _NS)}
    return sorted(found, key=lambda lane: -depth.get(lane.id, 0))


def node_lanes(root: etree._Element) -> dict[str, Lane]:
    """Flow node id → the (innermost) lane it is drawn in."""
    result: dict[str, Lane] = {}
    for lane in lanes_of(root):
        for node in lane.nodes:
            result.setdefault(node, lane)
    return result


def set_lane_role(lane: etree._Element, role: Role) -> None:
    """Write ``role`` into ``lane`` (replacing an earlier mapping), keeping whatever else it carries."""
    extensions = lane.find("bpmn:extensionElements", _NS)
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        documentation = lane.find("bpmn:documentation", _NS)
        lane.insert(0 if documentation is None else 1, extensions)
    properties = extensions.find("camunda:properties", _NS)
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{CAMUNDA_NS}}}properties")
    for prop in properties.iterfind("camunda:property", _NS):
        if prop.get("name") == ROLE_PROPERTY:
            prop.set("value", role.value)
            return
    etree.SubElement(properties, f"{{{CAMUNDA_NS}}}property", name=ROLE_PROPERTY, value=role.value)

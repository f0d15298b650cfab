"""The processes casegrid ships, assembled: their form hooks and the checks their decision tables pass.

The generic case layer (:mod:`engine.cases`) knows no domain; each shipped process registers what it adds
(records on a completed form, visibility, labels) in a :class:`~engine.cases.hooks.HookRegistry`, and this
module puts them together for the services.
"""
from __future__ import annotations

from engine.cases.hooks import HookRegistry
from engine.civic.records import register as register_civic
from engine.dispatch.routing_checks import routing_table_problems
from engine.mediation.records import register as register_mediation
from engine.projects.records import register as register_projects
from engine.specs.decisions import Checker


def default_hooks() -> HookRegistry:
    """The form hooks of every process casegrid ships."""
    registry = HookRegistry()
    register_civic(registry)
    register_mediation(registry)
    register_projects(registry)
    return registry


def default_decision_checks() -> list[Checker]:
    """The checks a decision table must pass before it is published (the routing table's rules)."""
    return [routing_table_problems]

"""casegrid's scheduled work as Prefect flows (DESIGN.md §2.3): the SLA sweep and the periodic assessments.

One module per flow — :mod:`~workflows.sla_sweep`, :mod:`~workflows.weekly_dispatch`,
:mod:`~workflows.monthly_analysis`, :mod:`~workflows.quarterly_assessment` — built from the
tasks in :mod:`workflows.tasks`, which call ``engine/`` services only (:mod:`workflows.steps`).
:mod:`workflows.serve` serves them on their schedules; :mod:`workflows.cli` adds
``casegrid assess`` and ``casegrid flows serve``.

Importing this package sets Prefect's environment defaults (:mod:`workflows.environment`)
before any flow module imports Prefect, which reads its settings once, at import.
"""
from __future__ import annotations

from workflows import environment

environment.prepare()

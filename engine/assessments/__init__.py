"""Periodic assessments (DESIGN.md §2.3): weekly dispatch, monthly analysis, quarterly KPIs.

Figures are aggregated in the database, scored against the targets in
:mod:`engine.assessments.indicators`, compared with the previous period (the exit rule) and
stored as runs the web UI and the exports read. ``workflows/`` runs them as Prefect flows.
"""
from __future__ import annotations

from engine.assessments.periods import Period as Period
from engine.assessments.periods import parse_period as parse_period
from engine.assessments.service import AssessmentService as AssessmentService
from engine.assessments.store import ResultView as ResultView
from engine.assessments.store import RunReport as RunReport
from engine.assessments.store import RunSummary as RunSummary

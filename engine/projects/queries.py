"""Reading project rows (no writes here)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.errors import NotFound
from engine.projects.models import Project, ProjectEvaluation


def project_of(session: Session, case: Case) -> Project:
    project = session.get(Project, case.id)
    if project is None:
        raise NotFound("该案件不是治理项目")
    return project


def evaluations_of(session: Session, case_id: int, kind: str) -> list[ProjectEvaluation]:
    return list(session.scalars(select(ProjectEvaluation).where(
        ProjectEvaluation.case_id == case_id, ProjectEvaluation.kind == kind).order_by(ProjectEvaluation.number)))

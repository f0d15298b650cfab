"""Who may open mediations, see a mediation's pages, and see the parties' contacts unmasked."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.cases.access import check_may_view
from engine.cases.models import Case
from engine.errors import PermissionDenied
from engine.mediation.models import Mediation
from engine.mediation.queries import mediation_of
from engine.people.actor import Actor
from engine.people.roles import Role

#: Roles that register disputes (the intake lane) — the supervisor too, for disputes reported to the street.
OPENERS = frozenset({Role.GRID_WORKER.value, Role.SUPERVISOR.value})
#: Roles with a mediation workspace page; which mediations each sees is :func:`check_may_view`'s rule
#: (a mediator: only those assigned to them).
VIEWERS = frozenset({Role.MEDIATOR.value, Role.GRID_WORKER.value, Role.SUPERVISOR.value, Role.COUNCIL.value,
                     Role.AUDITOR.value})


def check_may_open(actor: Actor) -> None:
    if actor.role not in OPENERS:
        raise PermissionDenied("只有网格员和街道督办可以登记调解案件")


def check_may_view_mediation(session: Session, actor: Actor, case: Case) -> Mediation:
    """The mediation of ``case`` if ``actor`` may see it (:class:`NotFound` for one outside their reach)."""
    if actor.role not in VIEWERS:
        raise PermissionDenied("当前角色无权查看调解案件")
    check_may_view(session, actor, case)
    return mediation_of(session, case)


def may_see_contacts(actor: Actor, mediation: Mediation) -> bool:
    """Only the mediator in charge needs the parties' phones and addresses (最小必要); every other role sees them masked."""
    return actor.role == Role.MEDIATOR.value and mediation.mediator == actor.username

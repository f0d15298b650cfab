"""What a simulation run produced, counted from the database it wrote, and how to print it."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.events import CaseEvent
from engine.cases.models import Case
from engine.simulate.driver import Tally


@dataclass(frozen=True)
class Marks:
    """The highest case and event ids before the run: everything above them is the run's."""
    case_id: int
    event_id: int


def marks(session: Session) -> Marks:
    return Marks(session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0,
                 session.scalar(select(func.coalesce(func.max(CaseEvent.id), 0))) or 0)


@dataclass
class SimulationSummary:
    cases: int
    days: int
    seed: int
    first_arrival: datetime | None
    last_moment: datetime
    wall_seconds: float
    tally: Tally
    #: CPU time of this process during the run: steadier than wall time on a shared machine (it leaves out
    #: waiting for the disk and, on PostgreSQL, the server's own work).
    cpu_seconds: float = 0.0
    #: (process, outcome or status) → cases
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    events_by_type: Counter[str] = field(default_factory=Counter)
    #: sha256 over the chain heads of the run's cases in order: equal for runs with equal events.
    fingerprint: str = ""

    @property
    def events(self) -> int:
        return sum(self.events_by_type.values())

    @property
    def escalations(self) -> int:
        return self.events_by_type["escalated"]

    @property
    def reopens(self) -> int:
        return self.tally.paths["dissatisfied"] + self.tally.paths["mediation_agreement_broken"]

    @property
    def mediations(self) -> int:
        return sum(n for (process, _), n in self.outcomes.items() if process == "mediation")

    def per_second(self, count: int) -> float:
        return count / self.wall_seconds if self.wall_seconds > 0 else 0.0


def collect(session: Session, before: Marks, summary: SimulationSummary) -> None:
    """Fill in the counts the database holds for the run's cases and events."""
    rows = session.execute(select(Case.process_key, Case.status, Case.outcome, func.count())
                           .where(Case.id > before.case_id).group_by(Case.process_key, Case.status, Case.outcome))
    for process, status, outcome, count in rows:
        summary.outcomes[(process, outcome if status == "closed" else f"open ({status})")] += count
    types = session.execute(select(CaseEvent.type, func.count()).where(CaseEvent.id > before.event_id)
                            .group_by(CaseEvent.type))
    summary.events_by_type.update(dict(types.tuples().all()))
    digest = hashlib.sha256()
    for head in session.scalars(select(Case.head_hash).where(Case.id > before.case_id).order_by(Case.id)):
        digest.update(head.encode())
    summary.fingerprint = digest.hexdigest()


def format_summary(s: SimulationSummary) -> str:
    t = s.tally
    lines = [
        f"simulated {s.cases} cases over {s.days} days (seed {s.seed}), "
        f"{s.first_arrival:%Y-%m-%d} → {s.last_moment:%Y-%m-%d %H:%M} UTC" if s.first_arrival else
        f"simulated 0 cases (seed {s.seed})",
        "  outcomes:",
        *(f"    {process:10} {outcome:22} {count:6}" for (process, outcome), count in sorted(s.outcomes.items())),
        f"  events written: {s.events}  (escalations {s.escalations}, reopens {s.reopens}, "
        f"mediations {s.mediations} with {t.paths['mediation_session']} sessions)",
        f"  engine steps: {t.steps}  sweeps: {t.sweeps}  timers fired: {t.timers_fired}",
        f"  wall time: {s.wall_seconds:.1f} s  →  {s.per_second(s.cases):.1f} cases/s, "
        f"{s.per_second(t.steps):.1f} steps/s, {s.per_second(s.events):.1f} events/s "
        f"(CPU {s.cpu_seconds:.1f} s in this process)",
        f"  fingerprint: {s.fingerprint[:16]}",
    ]
    if t.diverted:
        lines.append(f"  scripts diverted: {len(t.diverted)} (first: {t.diverted[0]})")
    return "\n".join(lines)

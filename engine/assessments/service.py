"""The assessments as services: compute a period, compare it with the previous one, store the run.

The steps are separate methods so that a Prefect flow can run each as a task (with retries)
and the CLI can run the same steps without Prefect; :meth:`AssessmentService.assess` runs them
all. Reads go through :meth:`runs`, :meth:`report` and the exports (the web UI uses only these).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assessments import export, requests
from engine.assessments import store as stored
from engine.assessments.figures import ALL, Figure
from engine.assessments.indicators import COMMUNITY, DEPARTMENT, GRID, STREET
from engine.assessments.monthly import compute_month
from engine.assessments.periods import KINDS, Period, default_period, parse_period
from engine.assessments.quarterly import compute_quarter
from engine.assessments.ranking import red_black
from engine.assessments.scoring import Earlier, Scored, earlier_from_figures, score
from engine.assessments.weekly import compute_week
from engine.assessments.weights import WeightScheme, configured_scheme
from engine.calendar.store import load_calendar
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.errors import ValidationError
from engine.people.models import Department, Grid

Progress = Callable[[str], object]
STREET_NAME = "全街道"

#: A period in the future cannot be assessed (the form says so next to the period).
NOT_STARTED = "这一期尚未开始，无法评估。"
#: How many progress steps each kind reports (for a progress bar's total).
STEPS = {"quarterly": 11, "weekly": 3, "monthly": 3, "annual": 11, "triennial": 11}
#: The kinds computed like the quarter (over their whole period) and given the weighted appraisal's score.
APPRAISED = ("quarterly", "annual", "triennial")


@dataclass
class Computation:
    """The figures of one period as computed at ``computed_at``."""

    kind: str
    period: Period
    as_of: datetime
    computed_at: datetime
    figures: list[Figure]


@dataclass
class Baseline:
    """The previous assessment: a stored run, or the previous period computed now (``run_id`` None)."""

    period: Period
    run_id: int | None
    earlier: dict[tuple[str, str, str], Earlier] = field(default_factory=dict)

    @property
    def note(self) -> str:
        if self.run_id is not None:
            return f"与上期（{self.period.label}）存档评估 #{self.run_id} 比较"
        return f"上期（{self.period.label}）无存档评估，按现有数据计算后比较"


@dataclass(frozen=True)
class Units:
    """Unit names, and the units that get a row even with nothing to count (shown as n/a)."""

    names: dict[tuple[str, str], str]
    required: frozenset[tuple[str, str]]
    grid_names: dict[str, str]


class AssessmentService:
    def __init__(self, db: Database, clock: Clock | None = None, weights: WeightScheme | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        #: The weighted appraisal's scheme (``$CASEGRID_ASSESSMENT_WEIGHTS`` or the demo's when not given).
        self.weights = weights or configured_scheme()

    # -- the steps of a run ----------------------------------------------------------------------

    def resolve(self, kind: str, period: str | None = None) -> Period:
        """The period to assess: ``period`` parsed, or what a scheduled run assesses now."""
        if kind not in KINDS:
            raise ValidationError("评估类型有误", {"kind": f"应为 {', '.join(KINDS)}"})
        return parse_period(kind, period) if period else default_period(kind, self.clock.now())

    def compute(self, period: Period, *, as_of: datetime | None = None, detail: bool = True,
                progress: Progress | None = None) -> Computation:
        """The figures of ``period`` as they stand at ``as_of`` (default: the period's end, or now if sooner)."""
        now = self.clock.now()
        as_of = min(as_of or period.end, period.end, now)
        step = progress or (lambda _name: None)
        with self.db.reading() as s:
            units = _units(s)
            calendar = load_calendar(s, now)
            if period.kind in APPRAISED:
                # A year and three years are computed like a quarter over their whole span: rates are then the
                # quarters' numerators over their denominators, exactly, and medians are the span's own.
                figures = compute_quarter(s, period, now=as_of, calendar=calendar, unit_names=units.names,
                                          required=units.required, progress=step)
                figures += self.weights.score(figures)
            elif period.kind == "weekly":
                figures = compute_week(s, period, as_of=as_of, calendar=calendar, unit_names=units.names,
                                       required=units.required, with_detail=detail)
                step("counted")
            else:
                figures = compute_month(s, period, grid_names=units.grid_names)
                # The month's hotline indicators per unit, then the 红黑榜 scored from them.
                month = compute_quarter(s, period, now=as_of, calendar=calendar, unit_names=units.names,
                                        required=units.required)
                figures += red_black(month)
                step("counted")
        return Computation(period.kind, period, as_of, now, figures)

    def baseline(self, computation: Computation, progress: Progress | None = None) -> Baseline:
        """The previous assessment to compare with: its stored run if any, else computed now.

        A weekly snapshot taken mid-week is compared with the previous week at the same moment.
        """
        previous = computation.period.previous()
        with self.db.reading() as s:
            run = stored.latest_run(s, computation.kind, previous.label)
            if run is not None:
                (progress or (lambda _n: None))("baseline")
                return Baseline(previous, run.id, stored.earlier_from_run(s, run.id))
        as_of = computation.as_of - timedelta(days=7) if computation.kind == "weekly" else previous.end
        figures = self.compute(previous, as_of=as_of, detail=False, progress=progress).figures
        return Baseline(previous, None, earlier_from_figures(figures))

    def score(self, computation: Computation, baseline: Baseline) -> list[Scored]:
        """Targets, trends and — for the quarterly assessment — the exit rule."""
        return score(computation.figures, baseline.earlier, exit_rule=computation.kind == "quarterly")

    def store(self, computation: Computation, baseline: Baseline, scored: list[Scored], *,
              triggered_by: str) -> int:
        """Write the run and its results in one transaction; the run's id."""
        with self.db.transaction() as s:
            run = stored.save_run(s, kind=computation.kind, period=computation.period, as_of=computation.as_of,
                                 started_at=computation.computed_at, finished_at=self.clock.now(),
                                 triggered_by=triggered_by, previous_run_id=baseline.run_id, scored=scored,
                                 note=baseline.note)
            return run.id

    def assess(self, kind: str, period: str | None = None, *, triggered_by: str = "cli",
               progress: Progress | None = None) -> int:
        """Run every step: the stored run's id."""
        computation = self.compute(self.resolve(kind, period), progress=progress)
        baseline = self.baseline(computation, progress=progress)
        run_id = self.store(computation, baseline, self.score(computation, baseline), triggered_by=triggered_by)
        if progress:
            progress("stored")
        return run_id

    # -- runs asked for in the web UI (engine/assessments/requests.py) -----------------------------

    def default_period(self, kind: str) -> Period:
        """The period offered first: the latest one with data (see requests.latest_period_with_data)."""
        if kind not in KINDS:
            raise ValidationError("评估类型有误", {"kind": f"应为 {', '.join(KINDS)}"})
        with self.db.reading() as s:
            return requests.latest_period_with_data(s, kind, self.clock.now())

    def request(self, kind: str, period: str | None, *, by: str, runner: str = "in_process") -> requests.RequestView:
        """Check the kind and period and queue the run; the caller starts :meth:`execute` (thread or flow)."""
        resolved = self.resolve(kind, period) if period else self.default_period(kind)
        if resolved.start > self.clock.now():
            raise ValidationError("评估期尚未开始", {"period": NOT_STARTED})
        with self.db.transaction() as s:
            return requests.add_request(s, kind, resolved.label, by=by, at=self.clock.now(), runner=runner,
                                        steps_total=STEPS[kind] + 1)

    def execute(self, request_id: int, *, triggered_by: str = "web") -> requests.RequestView:
        """Carry out a queued request, counting each step on its row; a failure is recorded, not raised."""
        with self.db.reading() as s:
            queued = requests.request_view(s, request_id)

        def step(_name: str) -> None:
            with self.db.transaction() as s:
                requests.mark_step(s, request_id)

        step("started")
        try:
            run_id = self.assess(queued.kind, queued.period, triggered_by=triggered_by, progress=step)
        except Exception as exc:  # noqa: BLE001 — the person who asked sees why; the server keeps serving
            with self.db.transaction() as s:
                requests.fail(s, request_id, error=str(getattr(exc, "message", "") or exc), at=self.clock.now())
        else:
            with self.db.transaction() as s:
                requests.finish(s, request_id, run_id=run_id, at=self.clock.now())
        with self.db.reading() as s:
            return requests.request_view(s, request_id)

    def fail_request(self, request_id: int, why: str) -> None:
        """A request nobody could start (the Prefect server down): failed, with why, rather than queued forever."""
        with self.db.transaction() as s:
            requests.fail(s, request_id, error=why, at=self.clock.now())

    def request_status(self, request_id: int) -> requests.RequestView:
        with self.db.reading() as s:
            return requests.request_view(s, request_id)

    def record_flow_run(self, request_id: int, flow_run_id: str) -> None:
        with self.db.transaction() as s:
            requests.mark_flow_run(s, request_id, flow_run_id)

    def recent_requests(self, limit: int = 10) -> list[requests.RequestView]:
        with self.db.reading() as s:
            return requests.recent_requests(s, limit)

    # -- reading ---------------------------------------------------------------------------------

    def runs(self, kind: str | None = None, limit: int = 100) -> list[stored.RunSummary]:
        with self.db.reading() as s:
            return stored.list_runs(s, kind, limit)

    def report(self, run_id: int) -> stored.RunReport:
        with self.db.reading() as s:
            return stored.run_report(s, run_id)

    def history(self, kind: str, unit_type: str = STREET, unit_code: str = ALL,
                limit: int = 8) -> dict[str, list[tuple[str, float | None]]]:
        """indicator → (period, value) of one unit over the last ``limit`` periods assessed (trend charts)."""
        with self.db.reading() as s:
            return stored.history(s, kind, unit_type, unit_code, limit)

    def csv(self, run_id: int) -> bytes:
        return export.to_csv(self.report(run_id))

    def xlsx(self, run_id: int) -> bytes:
        return export.to_xlsx(self.report(run_id))


def _units(session: Session) -> Units:
    names: dict[tuple[str, str], str] = {(STREET, ALL): STREET_NAME}
    required = {(STREET, ALL)}
    for code, name, active in session.execute(select(Department.code, Department.name, Department.active)):
        names[(DEPARTMENT, code)] = name
        if active:
            required.add((DEPARTMENT, code))
    grid_names = {}
    for code, name, community in session.execute(select(Grid.code, Grid.name, Grid.community)):
        names[(COMMUNITY, community)] = community
        names[(GRID, code)] = f"{community} · {name}"
        grid_names[code] = name
        required |= {(COMMUNITY, community), (GRID, code)}
    return Units(names, frozenset(required), grid_names)

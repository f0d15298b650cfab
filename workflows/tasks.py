"""Prefect tasks: each wraps one step of :mod:`workflows.steps` and logs what it did.

Retries where a retry can help: every step either reads, or writes in one transaction that
is idempotent or all-or-nothing (firing timers skips cases already fired; a failed store
writes nothing), so a database hiccup (SQLite busy, a PostgreSQL failover) is worth another
try. ``NO_CACHE`` everywhere: these steps read a changing database, so their inputs never
identify their result, and hashing a :class:`Computation` of many figures would cost for nothing.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from engine.assessments.periods import Period
from engine.assessments.service import Baseline, Computation
from engine.calendar import CHINA_TZ
from engine.sweep.cycle import counts_line
from workflows import steps

#: The sweeper name of the ``sla-sweep`` deployment's runs, and their schedule (workflows/serve.py).
PREFECT_HOLDER, SWEEP_EVERY = "prefect:sla-sweep", timedelta(minutes=1)
#: Two more tries, 5 s and then 30 s later, for steps that touch the database.
RETRIES, RETRY_DELAYS = 2, [5.0, 30.0]


@task(name="sweep-cycle", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE)
def sweep_cycle(db_url: str | None = None, sender: str | None = None) -> dict[str, Any]:
    """Every stage of the SLA sweep once, under the sweep lease: counts per stage."""
    # Every scheduled run is the same sweeper: one holder name, renewing the lease a run keeps for the next.
    report = steps.sweep_once(db_url, sender, holder=PREFECT_HOLDER, interval=SWEEP_EVERY)
    log = get_run_logger()
    if report is None:
        log.info("another process holds the sweep lease and sweeps; nothing done")
        return {"lease": "held by another process"}
    log.info("sweep: %s", counts_line(report))
    for stage, error in report.errors.items():
        log.warning("sweep stage %s failed: %s", stage, error)
    if report.count("timers", "failed"):
        log.warning("%s case(s) failed and are incidents now", report.count("timers", "failed"))
    return dict(report.stages)


@task(name="resolve-period", cache_policy=NO_CACHE)
def resolve_period(kind: str, period: str | None = None, db_url: str | None = None) -> Period:
    resolved = steps.resolve_period(kind, period, db_url)
    get_run_logger().info("%s %s: %s to %s (Beijing time)", kind, resolved.label, resolved.first_day,
                          resolved.end_day - timedelta(days=1))
    return resolved


@task(name="compute-figures", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE)
def compute_figures(period: Period, db_url: str | None = None) -> Computation:
    computation = steps.compute_figures(period, db_url)
    get_run_logger().info("%s figures for %s as of %s (Beijing time) on %s", len(computation.figures), period.label,
                          computation.as_of.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"), steps.safe_url(db_url))
    return computation


@task(name="load-previous-assessment", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE)
def load_baseline(computation: Computation, db_url: str | None = None) -> Baseline:
    baseline = steps.load_baseline(computation, db_url)
    get_run_logger().info(baseline.note)
    return baseline


@task(name="store-results", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE)
def store_results(computation: Computation, baseline: Baseline, db_url: str | None = None,
                  triggered_by: str = "prefect") -> int:
    run_id = steps.store_results(computation, baseline, db_url, triggered_by)
    get_run_logger().info("stored as assessment run #%s", run_id)
    return run_id


@task(name="summarise", cache_policy=NO_CACHE)
def summarise(run_id: int, db_url: str | None = None) -> dict[str, Any]:
    summary = steps.summarise(run_id, db_url)
    log = get_run_logger()
    log.info("%(title)s %(period)s: run #%(run_id)s, %(figures)s figures %(statuses)s", summary)
    for unit in summary["flagged"]:
        log.warning("exit rule: %s below target in two consecutive assessments", unit)
    return summary


def assessment(kind: str, period: str | None, db_url: str | None) -> dict[str, Any]:
    """The body the three assessment flows share: one task per step."""
    resolved = resolve_period(kind, period, db_url)
    computation = compute_figures(resolved, db_url)
    baseline = load_baseline(computation, db_url)
    run_id = store_results(computation, baseline, db_url)
    return summarise(run_id, db_url)

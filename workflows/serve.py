"""The four flows on their schedules against the Prefect server at ``PREFECT_API_URL``: served by this
process (``casegrid flows serve``), or registered as deployments of a work pool (``casegrid flows deploy``)
whose runs a Prefect worker starts (``casegrid flows worker``) — the production setup.

Schedules are in Beijing time. No database URL is passed as a parameter: it would show (with
any password) in the Prefect UI; the flow runs read ``CASEGRID_DATABASE_URL`` (or the instance
folder) from the serving process's environment instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from prefect import Flow, deploy, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule

from workflows.monthly_analysis import monthly_analysis
from workflows.quarterly_assessment import quarterly_assessment
from workflows.requested_assessment import requested_assessment
from workflows.sla_sweep import sla_sweep
from workflows.tasks import SWEEP_EVERY
from workflows.weekly_dispatch import weekly_dispatch

TIMEZONE = "Asia/Shanghai"
DEPLOYMENT = "casegrid"
#: The work pool ``casegrid flows deploy`` registers the deployments in, and the worker polls.
POOL = "casegrid"


@dataclass(frozen=True)
class Plan:
    flow_name: str
    schedule: Schedule
    #: How the schedule reads in ``casegrid flows serve``'s start-up message.
    when: str


PLANS: dict[Flow[..., Any], Plan] = {
    sla_sweep: Plan("sla-sweep", Interval(SWEEP_EVERY, timezone=TIMEZONE), "每分钟"),
    weekly_dispatch: Plan("weekly-dispatch", Cron("0 8 * * 1", timezone=TIMEZONE), "每周一 08:00，本周"),
    monthly_analysis: Plan("monthly-analysis", Cron("0 7 1 * *", timezone=TIMEZONE), "每月 1 日 07:00，上月"),
    quarterly_assessment: Plan("quarterly-assessment", Cron("0 7 1 1,4,7,10 *", timezone=TIMEZONE),
                               "每季度首日 07:00，上季度"),
}


def deployments() -> list[RunnerDeployment]:
    found: list[Any] = []  # to_deployment is typed as maybe-async; called here, it returns the deployment
    for flow, plan in PLANS.items():
        # One sweep at a time: a sweep still running when the next minute comes makes the new one
        # cancel itself (overlap would be safe, only wasteful).
        limit = (ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
                 if flow is sla_sweep else None)
        found.append(flow.to_deployment(name=DEPLOYMENT, schedules=[plan.schedule], concurrency_limit=limit,
                                        entrypoint_type=EntrypointType.MODULE_PATH, tags=["casegrid"]))
    # No schedule: the web UI starts it for a run someone asked for (workflows/launch.py).
    found.append(requested_assessment.to_deployment(name=DEPLOYMENT, entrypoint_type=EntrypointType.MODULE_PATH,
                                                    tags=["casegrid"]))
    return found


def serve_all() -> None:
    """Register the deployments and run their scheduled flow runs until interrupted."""
    serve(*deployments(), print_starting_message=False)


def ensure_pool(pool: str = POOL) -> None:
    """Create the process work pool if the server has none of that name (its default job template)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(
                name=pool, type="process", base_job_template=ProcessWorker.get_default_base_job_template(),
                description="casegrid: SLA sweep, weekly dispatch, monthly analysis, quarterly assessment"))


def deploy_all(pool: str = POOL) -> list[UUID]:
    """Register the four flows as deployments of ``pool`` (created if missing), with their schedules.

    The flows are referred to by module path (``workflows.sla_sweep:sla_sweep``): the worker's machine has
    casegrid installed, so nothing needs uploading or building.
    """
    ensure_pool(pool)
    return deploy(*deployments(), work_pool_name=pool, print_next_steps_message=False, ignore_warnings=True)

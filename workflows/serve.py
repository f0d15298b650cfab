"""The four flows on their schedules, served by this process against the Prefect server at ``PREFECT_API_URL``.

Schedules are in Beijing time. No database URL is passed as a parameter: it would show (with
any password) in the Prefect UI; the flow runs read ``CASEGRID_DATABASE_URL`` (or the instance
folder) from the serving process's environment instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from prefect import Flow, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule

from workflows.monthly_analysis import monthly_analysis
from workflows.quarterly_assessment import quarterly_assessment
from workflows.sla_sweep import sla_sweep
from workflows.weekly_dispatch import weekly_dispatch

TIMEZONE = "Asia/Shanghai"
DEPLOYMENT = "casegrid"


@dataclass(frozen=True)
class Plan:
    flow_name: str
    schedule: Schedule
    #: How the schedule reads in ``casegrid flows serve``'s start-up message.
    when: str


PLANS: dict[Flow[..., Any], Plan] = {
    sla_sweep: Plan("sla-sweep", Interval(timedelta(minutes=1), timezone=TIMEZONE), "每分钟"),
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
    return found


def serve_all() -> None:
    """Register the deployments and run their scheduled flow runs until interrupted."""
    serve(*deployments(), print_starting_message=False)

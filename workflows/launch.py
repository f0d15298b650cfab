"""Start the flow run of an assessment someone asked for in the web UI (``requested-assessment``).

Used by the web app when ``PREFECT_API_URL`` is set: the deployment must be registered
(``casegrid flows serve`` or ``casegrid flows deploy``); the run is started and not waited for.
"""
from __future__ import annotations

from workflows import environment

environment.prepare()

from prefect.deployments import run_deployment  # noqa: E402  (after the environment is prepared)

from workflows.serve import DEPLOYMENT  # noqa: E402

DEPLOYMENT_NAME = f"requested-assessment/{DEPLOYMENT}"


def start_requested_assessment(request_id: int) -> str:
    """The flow run's id; it runs on the Prefect server's worker or serving process."""
    run = run_deployment(name=DEPLOYMENT_NAME, parameters={"request_id": request_id}, timeout=0)
    return str(run.id)

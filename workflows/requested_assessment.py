"""An assessment someone started in the web UI: the flow run carries out the queued request.

The web app queues the request (engine/assessments/requests.py) and, when a Prefect server is
configured, starts this flow's deployment with the request's id; the flow counts each step on the
request's row, so the progress page reads the same whether Prefect or the web server did the work.
"""
from __future__ import annotations

from typing import Any

from prefect import flow

from workflows import steps


@flow(name="requested-assessment", description=__doc__.splitlines()[0])
def requested_assessment(request_id: int, db_url: str | None = None) -> dict[str, Any]:
    done = steps.assessment_service(db_url).execute(request_id, triggered_by="prefect")
    return {"request": done.id, "status": done.status, "run": done.run_id, "error": done.error}

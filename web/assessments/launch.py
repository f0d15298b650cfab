"""Who carries out an assessment someone asked for: a thread of this web server, or a Prefect flow run.

With ``PREFECT_API_URL`` set (a Prefect server serving casegrid's deployments), the request is
handed to the ``requested-assessment`` deployment; otherwise a thread of this process runs it.
Either way the request's row shows the progress (engine/assessments/requests.py).
"""
from __future__ import annotations

import logging
import os
import threading

from engine.assessments import AssessmentService

log = logging.getLogger("casegrid.assessments")


class InProcessLauncher:
    runner = "in_process"

    def __init__(self, service: AssessmentService) -> None:
        self.service = service
        self._threads: list[threading.Thread] = []

    def start(self, request_id: int) -> None:
        thread = threading.Thread(target=self._run, args=(request_id,), daemon=True,
                                  name=f"casegrid-assessment-{request_id}")
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run(self, request_id: int) -> None:
        # execute() records a failed run on its row; what it cannot record (the row gone, the database
        # down) is logged here rather than killing the thread with a traceback on stderr.
        try:
            self.service.execute(request_id)
        except Exception:  # noqa: BLE001
            log.exception("assessment request %s could not run", request_id)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the runs this process started (tests, and a clean shutdown)."""
        for thread in list(self._threads):
            thread.join(timeout)


class PrefectLauncher:
    runner = "prefect"

    def __init__(self, service: AssessmentService) -> None:
        self.service = service

    def start(self, request_id: int) -> None:
        from workflows.launch import start_requested_assessment  # Prefect is imported only when configured

        self.service.record_flow_run(request_id, start_requested_assessment(request_id))

    def join(self, timeout: float | None = None) -> None:
        return None


def launcher_for(service: AssessmentService, prefect_api_url: str | None = None) -> InProcessLauncher | PrefectLauncher:
    url = prefect_api_url if prefect_api_url is not None else os.environ.get("PREFECT_API_URL", "")
    return PrefectLauncher(service) if url else InProcessLauncher(service)

"""Prefect settings casegrid needs, set before Prefect is first imported (it reads them at import).

Only defaults: a value already in the environment wins, so an operator can point
``PREFECT_HOME`` elsewhere or turn logging up. Why each one (see STACK.md, Prefect 3.8):

- ``PREFECT_HOME`` inside the instance folder: Prefect's own SQLite database and settings stay
  with the installation instead of ``~/.prefect``.
- ``PREFECT_SERVER_ANALYTICS_ENABLED=false`` and ``DO_NOT_TRACK=1``: the street office's
  machines are offline; telemetry look-ups would delay every exit by seconds.
- ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=90``: the 20 s default times out when a
  temporary server starts on a busy 2-core machine.
- ``PREFECT_LOGGING_EXTRA_LOGGERS=casegrid``: the engine's own log lines (the notification
  sender's, for one) show in the Prefect UI beside the flow's;
  ``PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW=ignore``: the same loggers also write outside any
  flow run (``casegrid flows sweep``, the serving process), where Prefect would otherwise warn
  that it cannot send the line to its API.
"""
from __future__ import annotations

import logging
import os

from engine.config import instance_path

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "casegrid",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
}


def prepare() -> None:
    """Fill in the defaults above (idempotent) and let ``casegrid.*`` loggers pass INFO lines."""
    os.environ.setdefault("PREFECT_HOME", str(instance_path() / "prefect"))
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    logger = logging.getLogger("casegrid")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)

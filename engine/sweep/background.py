"""The sweep inside a long-running process (``casegrid serve`` / ``demo``): a daemon thread running one
cycle every interval. Every process may run one; the lease lets exactly one of them sweep at a time."""
from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import timedelta

from engine.clock import Clock
from engine.db import Database
from engine.sweep.cycle import counts_line, new_holder, release, run_cycle
from engine.sweep.stages import Stage

log = logging.getLogger("casegrid.sweep")

#: Every minute, as DESIGN.md §2.3 asks: a deadline that passes escalates within a minute.
INTERVAL = timedelta(minutes=1)


class BackgroundSweeper:
    def __init__(self, db: Database, clock: Clock, stages: Sequence[Stage], interval: timedelta = INTERVAL,
                 holder: str | None = None) -> None:
        self.db = db
        self.clock = clock
        self.stages = list(stages)
        self.interval = interval
        self.holder = holder or new_holder("web")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="casegrid-sweep", daemon=True)

    def start(self) -> BackgroundSweeper:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Finish the running cycle, stop, and give the lease back so another process takes over at once."""
        self._stop.set()
        self._thread.join(timeout)
        try:
            release(self.db, self.holder)
        except Exception:  # noqa: BLE001  (stopping: the lease then simply expires)
            log.warning("the sweep lease could not be given back; it expires by itself")

    def run_once(self) -> None:
        """One cycle; never raises (the thread must outlive a database hiccup)."""
        try:
            report = run_cycle(self.db, self.clock, self.stages, holder=self.holder, interval=self.interval)
        except Exception:  # noqa: BLE001
            log.exception("sweep cycle failed; the next one runs in %s", self.interval)
            return
        if report is not None and any(v for counts in report.stages.values() for v in counts.values()):
            log.info("sweep: %s", counts_line(report))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval.total_seconds())

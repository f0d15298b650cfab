"""The workflows this process stepped last, kept in memory so that the next step skips ``load_snapshot``.

An entry is the :class:`~engine.runtime.Instance` a step left behind together with the snapshot text it
saved. It is used only when the locked case row, read in the step's own transaction, still holds that very
text, at the same version, on the same parsed spec: any other writer (another process, a rolled-back
transaction, a migration, an older snapshot format) leaves a row that does not match, and the step loads
from the row as before. A step *takes* its entry out of the cache before the engine touches it and puts one
back only when it has saved the result, so a step that fails leaves no half-changed workflow behind.

A kept workflow is the same computation as a reloaded one because the snapshot is a faithful copy of what the
engine reads: the test suite replays every demo and simulated case through snapshot round trips and compares
byte for byte (``casegrid verify``), and the cache is off with ``CASEGRID_WORKFLOW_CACHE=0``.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

from engine.bpmn.parser import ParsedProcess
from engine.bpmn.serializer import as_loaded
from engine.cases.models import Case
from engine.runtime import Instance

#: Workflows kept per process (a civic-loop workflow holds some 50–100 KB in memory).
DEFAULT_SIZE = 512


@dataclass
class _Entry:
    version: int
    snapshot: str
    instance: Instance


class WorkflowCache:
    """Least recently stepped cases leave first. Threads share it (a step takes its entry out, so no two
    steps hold the same workflow; two steps of one case are ordered by the case's row lock)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def take(self, case: Case, process: ParsedProcess) -> Instance | None:
        """The kept workflow of ``case`` if the row still holds what it saved; it leaves the cache either way."""
        with self._lock:
            entry = self._entries.pop(case.id, None) if case.id is not None else None
        if (entry is None or entry.version != case.version or entry.instance.process is not process
                or entry.snapshot != case.snapshot):
            self.misses += 1
            return None
        self.hits += 1
        instance = entry.instance
        instance.fired_timers = []  # what a fresh load starts with
        instance._ready = None
        return instance

    def put(self, case: Case, instance: Instance) -> None:
        """Keep the workflow a step has just saved into ``case.snapshot`` at ``case.version``."""
        if self.size <= 0 or case.id is None:
            return
        as_loaded(instance.workflow)
        with self._lock:
            self._entries[case.id] = _Entry(case.version, case.snapshot, instance)
            self._entries.move_to_end(case.id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def drop(self, case_id: int) -> None:
        with self._lock:
            self._entries.pop(case_id, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _size_from_environment() -> int:
    try:
        return int(os.environ.get("CASEGRID_WORKFLOW_CACHE", DEFAULT_SIZE))
    except ValueError:
        return DEFAULT_SIZE


#: The one cache of this process.
workflows = WorkflowCache(_size_from_environment())

"""Interrupt a step whose thread has used up its CPU budget, even in the middle of one long operation.

The step budget (engine/bpmn/limits.py) is also checked between engine tasks, but a single task can
run long by itself: SpiffWorkflow walking a deep tree, a timer computed month by month. A watchdog
thread looks every :data:`TICK` seconds at the CPU clock of each thread running a step and, past its
deadline, raises :class:`StepInterrupted` in that thread (``PyThreadState_SetAsyncExc``). Python
delivers it at the thread's next bytecode boundary, so a pure-Python loop stops within a tick; an
operation inside C (one huge integer multiplication) is not interruptible by any thread — those are
bounded before they start (engine/bpmn/limits.py, the restricted evaluator).

Why a thread and not a worker process with a hard timeout: the step would have to ship its workflow to
the worker and back (a serialize and a deserialize, milliseconds) on every task completion; arming the
watchdog costs microseconds (bench/bounded_step.py). The process is never killed, so a bomb costs one
request its answer and nobody else theirs.

Only the code between :func:`armed` entering and leaving can be interrupted: no database call runs there,
and an interruption that arrives as the step ends is cleared before the caller goes on.
"""
from __future__ import annotations

import ctypes
import gc
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: How often the watchdog looks, in seconds: how far past its budget a step can run.
TICK = 0.05
#: Wall time a step may take, as a multiple of its CPU budget. The budget is CPU time so that a loaded
#: machine does not fail a legitimate step (milliseconds of CPU); but a bomb on a machine that gives it a
#: quarter of a core would hold its case's lock (on SQLite: every write) four times as long. No real step
#: comes near either bound.
WALL_FACTOR = 3.0


class StepInterrupted(BaseException):
    """Raised into a step's thread when its budget ran out (a BaseException: no ``except Exception`` keeps it)."""


@dataclass
class _Step:
    thread_id: int
    cpu_clock: int
    deadline: float
    wall_deadline: float
    fired: bool = False
    #: (CPU, wall) clock when a garbage collection began in the step's thread, while it runs.
    collecting: tuple[float, float] | None = None
    #: CPU seconds the step's thread spent collecting garbage (not the step's own work).
    collected: float = 0.0


_lock = threading.Lock()
_steps: dict[int, _Step] = {}
_thread: threading.Thread | None = None


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    # None clears a pending exception that was not delivered yet.
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


def _watch() -> None:
    while True:
        time.sleep(TICK)
        with _lock:
            for thread_id, step in list(_steps.items()):
                try:
                    used = time.clock_gettime(step.cpu_clock)
                except OSError:  # the thread is gone
                    del _steps[thread_id]
                    continue
                if step.collecting is not None:  # raised now, it would land in the collector's callback and be lost
                    continue
                if used > step.deadline or time.monotonic() > step.wall_deadline:
                    step.fired = True
                    del _steps[thread_id]
                    _set_async_exc(thread_id, StepInterrupted)


def _on_collection(phase: str, _info: dict[str, int]) -> None:
    """A garbage collection runs in whatever thread allocates: in a process with a large heap (a long-lived server,
    a test worker) a full one can take seconds that are not the step's work. Its time moves the step's deadlines on."""
    step = _steps.get(threading.get_ident())
    if step is None:
        return
    if phase == "start":
        step.collecting = (time.clock_gettime(step.cpu_clock), time.monotonic())
    elif step.collecting is not None:
        cpu, wall = step.collecting
        spent = time.clock_gettime(step.cpu_clock) - cpu
        step.deadline += spent
        step.wall_deadline += time.monotonic() - wall
        step.collected += spent
        step.collecting = None


gc.callbacks.append(_on_collection)


def collected_seconds() -> float:
    """CPU seconds this thread's current step has spent in garbage collections (0 outside a step)."""
    step = _steps.get(threading.get_ident())
    return step.collected if step is not None else 0.0


def _ensure_watching() -> None:
    global _thread
    if _thread is None or not _thread.is_alive():
        with _lock:
            if _thread is None or not _thread.is_alive():
                _thread = threading.Thread(target=_watch, name="casegrid-step-watchdog", daemon=True)
                _thread.start()


def _after_fork() -> None:  # a forked worker has no watchdog thread and maybe a lock held by none of its threads
    global _lock, _thread
    _lock, _thread = threading.Lock(), None
    _steps.clear()


os.register_at_fork(after_in_child=_after_fork)


@contextmanager
def armed(budget_seconds: float, *, wall_limit: bool = True) -> Iterator[None]:
    """Run the body with ``budget_seconds`` of this thread's CPU time (and :data:`WALL_FACTOR` times as much
    wall time); past either, :class:`StepInterrupted`.

    ``wall_limit=False`` where the body holds no lock (a replay): the wall limit only bounds how long a step
    holds its case, and on a starved machine it would fail a replay that is merely slow."""
    _ensure_watching()
    thread_id = threading.get_ident()
    cpu_clock = time.pthread_getcpuclockid(thread_id)
    step = _Step(thread_id, cpu_clock, time.clock_gettime(cpu_clock) + budget_seconds,
                 time.monotonic() + budget_seconds * WALL_FACTOR if wall_limit else math.inf)
    with _lock:
        outer = _steps.get(thread_id)
        _steps[thread_id] = step
    try:
        yield
    finally:
        with _lock:
            fired = step.fired
            if outer is not None and not fired:
                _steps[thread_id] = outer
            else:
                _steps.pop(thread_id, None)
        if fired:
            _set_async_exc(thread_id, None)  # fired as the body ended: not delivered, and never will be
    if fired:
        raise StepInterrupted()

"""Fixed-window rate-limit counters in this process's memory (``memory://`` and the fallback when Redis is down).

limits' own ``MemoryStorage`` starts a timer thread to expire keys on most increments; counted on every
public request that cost ≈3 ms each on a busy 2-core machine (measured: a public GET 3.3 → 6.3 ms). These
counters expire lazily instead. Same interface as :class:`limits.strategies.FixedWindowRateLimiter`
(``test``, ``hit``, ``get_window_stats``), same semantics: a window starts at its first hit.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from limits import RateLimitItem
from limits.util import WindowStats

#: Hits between two sweeps of windows that have ended (one entry per client address and limit).
PRUNE_EVERY = 1000


class Window(Protocol):
    def test(self, item: RateLimitItem, *identifiers: str) -> bool: ...

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool: ...

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...


class LocalFixedWindow:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key → (window end, hits)
        self._lock = threading.Lock()
        self._hits = 0

    def _current(self, item: RateLimitItem, identifiers: tuple[str, ...], now: float) -> tuple[str, float, int]:
        key = item.key_for(*identifiers)
        end, hits = self._windows.get(key, (0.0, 0))
        return (key, end, hits) if end > now else (key, now + item.get_expiry(), 0)

    def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        with self._lock:
            _, _, hits = self._current(item, identifiers, self._clock())
            return hits < item.amount

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        now = self._clock()
        with self._lock:
            key, end, hits = self._current(item, identifiers, now)
            if hits >= item.amount:
                return False
            self._windows[key] = (end, hits + 1)
            self._hits += 1
            if self._hits % PRUNE_EVERY == 0:
                self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
            return True

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        with self._lock:
            _, end, hits = self._current(item, identifiers, self._clock())
            return WindowStats(end, max(0, item.amount - hits))

"""What the figure scripts share: percentiles, the machine, a figure row everyone prints the same way.

Every figure script prints its results as lines ``FIGURE <key> | <what> | <value> | <target> | <met>``
(besides its own prose) and may write them as JSON with ``--json``; ``bench/run_all.py`` collects
those rows into the table at the top of ``bench/RESULTS.md``.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


@dataclass
class Figure:
    """One measured number against its DESIGN.md §4 target."""

    key: str
    what: str
    value: float
    unit: str
    #: The target as written, e.g. "≤ 50 ms"; empty when the figure is only a reference.
    target: str = ""
    #: True/False against the target; None when there is none.
    met: bool | None = None
    note: str = ""

    def line(self) -> str:
        verdict = "" if self.met is None else ("met" if self.met else "MISSED")
        return f"FIGURE {self.key} | {self.what} | {self.value:.4g} {self.unit} | {self.target} | {verdict} | {self.note}"


class Figures:
    """Collects the figures of a run, prints each as it comes, writes them as JSON at the end."""

    def __init__(self) -> None:
        self.items: list[Figure] = []

    def add(self, key: str, what: str, value: float, unit: str, target: str = "", limit: float | None = None,
            higher_is_better: bool = False, note: str = "") -> Figure:
        met = None
        if limit is not None:
            met = value >= limit if higher_is_better else value <= limit
        figure = Figure(key, what, value, unit, target, met, note)
        self.items.append(figure)
        print(figure.line(), flush=True)
        return figure

    def write(self, path: str | None, extra: dict | None = None) -> None:
        if path:
            Path(path).write_text(json.dumps({"figures": [asdict(f) for f in self.items], **(extra or {})},
                                             ensure_ascii=False, indent=1), encoding="utf-8")


@contextmanager
def scratch_sqlite(name: str) -> Iterator[str]:
    """A SQLite URL in a fresh temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="casegrid-bench-") as folder:
        yield f"sqlite:///{Path(folder) / name}"


def machine() -> dict[str, str]:
    """CPU, cores, RAM, Python, SQLite and PostgreSQL server versions (what RESULTS.md states)."""
    import sqlite3

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    pg = "?"
    try:
        pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "show server_version"],
                            capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "ram": ram, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "postgresql": pg, "os": platform.platform()}


def git_head() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


@dataclass(frozen=True)
class Receiver:
    """bench/webhook_receiver.py running in its own process, on ``port``."""

    port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stats(self) -> dict[str, int]:
        """What it counted so far: accepted, refused (bad signature) and duplicate deliveries."""
        with urllib.request.urlopen(self.url("/stats"), timeout=10) as answer:
            return dict(json.loads(answer.read()))


@contextmanager
def webhook_receiver(secret: str) -> Iterator[Receiver]:
    """A signed-webhook receiver in its own process (the sender's CPU is not shared with it), stopped on exit."""
    process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("webhook_receiver.py")),
                                "--secret", secret], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield Receiver(int(process.stdout.readline()))
    finally:
        process.terminate()
        process.wait(timeout=10)

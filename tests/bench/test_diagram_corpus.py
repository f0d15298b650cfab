"""docs/diagram_corpus.md is what bench/diagram_corpus.py gives on the committed diagrams, so a fresh clone
reproduces its figures; and no diagram of the corpus crashes the checker, hangs it or gets a message without
Chinese. Regenerate the report with ``python bench/diagram_corpus.py`` when a change moves a figure."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "docs" / "diagram_corpus.md"


def _corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_diagram_corpus", ROOT / "bench" / "diagram_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _figures(report: str) -> list[str]:
    """The report's count tables (outcomes and by source): the rows a reader quotes."""
    head = report.split("## Why the refused ones")[0]
    return [line for line in head.splitlines() if line.startswith("|")]


def test_the_committed_report_is_what_the_committed_diagrams_give() -> None:
    corpus = _corpus()
    sources = list(corpus.DEFAULT_SOURCES)
    verdicts = corpus.judge_all(sources)
    assert len(verdicts) >= 40
    assert [v.path.name for v in verdicts if v.outcome in ("crashed", "hung")] == []
    assert [p.message for v in verdicts for p in v.problems if not corpus._CJK.search(p.message)] == []
    regenerated = corpus.report(verdicts, sources)
    assert _figures(REPORT.read_text(encoding="utf-8")) == _figures(regenerated), (
        "docs/diagram_corpus.md is out of date: run python bench/diagram_corpus.py")
    # Public exports of other tools are part of it, not only casegrid's own fixtures.
    assert sum(1 for v in verdicts if "miwg" in v.path.parts) >= 10

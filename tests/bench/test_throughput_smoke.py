"""``bench/throughput.py`` in a smoke size, so the throughput benchmark cannot rot (no timing is asserted)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from collections.abc import Iterator
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "throughput.py"


@pytest.fixture(scope="module")
def throughput() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("bench_throughput", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_a_tiny_run_reports_cases_per_second_beside_bare_spiffworkflow(
        throughput: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "throughput.json"
    assert throughput.main(["--cases", "6", "--days", "1", "--bare-cases", "3", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "sqlite" in printed and "cases/s" in printed and "ratio" in printed
    [run] = json.loads(out.read_text())
    assert run["backend"] == "sqlite" and run["cases"] == 6
    assert run["cases_per_s"] > 0 and run["ratio"] > 0
    assert run["bare"]["cases"] == 3 and run["bare"]["unmatched"] == 0
    assert run["diverted"] == 0


def test_bad_arguments_stop_with_a_usage_error(throughput: ModuleType) -> None:
    with pytest.raises(SystemExit) as stopped:
        throughput.main(["--cases", "0"])
    assert stopped.value.code == 2

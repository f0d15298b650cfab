"""The wheel a new user installs with `pip install .` carries every file the product reads at run time.

Helpers and developers run editable installs, which read files straight from the checkout; only a built
wheel shows a seed diagram, template or static asset left out of setup.cfg's package data (routing.dmn once
was, and `casegrid demo` failed on a fresh machine).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Files the running product opens by path; Python modules are packaged by `packages = find:`.
RUNTIME_DATA = ("bpmn/", "web/", "engine/migrations/")


def _tracked_data_files() -> set[str]:
    listed = subprocess.run(["git", "ls-files", *RUNTIME_DATA], cwd=ROOT, capture_output=True, text=True, check=True)
    names = set(listed.stdout.split())
    skipped_suffixes = (".py", ".keep", ".mjs", "package.json", "package-lock.json", ".md", ".pot")
    return {name for name in names if not name.endswith(skipped_suffixes) and "/assets/" not in name}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no list of tracked files to compare with")
    # Built from a clean copy of the checkout: an in-tree build reuses egg-info left by earlier builds, whose
    # file list can smuggle in what setup.cfg no longer names.
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(out), str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return zipfile.ZipFile(next(out.glob("casegrid-*.whl")))


def test_the_wheel_carries_every_seed_diagram_template_and_static_asset(wheel: zipfile.ZipFile) -> None:
    packaged = set(wheel.namelist())
    missing = sorted(name for name in _tracked_data_files() if name not in packaged)
    assert not missing, f"left out of setup.cfg's package data: {missing[:20]}"


def test_the_wheel_carries_the_routing_table_beside_the_diagrams(wheel: zipfile.ZipFile) -> None:
    assert {"bpmn/civic_loop.bpmn", "bpmn/mediation.bpmn", "bpmn/routing.dmn"} <= set(wheel.namelist())

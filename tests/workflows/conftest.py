"""Prefect for the workflow tests: a private PREFECT_HOME, and one test server for the whole session."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

# Prefect reads its settings when first imported, which happens while pytest collects the test
# modules: point its home at a throwaway folder before that (never the developer's ~/.prefect).
_home = tempfile.mkdtemp(prefix="casegrid-prefect-")
atexit.register(shutil.rmtree, _home, True)
os.environ["PREFECT_HOME"] = _home
os.environ.pop("PREFECT_API_URL", None)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A temporary Prefect API (≈ 8 s to start): only the few tests that run real flows use it."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield

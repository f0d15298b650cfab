"""The seed process diagrams loaded as version 1 by ``casegrid init``."""
from __future__ import annotations

from pathlib import Path

#: Folder holding the ``*.bpmn`` seed files shipped with the package.
SEED_DIR = Path(__file__).resolve().parent


def seed_files() -> list[Path]:
    """The seed diagrams, in a stable order."""
    return sorted(SEED_DIR.glob("*.bpmn"))

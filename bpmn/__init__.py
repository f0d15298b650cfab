"""The seed process diagrams and decision tables loaded by ``casegrid init``."""
from __future__ import annotations

from pathlib import Path

#: Folder holding the ``*.bpmn`` seed files shipped with the package.
SEED_DIR = Path(__file__).resolve().parent


def seed_files() -> list[Path]:
    """The seed diagrams, in a stable order."""
    return sorted(SEED_DIR.glob("*.bpmn"))


def seed_decision_files() -> list[Path]:
    """The seed decision tables (DMN), in a stable order: the routing table (权责清单)."""
    return sorted(SEED_DIR.glob("*.dmn"))

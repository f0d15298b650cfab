"""The floors of ``engine/``: which of its packages may import which (issue 27).

Read from the source with :mod:`ast` (nothing is imported), so the test sees every ``import`` and
``from … import``, local ones inside functions included. A package or top-level module of ``engine/``
may import only what stands on a lower floor in :data:`FLOORS`: the order itself is the list of allowed
arrows, and since it is an order no two folders can import each other.

The arrows that still run up the floors today are listed, module by module, in :data:`UPWARD`. That
list only shrinks: a new upward import fails the test, and so does an entry that no longer happens
(remove it when a move makes it true).
"""
from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"

#: engine/'s packages and top-level modules, lowest floor first; each may import only those before it.
FLOORS = [
    # the ground: no domain, no case
    "errors", "clock", "config", "db", "cli_support", "spreadsheet_cells", "append_only", "schema",
    "calendar",
    "org", "people",
    # the SpiffWorkflow adapter and the process definitions it runs
    "bpmn", "labels", "specs", "runtime",
    # the generic case layer
    "cases",
    # the domains, on top of the cases
    "privacy", "evidence", "routing", "civic", "council", "notify", "dispatch", "mediation", "projects", "incidents",
    "joint", "field", "assessments", "rectification", "public",
    # the audit workspace: verification, replay and bundles read every domain
    "audit",
    # integrations that open cases of the domains and send what became of them (12345 work orders)
    "hotline",
    "sweep",
    # assembly: the services wired with the shipped processes, the demo, the simulation, the CLI
    "processes", "demo", "simulate", "models", "bootstrap", "cli_format", "cli_commands", "cli", "__init__",
]

#: Today's upward arrows: importing module (relative to engine/) → the higher package it imports.
UPWARD = {
    # CLI commands inside lower packages reach the database set-up
    ("audit.cli", "bootstrap"), ("audit.log_cli", "bootstrap"), ("people.tokens_cli", "bootstrap"),
    ("simulate.cli", "bootstrap"), ("specs.cli", "bootstrap"), ("privacy.cli", "bootstrap"),
    ("bpmn.forms", "evidence"),
    # the cases know their domains (issue 27, step 3: they register through the hook registry instead)
    ("cases.access", "civic"), ("cases.read_models", "civic"),
    ("cases.access", "mediation"),
    ("cases.operations", "evidence"),
    ("cases.read_models", "privacy"),
    ("privacy.shredding", "notify"),
    ("civic.records", "dispatch"),
    # the versions page counts the open cases on each version, and the service moves them (cases.migration)
    ("specs.decision_service", "cases"), ("specs.service", "cases"),
    # the services default to the shipped processes' hooks (engine/processes.py assembles them from the domains)
    ("cases.service", "processes"), ("people.service", "processes"), ("council.service", "processes"),
    ("dispatch.service", "processes"), ("mediation.service", "processes"), ("projects.service", "processes"),
    ("field.service", "processes"),
    ("specs.decision_service", "processes"), ("specs.service", "processes"),
    # the case service's reading side: replay and verify (audit), a report's photos, 我的报告, the timer sweep
    ("cases.service", "audit"), ("cases.service", "evidence"), ("cases.service", "public"), ("cases.service", "sweep"),
    # which processes a category may send reports to
    ("people.service", "specs"),
    # the event log is under the cases (engine/cases/chain.py, events.py, record_rows.py); the domains' fact rows
    # and the joint meetings' leaves are still registered in audit/ (fact_rows, joint_log), which the chain loads
    ("cases.chain", "audit"),
    # personal values in the chain are digests keyed by the case's data key (engine/privacy/keys.py)
    ("cases.row_digests", "privacy"),
    # photos, sensitive notes and a mediation party's contact are read through the access log (数据使用备案),
    # which lives in audit/
    ("evidence.service", "audit"), ("field.files", "audit"), ("field.service", "audit"),
    ("mediation.read_models", "audit"),
}


@cache
def _trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), str(path))) for path in sorted(ENGINE.rglob("*.py"))]


def _imports() -> dict[tuple[str, str], list[str]]:
    """(importing module, imported package) → where, for every import between two floors of engine/."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path, tree in _trees():
        rel = path.relative_to(ENGINE)
        if rel.parts[0] == "migrations":
            continue
        module = ".".join(rel.with_suffix("").parts)
        floor = rel.with_suffix("").parts[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "engine" and len(parts) > 1 and parts[1] != floor:
                    found[(module, parts[1])].append(f"engine/{rel}:{node.lineno}")
    return found


def _floor(module: str) -> str:
    return module.split(".")[0]


def test_every_package_of_engine_has_a_floor():
    units = {p.stem if p.is_file() else p.name for p in ENGINE.iterdir()
             if (p.is_file() and p.suffix == ".py") or (p / "__init__.py").is_file()}
    assert units - set(FLOORS) == set(), "place the new package in FLOORS"
    assert set(FLOORS) - units == set(), "a package is gone: take it out of FLOORS"


def test_imports_run_down_the_floors():
    upward = {(module, target): where for (module, target), where in _imports().items()
              if FLOORS.index(target) > FLOORS.index(_floor(module))}
    new = {arrow: where for arrow, where in upward.items() if arrow not in UPWARD}
    assert new == {}, ("an import runs up the floors of engine/: import from a lower floor (FLOORS), or move the "
                       "code; an arrow that must stay for now goes in UPWARD with why")
    gone = UPWARD - set(upward)
    assert gone == set(), "these arrows no longer run upward: remove them from UPWARD"


def test_engine_imports_neither_flask_nor_prefect():
    for path, tree in _trees():
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"flask", "prefect", "werkzeug"}, f"{path}: imports {name}"

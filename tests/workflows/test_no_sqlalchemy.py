"""The flows reach the database through the engine's services only (issue 27): no module of workflows/ imports
SQLAlchemy. Read from the source with :mod:`ast`, local imports included."""
from __future__ import annotations

import ast
from pathlib import Path

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def test_no_module_of_workflows_imports_sqlalchemy():
    found = []
    for path in sorted(WORKFLOWS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.name}:{node.lineno} {name}" for name in names if name.split(".")[0] == "sqlalchemy"]
    assert found == []

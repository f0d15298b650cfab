"""``casegrid`` loads a command's module only when that command runs: ``--help`` lists every command from its
table line without importing the engine's domains, Flask or Prefect, and the lines say what the commands say."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import engine
from engine.cli import COMMANDS, load, main
from web.cli_table import COMMANDS as WEB_COMMANDS
from workflows.cli_table import COMMANDS as WORKFLOW_COMMANDS

TABLES = COMMANDS | WEB_COMMANDS | WORKFLOW_COMMANDS


@pytest.mark.parametrize("name", sorted(TABLES))
def test_each_table_line_is_the_commands_own_short_help(name: str) -> None:
    target, line = TABLES[name]
    command = load(target)
    assert command.name == name
    assert click.Command(name, help=line).get_short_help_str(500) == command.get_short_help_str(500)


def test_help_lists_every_command_of_every_part() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(TABLES)


@pytest.mark.parametrize("args,heavy", [
    (["--help"], {"flask", "prefect", "SpiffWorkflow", "sqlalchemy", "engine.cases.service", "web.app"}),
    # validating a diagram needs the parser, never the database, the services, Flask or Prefect
    (["process", "validate", "bpmn/civic_loop.bpmn"], {"flask", "prefect", "engine.cases.service", "engine.bootstrap"}),
])
def test_a_quick_command_imports_nothing_heavy(args: list[str], heavy: set[str]) -> None:
    probe = ("import sys\nfrom engine.cli import main\n"
             f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
             f"heavy = {heavy!r}\n"
             "print(sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_command_runs_after_its_lazy_load() -> None:
    result = CliRunner().invoke(main, ["process", "--help"])
    assert result.exit_code == 0 and "validate" in result.output, result.output
    assert isinstance(main.get_command(click.Context(main), "process"), click.Group)


def test_the_engines_exports_are_the_names_type_checkers_see() -> None:
    tree = ast.parse(Path(engine.__file__).read_text(encoding="utf-8"))
    checked = {alias.asname or alias.name: node.module for node in ast.walk(tree) if isinstance(node, ast.If)
               for statement in node.body if isinstance(statement, ast.ImportFrom)
               for alias in statement.names for node in [statement]}
    assert checked == engine._EXPORTS  # noqa: SLF001
    assert all(getattr(engine, name) is not None for name in engine.__all__)

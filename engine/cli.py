"""The ``casegrid`` command: a root group that imports a command's module only when that command runs.

SpiffWorkflow, SQLAlchemy's models, Flask and Prefect take seconds to import on a busy 2-core machine; with
every command loaded up front, ``casegrid --help`` and a one-diagram ``casegrid process validate`` paid for all of
them. Each entry below names where a command lives and the line ``--help`` shows for it; the web and workflows
parts add their own tables through the ``casegrid.cli`` entry points, so the engine never imports them by name.
tests/engine/test_cli_lazy.py checks every table against the commands themselves.
"""
from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from importlib.metadata import entry_points

import click

#: A command: "module:attribute" of the click command, and its one line for ``casegrid --help``.
Lazy = tuple[str, str]

COMMANDS: dict[str, Lazy] = {
    "init": ("engine.cli_commands:init", "Create or migrate the database and load the seed process diagrams."),
    "demo": ("engine.cli_commands:demo", "Seed a demo street office, drive cases through every path of the civic "
             "loop, then serve the UI (sweeping due deadlines every minute in the background)."),
    "cases": ("engine.cli_commands:cases", "List cases: tracking code, process, status, phase, outcome, title."),
    "show": ("engine.cli_commands:show", "Print a case (by tracking code or id) with its open work and its events."),
    "replay": ("engine.cli_commands:replay",
               "Rebuild a case from its events alone and print the state after event SEQ."),
    "verify": ("engine.cli_commands:verify", "Check every hash chain, that every case replays to its snapshot, and "
               "every evidence file's hash."),
    "evidence-sweep": ("engine.cli_commands:evidence_sweep", "Remove uploaded files that no case refers to "
                       "(reports abandoned after their photos) once past AGE."),
    "tick": ("engine.cli_commands:tick", "Fire every due timer now (what the scheduled SLA sweep calls)."),
    "process": ("engine.specs.cli:process", "Process diagrams: validate files, list and publish versions."),
    "simulate": ("engine.simulate.cli:simulate",
                 "Drive a district's workload through the engine in simulated time and print what happened."),
    "tokens": ("engine.people.tokens_cli:tokens",
               "Manage API tokens (an integration acts as an account, with its role)."),
    "export": ("engine.audit.cli:export", "Write a case's signed, self-contained history (diagram, events, "
               "snapshot, inclusion proofs, evidence files) to FILE."),
    "verify-bundle": ("engine.audit.cli:verify_bundle_command", "Check an exported bundle without the database: "
                      "hash chain, replay to the snapshot, signature and proofs."),
    "checkpoint": ("engine.audit.cli:checkpoint", "Sign a tree head of the Merkle log now (the sweep does every "
                   "10 minutes), or check them with --verify."),
    "privacy": ("engine.privacy.cli:privacy",
                "Personal data: the data catalogue (数据目录), retention and erasure (个人信息删除)."),
    "units": ("engine.cli_commands:units", "The organisation tree (市 → 区 → 街道 → 社区), or one unit's effective "
              "configuration and where each part comes from."),
    "audit": ("engine.audit.log_cli:audit", "The Merkle log of everything: signing key, signed tree heads, proofs "
              "and the auditor's check."),
}


def load(target: str) -> click.Command:
    module, _, attribute = target.partition(":")
    command = getattr(import_module(module), attribute)
    assert isinstance(command, click.Command), target
    return command


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; ``--help`` lists them from their table lines."""

    def __init__(self, *args: object, lazy: Mapping[str, Lazy], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(load(self.lazy[cmd_name][0]), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = [(name, self.commands[name].get_short_help_str(limit) if name in self.commands
                 else click.Command(name, help=self.lazy[name][1]).get_short_help_str(limit)) for name in names]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _plugin_commands() -> dict[str, Lazy]:
    """The tables contributed by the other parts (web, workflows) through the ``casegrid.cli`` entry points."""
    found: dict[str, Lazy] = {}
    for entry_point in entry_points(group="casegrid.cli"):
        found.update(entry_point.load())
    return found


@click.group(cls=LazyGroup, lazy=COMMANDS | _plugin_commands())
def main() -> None:
    """casegrid — 社区治理案件管理（case management for community governance)."""

"""Stored snapshots outlive the code that wrote them: older formats are brought up to date on load.

A snapshot's envelope carries ``format`` (casegrid's envelope, :data:`SNAPSHOT_FORMAT`) and
``serializer_version`` (SpiffWorkflow's workflow dict). An open case may sit for months while the
software is upgraded; its snapshot is migrated when it is next loaded, one version at a time, by
the functions registered here — keyed by the version they upgrade from, as SpiffWorkflow's own
``serializer/migration/version_migration.py`` does — instead of stranding the case. Nothing is
rewritten in place: the next step stores the snapshot in the current format.

Format history:

- 1: ``ids_issued``, ``visited``, ``workflow`` (the instance without its spec), ``serializer_version``.
- 2: adds ``process``, the process key the workflow runs (a snapshot loaded against another process's
  spec is refused instead of failing somewhere inside SpiffWorkflow).
- 3: a task's ``delta.deletions`` sorted (one text per state, whether the workflow was just loaded or kept in
  memory since the last step: :mod:`engine.cases.workflow_cache`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.bpmn.parser import ParsedProcess

#: Version of the snapshot envelope; bump it and register a migration from the previous one.
SNAPSHOT_FORMAT = 3

Envelope = dict[str, Any]
#: Upgrades an envelope in place by one version; the process is the one it is being loaded for.
Migration = Callable[[Envelope, ParsedProcess], None]


def _format_1_to_2(envelope: Envelope, process: ParsedProcess) -> None:
    envelope["process"] = process.key


def _format_2_to_3(envelope: Envelope, process: ParsedProcess) -> None:
    workflow = envelope.get("workflow") or {}
    for tasks in [workflow.get("tasks") or {}, *((sp or {}).get("tasks") or {}
                                                   for sp in (workflow.get("subprocesses") or {}).values())]:
        for task in tasks.values():
            delta = task.get("delta") if isinstance(task, dict) else None
            if isinstance(delta, dict) and isinstance(delta.get("deletions"), list):
                delta["deletions"] = sorted(delta["deletions"])


#: Envelope format → the migration to the next format.
FORMAT_MIGRATIONS: dict[int, Migration] = {1: _format_1_to_2, 2: _format_2_to_3}
#: SpiffWorkflow serializer version → the migration of the workflow dict to the next one it writes.
#: SpiffWorkflow's own migrations expect the spec inside the dict; ours stores it by reference, so an
#: upgrade of SpiffWorkflow that bumps its serializer version registers its adapted migration here.
SERIALIZER_MIGRATIONS: dict[str, tuple[str, Migration]] = {}


class SnapshotFormatError(ValueError):
    """A snapshot no registered migration can bring to the current format."""


def migrate(envelope: Envelope, process: ParsedProcess, serializer_version: str) -> Envelope:
    """``envelope`` in the current format and SpiffWorkflow serializer version (changed in place)."""
    fmt = envelope.get("format")
    while fmt != SNAPSHOT_FORMAT:
        step = FORMAT_MIGRATIONS.get(fmt) if isinstance(fmt, int) else None
        if step is None:
            raise SnapshotFormatError(f"快照格式 {fmt!r} 无法迁移到当前格式 {SNAPSHOT_FORMAT}")
        step(envelope, process)
        fmt = envelope["format"] = fmt + 1
    while envelope.get("serializer_version") != serializer_version:
        found = SERIALIZER_MIGRATIONS.get(str(envelope.get("serializer_version")))
        if found is None:
            raise SnapshotFormatError(f"快照的 SpiffWorkflow 序列化版本 {envelope.get('serializer_version')!r} "
                                      f"无法迁移到 {serializer_version}")
        to_version, step = found
        step(envelope, process)
        envelope["serializer_version"] = to_version
    if envelope.get("process") != process.key:
        raise SnapshotFormatError(f"快照属于流程 {envelope.get('process')!r}，不能按流程 {process.key!r} 读取")
    return envelope

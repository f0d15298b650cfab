"""The process registry as the interfaces use it: one transaction per call.

Supervisors keep drafts, validate, publish with a change note, retire, compare two
versions and move open cases to a newer version. ``web/processes`` and the
``casegrid process`` commands call this class; neither touches the tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from engine.bpmn.importing import ImportReview, apply_import, check_key, check_name, review
from engine.bpmn.template import blank_template
from engine.cases import migration
from engine.cases.hooks import HookRegistry
from engine.cases.migration import CaseMigration
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.errors import CasegridError, ConflictError, ValidationError
from engine.people.actor import Actor
from engine.people.roles import Role
from engine.processes import default_hooks
from engine.specs import operations, queries
from engine.specs.diff import SpecDiff, diff_xml
from engine.specs.models import ProcessVersion, VersionedDocument
from engine.specs.registry import process_of
from engine.specs.validation import Problem, problems_of


@dataclass(frozen=True)
class VersionRow:
    id: int
    key: str
    version: int
    name: str
    status: str
    created_at: datetime
    published_at: datetime | None
    published_by: str | None
    change_note: str | None
    sha256: str
    #: Open cases pinned to this version.
    open_cases: int


@dataclass(frozen=True)
class ProcessSummary:
    key: str
    #: Name of the version new cases start on (or of the newest version if none is published).
    name: str
    #: Id of the version new cases start on, if any.
    current_id: int | None
    versions: list[VersionRow] = field(default_factory=list)


@dataclass
class MigrationResult:
    moved: list[str] = field(default_factory=list)
    #: tracking code → why the case did not move.
    refused: dict[str, str] = field(default_factory=dict)


def version_row(version: VersionedDocument, open_cases: dict[int, int]) -> VersionRow:
    return VersionRow(version.id, version.key, version.version, version.name, version.status, version.created_at,
                      version.published_at, version.published_by, version.change_note, version.sha256,
                      open_cases.get(version.id, 0))


class ProcessService:
    def __init__(self, db: Database, clock: Clock | None = None, hooks: HookRegistry | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.hooks = hooks or default_hooks()

    # -- reading ---------------------------------------------------------------------------------

    def processes(self) -> list[ProcessSummary]:
        """Every process with all its versions, newest first, and the open cases pinned to each."""
        with self.db.reading() as s:
            counts = migration.open_case_counts(s)
            summaries: dict[str, ProcessSummary] = {}
            for version in queries.versions_of(s):
                summary = summaries.get(version.key)
                if summary is None:
                    summary = summaries[version.key] = ProcessSummary(version.key, version.name, None)
                summary.versions.append(version_row(version, counts))
        result = []
        for summary in summaries.values():
            current = next((v for v in summary.versions if v.status == "published"), None)
            result.append(ProcessSummary(summary.key, current.name if current else summary.name,
                                         current.id if current else None, summary.versions))
        return result

    def versions(self, key: str) -> list[VersionRow]:
        with self.db.reading() as s:
            counts = migration.open_case_counts(s)
            return [version_row(v, counts) for v in queries.versions_of(s, key)]

    def version(self, version_id: int) -> ProcessVersion:
        """One version with its XML (:class:`NotFound` if there is none)."""
        with self.db.reading() as s:
            return queries.version_by_id(s, version_id)

    def validate(self, version_id: int) -> list[Problem]:
        """Why the version could not be published (empty: it could)."""
        with self.db.reading() as s:
            version = queries.version_by_id(s, version_id)
            return problems_of(version.xml, version.key, session=s)

    def diff(self, old_id: int, new_id: int) -> SpecDiff:
        with self.db.reading() as s:
            old, new = queries.version_by_id(s, old_id), queries.version_by_id(s, new_id)
            return diff_xml(old.xml, new.xml)

    def element_names(self, version_id: int) -> dict[str, str]:
        """BPMN id → the name people see (the id itself for an element drawn without a name)."""
        with self.db.reading() as s:
            process = process_of(s, version_id)
        names: dict[str, str] = {}
        for spec in (process.spec, *process.subprocess_specs.values()):
            for task_spec in spec.task_specs.values():
                bpmn_id = getattr(task_spec, "bpmn_id", None)
                if bpmn_id:
                    names[bpmn_id] = getattr(task_spec, "bpmn_name", None) or bpmn_id
        return names

    def migration_plan(self, from_version_id: int, to_version_id: int) -> list[CaseMigration]:
        with self.db.reading() as s:
            return migration.plan(s, from_version_id, to_version_id)

    # -- changing --------------------------------------------------------------------------------

    def save_draft(self, version_id: int, xml: str, by: str) -> ProcessVersion:
        """Save the editor's diagram: over ``version_id`` if it is a draft, else as a new draft of it."""
        with self.db.transaction() as s:
            version = queries.version_by_id(s, version_id)
            if version.status == "draft":
                return operations.update_draft(s, version, xml, by=by, at=self.clock.now())
            return operations.save_draft(s, version, xml, by=by, at=self.clock.now())

    def new_draft(self, from_version_id: int, by: str) -> ProcessVersion:
        """A draft that starts as a copy of ``from_version_id``."""
        with self.db.transaction() as s:
            base = queries.version_by_id(s, from_version_id)
            return operations.save_draft(s, base, base.xml, by=by, at=self.clock.now())

    def publish(self, version_id: int, note: str, by: str) -> ProcessVersion:
        """Check the draft and publish it as the newest version; :class:`SpecError` lists what is wrong."""
        try:
            with self.db.transaction() as s:
                draft = queries.version_by_id(s, version_id)
                return operations.publish_draft(s, draft, by=by, at=self.clock.now(), note=note)
        except IntegrityError:
            raise ConflictError("同时有另一个版本正在发布，请刷新后重试") from None

    def create_blank(self, key: str, name: str, by: str) -> ProcessVersion:
        """A new process from the blank template (one lane per working role), as a draft."""
        key, name = check_key(key), check_name(name)
        if key in {"start", "handle", "end", "handle_deadline", "overdue"}:
            raise ValidationError("流程信息有误", {"key": f"{key} 是模板中步骤的标识，请换一个流程标识"})
        with self.db.transaction() as s:
            return operations.create_process(s, key, name, blank_template(key, name), by=by, at=self.clock.now())

    def review_import(self, xml: str) -> ImportReview:
        """What the import dialog asks about ``xml``: lanes to map, conditions to confirm (nothing is stored)."""
        return review(xml)

    def import_diagram(self, xml: str, key: str, name: str, by: str, lane_roles: dict[str, Role] | None = None,
                       translate_conditions: bool = True) -> ProcessVersion:
        """A new process from another modeller's diagram, with the dialog's answers written into it, as a draft."""
        key, name = check_key(key), check_name(name)
        rewritten = apply_import(xml, key=key, name=name, lane_roles=lane_roles,
                                 translate_conditions=translate_conditions)
        with self.db.transaction() as s:
            return operations.create_process(s, key, name, rewritten, by=by, at=self.clock.now())

    def remap_draft(self, version_id: int, by: str, lane_roles: dict[str, Role],
                    translate_conditions: bool = True, lane_for_all: Role | None = None) -> ProcessVersion:
        """Apply the import dialog's answers to a draft already stored (mapping lanes later)."""
        with self.db.transaction() as s:
            draft = queries.version_by_id(s, version_id)
            rewritten = apply_import(draft.xml, key=draft.key, name=draft.name, lane_roles=lane_roles,
                                     translate_conditions=translate_conditions, lane_for_all=lane_for_all)
            return operations.update_draft(s, draft, rewritten, by=by, at=self.clock.now())

    def publishable(self) -> list[ProcessSummary]:
        """The processes new cases can start on (those with a published version)."""
        return [p for p in self.processes() if p.current_id is not None]

    def publish_file(self, xml: str, note: str, by: str) -> ProcessVersion:
        """Publish a diagram straight from a file (``casegrid process publish``)."""
        with self.db.transaction() as s:
            return operations.publish(s, xml, by=by, at=self.clock.now(), note=note)

    def retire(self, version_id: int, by: str) -> ProcessVersion:
        with self.db.transaction() as s:
            return operations.retire(s, queries.version_by_id(s, version_id), by=by, at=self.clock.now())

    def discard(self, version_id: int, by: str) -> None:
        with self.db.transaction() as s:
            operations.discard_draft(s, queries.version_by_id(s, version_id), by=by)

    def migrate(self, from_version_id: int, to_version_id: int, actor: Actor,
                case_ids: list[int] | None = None) -> MigrationResult:
        """Move the chosen open cases (default: every one that can) of one version to another.

        One transaction per case, so a case that cannot move does not hold back the others.
        """
        chosen = set(case_ids) if case_ids is not None else None
        plan = self.migration_plan(from_version_id, to_version_id)
        result = MigrationResult()
        for entry in plan:
            if chosen is not None and entry.case_id not in chosen:
                continue
            if chosen is None and not entry.can_migrate:
                continue
            try:
                with self.db.transaction() as s:
                    migration.migrate_case(s, entry.case_id, to_version_id, actor=actor, at=self.clock.now(),
                                           hooks=self.hooks)
            except CasegridError as exc:
                result.refused[entry.tracking_code] = exc.message
            else:
                result.moved.append(entry.tracking_code)
        if chosen is not None:
            planned = {e.case_id for e in plan}
            for case_id in sorted(chosen - planned):
                result.refused[str(case_id)] = "该案件不是此版本的在办案件"
        return result

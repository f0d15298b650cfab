"""Rows a user reads as fact are committed to by the case's hash chain (issue 18, item 5).

A *fact row* (a case's title and outcome, a rating, an assignment and its times, a vote …)
lives in its own table so pages and assessments can read it with SQL. Its values are also
written into the ``_rows`` member of the payload of the next event its case appends, in the
same transaction::

    "_rows": {"rating/7": {"value": "satisfied", "rated_at": "2026-03-02T04:00:00.000000Z", …}}

(a row deleted by the step is committed as its key with ``null``)
so the chain (and every head signed over it) holds the row as it was written; ``verify``
compares each stored row with the last values its case's events hold for it
(:mod:`engine.audit.record_checks`). Rows are tracked through the ORM session: every fact
row added or changed since its case's last event is pending, and :func:`rows_to_commit`
hands them to :func:`engine.cases.chain.append_event`. A row changed after the last event of
its transaction is committed at commit time by one ``rows_recorded`` event, so nothing a
user sees as fact can change without the chain holding it. Personal data (a party's name
and phone) is committed as a digest, never as text: from format 3 a digest keyed by the case's data
key (:mod:`engine.cases.row_digests`), before it an unsalted sha256.

Some rows belong to several cases (a council meeting and its members, to every case on its agenda):
each of those cases commits them, and a row that links a case to one (an agenda item) makes the
linked rows pending for that case alone, so adding a case to a meeting does not touch the others.
A case's first event names the format of its commitments (:data:`FORMAT_KEY`): a table registered
in a later format is compared only for cases opened since (earlier cases never committed to it).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, inspect, select
from sqlalchemy.orm import Session

from engine.cases.row_digests import CaseDigests, digests_for_write, note_format

#: The payload member holding the rows an event commits to.
ROWS_KEY = "_rows"
#: The event that commits rows changed after their transaction's last event.
SEAL_EVENT = "rows_recorded"
#: The payload member of a case's first event naming which tables its events commit to.
FORMAT_KEY = "_rows_format"
#: 1: cases, civic, dispatch extension, council agenda/votes, household votes, mediation rows.
#: 2: also work items and council meetings with their members.
#: 3: personal values as digests keyed by the case's data key (engine/cases/row_digests.py), not plain sha256.
#: 4: also joint meetings: a linked resolution, its sitting and the units' attendance (engine/audit/fact_rows.py).
ROWS_FORMAT = 4
#: Where a session keeps its fact rows changed since their case's last event.
_PENDING = "casegrid_pending_rows"
#: The values last committed for each row object of this transaction, by ``id()``, with the object itself: held,
#: it cannot be collected and its ``id()`` given to a new row (which would then pass for committed).
_COMMITTED = "casegrid_committed_rows"
#: Link rows (agenda items) whose linked rows were made pending already in this transaction (held, like above).
_LINKED = "casegrid_linked_rows"


@dataclass(frozen=True)
class FactTable:
    model: type
    #: Committed columns, in the order they are compared.
    columns: tuple[str, ...]
    #: Committed as digests (personal data; see :mod:`engine.cases.row_digests`).
    hashed: frozenset[str]
    #: The cases a row belongs to (none for a row not yet tied to one; several for a meeting).
    cases_of: Callable[[Session, Any], list[int]]
    #: Short Chinese name for verify's messages.
    label: str
    #: The rows of some cases, each with its ``row_id`` and ``case_ref`` (verify reads them back with it).
    of_cases: Callable[[list[int]], Select[Any]]
    #: The :data:`ROWS_FORMAT` from which cases commit to this table.
    since: int = 1
    #: Whether a row may belong to several cases (its cases are read from the database).
    shared: bool = False
    #: Hashed columns stored encrypted under the case's data key: read in clear before they are digested.
    clear: frozenset[str] = frozenset()

    @property
    def table(self) -> str:
        return self.model.__table__.name  # type: ignore[attr-defined, no-any-return]


_BY_MODEL: dict[type, FactTable] = {}


def register(model: type, label: str, *, exclude: tuple[str, ...] = (), hashed: tuple[str, ...] = (),
             case_of: Callable[[Session, Any], int | None] | None = None,
             cases_of: Callable[[Session, Any], list[int]] | None = None,
             case_column: Any = None, join: tuple[Any, Any] | None = None, since: int = 1,
             clear: tuple[str, ...] = ()) -> None:
    """Make ``model``'s rows fact rows: every column but its key, ``case_id`` and ``exclude`` is committed.

    ``case_of`` finds an object's case (default: its ``case_id``) — or ``cases_of`` its cases, for rows
    that belong to several (read from the database: pending rows are flushed first); ``case_column`` is
    the same in SQL, through the table ``join`` = (table, on clause) when the row reaches its case through
    another row. ``since``: the :data:`ROWS_FORMAT` from which cases commit to the table. ``clear``: the
    ``hashed`` columns stored as tokens under the case's data key (:mod:`engine.privacy.keys`), digested as
    their plaintext whatever the case's format, so that encrypting them does not change what the chain holds.
    """
    assert set(clear) <= set(hashed), clear
    mapper = inspect(model)
    columns = tuple(c.key for c in mapper.column_attrs if c.key not in exclude and c.key not in ("id", "case_id"))
    case_column = case_column if case_column is not None else model.case_id  # type: ignore[attr-defined]
    key = mapper.primary_key[0]
    base = select(key.label("row_id"), case_column.label("case_ref"), *(getattr(model, c) for c in columns))
    if join is not None:
        base = base.join(*join)
    shared = cases_of is not None
    if cases_of is None:
        one = case_of or (lambda _s, row: row.case_id)

        def cases_of(session: Session, row: Any) -> list[int]:
            case_id = one(session, row)
            return [] if case_id is None else [case_id]

    def of_cases(case_ids: list[int]) -> Select[Any]:
        query = base.where(case_column.in_(case_ids))
        return (query.distinct() if shared else query).order_by(key)

    _BY_MODEL[model] = FactTable(model, columns, frozenset(hashed), cases_of, label, of_cases, since, shared,
                                 frozenset(clear))


#: Link model → the rows one of its new rows makes pending for its case (a new agenda item: its meeting).
_LINKS: dict[type, Callable[[Session, Any], list[Any]]] = {}


def register_link(model: type, linked: Callable[[Session, Any], list[Any]]) -> None:
    """A new ``model`` row ties its case to rows of other tables: that case commits those rows too."""
    _LINKS[model] = linked


def fact_tables() -> list[FactTable]:
    return list(_BY_MODEL.values())


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds") + "Z" if value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def raw_values(fact: FactTable, row: Any) -> dict[str, Any]:
    """The row's committed columns as the chain would hold them, personal values not yet digested."""
    return {column: _value(getattr(row, column)) for column in fact.columns}


def committed_values(fact: FactTable, row: Any, digests: CaseDigests) -> dict[str, Any]:
    """What the chain of the case ``digests`` belongs to holds for ``row`` (an ORM object or a result row
    with the same attribute names)."""
    values = raw_values(fact, row)
    for column in fact.hashed:
        if column in fact.clear and values[column] is not None:
            values[column] = digests.clear(values[column])
        if values[column] is not None:
            values[column] = digests.digest(values[column])
    return values


def row_key(fact: FactTable, row_id: Any) -> str:
    return f"{fact.table}/{row_id}"


def _changed(obj: Any, fact: FactTable) -> bool:
    state = inspect(obj)
    return any(state.attrs[c].history.has_changes() for c in fact.columns)


@dataclass
class _Pending:
    """A fact row waiting for its cases' next events: ``wanted`` None means all of its cases."""

    obj: Any
    wanted: set[int] | None = None
    done: set[int] = field(default_factory=set)


def _pending(session: Session) -> dict[int, _Pending]:
    return session.info.setdefault(_PENDING, {})  # type: ignore[no-any-return]


def _collect(session: Session) -> None:
    """Fact rows added or changed in memory join the session's pending rows (before a flush forgets which).

    A row whose values an event already holds (committed, not yet flushed) is not pending again. A new
    link row (an agenda item) makes the rows it links its case to pending for that case.
    """
    pending = _pending(session)
    committed = session.info.setdefault(_COMMITTED, {})
    # Runs at every flush of every step: a row pending and not committed yet is left as it is (its values
    # are read when an event commits it), so the values are computed only for rows some event holds.
    for obj in session.new:
        fact = _BY_MODEL.get(type(obj))
        if fact is not None and _pend_again(obj, fact, pending, committed):
            pending[id(obj)] = _Pending(obj)
    for obj in session.dirty:
        fact = _BY_MODEL.get(type(obj))
        if fact is not None and _changed(obj, fact) and _pend_again(obj, fact, pending, committed):
            pending[id(obj)] = _Pending(obj)
    for obj in session.deleted:  # a deletion is committed too, as the row's key with no values
        if type(obj) in _BY_MODEL and id(obj) not in committed:
            pending[id(obj)] = _Pending(obj)
    if _LINKS:
        _collect_links(session, pending)


def _pend_again(obj: Any, fact: FactTable, pending: dict[int, _Pending], committed: dict[int, Any]) -> bool:
    """Whether ``obj`` must be (re)committed: not pending yet, or changed since an event committed it."""
    key = id(obj)
    if key in committed:
        return bool(committed[key][1] != raw_values(fact, obj))
    return key not in pending


def _collect_links(session: Session, pending: dict[int, _Pending]) -> None:
    linked = session.info.setdefault(_LINKED, {})
    for obj in list(session.new):
        link = _LINKS.get(type(obj))
        if link is None or id(obj) in linked:
            continue
        linked[id(obj)] = obj
        cases = set(_BY_MODEL[type(obj)].cases_of(session, obj)) if type(obj) in _BY_MODEL else set()
        with session.no_autoflush:
            rows = link(session, obj)
        for row in rows:
            entry = pending.setdefault(id(row), _Pending(row, wanted=set()))
            if entry.wanted is not None:
                entry.wanted |= cases


def before_flush(session: Session, _context: Any, _instances: Any) -> None:
    _collect(session)


def _cases(session: Session, entry: _Pending) -> set[int]:
    """The cases still to commit a pending row."""
    fact = _BY_MODEL[type(entry.obj)]
    cases = entry.wanted if entry.wanted is not None else set(fact.cases_of(session, entry.obj))
    return cases - entry.done


def _flush_for_shared(session: Session, pending: dict[int, _Pending]) -> None:
    """Rows of several cases find their cases in the database: what is pending must be there first."""
    if any(e.wanted is None and _BY_MODEL[type(e.obj)].shared for e in pending.values()) and (
            session.new or session.dirty or session.deleted):
        session.flush()


def rows_to_commit(session: Session, case_id: int, *, opening: bool = False) -> dict[str, dict[str, Any]]:
    """The case's fact rows added or changed since its last event, with their values; they stop being pending.

    ``opening``: for the case's first event (which names :data:`ROWS_FORMAT` as the case's format).
    """
    if opening:
        note_format(session, case_id, ROWS_FORMAT)
    _collect(session)
    pending = _pending(session)
    if not pending:
        return {}
    _flush_for_shared(session, pending)
    mine = []
    for key, entry in list(pending.items()):
        cases = _cases(session, entry)
        if case_id in cases:
            mine.append((key, entry, cases))
    if not mine:
        return {}
    if any(inspect(entry.obj).identity is None for _k, entry, _c in mine):
        session.flush()  # new rows need their ids (the flush runs before_flush: pending entries are kept)
    rows = {}
    committed = session.info.setdefault(_COMMITTED, {})
    digests: CaseDigests | None = None
    for key, entry, cases in mine:
        obj = entry.obj
        fact = _BY_MODEL[type(obj)]
        entry.done.add(case_id)
        if cases <= entry.done:
            pending.pop(key, None)
        state = inspect(obj)
        gone = state.deleted or state.was_deleted or obj in session.deleted
        if gone:
            committed[key] = (obj, None)
            values = None
        else:
            committed[key] = (obj, raw_values(fact, obj))
            values = dict(committed[key][1])
            if fact.hashed:
                digests = digests or digests_for_write(session, case_id)
                values = committed_values(fact, obj, digests)
        rows[row_key(fact, state.identity[0])] = values
    return dict(sorted(rows.items()))


def unsealed_cases(session: Session) -> list[int]:
    """Cases whose fact rows changed after their last event of this transaction (commit seals them)."""
    _collect(session)
    pending = _pending(session)
    _flush_for_shared(session, pending)
    cases: set[int] = set()
    for entry in pending.values():
        cases |= _cases(session, entry)
    return sorted(cases)


def forget(session: Session) -> None:
    """A rolled-back transaction commits nothing: its pending rows go with it."""
    session.info.pop(_PENDING, None)
    session.info.pop(_COMMITTED, None)
    session.info.pop(_LINKED, None)

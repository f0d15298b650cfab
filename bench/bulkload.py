"""Bulk-load historical cases: real closed histories, cloned fast, every chain valid.

The engine's services take ~5 ms a step, so a million cases of ~10 steps would take
most of a day. Instead a few *template* cases are run through the real engine
(``CaseService`` via the demo ``Driver``, every closed path of the civic loop, each
at several moments of the past 18 months) and each historical case is a copy of one
template with a fresh uuid, tracking code and ids:

- the case's deterministic task ids are ``uuid5(case uuid, n)`` (engine/bpmn/context.py),
  so every text that names a task id (snapshot, event payloads, work items), the case
  uuid or the tracking code is rewritten for the copy (each template text is split once
  at those names; a copy is a join);
- the events are re-chained per copy (``sha256(prev ‖ canonical JSON)`` with the copy's
  uuid), so ``verify`` passes on every copy: chain, and replay to the stored snapshot
  byte for byte;
- a copy's events commit to no fact rows (``_rows`` holds the template's row ids, not the copy's), so
  ``verify`` reads copies as cases from before rows were committed to and compares their rows with nothing;
- times are the template's (a deadline depends on the working-day calendar, so a
  shifted copy would not replay exactly): copies of one template share their moments.

Rows go in with ``executemany`` in large transactions on SQLite and ``COPY`` on
PostgreSQL, with explicit ids (sequences are moved past them afterwards).

Run from the repository root::

    python bench/bulkload.py --cases 1000000 --db sqlite:////tmp/big.db
    python bench/bulkload.py --cases 1000000 --db postgresql+psycopg://postgres@127.0.0.1:5432/casegrid_bench
    python bench/bulkload.py --cases 2000 --verify 200     # smoke: load, then verify 200 copies fully
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from engine import CaseService
from engine.cases.chain import GENESIS, format_at
from engine.cases.record_rows import FORMAT_KEY, ROWS_KEY
from engine.audit.verify import chain_body, chain_hash
from engine.bootstrap import init_database
from engine.bpmn.serializer import canonical_json
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.organisation import seed_organisation
from engine.demo.scenarios import SCENARIOS

#: Tables holding a case's rows besides ``case`` and ``case_event`` (the civic loop's; mediation and
#: council rows are not cloned, so only civic-loop templates are used). The reporter's contact is not
#: cloned either: it is encrypted under the template's own data key, bound to the template's uuid.
RELATED = ("work_item", "assignment", "resolution", "rating", "notification")
CLOSED_PATHS = [name for name, (_fn, status, _outcome) in SCENARIOS.items() if status == "closed"]
#: Templates start at these many moments, spread over the 18 months before ``HISTORY_END``.
HISTORY_START = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
HISTORY_END = datetime(2026, 9, 1, tzinfo=UTC)
CHUNK = 5_000  # cases per transaction
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# -- templates ---------------------------------------------------------------------------------------


def run_templates(db: Database, moments: int, paths: list[str] | None = None, seed: int = 2026) -> list[int]:
    """Run every closed path at ``moments`` moments through the engine; the ids of the closed cases."""
    with db.transaction() as s:
        seed_organisation(s)
    rng = random.Random(seed)
    paths = paths or CLOSED_PATHS
    span = (HISTORY_END - HISTORY_START) / max(moments, 1)
    clock = FixedClock(HISTORY_START)
    driver = Driver(CaseService(db, clock), clock)
    ids = []
    for m in range(moments):
        for name in paths:
            clock.set(HISTORY_START + m * span + timedelta(minutes=rng.randint(0, 60 * 24 * 20)))
            case = SCENARIOS[name][0](driver)
            if driver.refresh(case).status == "closed":
                ids.append(case.id)
    return ids


def uuid5_text(namespace: bytes, name: str) -> str:
    """``str(uuid.uuid5(UUID(bytes=namespace), name))`` without the UUID objects (~4× faster)."""
    h = bytearray(hashlib.sha1(namespace + name.encode()).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def run_open_templates(db: Database, moments: int, at: datetime) -> list[int]:
    """Cases just reported (each waits at triage for grid worker XF-01), opened in the ``moments`` hours before ``at``."""
    with db.transaction() as s:
        seed_organisation(s)
    clock = FixedClock(at)
    driver = Driver(CaseService(db, clock), clock)
    ids = []
    for m in range(moments):
        clock.set(at - timedelta(hours=moments - m))
        ids.append(driver.report(f"基准测试：楼道灯坏了（{m}）", "公共设施").id)
    return ids


class Text:
    """A template text split at the names a copy changes; ``render`` joins it with the copy's names."""

    __slots__ = ("pieces", "keys")

    def __init__(self, text: str, names: re.Pattern[str], known: set[str]) -> None:
        self.pieces: list[str] = []
        self.keys: list[str] = []
        last = 0
        for match in names.finditer(text):
            if match.group(0) not in known:
                continue
            self.pieces.append(text[last:match.start()])
            self.keys.append(match.group(0))
            last = match.end()
        self.pieces.append(text[last:])

    def render(self, names: dict[str, str]) -> str:
        if not self.keys:
            return self.pieces[0]
        out = [self.pieces[0]]
        for key, piece in zip(self.keys, self.pieces[1:]):
            out.append(names[key])
            out.append(piece)
        return "".join(out)


def _cell(value: Any, names: re.Pattern[str], known: set[str]) -> Any:
    if isinstance(value, str):
        text = Text(value, names, known)
        return text if text.keys else value
    return value


@dataclass
class Template:
    uuid: str
    tracking_code: str
    #: task number (as in uuid5(case uuid, str(n))) of each task id the texts name.
    task_numbers: dict[str, int]
    case_columns: list[str]
    case_row: list[Any]
    #: (seq, type, actor Text, role, raw at, hashed at text, payload Text) in order.
    events: list[tuple[int, str, Text, str, Any, str, Text]]
    #: The snapshot around its ``tasks`` object (two Texts) and each task as (old id, Text of its value).
    snapshot_parts: tuple[Text, Text] | None = None
    snapshot_tasks: list[tuple[str, Text]] = field(default_factory=list)
    #: Per event, the constant parts of its hashed body (see :func:`engine.audit.verify.chain_body`):
    #: the actor's JSON (when it names nothing that changes), the text between it and the case uuid, the tail.
    bodies: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        def j(text: str) -> str:
            return json.dumps(text, ensure_ascii=False)
        self.bodies = [(j(actor.pieces[0]), f',"at":{j(at_text)},"case":"', f',"role":{j(role)},"seq":{seq},"type":{j(type_)}}}')
                       for seq, type_, actor, role, _at, at_text, _payload in self.events]
        for (seq, type_, actor, role, _at, at_text, payload), (head, middle, tail) in zip(self.events, self.bodies):
            same = {k: k for k in [self.uuid, self.tracking_code, *self.task_numbers]}
            fast = f'{{"actor":{j(actor.render(same))}{middle}{self.uuid}","payload":{payload.render(same)}{tail}'
            assert fast == chain_body(self.uuid, seq, type_, actor.render(same), role, at_text, payload.render(same))
    #: table → (columns, rows of cells); a cell is a value or a Text.
    related: dict[str, tuple[list[str], list[list[Any]]]] = field(default_factory=dict)

    def names_for(self, new_uuid: str, code: str) -> dict[str, str]:
        namespace = uuid.UUID(new_uuid).bytes
        names = {self.uuid: new_uuid, self.tracking_code: code}
        for old, n in self.task_numbers.items():
            names[old] = uuid5_text(namespace, str(n))
        return names

    def snapshot(self, names: dict[str, str]) -> str:
        """The copy's snapshot, canonical: its tasks are keyed by task id, so re-sorted under the new ids."""
        entries = sorted((names.get(key, key), text.render(names)) for key, text in self.snapshot_tasks)
        body = ",".join(f'"{key}":{text}' for key, text in entries)
        return self.snapshot_parts[0].render(names) + body + self.snapshot_parts[1].render(names)


def read_template(conn: Any, case_id: int) -> Template:
    """The raw rows of one case (driver values, written back as they are)."""
    cur = conn.execute('SELECT * FROM "case" WHERE id = %s' % int(case_id))
    case_columns = [d[0] for d in cur.description]
    case_row = list(cur.fetchone())
    case = dict(zip(case_columns, case_row))
    issued = json.loads(case["snapshot"])["ids_issued"]
    namespace = uuid.UUID(case["uuid"])
    by_id = {str(uuid.uuid5(namespace, str(n))): n for n in range(1, issued + 1)}
    names = re.compile(_UUID.pattern + "|" + re.escape(case["tracking_code"]))
    known = set(by_id) | {case["uuid"], case["tracking_code"]}
    seen: set[str] = set()

    def note(value: Any) -> Any:
        if isinstance(value, str):
            seen.update(m for m in names.findall(value) if m in by_id)
        return _cell(value, names, known)

    case_cells = [note(v) if c in ("snapshot", "tracking_code", "uuid") else v for c, v in zip(case_columns, case_row)]
    cur = conn.execute("SELECT seq, type, actor, role, at, payload FROM case_event WHERE case_id = %s ORDER BY seq"
                       % int(case_id))
    events = []
    for seq, type_, actor, role, at, payload in cur.fetchall():
        moment = datetime.fromisoformat(at) if isinstance(at, str) else at
        if ROWS_KEY in payload:  # the template's rows by their ids: a copy's rows have others, so copies commit to none
            # (nor to the format of the rows committed: a case whose first event names one is checked for them all)
            payload = canonical_json({k: v for k, v in json.loads(payload).items() if k not in (ROWS_KEY, FORMAT_KEY)})
        events.append((seq, type_, Text(actor, names, known), role, at, format_at(moment),
                       Text(payload, names, known)))
        seen.update(m for m in names.findall(payload) if m in by_id)
    related = {}
    for table in RELATED:
        cur = conn.execute(f"SELECT * FROM {table} WHERE case_id = %s ORDER BY 1" % int(case_id))
        columns = [d[0] for d in cur.description]
        rows = [[note(v) for v in row] for row in cur.fetchall()]
        related[table] = (columns, rows)
    # Split the snapshot around its tasks (a marker that canonical JSON keeps as is), each task on its own.
    envelope = json.loads(case["snapshot"])
    tasks = envelope["workflow"]["tasks"]
    envelope["workflow"]["tasks"] = {"\x00": 0}
    before, after = canonical_json(envelope).split('"\\u0000":0')
    parts = (Text(before, names, known), Text(after, names, known))
    task_texts = [(key, Text(canonical_json(value), names, known)) for key, value in tasks.items()]
    template = Template(case["uuid"], case["tracking_code"], {k: by_id[k] for k in seen}, case_columns, case_cells,
                        events, snapshot_parts=parts, snapshot_tasks=task_texts, related=related)
    assert template.snapshot({k: k for k in known}) == case["snapshot"], "snapshot split does not round-trip"
    return template


# -- writing -----------------------------------------------------------------------------------------


class Sink:
    """Rows per table, flushed together (cases first) every ``CHUNK`` cases."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sqlite = db.is_sqlite
        self.rows: dict[str, list[tuple]] = {}
        self.columns: dict[str, list[str]] = {}
        self.written: dict[str, int] = {}

    def add(self, table: str, columns: list[str], row: tuple) -> None:
        if table not in self.rows:
            self.rows[table] = []
            self.columns[table] = columns
        self.rows[table].append(row)

    def flush(self) -> None:
        order = ["case", "case_event", "merkle_leaf", *RELATED]
        raw = self.db.engine.raw_connection()
        try:
            cur = raw.cursor()
            if self.sqlite:
                cur.execute("BEGIN")  # the engine's SQLite connections are in autocommit mode
            for table in order:
                rows = self.rows.get(table)
                if not rows:
                    continue
                cols = ", ".join(f'"{c}"' for c in self.columns[table])
                if self.sqlite:
                    marks = ", ".join("?" * len(self.columns[table]))
                    cur.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
                else:
                    with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(row)
                self.written[table] = self.written.get(table, 0) + len(rows)
                rows.clear()
            raw.commit()
        finally:
            raw.close()


def _next_ids(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        ids = {t: conn.exec_driver_sql(f'SELECT coalesce(max(id), 0) FROM "{t}"').scalar() + 1
               for t in ("case", "case_event", "merkle_leaf", "work_item", "assignment", "resolution", "rating",
                         "notification")}
    return ids


def _code(day_prefix: str, n: int) -> str:
    chars = []
    for _ in range(6):
        n, r = divmod(n, len(_CODE_ALPHABET))
        chars.append(_CODE_ALPHABET[r])
    # A trailing '1' never occurs in a code the engine issues (its alphabet has no 1), so no clash with templates.
    return f"{day_prefix}-{''.join(chars)}1"


def clone(templates: list[Template], n: int, sink: Sink, ids: dict[str, int], seed: int,
          progress: Callable[[int], None] | None = None) -> None:
    rng = random.Random(f"{seed}-{ids['case']}")  # a second load into the same database draws other uuids
    event_columns = ["id", "case_id", "seq", "type", "actor", "role", "at", "payload", "prev_hash", "hash"]
    leaf_columns = ["id", "kind", "case_id", "seq", "ref", "entry_hash"]
    for i in range(n):
        t = templates[rng.randrange(len(templates))]
        case_id = ids["case"]
        ids["case"] += 1
        new_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        code = _code(t.tracking_code[:6], case_id)
        names = t.names_for(new_uuid, code)
        prev = GENESIS
        for (seq, type_, actor, role, at, _at_text, payload), (head, middle, tail) in zip(t.events, t.bodies):
            actor_text = actor.render(names)
            payload_text = payload.render(names)
            actor_json = head if not actor.keys else json.dumps(actor_text, ensure_ascii=False)
            digest = chain_hash(prev, f'{{"actor":{actor_json}{middle}{new_uuid}","payload":{payload_text}{tail}')
            sink.add("case_event", event_columns,
                     (ids["case_event"], case_id, seq, type_, actor_text, role, at, payload_text, prev, digest))
            ids["case_event"] += 1
            # Each event is a leaf of the global Merkle log, as append_event writes it (ids dense: nothing else
            # writes while the bulk load runs).
            sink.add("merkle_leaf", leaf_columns, (ids["merkle_leaf"], "event", case_id, seq, new_uuid, digest))
            ids["merkle_leaf"] += 1
            prev = digest
        row = []
        for column, cell in zip(t.case_columns, t.case_row):
            if column == "id":
                row.append(case_id)
            elif column == "head_hash":
                row.append(prev)
            elif column == "snapshot":
                row.append(t.snapshot(names))
            else:
                row.append(cell.render(names) if isinstance(cell, Text) else cell)
        sink.add("case", t.case_columns, tuple(row))
        for table, (columns, rows) in t.related.items():
            for cells in rows:
                out = []
                for column, cell in zip(columns, cells):
                    if column == "id":
                        out.append(ids[table])
                        ids[table] += 1
                    elif column == "case_id":
                        out.append(case_id)
                    else:
                        out.append(cell.render(names) if isinstance(cell, Text) else cell)
                sink.add(table, columns, tuple(out))
        if (i + 1) % CHUNK == 0:
            sink.flush()
            if progress:
                progress(i + 1)
    sink.flush()


def _fix_sequences(db: Database) -> None:
    if db.is_sqlite:
        return
    with db.engine.begin() as conn:
        for table in ("case", "case_event", "merkle_leaf", "work_item", "assignment", "resolution", "rating",
                      "notification"):
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                 f'(SELECT coalesce(max(id), 1) FROM "{table}"))')
        conn.exec_driver_sql('ANALYZE')


@dataclass
class LoadResult:
    templates: int
    cases: int
    rows: dict[str, int]
    template_s: float
    clone_s: float


def bulk_load(db: Database, n: int, *, moments: int = 12, paths: list[str] | None = None, seed: int = 2026,
              progress: Callable[[int], None] | None = None, open_at: datetime | None = None) -> LoadResult:
    """Add ``n`` closed historical cases (copies of engine-run templates) to ``db``.

    With ``open_at``, the copies are instead open cases reported in the hours before it, each
    waiting at triage (a pool of work to complete, for the HTTP benchmark).
    """
    started = time.perf_counter()
    if open_at is not None:
        template_ids = run_open_templates(db, moments, open_at)
    else:
        template_ids = run_templates(db, moments, paths, seed)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        conn = _Exec(cur)
        templates = [read_template(conn, case_id) for case_id in template_ids]
    finally:
        raw.close()
    template_s = time.perf_counter() - started
    started = time.perf_counter()
    sink = Sink(db)
    clone(templates, n, sink, _next_ids(db), seed, progress)
    _fix_sequences(db)
    return LoadResult(len(templates), n, dict(sink.written), template_s, time.perf_counter() - started)


def loaded_parser(description: str, *, cases: int, smoke: str) -> argparse.ArgumentParser:
    """The arguments every script over a bulk-loaded database takes (``--db``, ``--cases``, ``--reuse``,
    ``--smoke``, ``--json``); the script adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", action="append", help="Database URL (repeatable: SQLite and PostgreSQL).")
    parser.add_argument("--cases", type=int, default=cases, help="Historical cases to load first.")
    parser.add_argument("--reuse", action="store_true", help="The database already holds the cases.")
    parser.add_argument("--smoke", action="store_true", help=smoke)
    parser.add_argument("--json")
    return parser


def for_each_loaded(args: argparse.Namespace, smoke_file: str,
                    run: Callable[[Database, str, bool], None],
                    load_more: Callable[[Database, bool], None] | None = None) -> None:
    """Run ``run(db, label, smoke)`` on each database of ``--db`` (loaded with ``--cases`` historical cases unless
    ``--reuse``), or with ``--smoke`` on 500 cases in a temporary SQLite file. ``load_more(db, smoke)`` adds what a
    script needs beyond the cases (and is skipped with ``--reuse`` as they are)."""
    from benchlib import scratch_sqlite

    if args.smoke:
        with scratch_sqlite(smoke_file) as url:
            db = init_database(url)[0]
            bulk_load(db, 500, moments=1)
            if load_more is not None:
                load_more(db, True)
            run(db, "sqlite", True)
            db.dispose()
        return
    for url in args.db or []:
        db = init_database(url)[0]
        if not args.reuse:
            result = bulk_load(db, args.cases)
            print(f"loaded {result.cases:,} cases in {result.template_s + result.clone_s:.0f} s", flush=True)
            if load_more is not None:
                load_more(db, False)
        run(db, "sqlite" if db.is_sqlite else "postgresql", False)
        db.dispose()


class _Exec:
    """``execute`` on a DB-API cursor returning the cursor (sqlite3 and psycopg alike)."""

    def __init__(self, cur: Any) -> None:
        self.cur = cur

    def execute(self, sql: str) -> Any:
        self.cur.execute(sql)
        return self.cur


def sample_case_ids(db: Database, k: int, seed: int = 7) -> list[int]:
    """``k`` random ids among the closed cases."""
    with db.engine.connect() as conn:
        low, high = conn.exec_driver_sql('SELECT min(id), max(id) FROM "case" WHERE status = \'closed\'').one()
    rng = random.Random(seed)
    return [rng.randint(low, high) for _ in range(k)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", required=True, help="Database URL (the schema is created; existing rows stay).")
    parser.add_argument("--moments", type=int, default=12, help="Moments each template path is run at.")
    parser.add_argument("--verify", type=int, default=0, help="Afterwards fully verify this many random copies.")
    args = parser.parse_args(argv)
    db = init_database(args.db)[0]
    print(f"# bulk load {args.cases:,} cases into {args.db.split('@')[-1]}", flush=True)
    result = bulk_load(db, args.cases, moments=args.moments,
                       progress=lambda k: print(f"  {k:,} cases", file=sys.stderr, flush=True)
                       if k % 100_000 == 0 else None)
    rows = ", ".join(f"{t} {c:,}" for t, c in result.rows.items())
    print(f"bulk load: {result.templates} templates in {result.template_s:.1f} s; {result.cases:,} copies in "
          f"{result.clone_s:.1f} s ({result.cases / max(result.clone_s, 1e-9):,.0f} cases/s); rows: {rows}")
    if args.verify:
        bad = verify_sample(db, sample_case_ids(db, args.verify))
        print(f"verify of {args.verify} random copies (chain + replay): {bad} failed")
        if bad:
            return 1
    db.dispose()
    return 0


def verify_sample(db: Database, case_ids: list[int]) -> int:
    from engine.audit.verify import verify_cases

    with db.reading() as s:
        return sum(not check.ok for check in verify_cases(s, sorted(set(case_ids))))


if __name__ == "__main__":
    sys.exit(main())

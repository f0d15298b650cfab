"""The first seal of a log that was never signed finds the newest seal leaf through the partial index
``ix_merkle_leaf_seal`` (migration 0035), not by reading every leaf from the top of the primary key."""
from __future__ import annotations

from sqlalchemy import text

from engine.audit.heads import last_seal_query, sealed_size
from engine.db import Database

LEAVES = 50_000


def _fill(db: Database) -> None:
    """A log of event leaves with one seal leaf near its start, and statistics as after a day of work."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            rows = f"SELECT 'event', 'c', i, 'h' FROM generate_series(1, {LEAVES}) AS i"
        else:
            rows = (f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {LEAVES}) "
                    "SELECT 'event', 'c', i, 'h' FROM n")
        conn.execute(text("INSERT INTO merkle_leaf (kind, ref, seq, entry_hash) "
                          "SELECT 'seal', '2026-03-01T00:00:00Z', NULL, 'h'"))
        conn.execute(text(f"INSERT INTO merkle_leaf (kind, ref, seq, entry_hash) {rows}"))
        conn.execute(text("ANALYZE merkle_leaf" if conn.dialect.name == "postgresql" else "ANALYZE"))


def _plan(db: Database) -> str:
    with db.engine.connect() as conn:
        sql = str(last_seal_query(0).compile(conn, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN " if conn.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        return "\n".join(str(row[-1]) for row in conn.execute(text(explain + sql)))


def test_the_newest_seal_leaf_is_read_through_its_index(db: Database) -> None:
    _fill(db)
    plan = _plan(db)  # PostgreSQL: Index Scan Backward using ix_merkle_leaf_seal (a Seq Scan without it)
    assert "ix_merkle_leaf_seal" in plan, plan
    assert "Seq Scan" not in plan and "SCAN merkle_leaf" not in plan.replace("USING INDEX", ""), plan
    with db.reading() as s:
        assert sealed_size(s) >= 1  # the seal leaf is found (no head: the log was never signed)

"""The database enforces what the code promises: the log tables are append-only (issue 18, item 6).

On PostgreSQL two things stand between the log and a rewrite:

- a trigger on every log table refuses UPDATE and DELETE, whoever asks (the owner included, unless
  the owner first disables it — which is DDL, visible in the server's log);
- the application connects as its own role, which may read and insert into the log tables and has no
  UPDATE, DELETE or TRUNCATE on them at all; the tables belong to the owner role that ``casegrid init``
  runs as (schema changes, seeds, this set-up).

SQLite has neither roles nor this kind of trigger; there the ORM refuses such writes and ``verify``
detects them. The set-up is idempotent: ``casegrid init`` runs it after every migration, so tables a
later migration adds get their grants too.
"""
from __future__ import annotations

import re

from sqlalchemy import Connection, text

#: The tables no row of which may change once written: the case events, the access log, the evidence
#: attachments, the global Merkle log with its heads and witnesses, and the volunteers' points and time bank.
LOG_TABLES = ("case_event", "access_log", "attachment", "merkle_leaf", "merkle_node", "tree_head",
              "tree_head_witness", "volunteer_ledger")
#: Name of the trigger (and its function) on each log table; migration 0022 creates them.
TRIGGER = "casegrid_append_only"

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

def grant_app_role(conn: Connection, role: str, password: str | None = None) -> None:
    """Create (or update) the application's role and give it exactly what the application needs.

    Every table of the schema: SELECT, INSERT, UPDATE, DELETE — but the log tables: SELECT and INSERT
    only. Sequences: USAGE and SELECT (ids of new rows). Run as the owner of the tables.
    """
    if not _ROLE.match(role):
        raise ValueError(f"role name {role!r}: lower-case letters, digits and _ only")
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if exists is None:
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"))
    if password is not None:
        conn.execute(text(f"ALTER ROLE {role} PASSWORD {_literal(conn, password)}"))
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}'))
    conn.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {role}'))
    conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {role}'))
    logs = ", ".join(f'"{schema}"."{t}"' for t in LOG_TABLES if _has_table(conn, schema, t))
    if logs:
        conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {logs} FROM {role}"))
    conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}'))


def _has_table(conn: Connection, schema: str, table: str) -> bool:
    return conn.execute(text("SELECT to_regclass(:name)"), {"name": f'"{schema}"."{table}"'}).scalar() is not None


def _literal(conn: Connection, value: str) -> str:
    return conn.execute(text("SELECT quote_literal(:v)"), {"v": value}).scalar_one()  # type: ignore[no-any-return]

"""append-only log tables on PostgreSQL: a trigger refuses UPDATE and DELETE on each

The application's own role gets no UPDATE/DELETE on these tables at all (``casegrid init --app-role``,
:mod:`engine.append_only`); the trigger also stops the owner, short of disabling it. SQLite: nothing
(the ORM refuses such writes there, and verify detects them).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 13:45:00
"""
from __future__ import annotations

from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

#: The log tables as of this revision (a later log table gets its trigger in its own migration).
TABLES = ("case_event", "access_log", "attachment", "merkle_leaf", "merkle_node", "tree_head", "tree_head_witness")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
CREATE OR REPLACE FUNCTION casegrid_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege', HINT = 'the log is never rewritten; casegrid verify names what was';
END $$
""")
    for table in TABLES:
        op.execute(f'CREATE TRIGGER casegrid_append_only BEFORE UPDATE OR DELETE ON "{table}" '
                   "FOR EACH ROW EXECUTE FUNCTION casegrid_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f'DROP TRIGGER IF EXISTS casegrid_append_only ON "{table}"')
    op.execute("DROP FUNCTION IF EXISTS casegrid_append_only()")

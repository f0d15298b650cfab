"""merkle log: one leaf per event, access-log entry and attachment; stored subtree hashes; signed tree heads
and their witnesses (cosignatures, RFC 3161 time-stamps). Existing rows become the first leaves.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 13:20:00
"""
from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _access_digest(entry_id, at, username, role, kind, case_uuid, what, reason) -> str:
    # the same text as engine.cases.leaves.access_digest (copied: a migration must not change with the code)
    at_text = at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    body = json.dumps({"id": entry_id, "at": at_text, "username": username, "role": role, "kind": kind,
                       "case": case_uuid, "what": what, "reason": reason},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def upgrade() -> None:
    leaf = op.create_table('merkle_leaf',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merkle_leaf'))
    )
    op.create_index('ix_merkle_leaf_case_seq', 'merkle_leaf', ['case_id', 'seq'], unique=False)
    op.create_table('merkle_node',
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx', name=op.f('pk_merkle_node'))
    )
    op.create_table('tree_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('profile', sa.String(length=20), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('prev_signature', sa.Text(), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.Column('made_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tree_head'))
    )
    op.create_table('tree_head_witness',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('signer', sa.String(length=300), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['head_id'], ['tree_head.id'], name=op.f('fk_tree_head_witness_head_id_tree_head')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tree_head_witness'))
    )
    op.create_index(op.f('ix_tree_head_witness_head_id'), 'tree_head_witness', ['head_id'], unique=False)
    # the record so far becomes the first leaves: events in the order they were written, then the rest
    op.execute(
        'INSERT INTO merkle_leaf (kind, case_id, seq, ref, entry_hash) '
        'SELECT \'event\', e.case_id, e.seq, c.uuid, e.hash FROM case_event e JOIN "case" c ON c.id = e.case_id '
        'ORDER BY e.id')
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        'SELECT a.id, a.at, a.username, a.role, a.kind, c.uuid, a.what, a.reason FROM access_log a '
        'LEFT JOIN "case" c ON c.id = a.case_id ORDER BY a.id')).all()
    if rows:
        conn.execute(leaf.insert(), [{"kind": "access", "case_id": None, "seq": None, "ref": str(r[0]),
                                      "entry_hash": _access_digest(*r)} for r in rows])
    op.execute(
        'INSERT INTO merkle_leaf (kind, case_id, seq, ref, entry_hash) '
        'SELECT \'evidence\', a.case_id, a.event_seq, c.uuid, a.sha256 FROM attachment a '
        'JOIN "case" c ON c.id = a.case_id ORDER BY a.id')


def downgrade() -> None:
    op.drop_index(op.f('ix_tree_head_witness_head_id'), table_name='tree_head_witness')
    op.drop_table('tree_head_witness')
    op.drop_table('tree_head')
    op.drop_table('merkle_node')
    op.drop_index('ix_merkle_leaf_case_seq', table_name='merkle_leaf')
    op.drop_table('merkle_leaf')

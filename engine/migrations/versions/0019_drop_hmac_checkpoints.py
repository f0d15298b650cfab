"""drop the HMAC checkpoints: signed tree heads of the Merkle log (0017) replace them

Their signatures were HMACs: whoever could check them could forge them. Old checkpoints are not
carried over; the first tree head signs the whole log, which 0017 built from every existing event.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 13:15:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_checkpoint_head', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_checkpoint_head_case_seq')
    op.drop_table('audit_checkpoint_head')
    op.drop_table('audit_checkpoint')


def downgrade() -> None:
    op.create_table('audit_checkpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('key_id', sa.String(length=32), nullable=False),
        sa.Column('algorithm', sa.String(length=20), nullable=False),
        sa.Column('heads_digest', sa.String(length=64), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('changed', sa.Integer(), nullable=False),
        sa.Column('prev_signature', sa.String(length=64), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint'))
        )
    op.create_table('audit_checkpoint_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('checkpoint_id', sa.Integer(), nullable=False),
        sa.Column('case_uuid', sa.String(length=36), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['checkpoint_id'], ['audit_checkpoint.id'],
                                name=op.f('fk_audit_checkpoint_head_checkpoint_id_audit_checkpoint')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint_head')),
        sa.UniqueConstraint('checkpoint_id', 'case_uuid', name='uq_audit_checkpoint_head_checkpoint_case')
        )
    with op.batch_alter_table('audit_checkpoint_head', schema=None) as batch_op:
        batch_op.create_index('ix_audit_checkpoint_head_case_seq', ['case_uuid', 'seq'], unique=False)

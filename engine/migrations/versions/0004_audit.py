"""audit: signed checkpoints of the chain heads and the data-use (access) log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
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

    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_access_log_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_username'), ['username'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_username'))
        batch_op.drop_index(batch_op.f('ix_access_log_case_id'))
        batch_op.drop_index(batch_op.f('ix_access_log_at'))
    op.drop_table('access_log')
    with op.batch_alter_table('audit_checkpoint_head', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_checkpoint_head_case_seq')
    op.drop_table('audit_checkpoint_head')
    op.drop_table('audit_checkpoint')

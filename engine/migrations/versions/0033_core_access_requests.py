"""core access requests: seeing core data (a sensitive household note) needs the supervisor's approval, which expires

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 19:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('core_access_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_role', sa.String(length=30), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_core_access_request_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_access_request'))
    )
    with op.batch_alter_table('core_access_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_access_request_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_access_request_requested_by'), ['requested_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_access_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_access_request_subject'), ['subject'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('core_access_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_access_request_subject'))
        batch_op.drop_index(batch_op.f('ix_core_access_request_status'))
        batch_op.drop_index(batch_op.f('ix_core_access_request_requested_by'))
        batch_op.drop_index(batch_op.f('ix_core_access_request_case_id'))
    op.drop_table('core_access_request')

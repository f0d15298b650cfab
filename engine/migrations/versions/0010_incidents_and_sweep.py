"""incidents (a case whose sweep step failed); the sweep's lease and its record of cycles

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('element', sa.String(length=300), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('error_code', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('retry_at', sa.DateTime(), nullable=True),
    sa.Column('last_retry_at', sa.DateTime(), nullable=True),
    sa.Column('last_retry_by', sa.String(length=80), nullable=True),
    sa.Column('last_retry_outcome', sa.String(length=20), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_incident_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index('ix_incident_case_status', ['case_id', 'status'], unique=False)
        batch_op.create_index('ix_incident_status_opened', ['status', 'opened_at'], unique=False)

    op.create_table('sweep_lease',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sweep_lease'))
    )
    op.create_table('sweep_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('interval_seconds', sa.Integer(), nullable=True),
    sa.Column('stages', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_run'))
    )
    with op.batch_alter_table('sweep_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweep_run_started_at'), ['started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sweep_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweep_run_started_at'))
    op.drop_table('sweep_run')
    op.drop_table('sweep_lease')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_status_opened')
        batch_op.drop_index('ix_incident_case_status')
    op.drop_table('incident')

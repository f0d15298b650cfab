"""assessment requests: runs asked for in the web UI, with their progress

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 13:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assessment_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('runner', sa.String(length=20), nullable=False),
    sa.Column('steps_done', sa.Integer(), nullable=False),
    sa.Column('steps_total', sa.Integer(), nullable=False),
    sa.Column('flow_run_id', sa.String(length=40), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['assessment_run.id'], name=op.f('fk_assessment_request_run_id_assessment_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_request'))
    )


def downgrade() -> None:
    op.drop_table('assessment_request')

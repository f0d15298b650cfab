"""assessments: stored runs and results of the periodic assessments (workflows/)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 09:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assessment_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('period_start', sa.DateTime(), nullable=False),
    sa.Column('period_end', sa.DateTime(), nullable=False),
    sa.Column('as_of', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.Column('triggered_by', sa.String(length=40), nullable=False),
    sa.Column('previous_run_id', sa.Integer(), nullable=True),
    sa.Column('flagged_units', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['previous_run_id'], ['assessment_run.id'],
                            name=op.f('fk_assessment_run_previous_run_id_assessment_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_run'))
    )
    with op.batch_alter_table('assessment_run', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_run_kind_period', ['kind', 'period'], unique=False)

    op.create_table('assessment_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('unit_type', sa.String(length=20), nullable=False),
    sa.Column('unit_code', sa.String(length=400), nullable=False),
    sa.Column('unit_name', sa.String(length=400), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Integer(), nullable=True),
    sa.Column('denominator', sa.Integer(), nullable=True),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('previous_value', sa.Float(), nullable=True),
    sa.Column('trend', sa.String(length=10), nullable=True),
    sa.Column('streak', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['assessment_run.id'],
                            name=op.f('fk_assessment_result_run_id_assessment_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_result'))
    )
    with op.batch_alter_table('assessment_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_result_run_id'), ['run_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('assessment_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_result_run_id'))
    op.drop_table('assessment_result')
    with op.batch_alter_table('assessment_run', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_run_kind_period')
    op.drop_table('assessment_run')

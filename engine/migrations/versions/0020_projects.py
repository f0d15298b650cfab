"""governance projects: the operator registry (运营资格), projects, budget lines, progress and evaluations

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 13:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('project_budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_project_budget_line_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_budget_line'))
    )
    with op.batch_alter_table('project_budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_budget_line_case_id'), ['case_id'], unique=False)

    op.create_table('project_evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('by_whom', sa.String(length=500), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_project_evaluation_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_evaluation'))
    )
    with op.batch_alter_table('project_evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_evaluation_case_id'), ['case_id'], unique=False)

    op.create_table('project_operator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('qualified', sa.Boolean(), nullable=False),
    sa.Column('disqualified_at', sa.DateTime(), nullable=True),
    sa.Column('disqualified_by_case_id', sa.Integer(), nullable=True),
    sa.Column('disqualified_reason', sa.Text(), nullable=True),
    sa.Column('registered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['disqualified_by_case_id'], ['case.id'], name=op.f('fk_project_operator_disqualified_by_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_operator')),
    sa.UniqueConstraint('code', name=op.f('uq_project_operator_code'))
    )
    op.create_table('project_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('milestone', sa.String(length=500), nullable=True),
    sa.Column('spending_item', sa.String(length=200), nullable=True),
    sa.Column('spending_fen', sa.Integer(), nullable=True),
    sa.Column('receipt_no', sa.String(length=80), nullable=True),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_project_progress_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_progress'))
    )
    with op.batch_alter_table('project_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_progress_case_id'), ['case_id'], unique=False)

    op.create_table('project',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('proposer_kind', sa.String(length=20), nullable=False),
    sa.Column('proposer_name', sa.String(length=200), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('requested_fen', sa.Integer(), nullable=False),
    sa.Column('evaluation_rounds', sa.Integer(), nullable=True),
    sa.Column('fund_source', sa.String(length=20), nullable=True),
    sa.Column('budget_fen', sa.Integer(), nullable=True),
    sa.Column('spent_fen', sa.Integer(), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_project_case_id_case')),
    sa.ForeignKeyConstraint(['operator_id'], ['project_operator.id'], name=op.f('fk_project_operator_id_project_operator')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_project'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_outcome'), ['outcome'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_outcome'))
        batch_op.drop_index(batch_op.f('ix_project_operator_id'))

    op.drop_table('project')
    with op.batch_alter_table('project_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_progress_case_id'))

    op.drop_table('project_progress')
    op.drop_table('project_operator')
    with op.batch_alter_table('project_evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_evaluation_case_id'))

    op.drop_table('project_evaluation')
    with op.batch_alter_table('project_budget_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_budget_line_case_id'))

    op.drop_table('project_budget_line')

"""rectification items (问题清单-责任清单-整改清单): problems found by evaluations, joint meetings and assessments

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 19:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rectification_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('source_label', sa.String(length=300), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('community', sa.String(length=100), nullable=True),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('responsible_unit', sa.String(length=200), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('raised_by', sa.String(length=80), nullable=False),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by', sa.String(length=80), nullable=True),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('returned_count', sa.Integer(), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('verified_by', sa.String(length=80), nullable=True),
    sa.Column('overdue_flagged_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_rectification_item_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_item'))
    )
    for column in ('case_id', 'community', 'deadline', 'status'):
        op.create_index(op.f(f'ix_rectification_item_{column}'), 'rectification_item', [column], unique=False)


def downgrade() -> None:
    op.drop_table('rectification_item')

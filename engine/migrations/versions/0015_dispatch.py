"""dispatch: routing table versions (DMN), case priority and pinned routing table, work item urgency,
assignment part (lead / co / sole) and round, extension requests

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('decision_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by', sa.String(length=80), nullable=True),
    sa.Column('change_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_version')),
    sa.UniqueConstraint('key', 'version', name='uq_decision_version_key_version')
    )
    with op.batch_alter_table('decision_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_version_key'), ['key'], unique=False)
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.String(length=10), nullable=False, server_default='normal'))
        batch_op.add_column(sa.Column('decision_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('suggested_department', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_decision_version_id_decision_version'), 'decision_version',
                                    ['decision_version_id'], ['id'])
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgency', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=10), nullable=False, server_default='sole'))
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='1'))
    op.create_table('extension_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('work_item_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=True),
    sa.Column('current_due', sa.DateTime(), nullable=True),
    sa.Column('requested_due', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_extension_request_case_id_case')),
    sa.ForeignKeyConstraint(['work_item_id'], ['work_item.id'], name=op.f('fk_extension_request_work_item_id_work_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extension_request'))
    )
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_request_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_extension_request_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_extension_request_state'), ['state'], unique=False)
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.create_index('ix_work_item_role_state_urgency_due', ['role', 'state', 'urgency', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.drop_index('ix_work_item_role_state_urgency_due')
    op.drop_table('extension_request')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('round')
        batch_op.drop_column('role')
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.drop_column('urgency')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_decision_version_id_decision_version'), type_='foreignkey')
        batch_op.drop_column('suggested_department')
        batch_op.drop_column('decision_version_id')
        batch_op.drop_column('priority')
    with op.batch_alter_table('decision_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_version_key'))
    op.drop_table('decision_version')

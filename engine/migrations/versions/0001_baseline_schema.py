"""baseline schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 07:55:56.320962
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=100), nullable=False),
    sa.Column('entered_by', sa.String(length=80), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_day'))
    )
    with op.batch_alter_table('calendar_day', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_day_day_entered', ['day', 'entered_at'], unique=False)

    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('code', name=op.f('uq_department_code'))
    )
    op.create_table('grid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('community', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid')),
    sa.UniqueConstraint('code', name=op.f('uq_grid_code'))
    )
    op.create_table('process_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by', sa.String(length=80), nullable=True),
    sa.Column('change_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_version')),
    sa.UniqueConstraint('key', 'version', name='uq_process_version_key_version')
    )
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_version_key'), ['key'], unique=False)

    op.create_table('case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sa.String(length=20), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('process_version_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('grid_code', sa.String(length=40), nullable=True),
    sa.Column('community', sa.String(length=100), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('opened_by', sa.String(length=80), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('next_timer_at', sa.DateTime(), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['process_version_id'], ['process_version.id'], name=op.f('fk_case_process_version_id_process_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_case_tracking_code')),
    sa.UniqueConstraint('uuid', name=op.f('uq_case_uuid'))
    )
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_grid_code'), ['grid_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_next_timer_at'), ['next_timer_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_process_key'), ['process_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_status'), ['status'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=True),
    sa.Column('grid_code', sa.String(length=40), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['department.code'], name=op.f('fk_user_account_department_code_department')),
    sa.ForeignKeyConstraint(['grid_code'], ['grid.code'], name=op.f('fk_user_account_grid_code_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_role'), ['role'], unique=False)

    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.Column('accept_due', sa.DateTime(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('onsite_due', sa.DateTime(), nullable=True),
    sa.Column('on_site_at', sa.DateTime(), nullable=True),
    sa.Column('complete_due', sa.DateTime(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('completion_report', sa.Text(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('escalations', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_assignment_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_department_code'), ['department_code'], unique=False)

    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_event_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_event')),
    sa.UniqueConstraint('case_id', 'seq', name='uq_case_event_case_seq')
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_notification_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_sent_at'), ['sent_at'], unique=False)

    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=20), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.Column('rated_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_rating_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating'))
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_case_id'), ['case_id'], unique=False)

    op.create_table('reporter_contact',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_reporter_contact_case_id_case')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_reporter_contact'))
    )
    op.create_table('resolution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('major_matter', sa.Boolean(), nullable=False),
    sa.Column('responsible_department', sa.String(length=40), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('votes_for', sa.Integer(), nullable=False),
    sa.Column('votes_against', sa.Integer(), nullable=False),
    sa.Column('votes_abstain', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_resolution_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resolution'))
    )
    with op.batch_alter_table('resolution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resolution_case_id'), ['case_id'], unique=False)

    op.create_table('work_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('bpmn_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('form_key', sa.String(length=100), nullable=True),
    sa.Column('lane', sa.String(length=100), nullable=True),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=True),
    sa.Column('grid_code', sa.String(length=40), nullable=True),
    sa.Column('assignee', sa.String(length=80), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('completed_by', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_work_item_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_item')),
    sa.UniqueConstraint('case_id', 'task_id', name='uq_work_item_case_task')
    )
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.create_index('ix_work_item_assignee_state', ['assignee', 'state'], unique=False)
        batch_op.create_index('ix_work_item_case_state', ['case_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_item_department_code'), ['department_code'], unique=False)
        batch_op.create_index('ix_work_item_role_state_due', ['role', 'state', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.drop_index('ix_work_item_role_state_due')
        batch_op.drop_index(batch_op.f('ix_work_item_department_code'))
        batch_op.drop_index('ix_work_item_case_state')
        batch_op.drop_index('ix_work_item_assignee_state')

    op.drop_table('work_item')
    with op.batch_alter_table('resolution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resolution_case_id'))

    op.drop_table('resolution')
    op.drop_table('reporter_contact')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_case_id'))

    op.drop_table('rating')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_sent_at'))
        batch_op.drop_index(batch_op.f('ix_notification_case_id'))

    op.drop_table('notification')
    op.drop_table('case_event')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_department_code'))
        batch_op.drop_index(batch_op.f('ix_assignment_case_id'))

    op.drop_table('assignment')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_role'))

    op.drop_table('user_account')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_status'))
        batch_op.drop_index(batch_op.f('ix_case_process_key'))
        batch_op.drop_index(batch_op.f('ix_case_opened_at'))
        batch_op.drop_index(batch_op.f('ix_case_next_timer_at'))
        batch_op.drop_index(batch_op.f('ix_case_grid_code'))
        batch_op.drop_index(batch_op.f('ix_case_department_code'))
        batch_op.drop_index(batch_op.f('ix_case_category'))

    op.drop_table('case')
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_version_key'))

    op.drop_table('process_version')
    op.drop_table('grid')
    op.drop_table('department')
    with op.batch_alter_table('calendar_day', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_day_day_entered')

    op.drop_table('calendar_day')

"""joint meetings (联席会议): committees, member units, sittings, attendance, resolutions, cadence alerts

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 16:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('joint_committee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(length=100), nullable=False),
    sa.Column('chair_username', sa.String(length=80), nullable=False),
    sa.Column('cadence_months', sa.Integer(), nullable=False),
    sa.Column('remind_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_committee')),
    sa.UniqueConstraint('community', name=op.f('uq_joint_committee_community'))
    )
    op.create_table('joint_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('representative', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['joint_committee.id'],
                            name=op.f('fk_joint_unit_committee_id_joint_committee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_unit')),
    sa.UniqueConstraint('committee_id', 'name', name=op.f('uq_joint_unit_committee_id'))
    )
    op.create_index(op.f('ix_joint_unit_committee_id'), 'joint_unit', ['committee_id'], unique=False)
    op.create_table('joint_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('held_at', sa.DateTime(), nullable=True),
    sa.Column('recorded_by', sa.String(length=80), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('minutes_approved_at', sa.DateTime(), nullable=True),
    sa.Column('minutes_approved_by', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['joint_committee.id'],
                            name=op.f('fk_joint_meeting_committee_id_joint_committee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_meeting'))
    )
    op.create_index(op.f('ix_joint_meeting_committee_id'), 'joint_meeting', ['committee_id'], unique=False)
    op.create_index(op.f('ix_joint_meeting_scheduled_for'), 'joint_meeting', ['scheduled_for'], unique=False)
    op.create_index(op.f('ix_joint_meeting_held_at'), 'joint_meeting', ['held_at'], unique=False)
    op.create_index(op.f('ix_joint_meeting_minutes_approved_at'), 'joint_meeting', ['minutes_approved_at'],
                    unique=False)
    op.create_table('joint_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('attendee', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['joint_meeting.id'],
                            name=op.f('fk_joint_attendance_meeting_id_joint_meeting')),
    sa.ForeignKeyConstraint(['unit_id'], ['joint_unit.id'], name=op.f('fk_joint_attendance_unit_id_joint_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_attendance')),
    sa.UniqueConstraint('meeting_id', 'unit_id', name=op.f('uq_joint_attendance_meeting_id'))
    )
    op.create_index(op.f('ix_joint_attendance_meeting_id'), 'joint_attendance', ['meeting_id'], unique=False)
    op.create_table('joint_resolution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by', sa.String(length=80), nullable=True),
    sa.Column('done_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_joint_resolution_case_id_case')),
    sa.ForeignKeyConstraint(['meeting_id'], ['joint_meeting.id'],
                            name=op.f('fk_joint_resolution_meeting_id_joint_meeting')),
    sa.ForeignKeyConstraint(['unit_id'], ['joint_unit.id'], name=op.f('fk_joint_resolution_unit_id_joint_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_resolution'))
    )
    op.create_index(op.f('ix_joint_resolution_case_id'), 'joint_resolution', ['case_id'], unique=False)
    op.create_index(op.f('ix_joint_resolution_deadline'), 'joint_resolution', ['deadline'], unique=False)
    op.create_index(op.f('ix_joint_resolution_meeting_id'), 'joint_resolution', ['meeting_id'], unique=False)
    op.create_table('joint_cadence_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('window', sa.String(length=7), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['joint_committee.id'],
                            name=op.f('fk_joint_cadence_alert_committee_id_joint_committee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_cadence_alert')),
    sa.UniqueConstraint('committee_id', 'window', name=op.f('uq_joint_cadence_alert_committee_id'))
    )
    op.create_index(op.f('ix_joint_cadence_alert_committee_id'), 'joint_cadence_alert', ['committee_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_table('joint_cadence_alert')
    op.drop_table('joint_resolution')
    op.drop_table('joint_attendance')
    op.drop_table('joint_meeting')
    op.drop_table('joint_unit')
    op.drop_table('joint_committee')

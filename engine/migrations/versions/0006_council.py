"""council: meetings, agenda, member votes, households, household votes and ballots

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 09:11:54.254894
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('council_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('quorum_num', sa.Integer(), nullable=False),
    sa.Column('quorum_den', sa.Integer(), nullable=False),
    sa.Column('major_num', sa.Integer(), nullable=False),
    sa.Column('major_den', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('held_at', sa.DateTime(), nullable=True),
    sa.Column('recorded_by', sa.String(length=80), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_meeting'))
    )
    with op.batch_alter_table('council_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_meeting_scheduled_for'), ['scheduled_for'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_meeting_status'), ['status'], unique=False)

    op.create_table('household',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(length=100), nullable=False),
    sa.Column('building', sa.String(length=40), nullable=False),
    sa.Column('room', sa.String(length=40), nullable=False),
    sa.Column('head_name', sa.String(length=100), nullable=False),
    sa.Column('grid_code', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household')),
    sa.UniqueConstraint('community', 'building', 'room', name=op.f('uq_household_community'))
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_grid_code'), ['grid_code'], unique=False)

    op.create_table('council_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], name=op.f('fk_council_member_meeting_id_council_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_member'))
    )
    with op.batch_alter_table('council_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_member_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('council_agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('carried_from_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('major_matter', sa.Boolean(), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=False),
    sa.Column('votes_against', sa.Integer(), nullable=False),
    sa.Column('votes_abstain', sa.Integer(), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['carried_from_id'], ['council_agenda_item.id'], name=op.f('fk_council_agenda_item_carried_from_id_council_agenda_item')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_council_agenda_item_case_id_case')),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], name=op.f('fk_council_agenda_item_meeting_id_council_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_agenda_item'))
    )
    with op.batch_alter_table('council_agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_agenda_item_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_agenda_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('council_member_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('vote', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['council_agenda_item.id'], name=op.f('fk_council_member_vote_agenda_item_id_council_agenda_item')),
    sa.ForeignKeyConstraint(['member_id'], ['council_member.id'], name=op.f('fk_council_member_vote_member_id_council_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_member_vote')),
    sa.UniqueConstraint('agenda_item_id', 'member_id', name=op.f('uq_council_member_vote_agenda_item_id'))
    )
    with op.batch_alter_table('council_member_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_member_vote_agenda_item_id'), ['agenda_item_id'], unique=False)

    op.create_table('household_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('proposal', sa.Text(), nullable=False),
    sa.Column('community', sa.String(length=100), nullable=False),
    sa.Column('buildings', sa.String(length=400), nullable=False),
    sa.Column('responsible_department', sa.String(length=40), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('council_for', sa.Integer(), nullable=False),
    sa.Column('council_against', sa.Integer(), nullable=False),
    sa.Column('council_abstain', sa.Integer(), nullable=False),
    sa.Column('threshold_num', sa.Integer(), nullable=False),
    sa.Column('threshold_den', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('eligible', sa.Integer(), nullable=False),
    sa.Column('voted', sa.Integer(), nullable=False),
    sa.Column('yes', sa.Integer(), nullable=True),
    sa.Column('no', sa.Integer(), nullable=True),
    sa.Column('abstain', sa.Integer(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('resolution_id', sa.Integer(), nullable=True),
    sa.Column('opened_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['council_agenda_item.id'], name=op.f('fk_household_vote_agenda_item_id_council_agenda_item')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_household_vote_case_id_case')),
    sa.ForeignKeyConstraint(['resolution_id'], ['resolution.id'], name=op.f('fk_household_vote_resolution_id_resolution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_vote'))
    )
    with op.batch_alter_table('household_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_vote_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_vote_closes_at'), ['closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_vote_status'), ['status'], unique=False)

    op.create_table('household_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('choice', sa.String(length=10), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=True),
    sa.Column('cast_at', sa.DateTime(), nullable=True),
    sa.Column('cast_by', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_household_ballot_household_id_household')),
    sa.ForeignKeyConstraint(['vote_id'], ['household_vote.id'], name=op.f('fk_household_ballot_vote_id_household_vote')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_ballot')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_household_ballot_token_hash')),
    sa.UniqueConstraint('vote_id', 'household_id', name=op.f('uq_household_ballot_vote_id'))
    )
    with op.batch_alter_table('household_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_ballot_vote_id'), ['vote_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('household_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_ballot_vote_id'))

    op.drop_table('household_ballot')
    with op.batch_alter_table('household_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_vote_status'))
        batch_op.drop_index(batch_op.f('ix_household_vote_closes_at'))
        batch_op.drop_index(batch_op.f('ix_household_vote_case_id'))

    op.drop_table('household_vote')
    with op.batch_alter_table('council_member_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_member_vote_agenda_item_id'))

    op.drop_table('council_member_vote')
    with op.batch_alter_table('council_agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_agenda_item_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_council_agenda_item_case_id'))

    op.drop_table('council_agenda_item')
    with op.batch_alter_table('council_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_member_meeting_id'))

    op.drop_table('council_member')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_grid_code'))

    op.drop_table('household')
    with op.batch_alter_table('council_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_meeting_status'))
        batch_op.drop_index(batch_op.f('ix_council_meeting_scheduled_for'))

    op.drop_table('council_meeting')

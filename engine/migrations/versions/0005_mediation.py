"""mediation: dispute mediation's parties, mediator assignments, sessions, agreements and outcomes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 12:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mediation',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('dispute_type', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('mediator', sa.String(length=80), nullable=True),
    sa.Column('source_case_id', sa.Integer(), nullable=True),
    sa.Column('rounds', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('referral_channel', sa.String(length=20), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_mediation_case_id_case')),
    sa.ForeignKeyConstraint(['source_case_id'], ['case.id'], name=op.f('fk_mediation_source_case_id_case')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_mediation'))
    )
    op.create_index(op.f('ix_mediation_dispute_type'), 'mediation', ['dispute_type'], unique=False)
    op.create_index(op.f('ix_mediation_mediator'), 'mediation', ['mediator'], unique=False)
    op.create_index(op.f('ix_mediation_outcome'), 'mediation', ['outcome'], unique=False)
    op.create_index(op.f('ix_mediation_source_case_id'), 'mediation', ['source_case_id'], unique=False)
    op.create_table('mediation_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('performance_deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('drafted_at', sa.DateTime(), nullable=False),
    sa.Column('drafted_by', sa.String(length=80), nullable=False),
    sa.Column('followed_up_at', sa.DateTime(), nullable=True),
    sa.Column('follow_up_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_mediation_agreement_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_agreement'))
    )
    op.create_index(op.f('ix_mediation_agreement_case_id'), 'mediation_agreement', ['case_id'], unique=False)
    op.create_index(op.f('ix_mediation_agreement_status'), 'mediation_agreement', ['status'], unique=False)
    op.create_table('mediation_party',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('party_role', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('consent', sa.String(length=20), nullable=True),
    sa.Column('consent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_mediation_party_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_party'))
    )
    op.create_index(op.f('ix_mediation_party_case_id'), 'mediation_party', ['case_id'], unique=False)
    op.create_table('mediation_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_mediation_session_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_session'))
    )
    op.create_index(op.f('ix_mediation_session_case_id'), 'mediation_session', ['case_id'], unique=False)
    op.create_table('mediation_third_party_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('assessor', sa.String(length=200), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_mediation_third_party_assessment_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_third_party_assessment'))
    )
    op.create_index(op.f('ix_mediation_third_party_assessment_case_id'), 'mediation_third_party_assessment', ['case_id'], unique=False)
    op.create_table('mediator_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('mediator', sa.String(length=80), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.Column('assigned_by', sa.String(length=80), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_mediator_assignment_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediator_assignment'))
    )
    op.create_index(op.f('ix_mediator_assignment_case_id'), 'mediator_assignment', ['case_id'], unique=False)
    op.create_index(op.f('ix_mediator_assignment_mediator'), 'mediator_assignment', ['mediator'], unique=False)
    op.create_table('agreement_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['mediation_agreement.id'], name=op.f('fk_agreement_confirmation_agreement_id_mediation_agreement')),
    sa.ForeignKeyConstraint(['party_id'], ['mediation_party.id'], name=op.f('fk_agreement_confirmation_party_id_mediation_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_confirmation')),
    sa.UniqueConstraint('agreement_id', 'party_id', name='uq_agreement_confirmation_party')
    )
    op.create_index(op.f('ix_agreement_confirmation_agreement_id'), 'agreement_confirmation', ['agreement_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_agreement_confirmation_agreement_id'), table_name='agreement_confirmation')
    op.drop_table('agreement_confirmation')
    op.drop_index(op.f('ix_mediator_assignment_mediator'), table_name='mediator_assignment')
    op.drop_index(op.f('ix_mediator_assignment_case_id'), table_name='mediator_assignment')
    op.drop_table('mediator_assignment')
    op.drop_index(op.f('ix_mediation_third_party_assessment_case_id'), table_name='mediation_third_party_assessment')
    op.drop_table('mediation_third_party_assessment')
    op.drop_index(op.f('ix_mediation_session_case_id'), table_name='mediation_session')
    op.drop_table('mediation_session')
    op.drop_index(op.f('ix_mediation_party_case_id'), table_name='mediation_party')
    op.drop_table('mediation_party')
    op.drop_index(op.f('ix_mediation_agreement_status'), table_name='mediation_agreement')
    op.drop_index(op.f('ix_mediation_agreement_case_id'), table_name='mediation_agreement')
    op.drop_table('mediation_agreement')
    op.drop_index(op.f('ix_mediation_source_case_id'), table_name='mediation')
    op.drop_index(op.f('ix_mediation_outcome'), table_name='mediation')
    op.drop_index(op.f('ix_mediation_mediator'), table_name='mediation')
    op.drop_index(op.f('ix_mediation_dispute_type'), table_name='mediation')
    op.drop_table('mediation')

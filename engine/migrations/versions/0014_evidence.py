"""evidence: stored files by SHA-256 (evidence_file) and the attachments that put them in a case's record

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 06:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evidence_file',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('captured_at', sa.String(length=32), nullable=True),
    sa.Column('gps_lat', sa.String(length=16), nullable=True),
    sa.Column('gps_lon', sa.String(length=16), nullable=True),
    sa.Column('public_sha256', sa.String(length=64), nullable=True),
    sa.Column('thumb_sha256', sa.String(length=64), nullable=True),
    sa.Column('stored_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_evidence_file'))
    )
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('uploaded_by', sa.String(length=80), nullable=False),
    sa.Column('uploaded_role', sa.String(length=30), nullable=False),
    sa.Column('attached_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_attachment_case_id_case')),
    sa.ForeignKeyConstraint(['sha256'], ['evidence_file.sha256'], name=op.f('fk_attachment_sha256_evidence_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('case_id', 'event_seq', name='uq_attachment_case_event')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_case_id'))
    op.drop_table('attachment')
    op.drop_table('evidence_file')

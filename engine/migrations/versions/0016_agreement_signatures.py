"""agreement signatures: an agreement's draft is printed and signed party by party (signing day, refusal
reason, signed scan) before it takes effect

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 12:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mediation_agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_force_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('agreement_confirmation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('scan_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('recorded_by', sa.String(length=80), nullable=True))
    # Agreements signed before drafts existed took effect when they were recorded.
    op.execute("UPDATE mediation_agreement SET in_force_at = drafted_at WHERE status IN ('signed', 'honoured', 'broken')")


def downgrade() -> None:
    with op.batch_alter_table('agreement_confirmation', schema=None) as batch_op:
        batch_op.drop_column('recorded_by')
        batch_op.drop_column('scan_sha256')
        batch_op.drop_column('note')
        batch_op.drop_column('signed_on')
    with op.batch_alter_table('mediation_agreement', schema=None) as batch_op:
        batch_op.drop_column('in_force_at')

"""council_meeting.major_base: the 2/3 rule for major matters counts all members (「2/3以上成员同意」)

Meetings recorded before counted the members present; they keep saying so.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 06:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('council_meeting') as batch:
        batch.add_column(sa.Column('major_base', sa.String(length=10), server_default='present', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('council_meeting') as batch:
        batch.drop_column('major_base')

"""user_account.session_version: ending every login session of an account at once

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 05:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('session_version')

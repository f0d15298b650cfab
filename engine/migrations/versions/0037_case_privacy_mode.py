"""case privacy mode: the resident may choose 隐私保护模式 when reporting (contact hidden on staff pages, case off public pages)

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 20:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE … ADD COLUMN with a constant default: the batch mode's copy of the table is refused
    # on SQLite when other tables' foreign keys point at it.
    op.add_column('case', sa.Column('privacy_mode', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), for the same reason.
    op.drop_column('case', 'privacy_mode')

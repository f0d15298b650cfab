"""notice board: resolutions by decision time (the board's newest adopted and rejected resolutions)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 17:35:00
"""
from __future__ import annotations

from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_resolution_decided_at'), 'resolution', ['decided_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_resolution_decided_at'), table_name='resolution')

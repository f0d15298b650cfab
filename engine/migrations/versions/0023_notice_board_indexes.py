"""notice board indexes: a community's newest closed cases, projects by approval

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 14:20:00
"""
from __future__ import annotations

from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_case_community_status_closed', 'case', ['community', 'status', 'closed_at'], unique=False)
    op.create_index(op.f('ix_project_approved_at'), 'project', ['approved_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_project_approved_at'), table_name='project')
    op.drop_index('ix_case_community_status_closed', table_name='case')

"""category process: a resident-facing category may open cases of a supervisor's process

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 13:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('process_key', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('process_key')

"""english names: departments, grids, communities and categories may carry the name English pages show

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 16:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

_COLUMNS = {'department': ('name_en',), 'grid': ('name_en', 'community_en'), 'category': ('name_en',)}


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(sa.Column(column, sa.String(length=100), nullable=True))


def downgrade() -> None:
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): the batch mode's copy of the table is refused on SQLite
    # when other tables' foreign keys point at it (department is, since the joint meetings and hotline orders).
    for table, columns in _COLUMNS.items():
        for column in reversed(columns):
            op.drop_column(table, column)

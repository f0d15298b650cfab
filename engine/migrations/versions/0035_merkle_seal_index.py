"""merkle seal index: the newest seal leaf is found without reading the leaf table

An installation that never signed has no head: the first seal read ``kind = 'seal' AND id > 0`` from
the top of the primary key down, through every leaf of the log. A partial index on the seal leaves alone
(a few per hour) costs a leaf insert nothing and makes that read one index probe.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 20:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None

_SEALS = sa.text("kind = 'seal'")


def upgrade() -> None:
    op.create_index('ix_merkle_leaf_seal', 'merkle_leaf', ['id'], unique=False,
                    postgresql_where=_SEALS, sqlite_where=_SEALS)


def downgrade() -> None:
    op.drop_index('ix_merkle_leaf_seal', table_name='merkle_leaf')

"""reporter_key: the hash of each case's reporter key (acting as the reporter needs the key, not the tracking code)

Cases filed before this revision have no key: their reporters cannot act through the web until a grid
worker or the street office hands them a new private link (``casegrid`` case page, 补发专用链接).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 06:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reporter_key',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_reporter_key_case_id_case')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_reporter_key')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_reporter_key_key_hash'))
    )


def downgrade() -> None:
    op.drop_table('reporter_key')

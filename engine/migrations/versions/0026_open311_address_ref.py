"""open311 address_id: the address register id a GeoReport client located a request by

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 16:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_address_ref',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('address_id', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_address_ref_case_id_case')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_address_ref'))
    )


def downgrade() -> None:
    op.drop_table('case_address_ref')

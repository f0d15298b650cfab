"""reports filed from the grid worker's phone page keep the phone's key (issue 23)

``field_report`` names the case each offline report opened, by the key made on the phone: a report synced
twice (the answer lost on the way back, two tabs at once) opens one case.

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07 20:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'field_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_key', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('filed_by', sa.String(length=80), nullable=False),
        sa.Column('filed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_field_report_case_id_case')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_field_report')),
        sa.UniqueConstraint('client_key', name=op.f('uq_field_report_client_key')),
    )
    with op.batch_alter_table('field_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_report_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('field_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_report_case_id'))
    op.drop_table('field_report')

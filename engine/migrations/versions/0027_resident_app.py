"""residents' app: verified phones, verification codes and short-lived tokens (hashes only)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 16:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('resident_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('handle', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_identity')),
    sa.UniqueConstraint('handle', name=op.f('uq_resident_identity_handle')),
    sa.UniqueConstraint('phone', name=op.f('uq_resident_identity_phone'))
    )
    op.create_table('resident_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['identity_id'], ['resident_identity.id'], name=op.f('fk_resident_code_identity_id_resident_identity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_code'))
    )
    op.create_index(op.f('ix_resident_code_identity_id'), 'resident_code', ['identity_id'], unique=False)
    op.create_table('resident_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['identity_id'], ['resident_identity.id'], name=op.f('fk_resident_session_identity_id_resident_identity')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_resident_session'))
    )
    op.create_index(op.f('ix_resident_session_identity_id'), 'resident_session', ['identity_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_resident_session_identity_id'), table_name='resident_session')
    op.drop_table('resident_session')
    op.drop_index(op.f('ix_resident_code_identity_id'), table_name='resident_code')
    op.drop_table('resident_code')
    op.drop_table('resident_identity')

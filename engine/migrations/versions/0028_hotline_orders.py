"""12345 hotline work orders, their callers (sensitive) and their signed callbacks

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hotline_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_no', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('time_limit_class', sa.String(length=40), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('objected_at', sa.DateTime(), nullable=True),
    sa.Column('object_reason', sa.Text(), nullable=True),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('visit_rating', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_hotline_order_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_order')),
    sa.UniqueConstraint('case_id', name=op.f('uq_hotline_order_case_id')),
    sa.UniqueConstraint('order_no', name=op.f('uq_hotline_order_order_no'))
    )
    op.create_table('hotline_caller',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['hotline_order.id'], name=op.f('fk_hotline_caller_order_id_hotline_order')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_hotline_caller'))
    )
    op.create_table('hotline_callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['hotline_order.id'], name=op.f('fk_hotline_callback_order_id_hotline_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_callback')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_hotline_callback_idempotency_key')),
    sa.UniqueConstraint('order_id', 'seq', name='uq_hotline_callback_order_seq')
    )
    op.create_index(op.f('ix_hotline_callback_order_id'), 'hotline_callback', ['order_id'], unique=False)
    op.create_index(op.f('ix_hotline_callback_state'), 'hotline_callback', ['state'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_hotline_callback_state'), table_name='hotline_callback')
    op.drop_index(op.f('ix_hotline_callback_order_id'), table_name='hotline_callback')
    op.drop_table('hotline_callback')
    op.drop_table('hotline_caller')
    op.drop_table('hotline_order')

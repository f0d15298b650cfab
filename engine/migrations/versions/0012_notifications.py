"""notifications: deliveries per person and channel, preferences, templates, resident subscriptions, reminders

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('work_item_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('dedup_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('params', sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_notification_dedup_key'), ['dedup_key'])
        batch_op.create_foreign_key(batch_op.f('fk_notification_work_item_id_work_item'), 'work_item',
                                    ['work_item_id'], ['id'])
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('urgent', server_default=None)
    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'],
                            name=op.f('fk_delivery_notification_id_notification')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_delivery_idempotency_key'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_notification_id'), ['notification_id'], unique=False)
        batch_op.create_index('ix_delivery_state_next', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_delivery_user_channel_read', ['username', 'channel', 'read_at'], unique=False)
    op.create_table('notification_preference',
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('channels', sa.String(length=60), nullable=False),
    sa.Column('quiet_start', sa.Integer(), nullable=True),
    sa.Column('quiet_end', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['username'], ['user_account.username'],
                            name=op.f('fk_notification_preference_username_user_account')),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_notification_preference'))
    )
    op.create_table('notification_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_template')),
    sa.UniqueConstraint('kind', 'locale', name='uq_notification_template_kind_locale')
    )
    op.create_table('resident_subscription',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('consent_text', sa.String(length=300), nullable=False),
    sa.Column('consented_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_resident_subscription_case_id_case')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_resident_subscription'))
    )
    op.create_table('deadline_watch',
    sa.Column('work_item_id', sa.Integer(), nullable=False),
    sa.Column('next_at', sa.DateTime(), nullable=False),
    sa.Column('level_done', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['work_item_id'], ['work_item.id'], name=op.f('fk_deadline_watch_work_item_id_work_item')),
    sa.PrimaryKeyConstraint('work_item_id', name=op.f('pk_deadline_watch'))
    )
    with op.batch_alter_table('deadline_watch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_watch_next_at'), ['next_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadline_watch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_watch_next_at'))
    op.drop_table('deadline_watch')
    op.drop_table('resident_subscription')
    op.drop_table('notification_template')
    op.drop_table('notification_preference')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_user_channel_read')
        batch_op.drop_index('ix_delivery_state_next')
        batch_op.drop_index(batch_op.f('ix_delivery_notification_id'))
    op.drop_table('delivery')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notification_work_item_id_work_item'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_notification_dedup_key'), type_='unique')
        batch_op.drop_column('params')
        batch_op.drop_column('dedup_key')
        batch_op.drop_column('urgent')
        batch_op.drop_column('work_item_id')
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=False)

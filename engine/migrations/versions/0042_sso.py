"""single sign-on: admins' claim rules and the provider's people linked to local accounts (issue 25)

``sso_rule`` maps a claim of the identity provider's ID token to a role (and its department or grid);
``sso_identity`` links a person of the provider (issuer + subject) to the local account, with when, how
(created or linked) and the rule that let the first login in.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sso_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('claim', sa.String(length=250), nullable=False),
        sa.Column('operator', sa.String(length=20), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=30), nullable=False),
        sa.Column('department_code', sa.String(length=40), nullable=True),
        sa.Column('grid_code', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['department_code'], ['department.code'],
                                name=op.f('fk_sso_rule_department_code_department')),
        sa.ForeignKeyConstraint(['grid_code'], ['grid.code'], name=op.f('fk_sso_rule_grid_code_grid')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_rule')),
    )
    op.create_table(
        'sso_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=255), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('linked_at', sa.DateTime(), nullable=False),
        sa.Column('how', sa.String(length=20), nullable=False),
        sa.Column('rule', sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sso_identity_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_identity')),
        sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_sso_identity_issuer')),
    )
    with op.batch_alter_table('sso_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_identity_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sso_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sso_identity_user_id'))
    op.drop_table('sso_identity')
    op.drop_table('sso_rule')

"""categories as data: the ``category`` table, seeded with the list intake used to hard-code

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 08:15:27.754231
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

#: The categories of ``engine.cases.intake.CATEGORIES`` when this migration was written. Copied, not
#: imported: a migration must build the same database whatever the code says later.
SEED = ("物业管理", "环境卫生", "公共设施", "停车交通", "噪音扰民", "养老服务", "安全隐患", "邻里纠纷", "其他")


def upgrade() -> None:
    category = op.create_table('category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('name', name=op.f('uq_category_name'))
    )
    op.bulk_insert(category, [{"name": name, "sort_order": (i + 1) * 10, "active": True}
                              for i, name in enumerate(SEED)])


def downgrade() -> None:
    op.drop_table('category')

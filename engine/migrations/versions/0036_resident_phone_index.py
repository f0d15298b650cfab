"""resident phone index: residents' app phones stored encrypted and found by a keyed blind index (issue 26)

Adds ``resident_identity.phone_index`` (HMAC-SHA256 of the number under the phone index key:
``$CASEGRID_PHONE_INDEX_KEY`` or ``instance/phone-index.key``, engine/privacy/phone_index.py), widens ``phone`` to
hold the sealed number (AES-GCM under a key derived from the data master key), moves the uniqueness from the
number to its index, and seals and indexes every stored number in place. Downgrading opens them again.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 20:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None

_IDENTITIES = sa.table('resident_identity', sa.column('id', sa.Integer), sa.column('phone', sa.Text),
                       sa.column('phone_index', sa.String), sa.column('handle', sa.String))


def upgrade() -> None:
    from engine.privacy.phone_index import PREFIX, phone_index, seal_phone

    with op.batch_alter_table('resident_identity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_index', sa.String(length=64), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_resident_identity_phone'), type_='unique')
        batch_op.alter_column('phone', existing_type=sa.String(length=40), type_=sa.Text(), existing_nullable=False)
    bind = op.get_bind()
    for row_id, phone, handle in bind.execute(sa.select(_IDENTITIES.c.id, _IDENTITIES.c.phone, _IDENTITIES.c.handle)
                                              .order_by(_IDENTITIES.c.id)).all():
        if phone.startswith(PREFIX):
            continue
        bind.execute(_IDENTITIES.update().where(_IDENTITIES.c.id == row_id).values(
            phone=seal_phone(phone, handle), phone_index=phone_index(phone)))
    with op.batch_alter_table('resident_identity', schema=None) as batch_op:
        batch_op.alter_column('phone_index', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_resident_identity_phone_index'), ['phone_index'])


def downgrade() -> None:
    from engine.privacy.phone_index import PREFIX, open_phone

    bind = op.get_bind()
    for row_id, phone, handle in bind.execute(sa.select(_IDENTITIES.c.id, _IDENTITIES.c.phone, _IDENTITIES.c.handle)
                                              .order_by(_IDENTITIES.c.id)).all():
        if phone.startswith(PREFIX):
            bind.execute(_IDENTITIES.update().where(_IDENTITIES.c.id == row_id).values(phone=open_phone(phone, handle)))
    with op.batch_alter_table('resident_identity', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_resident_identity_phone_index'), type_='unique')
        batch_op.drop_column('phone_index')
        batch_op.alter_column('phone', existing_type=sa.Text(), type_=sa.String(length=40), existing_nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_resident_identity_phone'), ['phone'])

"""volunteer phones sealed and found by the phone blind index, as the residents' app phones are (issue 23)

Widens ``volunteer.phone`` to hold the sealed number (handle ``volunteer:<id>``, engine/privacy/phone_index.py),
adds ``volunteer.phone_index`` (the HMAC a residents' app login shares, so a volunteer can see their own hours),
and seals and indexes every stored number in place. Downgrading opens them again.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07 20:25:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None

_VOLUNTEERS = sa.table('volunteer', sa.column('id', sa.Integer), sa.column('phone', sa.Text),
                       sa.column('phone_index', sa.String))


def upgrade() -> None:
    from engine.privacy.phone_index import PREFIX, phone_index, seal_phone

    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_index', sa.String(length=64), nullable=True))
        batch_op.alter_column('phone', existing_type=sa.String(length=20), type_=sa.Text(), existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_volunteer_phone_index'), ['phone_index'], unique=False)
    bind = op.get_bind()
    for row_id, phone in bind.execute(sa.select(_VOLUNTEERS.c.id, _VOLUNTEERS.c.phone)
                                      .order_by(_VOLUNTEERS.c.id)).all():
        if not phone or phone.startswith(PREFIX):
            continue
        number = phone.replace(" ", "").replace("-", "")
        bind.execute(_VOLUNTEERS.update().where(_VOLUNTEERS.c.id == row_id).values(
            phone=seal_phone(number, f"volunteer:{row_id}"), phone_index=phone_index(number)))


def downgrade() -> None:
    from engine.privacy.phone_index import PREFIX, open_phone

    bind = op.get_bind()
    for row_id, phone in bind.execute(sa.select(_VOLUNTEERS.c.id, _VOLUNTEERS.c.phone)
                                      .order_by(_VOLUNTEERS.c.id)).all():
        if phone and phone.startswith(PREFIX):
            bind.execute(_VOLUNTEERS.update().where(_VOLUNTEERS.c.id == row_id).values(
                phone=open_phone(phone, f"volunteer:{row_id}")))
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_phone_index'))
        batch_op.drop_column('phone_index')
        batch_op.alter_column('phone', existing_type=sa.Text(), type_=sa.String(length=20), existing_nullable=False)

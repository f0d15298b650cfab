"""case data keys: every case's reporter contact encrypted under its own data key (issue 19)

Creates ``case_data_key`` (each case's data key, wrapped by the master key kept outside the database:
``$CASEGRID_DATA_MASTER_KEY`` or ``instance/data-master.key``), widens ``reporter_contact``'s columns to hold
tokens, and encrypts every stored name and phone in place. Downgrading decrypts them again (while the keys
exist: a shredded case's contact stays erased).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 16:30:00
"""
from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

_KEYS = sa.table('case_data_key', sa.column('case_id', sa.Integer), sa.column('profile', sa.String),
                 sa.column('master_id', sa.String), sa.column('wrapped', sa.Text),
                 sa.column('created_at', sa.DateTime))
_CONTACTS = sa.table('reporter_contact', sa.column('case_id', sa.Integer), sa.column('name', sa.Text),
                     sa.column('phone', sa.Text))
_CASES = sa.table('case', sa.column('id', sa.Integer), sa.column('uuid', sa.String),
                  sa.column('opened_at', sa.DateTime))


def upgrade() -> None:
    op.create_table('case_data_key',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('profile', sa.String(length=20), nullable=False),
    sa.Column('master_id', sa.String(length=16), nullable=False),
    sa.Column('wrapped', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('shredded_at', sa.DateTime(), nullable=True),
    sa.Column('shredded_by', sa.String(length=80), nullable=True),
    sa.Column('shred_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_data_key_case_id_case')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_data_key'))
    )
    with op.batch_alter_table('case_data_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_data_key_shredded_at'), ['shredded_at'], unique=False)
    with op.batch_alter_table('reporter_contact', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=100), type_=sa.Text(), existing_nullable=True)
        batch_op.alter_column('phone', existing_type=sa.String(length=40), type_=sa.Text(), existing_nullable=True)
    _encrypt_contacts()


def _encrypt_contacts() -> None:
    from engine.privacy.keys import encrypt_with, is_token, new_key_row, unwrap

    bind = op.get_bind()
    rows = bind.execute(sa.select(_CONTACTS.c.case_id, _CONTACTS.c.name, _CONTACTS.c.phone, _CASES.c.uuid,
                                  _CASES.c.opened_at).join(_CASES, _CASES.c.id == _CONTACTS.c.case_id)
                        .order_by(_CONTACTS.c.case_id)).all()
    for case_id, name, phone, case_uuid, opened_at in rows:
        if is_token(name) or is_token(phone):
            continue
        row = new_key_row(SimpleNamespace(id=case_id, uuid=case_uuid), at=opened_at)
        bind.execute(_KEYS.insert().values(case_id=case_id, profile=row.profile, master_id=row.master_id,
                                           wrapped=row.wrapped, created_at=row.created_at))
        key = unwrap(row, case_uuid)
        bind.execute(_CONTACTS.update().where(_CONTACTS.c.case_id == case_id).values(
            name=encrypt_with(key, name) if name else None, phone=encrypt_with(key, phone) if phone else None))


def downgrade() -> None:
    from engine.privacy.keys import CaseDataKey, decrypt_token, unwrap

    bind = op.get_bind()
    keys = sa.table('case_data_key', sa.column('case_id', sa.Integer), sa.column('profile', sa.String),
                    sa.column('master_id', sa.String), sa.column('wrapped', sa.Text))
    rows = bind.execute(sa.select(_CONTACTS.c.case_id, _CONTACTS.c.name, _CONTACTS.c.phone, _CASES.c.uuid,
                                  keys.c.profile, keys.c.master_id, keys.c.wrapped)
                        .join(_CASES, _CASES.c.id == _CONTACTS.c.case_id)
                        .join(keys, keys.c.case_id == _CONTACTS.c.case_id)).all()
    for case_id, name, phone, case_uuid, profile, master_id, wrapped in rows:
        key = unwrap(CaseDataKey(case_id=case_id, profile=profile, master_id=master_id, wrapped=wrapped), case_uuid)
        bind.execute(_CONTACTS.update().where(_CONTACTS.c.case_id == case_id).values(
            name=(decrypt_token(key, name, case_id) or "")[:100] or None,
            phone=(decrypt_token(key, phone, case_id) or "")[:40] or None))
    with op.batch_alter_table('reporter_contact', schema=None) as batch_op:
        batch_op.alter_column('phone', existing_type=sa.Text(), type_=sa.String(length=40), existing_nullable=True)
        batch_op.alter_column('name', existing_type=sa.Text(), type_=sa.String(length=100), existing_nullable=True)
    with op.batch_alter_table('case_data_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_data_key_shredded_at'))
    op.drop_table('case_data_key')

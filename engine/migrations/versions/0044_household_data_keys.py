"""household data keys: a household's sensitive notes encrypted under the household's own data key

Creates ``household_data_key`` (each household's data key, wrapped by the master key, as ``case_data_key`` holds
a case's) and seals every sensitive note stored in clear until now. Downgrading opens them again.

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-08 00:00:00
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None

_KEYS = sa.table('household_data_key', sa.column('household_id', sa.Integer), sa.column('profile', sa.String),
                 sa.column('master_id', sa.String), sa.column('wrapped', sa.Text),
                 sa.column('created_at', sa.DateTime))
_NOTES = sa.table('household_note', sa.column('id', sa.Integer), sa.column('household_id', sa.Integer),
                  sa.column('text', sa.Text), sa.column('sensitive', sa.Boolean),
                  sa.column('written_at', sa.DateTime))


def upgrade() -> None:
    op.create_table('household_data_key',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('profile', sa.String(length=20), nullable=False),
    sa.Column('master_id', sa.String(length=16), nullable=False),
    sa.Column('wrapped', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_household_data_key_household_id_household')),
    sa.PrimaryKeyConstraint('household_id', name=op.f('pk_household_data_key'))
    )
    _seal_notes()


def _seal_notes() -> None:
    from engine.privacy.household_keys import new_household_key_row, unwrap_household_key
    from engine.privacy.keys import encrypt_with, is_token

    bind = op.get_bind()
    rows = bind.execute(sa.select(_NOTES.c.id, _NOTES.c.household_id, _NOTES.c.text, _NOTES.c.written_at)
                        .where(_NOTES.c.sensitive.is_(True)).order_by(_NOTES.c.id)).all()
    keys: dict[int, object] = {}
    for note_id, household_id, text, written_at in rows:
        if is_token(text):
            continue
        if household_id not in keys:
            row = new_household_key_row(household_id, at=written_at or datetime(2026, 1, 1))
            bind.execute(_KEYS.insert().values(household_id=household_id, profile=row.profile,
                                               master_id=row.master_id, wrapped=row.wrapped,
                                               created_at=row.created_at))
            keys[household_id] = unwrap_household_key(row)
        bind.execute(_NOTES.update().where(_NOTES.c.id == note_id).values(
            text=encrypt_with(keys[household_id], text)))  # type: ignore[arg-type]


def downgrade() -> None:
    from engine.privacy.household_keys import HouseholdDataKey, unwrap_household_key
    from engine.privacy.keys import decrypt_token

    bind = op.get_bind()
    keys = {household_id: unwrap_household_key(HouseholdDataKey(
                household_id=household_id, profile=profile, master_id=master_id, wrapped=wrapped))
            for household_id, profile, master_id, wrapped in bind.execute(
                sa.select(_KEYS.c.household_id, _KEYS.c.profile, _KEYS.c.master_id, _KEYS.c.wrapped))}
    for note_id, household_id, text in bind.execute(
            sa.select(_NOTES.c.id, _NOTES.c.household_id, _NOTES.c.text).where(_NOTES.c.sensitive.is_(True))).all():
        if household_id in keys:
            bind.execute(_NOTES.update().where(_NOTES.c.id == note_id).values(
                text=decrypt_token(keys[household_id], text, household_id)))
    op.drop_table('household_data_key')

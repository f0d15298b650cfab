"""mediation parties' name, phone and address encrypted under the case's data key (issue 19)

Widens ``mediation_party``'s personal columns to hold tokens (PostgreSQL) and encrypts every stored value in
place under its case's data key (made for a case that has none yet), as 0025 did for the reporter's contact. The hash
chain is unchanged: it commits these columns as digests of their plaintext (``clear=`` in
:mod:`engine.audit.fact_rows`), so cases opened before keep verifying. A case whose key was already shredded
gets 已按规定删除 in place of the values it still held in clear. Downgrading decrypts them again (while the
keys exist).

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07 20:40:00
"""
from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None

_KEYS = sa.table('case_data_key', sa.column('case_id', sa.Integer), sa.column('profile', sa.String),
                 sa.column('master_id', sa.String), sa.column('wrapped', sa.Text),
                 sa.column('created_at', sa.DateTime))
_PARTIES = sa.table('mediation_party', sa.column('id', sa.Integer), sa.column('case_id', sa.Integer),
                    sa.column('name', sa.Text), sa.column('phone', sa.Text), sa.column('address', sa.Text))
_CASES = sa.table('case', sa.column('id', sa.Integer), sa.column('uuid', sa.String),
                  sa.column('opened_at', sa.DateTime))
_COLUMNS = (('name', 100), ('phone', 40), ('address', 300))


def _widen(to_text: bool) -> None:
    """TEXT on PostgreSQL. SQLite does not enforce a VARCHAR's length, and changing the declared type there
    means rebuilding the table, whose drop agreement_confirmation's foreign key refuses inside a transaction."""
    if op.get_bind().dialect.name == "sqlite":
        return
    for column, length in _COLUMNS:
        old, new = (sa.String(length=length), sa.Text()) if to_text else (sa.Text(), sa.String(length=length))
        op.alter_column('mediation_party', column, existing_type=old, type_=new, existing_nullable=column != 'name')


def upgrade() -> None:
    _widen(True)
    _encrypt_parties()


def _keys(bind: sa.Connection) -> dict[int, tuple[str, str, str | None]]:
    return {case_id: (profile, master_id, wrapped) for case_id, profile, master_id, wrapped in bind.execute(
        sa.select(_KEYS.c.case_id, _KEYS.c.profile, _KEYS.c.master_id, _KEYS.c.wrapped))}


def _encrypt_parties() -> None:
    from engine.privacy.keys import ERASED, CaseDataKey, encrypt_with, is_token, new_key_row, unwrap

    bind = op.get_bind()
    rows = bind.execute(sa.select(_PARTIES.c.id, _PARTIES.c.case_id, _PARTIES.c.name, _PARTIES.c.phone,
                                  _PARTIES.c.address, _CASES.c.uuid, _CASES.c.opened_at)
                        .join(_CASES, _CASES.c.id == _PARTIES.c.case_id).order_by(_PARTIES.c.id)).all()
    stored = _keys(bind)
    keys: dict[int, object] = {}
    for party_id, case_id, name, phone, address, case_uuid, opened_at in rows:
        if case_id not in keys:
            if case_id in stored:
                profile, master_id, wrapped = stored[case_id]
                keys[case_id] = None if wrapped is None else unwrap(CaseDataKey(
                    case_id=case_id, profile=profile, master_id=master_id, wrapped=wrapped), case_uuid)
            else:
                row = new_key_row(SimpleNamespace(id=case_id, uuid=case_uuid), at=opened_at)
                bind.execute(_KEYS.insert().values(case_id=case_id, profile=row.profile, master_id=row.master_id,
                                                   wrapped=row.wrapped, created_at=row.created_at))
                keys[case_id] = unwrap(row, case_uuid)
        key = keys[case_id]
        sealed = {column: value if value is None or is_token(value)
                  else ERASED if key is None else encrypt_with(key, value)  # type: ignore[arg-type]
                  for column, value in (("name", name), ("phone", phone), ("address", address))}
        bind.execute(_PARTIES.update().where(_PARTIES.c.id == party_id).values(**sealed))


def downgrade() -> None:
    from engine.privacy.keys import CaseDataKey, decrypt_token, unwrap

    bind = op.get_bind()
    stored = _keys(bind)
    rows = bind.execute(sa.select(_PARTIES.c.id, _PARTIES.c.case_id, _PARTIES.c.name, _PARTIES.c.phone,
                                  _PARTIES.c.address, _CASES.c.uuid)
                        .join(_CASES, _CASES.c.id == _PARTIES.c.case_id)).all()
    for party_id, case_id, name, phone, address, case_uuid in rows:
        key = None
        if case_id in stored:
            profile, master_id, wrapped = stored[case_id]
            key = unwrap(CaseDataKey(case_id=case_id, profile=profile, master_id=master_id, wrapped=wrapped),
                         case_uuid)
        bind.execute(_PARTIES.update().where(_PARTIES.c.id == party_id).values(
            name=(decrypt_token(key, name, case_id) or "")[:100],
            phone=(decrypt_token(key, phone, case_id) or "")[:40] or None,
            address=(decrypt_token(key, address, case_id) or "")[:300] or None))
    _widen(False)

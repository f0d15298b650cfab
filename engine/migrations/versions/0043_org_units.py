"""the organisation tree: units (city, district, street, community) and the unit every row belongs to (issue 25)

An existing install gets one city and one street, a community unit for each community its grids name, and
every case, department, account and assessment run attached to that street (a grid to its community), its
categories and routing tables to the city (configuration the units below inherit), so a single street office
sees exactly what it saw before. ``unit_id`` stays out of
the hashed fact rows: no chain changes.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None

#: Tables whose rows belong to the street (a grid belongs to its community instead) …
STREET_TABLES = ('case', 'department', 'user_account', 'assessment_run')
#: … and configuration, which the city sets and every unit below inherits (engine/people/unit_config.py).
CITY_TABLES = ('category', 'decision_version')


def upgrade() -> None:
    op.create_table(
        'org_unit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('name_en', sa.String(length=100), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('path', sa.String(length=400), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['parent_id'], ['org_unit.id'], name=op.f('fk_org_unit_parent_id_org_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_org_unit')),
        sa.UniqueConstraint('code', name=op.f('uq_org_unit_code')),
    )
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_unit_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_unit_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_org_unit_path', ['path'], unique=False,
                              postgresql_ops={'path': 'varchar_pattern_ops'})
    for table in (*STREET_TABLES, *CITY_TABLES, 'grid'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_unit_id'), ['unit_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_unit_id_org_unit'), 'org_unit', ['unit_id'], ['id'])
    _attach_existing_rows()


def _add(conn: sa.Connection, code: str, name: str, name_en: str | None, kind: str, parent: tuple[int, str] | None
         ) -> tuple[int, str]:
    unit = sa.table('org_unit', sa.column('id', sa.Integer), sa.column('code', sa.String), sa.column('name', sa.String),
                    sa.column('name_en', sa.String), sa.column('kind', sa.String),
                    sa.column('parent_id', sa.Integer), sa.column('path', sa.String), sa.column('active', sa.Boolean))
    conn.execute(unit.insert().values(code=code, name=name, name_en=name_en, kind=kind,
                                      parent_id=parent[0] if parent else None, path='/', active=True))
    unit_id = conn.execute(sa.select(unit.c.id).where(unit.c.code == code)).scalar_one()
    path = f"{parent[1] if parent else '/'}{unit_id}/"
    conn.execute(unit.update().where(unit.c.id == unit_id).values(path=path))
    return unit_id, path


def _attach_existing_rows() -> None:
    """The default city and street (engine/org/service.py makes the same on a fresh install's seed)."""
    conn = op.get_bind()
    city = _add(conn, 'city', '本市', 'City', 'city', None)
    street = _add(conn, 'street', '本街道', 'Street office', 'street', city)
    for table in STREET_TABLES:
        conn.execute(sa.text(f'UPDATE "{table}" SET unit_id = :unit'), {'unit': street[0]})
    for table in CITY_TABLES:
        conn.execute(sa.text(f'UPDATE "{table}" SET unit_id = :unit'), {'unit': city[0]})
    grid = sa.table('grid', sa.column('community', sa.String), sa.column('community_en', sa.String),
                    sa.column('unit_id', sa.Integer))
    communities = conn.execute(sa.select(grid.c.community, sa.func.max(grid.c.community_en))
                               .group_by(grid.c.community).order_by(grid.c.community)).all()
    for number, (community, community_en) in enumerate(communities, start=1):
        unit_id, _ = _add(conn, f'street-c{number}', community, community_en, 'community', street)
        conn.execute(grid.update().where(grid.c.community == community).values(unit_id=unit_id))


def downgrade() -> None:
    for table in ('grid', *reversed(CITY_TABLES), *reversed(STREET_TABLES)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_unit_id_org_unit'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_unit_id'))
            batch_op.drop_column('unit_id')
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_org_unit_path')
        batch_op.drop_index(batch_op.f('ix_org_unit_parent_id'))
        batch_op.drop_index(batch_op.f('ix_org_unit_kind'))
    op.drop_table('org_unit')

"""Alembic environment: the engine comes from the caller (see engine.schema), never from an ini file."""
from __future__ import annotations

from alembic import context

from engine.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration rebuilds a table (copy, DROP, rename). With foreign keys enforced, the DROP of a table
        # that other rows point at fails on any database holding data, and deferring them does not help (SQLite
        # counts the DROP's violations and never uncounts them). So, as Alembic advises for SQLite, the keys are
        # off while the migrations run (this must be said outside a transaction) and checked whole before commit.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        with connection.begin():
            context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite,
                              compare_type=True)
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows pointing at nothing: {broken[:5]}")
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]

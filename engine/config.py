"""Where the database lives. Passed in by the caller; the engine reads no globals."""
from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_ENV = "CASEGRID_DATABASE_URL"
INSTANCE_ENV = "CASEGRID_INSTANCE"
EVIDENCE_ROOT_ENV = "CASEGRID_EVIDENCE_ROOT"
EVIDENCE_URL_ENV = "CASEGRID_EVIDENCE_URL"


def instance_path() -> Path:
    """The instance folder: ``$CASEGRID_INSTANCE`` or ``./instance``."""
    return Path(os.environ.get(INSTANCE_ENV) or Path.cwd() / "instance").resolve()


def evidence_root() -> Path:
    """Where evidence files are kept: ``$CASEGRID_EVIDENCE_ROOT`` or the instance folder's ``evidence``."""
    return Path(os.environ.get(EVIDENCE_ROOT_ENV) or instance_path() / "evidence").resolve()


def evidence_location() -> str:
    """The evidence store: ``$CASEGRID_EVIDENCE_URL`` (``s3://…`` or a folder), else :func:`evidence_root`."""
    return os.environ.get(EVIDENCE_URL_ENV) or str(evidence_root())


def database_url(explicit: str | None = None) -> str:
    """An explicit URL, else ``$CASEGRID_DATABASE_URL``, else an SQLite file in the instance folder."""
    if explicit:
        return explicit
    if url := os.environ.get(DATABASE_URL_ENV):
        return url
    folder = instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'casegrid.db'}"


def safe_database_url(explicit: str | None = None) -> str:
    """:func:`database_url` with its password hidden: what logs, flow runs and task inputs may show."""
    from sqlalchemy.engine import make_url  # here: reading the configuration needs no SQLAlchemy

    return make_url(database_url(explicit)).render_as_string(hide_password=True)

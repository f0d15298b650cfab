"""SQLAlchemy base, engine construction and transactions.

Writes on SQLite start with ``BEGIN IMMEDIATE`` so that two writers queue on
the database lock instead of both reading a case and one failing at commit;
on PostgreSQL the case row is locked with ``SELECT … FOR UPDATE`` instead
(see :func:`engine.cases.queries.lock_case`).

Nobody waits for ever: PostgreSQL connections carry a ``lock_timeout`` (and an
``idle_in_transaction_session_timeout``, which frees the locks of a client that
hangs inside a transaction), SQLite a busy timeout. A transaction that runs out
of time waiting, or that PostgreSQL aborts as a deadlock or serialization
failure, raises :class:`~engine.errors.ConflictError` (HTTP 409: "try again"),
never a raw driver error.
"""
from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from engine.errors import BusyError, ConflictError, StorageUnavailable

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

log = logging.getLogger("casegrid.db")

#: Seconds to wait for a read replica's connection before reading the primary instead.
REPLICA_CONNECT_TIMEOUT = 3

#: How long an SQLite writer waits for the lock before giving up (seconds).
SQLITE_BUSY_TIMEOUT = 30

#: PostgreSQL SQLSTATEs that mean "another transaction was in the way; retrying may succeed":
#: lock_not_available (lock_timeout), serialization_failure, deadlock_detected, query_canceled
#: (statement_timeout; a cancel by an operator looks the same and is as safe to retry).
_PG_CONFLICT_STATES = frozenset({"55P03", "40001", "40P01", "57014"})
#: SQLite primary result codes for "the database is locked" (the busy timeout ran out).
_SQLITE_CONFLICT_CODES = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})

#: Shown to the person whose request waited too long for a lock.
BUSY_MESSAGE = "案件正被其他操作占用，本次操作未执行，请稍后重试"

#: PostgreSQL SQLSTATEs that mean "this database cannot store anything now": read_only_sql_transaction
#: (a standby, a read-only role or ``default_transaction_read_only``), insufficient_resources, disk_full,
#: out_of_memory, io_error.
_PG_STORAGE_STATES = frozenset({"25006", "53000", "53100", "53200", "58030"})
#: SQLite result codes (primary or extended, e.g. SQLITE_IOERR_WRITE) for the same.
_SQLITE_STORAGE_CODES = ("SQLITE_READONLY", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")
#: Shown when the database refused to store: nothing was written, and retrying later will work.
STORAGE_MESSAGE = "系统暂时无法保存数据（数据库只读或磁盘已满），本次操作未执行，数据未被修改。请稍后重试，或联系系统管理员。"


@dataclass(frozen=True)
class Timeouts:
    """How long a connection may wait (seconds; 0 = no limit). Environment: ``CASEGRID_DB_<NAME>_TIMEOUT``."""

    #: PostgreSQL: longest wait for a row or table lock (e.g. a case another request is completing).
    lock: float = 5
    #: PostgreSQL: longest single statement. Off by default: reports over a million cases run long.
    statement: float = 0
    #: PostgreSQL: a session idle inside an open transaction this long is ended, releasing its locks.
    idle_in_transaction: float = 60
    #: SQLite: longest wait for the database's single write lock.
    busy: float = SQLITE_BUSY_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Timeouts:
        names = {"lock": "LOCK", "statement": "STATEMENT", "idle_in_transaction": "IDLE_IN_TRANSACTION",
                 "busy": "BUSY"}
        given = {field: float(environ[f"CASEGRID_DB_{name}_TIMEOUT"]) for field, name in names.items()
                 if environ.get(f"CASEGRID_DB_{name}_TIMEOUT")}
        return cls(**given)

    def postgres_options(self) -> str:
        """The libpq ``options`` that set the timeouts on every new connection (milliseconds)."""
        return " ".join(f"-c {name}={int(seconds * 1000)}" for name, seconds in (
            ("lock_timeout", self.lock), ("statement_timeout", self.statement),
            ("idle_in_transaction_session_timeout", self.idle_in_transaction)))


def conflict_from(error: BaseException) -> ConflictError | None:
    """A :class:`ConflictError` for a driver error that means "busy, try again", else None."""
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    if getattr(original, "sqlstate", None) in _PG_CONFLICT_STATES \
            or getattr(original, "sqlite_errorname", None) in _SQLITE_CONFLICT_CODES:
        return BusyError(BUSY_MESSAGE)
    return None


def storage_error_from(error: BaseException) -> StorageUnavailable | None:
    """A :class:`StorageUnavailable` for a driver error that means the database cannot write now, else None."""
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    if getattr(original, "sqlstate", None) in _PG_STORAGE_STATES \
            or str(getattr(original, "sqlite_errorname", "")).startswith(_SQLITE_STORAGE_CODES):
        return StorageUnavailable(STORAGE_MESSAGE)
    return None


def mapped_driver_error(error: BaseException) -> ConflictError | StorageUnavailable | None:
    """The engine error a driver error stands for ("busy, try again" or "cannot store now"), else None."""
    return conflict_from(error) or storage_error_from(error)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("casegrid_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, timeouts: Timeouts | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the per-dialect settings casegrid relies on."""
    timeouts = timeouts or Timeouts.from_env()
    # Bound values stay out of SQL logs and error messages: a login looks a username up, and people
    # type their password into that field (docs/security.md).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": timeouts.busy, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, timeouts.busy)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {"options": timeouts.postgres_options()})
    return create_engine(url, **kwargs)


@contextmanager
def _driver_errors_mapped() -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        if (mapped := mapped_driver_error(error)) is None:
            raise
        raise mapped from error


class Database:
    """One database: a read session factory and a write-transaction factory.

    :meth:`with_replica` makes a second handle on the same database whose reads may go to a read replica.
    """

    def __init__(self, url: str, timeouts: Timeouts | None = None, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, timeouts, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_bind = self.engine.execution_options(casegrid_write=True)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(write_bind, expire_on_commit=False)
        #: The replica's engine, on a handle made by :meth:`with_replica`; None on the primary's own.
        self.replica_engine: Engine | None = None
        self._replica_read: sessionmaker[Session] | None = None
        self._use_replica: Callable[[], bool] = lambda: False

    def with_replica(self, replica_url: str, use_replica: Callable[[], bool],
                     timeouts: Timeouts | None = None) -> Database:
        """This database, but with :meth:`reading` sent to ``replica_url`` whenever ``use_replica()`` is true.

        Writes (:meth:`transaction`) always go to this (the primary) database. The handle is meant for the
        readers that tolerate a replica's lag (inbox, case search, assessment pages), given to their own
        service objects; ``use_replica`` is the caller's rule for when lag is acceptable — the web part says
        no inside a write request and just after one (read-your-writes), and outside requests.
        """
        routed = copy.copy(self)
        timeouts = timeouts or Timeouts.from_env()
        # A replica that does not answer is given up on quickly (its readers then read the primary).
        extra = ({"connect_args": {"options": timeouts.postgres_options(), "connect_timeout": REPLICA_CONNECT_TIMEOUT}}
                 if replica_url.startswith("postgresql") else {})
        routed.replica_engine = make_engine(replica_url, timeouts, **extra)
        routed._replica_read = sessionmaker(routed.replica_engine, expire_on_commit=False)
        routed._use_replica = use_replica
        return routed

    @property
    def reads_from_replica(self) -> bool:
        """Whether :meth:`reading` would use the replica now."""
        return self._replica_read is not None and self._use_replica()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error.

        A lock wait that timed out, a deadlock or a serialization failure becomes :class:`ConflictError`;
        a database that cannot store (read-only, disk full) :class:`StorageUnavailable` — rolled back either way.
        """
        with _driver_errors_mapped(), self._write() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads. Closing it rolls back and detaches the objects with their values loaded."""
        with _driver_errors_mapped(), self._reader() as session:
            yield session

    def _reader(self) -> Session:
        """The replica's session when allowed and reachable, else the primary's: a replica that is down or
        refuses connections costs its readers the primary's load, never an error page."""
        if self._replica_read is not None and self._use_replica():
            session = self._replica_read()
            try:
                session.connection()  # connect now, while falling back is still possible
                return session
            except DBAPIError:
                session.close()
                log.warning("read replica unreachable: reading the primary", exc_info=True)
        return self._read()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.replica_engine is not None:
            self.replica_engine.dispose()

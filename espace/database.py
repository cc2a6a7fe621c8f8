"""Opening the database named by DATABASE_URL, and applying migrations."""
import os
from contextlib import contextmanager

from peewee import InterfaceError, OperationalError, SqliteDatabase
from playhouse.db_url import connect
from playhouse.migrations import Runner
from playhouse.pool import PooledSqliteDatabase

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")

SQLITE_PRAGMAS = {
    "foreign_keys": 1,
    # Concurrent writers wait for the lock instead of failing at once.
    "busy_timeout": 10000,
}


def open_database(url, pool_size=0):
    """SQLite for a file URL; PostgreSQL pooled when pool_size > 0.

    The pool keeps up to pool_size connections per process: a request takes one and gives
    it back at its end, instead of opening a new one (a new backend process on the
    server, and authentication) each time. A connection is checked (SELECT 1) when taken
    from the pool, so one the server dropped is replaced; one idle for 5 minutes is closed.
    """
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        # Pooled too: closing SQLite's last connection checkpoints the WAL file, and opening one
        # costs its pragmas; a kept connection costs neither.
        database = PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                        max_connections=32, stale_timeout=300, timeout=10)
        # WAL (readers never wait for the writer) belongs to the file: set once, not per connection.
        with database.connection_context():
            database.execute_sql("PRAGMA journal_mode=wal")
        return database
    scheme, rest = url.split("://", 1)
    if pool_size and scheme in ("postgres", "postgresql"):
        return connect(f"{scheme}+pool://{rest}", max_connections=pool_size, stale_timeout=300, timeout=10)
    return connect(url)


def ensure_connection(database):
    """Open a connection, or replace one the server dropped (restart, failover, idle kill).

    Used by /healthz and the CLI; requests connect on their first query (from the pool
    on PostgreSQL, which makes the same check when it hands a connection out).
    """
    if not database.is_closed():
        try:
            database.execute_sql("SELECT 1")
            return
        except (OperationalError, InterfaceError):
            database.close()
    database.connect()


MIGRATION_LOCK = 7242024  # any constant shared by every process of this app


@contextmanager
def startup_lock(database):
    """Several workers start at once: they take turns to migrate and seed.

    PostgreSQL: an advisory lock (re-entrant in one session). SQLite: a write
    transaction from the start, so a check-then-insert cannot interleave, with foreign keys
    off: SQLite rebuilds a table to alter a column, and dropping the old one would
    cascade-delete its children. The pragma only takes effect outside a transaction, so it
    is set here, before ours begins, and the references are checked before it commits.
    """
    if isinstance(database, SqliteDatabase):
        outermost = not database.in_transaction()
        if outermost:
            database.pragma("foreign_keys", 0)
        try:
            with database.atomic(lock_type="IMMEDIATE"):
                yield
                if outermost and database.execute_sql("PRAGMA foreign_key_check").fetchall():
                    raise RuntimeError("a migration left rows pointing to nothing: rolled back")
        finally:
            if outermost:
                database.pragma("foreign_keys", 1)
        return
    database.execute_sql("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        yield
    finally:
        database.execute_sql("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


def migrate(database):
    """Apply pending migrations; returns their names."""
    with startup_lock(database):
        return Runner(database, MIGRATIONS_DIR).up()

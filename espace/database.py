"""Opening the database named by DATABASE_URL, and applying migrations."""
import os
from contextlib import contextmanager

from peewee import InterfaceError, OperationalError, SqliteDatabase
from playhouse.db_url import connect
from playhouse.migrations import Runner

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # Concurrent writers wait for the lock instead of failing at once.
    "busy_timeout": 10000,
}


def open_database(url):
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    return connect(url)


def ensure_connection(database):
    """Open a connection, or replace one the server dropped (restart, failover, idle kill).

    Connections are closed after each request, so the check costs nothing then;
    it matters when one outlives a request (CLI, tests, a future pool).
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
    transaction from the start, so a check-then-insert cannot interleave.
    """
    if isinstance(database, SqliteDatabase):
        with database.atomic(lock_type="IMMEDIATE"):
            yield
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

"""The migrations build the same schema on SQLite and PostgreSQL, and go down again."""
import os
import re
from urllib.parse import urlsplit

import pytest
from peewee import IntegrityError

from bench.servers import recreate_database, with_database
from espace.database import MIGRATIONS_DIR, migrate, open_database
from playhouse.migrations import Runner

DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

pytestmark = [
    pytest.mark.scale,
    pytest.mark.skipif(not DATABASE_URL, reason="needs TEST_DATABASE_URL"),
]

MIGRATIONS = sorted(name[:-3] for name in os.listdir(MIGRATIONS_DIR) if re.fullmatch(r"\d{4}_\w+\.py", name))

TYPE_FAMILIES = [("int", "integer"), ("serial", "integer"), ("char", "text"), ("text", "text"),
                 ("blob", "bytes"), ("bytea", "bytes"), ("timestamp", "datetime"),
                 ("datetime", "datetime"), ("date", "date")]


def family(data_type):
    data_type = data_type.lower()
    return next(name for prefix, name in TYPE_FAMILIES if prefix in data_type)


def schema(database):
    """Tables, columns (type family, null, key) and indexes (columns, unique, partial) by name."""
    found = {}
    for table in database.get_tables():
        columns = {c.name: (family(c.data_type), c.null, c.primary_key) for c in database.get_columns(table)}
        indexes = {i.name: (tuple(i.columns), i.unique, " where " in i.sql.lower())
                   for i in database.get_indexes(table) if not i.name.endswith("_pkey")}
        found[table] = (columns, indexes)
    return found


@pytest.fixture
def both(tmp_path):
    url = with_database(DATABASE_URL, urlsplit(DATABASE_URL).path.lstrip("/") + "_migrations")
    recreate_database(url)
    engines = {"sqlite": open_database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}"), "postgresql": open_database(url)}
    for database in engines.values():
        database.connect()
    yield engines
    for database in engines.values():
        database.close()


def test_the_same_schema_on_both_engines(both):
    for database in both.values():
        assert migrate(database) == MIGRATIONS
    sqlite, postgresql = schema(both["sqlite"]), schema(both["postgresql"])
    assert sqlite == postgresql
    indexes = sqlite["activation_request"][1]
    assert indexes["activation_request_pending_email"] == (("email",), True, True)
    assert indexes["activation_request_pending_space"] == (("space_id",), True, True)
    # 0003: one hash for the three answers; per-answer hashes may be empty; (space, position) still unique.
    assert sqlite["space"][0]["legacy_answers_hash"] == ("text", True, False)
    columns, indexes = sqlite["legacy_trust_answer"]
    assert columns["answer_hash"] == ("text", True, False)
    assert (("space_id", "position"), True, False) in indexes.values()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_one_pending_request_per_address_on_each_engine(both, engine):
    database = both[engine]
    migrate(database)
    database.execute_sql("INSERT INTO space (subscriber_number, last_name, first_name, phone, contact_email, "
                         "address, access_mode, failed_answer_count, failed_login_count) "
                         "VALUES ('20200010000001', 'A', 'B', '', '', '', 'certificate', 0, 0)")

    def request(code, state):
        sql = ("INSERT INTO activation_request (space_id, email, code_hash, password_hash, trust_question, "
               "trust_answer_encrypted, state, created_at, expires_at) "
               "VALUES (1, 'a@example.fr', ?, 'h', 'q', ?, ?, '2026-01-01', '2026-01-03')")
        database.execute_sql(re.sub(r"\?", database.param, sql), (code, b"x", state))

    request("c1", "used")
    request("c2", "pending")
    with pytest.raises(IntegrityError), database.atomic():
        request("c3", "pending")


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_down_removes_everything_then_up_again(both, engine):
    database = both[engine]
    migrate(database)
    runner = Runner(database, MIGRATIONS_DIR)
    assert runner.down(target="0001_initial") == list(reversed(MIGRATIONS))
    assert set(database.get_tables()) == {"schema_migration"}
    assert migrate(database) == MIGRATIONS


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_per_answer_hashes_survive_migration_0003(both, engine):
    """Spaces imported before 0003 keep their three hashes (hashed together at the next success)."""
    database = both[engine]
    Runner(database, MIGRATIONS_DIR).up(target="0001_initial")
    database.execute_sql("INSERT INTO space (subscriber_number, last_name, first_name, phone, contact_email, "
                         "address, access_mode, failed_answer_count, failed_login_count) "
                         "VALUES ('20200010000001', 'A', 'B', '', '', '', 'certificate', 0, 0)")
    for position in (1, 2, 3):
        database.execute_sql(re.sub(r"\?", database.param, "INSERT INTO legacy_trust_answer "
                                    "(space_id, position, question, answer_hash) VALUES (1, ?, ?, ?)"),
                             (position, f"Q{position} ?", f"$2b$04$hash{position}"))
    migrate(database)
    rows = database.execute_sql("SELECT position, answer_hash FROM legacy_trust_answer ORDER BY position").fetchall()
    assert [tuple(r) for r in rows] == [(1, "$2b$04$hash1"), (2, "$2b$04$hash2"), (3, "$2b$04$hash3")]
    assert database.execute_sql("SELECT legacy_answers_hash FROM space").fetchone()[0] is None

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


ALL = sorted(name[:-3] for name in os.listdir(MIGRATIONS_DIR) if re.fullmatch(r"\d{4}_\w+\.py", name))


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
        assert migrate(database) == ALL
    sqlite, postgresql = schema(both["sqlite"]), schema(both["postgresql"])
    assert sqlite == postgresql
    indexes = sqlite["activation_request"][1]
    assert indexes["activation_request_pending_email"] == (("email",), True, True)
    assert indexes["activation_request_pending_space"] == (("space_id",), True, True)


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
    assert ALL[0] == "0001_initial" and len(ALL) > 1
    assert runner.down(target="0001_initial") == ALL[::-1]
    assert set(database.get_tables()) == {"schema_migration"}
    assert migrate(database) == ALL

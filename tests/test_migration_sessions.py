"""Migration 0008: remembered browsers gain a public id and a description; the session registry."""
from conftest import BERNARD
from playhouse.migrations import Runner

from espace.database import MIGRATIONS_DIR
from espace.models import Device, Space, db

NAME = "0008_sessions_and_devices"


def test_browsers_remembered_before_get_a_public_id_and_keep_working_down_and_up(app):
    with app.app_context(), db.connection_context():
        database, param = db.obj, db.obj.param
        runner = Runner(database, MIGRATIONS_DIR)
        assert NAME in runner.down(target=NAME)
        assert "open_session" not in database.get_tables()
        assert "public_id" not in [c.name for c in database.get_columns("device")]
        space_id = Space.by_number(BERNARD).id
        database.execute_sql(f"UPDATE space SET session_epoch = 2 WHERE id = {param}", (space_id,))
        for token_hash in ("a" * 64, "b" * 64):
            database.execute_sql(
                "INSERT INTO device (space_id, token_hash, session_epoch, created_at, last_used_at, expires_at) "
                f"VALUES ({param}, {param}, 2, '2030-01-01 00:00:00', '2030-01-01 00:00:00', '2030-07-01 00:00:00')",
                (space_id, token_hash))
        runner.up()
        devices = list(Device.select().order_by(Device.token_hash))
        assert [d.token_hash for d in devices] == ["a" * 64, "b" * 64]
        assert len({d.public_id for d in devices}) == 2 and all(len(d.public_id) >= 22 for d in devices)
        assert [(d.browser, d.system, d.client) for d in devices] == [("", "", "")] * 2
        assert "session_epoch" not in [c.name for c in database.get_columns("device")]
        assert "open_session" in database.get_tables()
        # Down again: the browsers stay remembered under the space's current password.
        runner.down(target=NAME)
        assert database.execute_sql("SELECT DISTINCT session_epoch FROM device").fetchall() == [(2,)]
        runner.up()

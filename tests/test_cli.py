"""Operator commands: migrations, demo data, purge of expired requests."""
from datetime import timedelta

import time_machine

from espace.models import EXPIRED, ActivationRequest, Dossier, Space, db


def test_first_start_migrates_and_seeds_the_demo_data(app):
    with app.app_context(), db.connection_context():
        assert Space.select().count() == 3
        assert Dossier.select().count() == 6
        assert "schema_migration" in db.get_tables()


def test_migrate_is_idempotent(runner):
    result = runner.invoke(args=["migrate"])
    assert result.exit_code == 0 and "0 migration(s)" in result.output


def test_seed_demo_is_idempotent(runner, app):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "0 espace(s)" in result.output
    with app.app_context(), db.connection_context():
        assert Space.select().count() == 3


def test_purge_expired_marks_requests_past_48_hours(walk, runner, app):
    walk.option()
    assert "0 demande(s)" in runner.invoke(args=["purge-expired"]).output
    with time_machine.travel(timedelta(hours=48, seconds=1), tick=False):
        result = runner.invoke(args=["purge-expired"])
    assert "1 demande(s)" in result.output
    with app.app_context(), db.connection_context():
        assert ActivationRequest.get().state == EXPIRED


def test_migrations_go_down_and_up_again(app):
    from playhouse.migrations import Runner

    from espace.database import MIGRATIONS_DIR

    with app.app_context(), db.connection_context():
        runner = Runner(db.obj, MIGRATIONS_DIR)
        assert runner.down() == ["0001_initial"]
        assert "space" not in db.get_tables()
        assert runner.up() == ["0001_initial"]
        assert "activation_request" in db.get_tables()

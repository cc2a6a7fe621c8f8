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
        names = [m.name for m in runner.status()]
        assert names[0] == "0001_initial" and len(names) > 1
        assert runner.down(target="0001_initial") == names[::-1]
        assert "space" not in db.get_tables()
        assert runner.up() == names
        assert "activation_request" in db.get_tables()


LEGACY = [{
    "subscriber_number": "20201230000404", "last_name": "MARTIN", "first_name": "Anne",
    "contact_email": "anne.martin@example.fr", "certificate_expires_on": "2021-05-01",
    "answers": [{"question": "Votre hobby ?", "answer": "Vélo"},
                {"question": "Votre sport préféré ?", "answer": "Tennis"},
                {"question": "Quel est votre surnom ?", "answer": "Nanou"}],
    "dossiers": [{"siren": "311223341", "name": "MARTIN SAS"}], "services": ["Déclarer TVA"],
}]


def test_import_legacy_creates_certificate_spaces_with_hashed_answers(runner, app, tmp_path):
    import json

    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(LEGACY), encoding="utf-8")
    result = runner.invoke(args=["import-legacy", str(path)])
    assert result.exit_code == 0 and "1 espace(s) importé(s)" in result.output
    assert "0 espace(s) importé(s), 1 déjà présent(s)" in runner.invoke(args=["import-legacy", str(path)]).output
    with app.app_context(), db.connection_context():
        space = Space.by_number("20201230000404")
        assert space.access_mode == "certificate" and [d.name for d in space.dossiers] == ["MARTIN SAS"]
        hashes = [a.answer_hash for a in space.legacy_answers]
        assert all(h.startswith("$2b$") for h in hashes) and not any("elo" in h for h in hashes)


def test_import_legacy_refuses_the_whole_file_on_a_bad_record(runner, app, tmp_path):
    import json

    bad = LEGACY + [{"subscriber_number": "123", "last_name": "X", "first_name": "Y", "answers": []}]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = runner.invoke(args=["import-legacy", str(path)])
    assert result.exit_code != 0 and "rien n'a été importé" in result.output
    with app.app_context(), db.connection_context():
        assert Space.by_number("20201230000404") is None
    path.write_text("{not json", encoding="utf-8")
    assert "fichier illisible" in runner.invoke(args=["import-legacy", str(path)]).output


def test_seed_load_creates_synthetic_spaces_once(runner, app):
    from espace.domain.seed import LOAD_ANSWERS, load_number

    assert "3 espace(s)" in runner.invoke(args=["seed-load", "3"]).output
    assert "0 espace(s)" in runner.invoke(args=["seed-load", "3"]).output
    with app.app_context(), db.connection_context():
        space = Space.by_number(load_number(2))
        assert [a.question for a in sorted(space.legacy_answers, key=lambda a: a.position)] == \
            [q for q, _ in LOAD_ANSWERS]


def test_seed_load_is_refused_in_production(runner, app):
    app.config["ESPACE_ENV"] = "production"
    result = runner.invoke(args=["seed-load", "1"])
    assert result.exit_code != 0 and "refusés en production" in result.output

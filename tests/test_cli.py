"""Operator commands: migrations, demo data, imports, figures, unlocking, journal, purges."""
from datetime import timedelta

import pytest
import time_machine

from espace.models import EXPIRED, ActivationRequest, Dossier, Event, LegacyTrustAnswer, Space, db


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
        applied = [m.name for m in runner.status()]
        # Answers hashed together cannot be split again: 0003 refuses to go down while some exist.
        with pytest.raises(RuntimeError, match="hashed only together"):
            runner.down(target="0001_initial")
        still = [m.name for m in runner.status() if m.applied]
        assert still == applied[:applied.index("0003_one_hash_for_trust_answers") + 1]
        LegacyTrustAnswer.delete().execute()
        assert runner.down(target="0001_initial") == list(reversed(still))
        assert "space" not in db.get_tables()
        assert runner.up() == applied
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
        assert space.legacy_answers_hash.startswith("$2b$") and "elo" not in space.legacy_answers_hash
        assert [a.answer_hash for a in space.legacy_answers] == [None, None, None]  # one hash for the three


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


# --- import-legacy: CSV as well as JSON, dry run, rejected rows --------------------------

CSV_HEADER = ("subscriber_number,last_name,first_name,phone,contact_email,address,certificate_expires_on,"
              "question1,answer1,question2,answer2,question3,answer3,dossiers,services\n")
CSV_MARTIN = ('20201230000404,MARTIN,Anne,0102030405,anne.martin@example.fr,"3 rue Haute\n69001 LYON",'
              '2021-05-01,Votre hobby ?,Vélo,Votre sport préféré ?,Tennis,Quel est votre surnom ?,Nanou,'
              '311223341 MARTIN SAS|422334452 HAUTE RUE SCI,Déclarer TVA|Payer TVA\n')
CSV_DURAND = ("20201230000505,DURAND,Paul,,,,,Votre hobby ?,Pêche,Votre sport préféré ?,Judo,"
              "Quel est votre surnom ?,Polo,,\n")


def import_file(runner, tmp_path, name, content, *options):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return runner.invoke(args=["import-legacy", str(path), *options])


def spaces_named(app, *numbers):
    with app.app_context(), db.connection_context():
        return [Space.by_number(n) for n in numbers]


def test_import_legacy_reads_csv(runner, app, tmp_path):
    result = import_file(runner, tmp_path, "spaces.csv", CSV_HEADER + CSV_MARTIN + CSV_DURAND)
    assert result.exit_code == 0, result.output
    assert "2 espace(s) importé(s), 0 déjà présent(s)" in result.output
    with app.app_context(), db.connection_context():
        martin = Space.by_number("20201230000404")
        assert (martin.last_name, martin.phone, martin.address, martin.postcode, martin.city) == (
            "MARTIN", "0102030405", "3 rue Haute", "69001", "LYON")
        assert str(martin.certificate_expires_on) == "2021-05-01" and martin.access_mode == "certificate"
        assert sorted((d.siren, d.name) for d in martin.dossiers) == [
            ("311223341", "MARTIN SAS"), ("422334452", "HAUTE RUE SCI")]
        assert sorted(s.name for s in martin.services) == ["Déclarer TVA", "Payer TVA"]
        answers = sorted(martin.legacy_answers, key=lambda a: a.position)
        assert [a.question for a in answers] == ["Votre hobby ?", "Votre sport préféré ?", "Quel est votre surnom ?"]
        assert martin.legacy_answers_hash.startswith("$2b$") and all(a.answer_hash is None for a in answers)
        durand = Space.by_number("20201230000505")
        assert durand.phone == "" and durand.certificate_expires_on is None and durand.dossiers.count() == 0


def test_imported_answers_are_the_ones_the_wizard_checks(runner, app, tmp_path, client):
    import_file(runner, tmp_path, "spaces.csv", CSV_HEADER + CSV_DURAND)
    assert client.post("/opter/numero", data={"number": "20201230000505"}).location.endswith("/opter/verification")
    response = client.post("/opter/verification", data={"answer1": "peche", "answer2": "JUDO", "answer3": " polo "})
    assert response.status_code == 303 and response.location.endswith("/opter/identifiants")


def test_import_legacy_reads_a_spreadsheet_export_with_semicolons_and_a_bom(runner, app, tmp_path):
    content = "\ufeff" + (CSV_HEADER + CSV_DURAND).replace(",", ";").replace("\n", "\r\n")
    result = import_file(runner, tmp_path, "export.csv", content)
    assert result.exit_code == 0 and "1 espace(s) importé(s)" in result.output, result.output
    assert spaces_named(app, "20201230000505")[0].first_name == "Paul"


def test_the_format_option_wins_over_the_extension(runner, app, tmp_path):
    result = import_file(runner, tmp_path, "spaces.txt", CSV_HEADER + CSV_DURAND, "--format", "csv")
    assert result.exit_code == 0 and "1 espace(s) importé(s)" in result.output
    result = import_file(runner, tmp_path, "other.txt", CSV_HEADER + CSV_DURAND)
    assert result.exit_code != 0 and "précisez --format" in result.output


def test_import_legacy_dry_run_counts_and_writes_nothing(runner, app, tmp_path):
    import_file(runner, tmp_path, "first.csv", CSV_HEADER + CSV_DURAND)
    result = import_file(runner, tmp_path, "spaces.csv", CSV_HEADER + CSV_MARTIN + CSV_DURAND, "--dry-run")
    assert result.exit_code == 0
    assert "essai à blanc, rien n'a été enregistré : 1 espace(s) à importer, 1 déjà présent(s)" in result.output
    assert spaces_named(app, "20201230000404") == [None]


def test_rejected_rows_are_reported_with_their_line_and_nothing_is_imported(runner, app, tmp_path):
    bad_number = CSV_DURAND.replace("20201230000505", "2020123000050")
    bad_date = CSV_MARTIN.replace("2021-05-01", "01/05/2021").replace("20201230000404", "20201230000606")
    # Line 1 header, 2-3 Martin (two lines: the address), 4 Durand, 5 bad number, 6-7 bad date, 8 repeat.
    content = CSV_HEADER + CSV_MARTIN + CSV_DURAND + bad_number + bad_date + CSV_DURAND
    result = import_file(runner, tmp_path, "spaces.csv", content)
    assert result.exit_code != 0
    assert "ligne 5 : le numéro d'abonné doit comporter 14 chiffres" in result.output
    assert "ligne 6 : date d'expiration du certificat invalide : « 01/05/2021 »" in result.output
    assert "ligne 8 : numéro d'abonné 20201230000505 déjà présent à la ligne 4" in result.output
    assert "rien n'a été importé : 3 ligne(s) rejetée(s) sur 5" in result.output
    assert "ligne 2" not in result.output and "ligne 4 :" not in result.output
    assert spaces_named(app, "20201230000404", "20201230000505") == [None, None]
    # The dry run says the same and writes nothing either.
    dry = import_file(runner, tmp_path, "spaces.csv", content, "--dry-run")
    assert dry.exit_code != 0 and "ligne 5 : le numéro" in dry.output


def test_json_rows_are_reported_with_the_line_where_they_start(runner, app, tmp_path):
    import json

    records = LEGACY + [{"subscriber_number": "20201230000707", "last_name": "X", "first_name": "Y",
                         "answers": [{"question": "Q", "answer": "R"}]}]
    result = import_file(runner, tmp_path, "spaces.json", json.dumps(records, indent=2, ensure_ascii=False))
    starts = [i + 1 for i, line in enumerate(json.dumps(records, indent=2).splitlines()) if line == "  {"]
    assert len(starts) == 2 and starts[1] > 20
    assert result.exit_code != 0
    assert f"ligne {starts[1]} : il faut exactement 3 questions de confiance avec leur réponse" in result.output
    assert spaces_named(app, "20201230000404") == [None]


@pytest.mark.parametrize("name, content, message", [
    ("a.csv", "", "fichier vide"),
    ("a.csv", "subscriber_number,last_name\n", "colonne(s) manquante(s) : first_name, question1"),
    ("a.csv", CSV_HEADER.replace("phone", "telephone"), "colonne(s) inconnue(s) : telephone"),
    ("a.csv", CSV_HEADER.replace("phone", "address"), "colonne(s) en double : address"),
    ("a.csv", CSV_HEADER + '2020,"unterminated\n', "CSV invalide"),
    ("a.csv", b"\xff\xfe" + CSV_HEADER.encode("utf-16-le"), "encodé en UTF-8"),
    ("a.json", "{not json", "JSON invalide à la ligne 1"),
    ("a.json", '{"subscriber_number": "20201230000404"}', "une liste de fiches"),
])
def test_an_unreadable_file_is_refused_whole(runner, tmp_path, name, content, message):
    result = import_file(runner, tmp_path, name, content)
    assert result.exit_code != 0 and "fichier illisible" in result.output and message in result.output


# --- stats, unlock, journal, purge-expired ---------------------------------------------------

def test_stats_counts_spaces_requests_and_locks(walk, runner, app):
    import json

    walk.option()
    figures = json.loads(runner.invoke(args=["stats", "--json"]).output)
    assert figures["espaces à certificat (à convertir)"] == 2
    assert figures["espaces activés (adresse électronique et mot de passe)"] == 1
    assert figures["demandes d'activation en attente (code valable)"] == 1
    assert figures["codes d'activation expirés"] == 0
    assert figures["adresses de connexion soumises à l'image (trop d'échecs)"] == 0
    with time_machine.travel(timedelta(hours=48, seconds=1), tick=False):
        text = runner.invoke(args=["stats"]).output
    assert "0  demandes d'activation en attente (code valable)" in text
    assert "1  codes d'activation expirés" in text


def lock_everything(walk):
    from conftest import CLAUDE
    from espace.domain.identity import MAX_ANSWER_FAILURES
    from espace.domain.signin_password import MAX_LOGIN_FAILURES

    walk.number(CLAUDE)
    for _ in range(MAX_ANSWER_FAILURES):
        walk.answers({"answer1": "Non", "answer2": "Non", "answer3": "Non"})
    for _ in range(MAX_LOGIN_FAILURES + 1):
        walk.login("toto321@toto.toto", "WrongPassword12345678")


def test_unlock_clears_the_locks_and_says_so_in_the_history(walk, runner, app):
    from conftest import BERNARD, BERNARD_PASSWORD, CLAUDE, CLAUDE_ANSWERS

    lock_everything(walk)
    figures = runner.invoke(args=["stats"]).output
    assert "1  espaces bloqués : questions de confiance" in figures
    assert "1  adresses de connexion soumises à l'image (trop d'échecs)" in figures
    assert walk.login("toto321@toto.toto", BERNARD_PASSWORD).status_code == 422  # the captcha is asked
    result = runner.invoke(args=["unlock", "2015 0830 040707"])
    assert result.exit_code == 0 and "espace débloqué : connexion (image demandée après trop d'échecs)" in result.output
    assert walk.login("toto321@toto.toto", BERNARD_PASSWORD).status_code == 303
    assert "espace débloqué : questions de confiance" in runner.invoke(args=["unlock", CLAUDE]).output
    walk.client.post("/deconnexion")
    walk.number(CLAUDE)
    assert walk.answers(CLAUDE_ANSWERS).status_code == 303
    with app.app_context(), db.connection_context():
        kinds = [e.kind for e in Space.by_number(BERNARD).events.order_by(Event.id)]
        assert kinds[kinds.index("unlocked"):] == ["unlocked", "signin", "signout"]


def test_unlock_clears_failures_before_the_lock_too(walk, runner, app):
    walk.login("toto321@toto.toto", "WrongPassword12345678")
    assert "espace débloqué : connexion" in runner.invoke(args=["unlock", "20150830040707"]).output
    with app.app_context(), db.connection_context():
        from espace.models import LoginFailure
        assert LoginFailure.select().count() == 0


def test_unlock_with_nothing_to_clear_records_nothing(runner, app):
    result = runner.invoke(args=["unlock", "20150830040707"])
    assert result.exit_code == 0 and "rien à débloquer" in result.output
    with app.app_context(), db.connection_context():
        assert Event.select().count() == 0


@pytest.mark.parametrize("command", ["unlock", "journal"])
@pytest.mark.parametrize("number", ["20150830040708", "123", "abc", ""])
def test_unknown_numbers_are_refused(runner, command, number):
    result = runner.invoke(args=[command, number])
    assert result.exit_code != 0 and "aucun espace professionnel ne porte ce numéro" in result.output


def test_journal_lists_the_spaces_events_newest_first(walk, runner):
    with time_machine.travel("2026-01-15 16:05:00+00:00", tick=False):
        walk.login("toto321@toto.toto", "WrongPassword12345678")
    with time_machine.travel("2026-01-15 16:07:00+00:00", tick=False):
        from conftest import BERNARD_PASSWORD

        walk.login("toto321@toto.toto", BERNARD_PASSWORD)
        result = runner.invoke(args=["journal", "20150830040707"])
    lines = result.output.splitlines()
    assert result.exit_code == 0
    # Newest first: the sign-in (one line), then the wrong password.
    assert lines[0].split()[:3] == ["15/01/2026", "17h07", "127.0.0.x"] and lines[0].endswith("Connexion")
    assert lines[1].split()[:3] == ["15/01/2026", "17h05", "127.0.0.x"] and lines[1].endswith("Échec de connexion")
    assert lines[2] == "2 événement(s) sur les 12 derniers mois"


def test_purge_expired_forgets_history_older_than_a_year(walk, runner, app):
    walk.option()
    with time_machine.travel(timedelta(days=200), tick=False):
        from conftest import BERNARD_PASSWORD

        walk.login("toto321@toto.toto", BERNARD_PASSWORD)
    with time_machine.travel(timedelta(days=365, seconds=1), tick=False):
        result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0
    assert "1 demande(s) d'activation expirée(s)" in result.output
    assert "3 événement(s) de l'historique de plus d'un an supprimé(s)" in result.output
    with app.app_context(), db.connection_context():
        assert sorted(e.kind for e in Event.select()) == ["signin"]


def test_purge_expired_forgets_reset_links_past_their_hour(forgotten, runner, app):
    from espace.models import PasswordReset

    assert forgotten.ask().status_code == 303
    with app.app_context(), db.connection_context():
        assert PasswordReset.select().count() == 1
    assert "0 lien(s) « Mot de passe oublié »" in runner.invoke(args=["purge-expired"]).output
    with time_machine.travel(timedelta(hours=1, seconds=1), tick=False):
        result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0 and "1 lien(s) « Mot de passe oublié » expiré(s) supprimé(s)" in result.output
    assert "0 changement(s) d'adresse électronique périmé(s) supprimé(s)" in result.output
    with app.app_context(), db.connection_context():
        assert PasswordReset.select().count() == 0


def test_upgrading_an_embedded_database_keeps_every_row(tmp_path):
    """SQLite rebuilds a table to alter a column: no cascade may empty its children on the way."""
    from playhouse.migrations import Runner

    from espace.database import MIGRATIONS_DIR, migrate, open_database

    database = open_database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with database.connection_context():
        Runner(database, MIGRATIONS_DIR).up(target="0001_initial")
        database.execute_sql("INSERT INTO space (subscriber_number, last_name, first_name, phone, contact_email, "
                             "address, access_mode, failed_answer_count, failed_login_count) "
                             "VALUES ('20200010000001', 'A', 'B', '', '', '1 rue Haute 69001 LYON', 'certificate', 0, 0)")
        for position in (1, 2, 3):
            database.execute_sql("INSERT INTO legacy_trust_answer (space_id, position, question, answer_hash) "
                                 "VALUES (1, ?, 'Q ?', '$2b$04$h')", (position,))
        database.execute_sql("INSERT INTO dossier (space_id, siren, name) VALUES (1, '311223341', 'A SAS')")
        assert len(migrate(database)) > 1
        counts = [database.execute_sql(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("space", "legacy_trust_answer", "dossier")]
        assert counts == [1, 3, 1]
        assert database.pragma("foreign_keys") == 1


# --- import-legacy on hostile files: a French, line-numbered refusal, never a traceback ------

def good_json(number, **changes):
    """A record as JSON text; a value written `json:…` goes in as it is (escapes JSON would double)."""
    import json

    raw = {key: value[5:] for key, value in changes.items() if value.startswith("json:")}
    text = json.dumps({**LEGACY[0], "subscriber_number": number, **changes}, ensure_ascii=False)
    for key, value in raw.items():
        text = text.replace(json.dumps("json:" + value), f'"{value}"')
    return text


@pytest.mark.parametrize("second, message", [
    ('{"subscriber_number": ' + "1" * 5000 + "}",
     "ligne 3 : champ(s) manquant(s) last_name, first_name, answers ; "
     "le numéro d'abonné doit être un texte de 14 chiffres"),
    ("[" * 50_000 + "]" * 50_000, "fichier illisible : JSON invalide à la ligne 3 : fiche imbriquée trop profondément"),
    (good_json("20201230000505", last_name="json:\\ud800"),
     "ligne 3 : last_name : caractère invalide \\ud800 (moitié de paire UTF-16)"),
    (good_json("20201230000505", first_name="json:\\u001b[2J\\u001b]2;owned\\u0007", last_name="x" * 101),
     "ligne 3 : last_name : 100 caractères au plus ; first_name : caractère de contrôle interdit \\x1b"),
])
def test_hostile_json_is_refused_in_french_with_its_line(runner, app, tmp_path, second, message):
    content = "[\n" + good_json("20201230000404") + ",\n" + second + "\n]"
    result = import_file(runner, tmp_path, "hostile.json", content)
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output and "Error" not in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert spaces_named(app, "20201230000404") == [None]


def test_control_characters_in_rejected_values_are_shown_escaped(runner, tmp_path):
    content = CSV_HEADER + CSV_MARTIN.replace("2021-05-01", "\x1b[2J\x1b]0;pwned\x07\u202e\x9b31m")
    result = import_file(runner, tmp_path, "spaces.csv", content)
    assert "« \\x1b[2J\\x1b]0;pwned\\x07\\u202e\\x9b31m »" in result.output
    assert all(c.isprintable() for c in result.output.replace("\n", ""))


def test_every_reason_a_row_is_rejected_is_printed(runner, tmp_path):
    content = CSV_HEADER + CSV_DURAND.replace("20201230000505", "123").replace("DURAND", "").replace(
        "Pêche", "")
    result = import_file(runner, tmp_path, "spaces.csv", content)
    assert ("ligne 2 : champ(s) manquant(s) last_name ; le numéro d'abonné doit comporter 14 chiffres ; "
            "il faut exactement 3 questions de confiance avec leur réponse") in result.output


def test_the_import_shows_its_progress_and_reads_a_file_it_names(runner, tmp_path):
    result = import_file(runner, tmp_path, "spaces.csv", CSV_HEADER + CSV_DURAND)
    assert "Vérification" in result.output and "Import" in result.output
    assert result.output.strip().endswith("1 espace(s) importé(s), 0 déjà présent(s)")
    missing = runner.invoke(args=["import-legacy", str(tmp_path / "absent.csv")])
    assert missing.exit_code == 1 and "fichier illisible" in missing.output and "fichier introuvable" in missing.output
    folder = runner.invoke(args=["import-legacy", str(tmp_path)])
    assert folder.exit_code == 1 and "fichier illisible" in folder.output


# --- Operator commands in French: help, usage and errors -----------------------------------

COMMANDS = ["migrate", "seed-demo", "seed-load", "import-legacy", "stats", "unlock", "journal",
            "purge-expired", "rotate-keys"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_its_help_in_french(runner, command):
    result = runner.invoke(args=[command, "--help"])
    assert result.exit_code == 0
    assert result.output.startswith("Utilisation : ") and "Afficher cette aide et quitter." in result.output
    assert "Usage" not in result.output and "Show this message" not in result.output


def test_the_command_list_is_in_french(runner):
    import re

    listing = runner.invoke(args=["--help"]).output
    summaries = {command: re.search(rf"^  {command}\s+(.*)$", listing, re.M)[1] for command in COMMANDS}
    assert {command: summary.split()[0] for command, summary in summaries.items()} == {
        "migrate": "Appliquer", "seed-demo": "Créer", "seed-load": "Créer", "import-legacy": "Importer",
        "stats": "Chiffres", "unlock": "Lever", "journal": "L'«", "purge-expired": "Supprimer",
        "rotate-keys": "Rechiffrer"}


@pytest.mark.parametrize("args, message", [
    (["unlock"], "argument manquant : NUMERO"),
    (["journal", "1", "2"], "argument(s) en trop : 2"),
    (["stats", "--jsn"], "option inconnue : --jsn"),
    (["seed-load", "0"], "valeur invalide pour NOMBRE : un nombre entier de 1 à 9999999 est attendu"),
    (["seed-load", "abc"], "valeur invalide pour NOMBRE"),
    (["import-legacy", "a.csv", "--format", "xml"],
     "valeur invalide pour --format : l'une de ces valeurs est attendue : csv, json"),
    (["import-legacy", "a.csv", "--format"], "l'option --format demande une valeur"),
    (["unlock", "20150830040708"], "aucun espace professionnel ne porte ce numéro"),
    (["journal", "abc"], "aucun espace professionnel ne porte ce numéro"),
])
def test_errors_are_french_without_the_english_prefix(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code in (1, 2) and message in result.output
    assert "Error" not in result.output and "Usage:" not in result.output and "Try " not in result.output
    if result.exit_code == 2:  # a command typed wrong: its usage line and where the help is
        import re

        assert re.search(rf"^Utilisation : \S+ {args[0]} \[OPTIONS\]", result.output, re.M)
        assert re.search(rf"^Aide : \S+ {args[0]} --help$", result.output, re.M)


def test_refusals_in_production_are_french_too(runner, app):
    app.config["ESPACE_ENV"] = "production"
    result = runner.invoke(args=["seed-load", "1"])
    assert result.exit_code == 1 and result.output == "les espaces de test de charge sont refusés en production\n"


def test_the_import_benchmark_runs_in_its_smoke_mode():
    """bench/import_legacy.py --rows 200: the real command on a generated file, checked then imported."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "bench/import_legacy.py", "--rows", "200", "--format", "json"],
                            cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("200 rows, sqlite, BCRYPT_ROUNDS=4")
    assert "essai à blanc, rien n'a été enregistré : 200 espace(s) à importer, 0 déjà présent(s)" in lines[2]
    assert "« 200 espace(s) importé(s), 0 déjà présent(s) »" in lines[3] and "rows/s" in lines[3]
    assert lines[4].startswith("bcrypt at 4 rounds") and "rows/CPU-s" in lines[3]


def test_the_sign_in_code_ceiling_shows_in_stats_and_unlock_clears_it(walk, runner, app):
    """Issue 15 bug 1, operator side: the block is counted, and `unlock` lets the holder in again."""
    import json

    from conftest import BERNARD, BERNARD_PASSWORD
    from espace.domain.signin import MAX_CODES

    ceiling = "espaces bloqués : codes de connexion"
    for _ in range(MAX_CODES):
        assert walk.login("toto321@toto.toto", BERNARD_PASSWORD).status_code == 303
        walk.client.post("/deconnexion")
    with app.app_context(), db.connection_context():
        from espace.models import OutboxMessage

        sent = OutboxMessage.select().count()
    walk.password("toto321@toto.toto", BERNARD_PASSWORD)
    with app.app_context(), db.connection_context():
        assert OutboxMessage.select().count() == sent  # blocked: the password is right, no code is sent
    assert json.loads(runner.invoke(args=["stats", "--json"]).output)[ceiling] == 1
    result = runner.invoke(args=["unlock", BERNARD])
    assert result.exit_code == 0 and "espace débloqué : codes de connexion" in result.output
    assert json.loads(runner.invoke(args=["stats", "--json"]).output)[ceiling] == 0
    assert walk.login("toto321@toto.toto", BERNARD_PASSWORD).status_code == 303


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
       name=st.sampled_from(["f.csv", "f.json"]))
def test_any_file_gets_a_french_answer_never_a_traceback(runner, tmp_path, data, name):
    result = import_file(runner, tmp_path, name, (CSV_HEADER.encode() if name == "f.csv" else b"") + data)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "Error" not in result.output
    assert all(c.isprintable() for c in result.output.replace("\n", ""))

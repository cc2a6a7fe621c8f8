"""Nothing is kept forever: each table that grows is filled, `flask purge-expired` runs, and what is
left is exactly what its rule keeps (docs/rules.md, « Conservation des données »)."""
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine

from conftest import BERNARD, CLAUDE, LILA
from espace.domain import history, operations, signin
from espace.models import (ALL_MODELS, EXPIRED, PENDING, SUPERSEDED, USED, ActivationRequest, Device, EmailChange,
                           Event, OutboxMessage, PasswordReset, SigninCode, Space, db)

NOW = datetime(2026, 6, 1, 12, 0)
SECOND = timedelta(seconds=1)
RULES = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


@pytest.fixture
def spaces(app):
    with app.app_context(), db.connection_context():
        return {n: Space.by_number(n).id for n in (LILA, CLAUDE, BERNARD)}


def fill(app, *rows):
    """Create (model, fields) rows; returns their ids."""
    with app.app_context(), db.connection_context():
        return [model.create(**fields).id for model, fields in rows]


def purge(runner):
    with time_machine.travel(NOW.replace(tzinfo=timezone.utc), tick=False):
        result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    return result.output


def left(app, model):
    with app.app_context(), db.connection_context():
        return sorted(row.id for row in model.select(model.id))


def request(space_id, state, expires_at, code):
    return ActivationRequest, dict(space=space_id, email=f"{code}@exemple.fr", code_hash=code, password_hash="x",
                                   trust_question="Votre hobby ?", trust_answer_encrypted=b"x", state=state,
                                   created_at=expires_at - timedelta(hours=48), expires_at=expires_at)


def test_activation_requests_are_expired_after_48_hours_then_deleted_7_days_later(app, runner, spaces):
    kept = operations.FINISHED_REQUESTS_KEPT
    ids = fill(app,
               request(spaces[LILA], PENDING, NOW + SECOND, "valid"),
               request(spaces[CLAUDE], PENDING, NOW, "just-expired"),
               request(spaces[BERNARD], USED, NOW - kept + SECOND, "used-recently"),
               request(spaces[BERNARD], EXPIRED, NOW - kept, "expired-long-ago"),
               request(spaces[BERNARD], SUPERSEDED, NOW - kept - timedelta(days=30), "superseded"),
               request(spaces[BERNARD], USED, NOW - kept, "used-long-ago"))
    output = purge(runner)
    assert "1 demande(s) d'activation expirée(s)" in output
    assert "3 demande(s) d'activation terminée(s) depuis plus de 7 jours supprimée(s)" in output
    assert left(app, ActivationRequest) == ids[:3]
    with app.app_context(), db.connection_context():
        assert ActivationRequest.get_by_id(ids[1]).state == EXPIRED


def test_history_is_kept_one_year(app, runner, spaces):
    ids = fill(app, *[(Event, dict(space=spaces[BERNARD], kind="signin", created_at=moment)) for moment in (
        NOW - history.KEPT, NOW - history.KEPT + SECOND, NOW)])
    assert "1 événement(s) de l'historique de plus d'un an supprimé(s)" in purge(runner)
    assert left(app, Event) == ids[1:]


def test_reset_links_go_once_past_their_hour(app, runner, spaces):
    ids = fill(app,
               (PasswordReset, dict(space=spaces[LILA], token_hash="a", state=PENDING, created_at=NOW - timedelta(
                   minutes=59), expires_at=NOW + timedelta(minutes=1))),
               (PasswordReset, dict(space=spaces[CLAUDE], token_hash="b", state=PENDING, created_at=NOW - timedelta(
                   hours=1), expires_at=NOW)),
               (PasswordReset, dict(space=spaces[BERNARD], token_hash="c", state=USED, created_at=NOW - timedelta(
                   hours=2), expires_at=NOW - timedelta(hours=1))))
    assert "2 lien(s) « Mot de passe oublié » expiré(s) supprimé(s)" in purge(runner)
    assert left(app, PasswordReset) == ids[:1]


def test_address_changes_go_once_they_can_no_longer_be_confirmed(app, runner, spaces):
    def change(space, state, expires_at, code):
        return EmailChange, dict(space=space, email=f"{code}@exemple.fr", code_hash=code, state=state,
                                 created_at=expires_at - timedelta(hours=24), expires_at=expires_at)

    ids = fill(app, change(spaces[LILA], PENDING, NOW + SECOND, "a"), change(spaces[CLAUDE], PENDING, NOW, "b"),
               change(spaces[BERNARD], USED, NOW + timedelta(hours=1), "c"),
               change(spaces[BERNARD], SUPERSEDED, NOW + timedelta(hours=1), "d"))
    assert "3 changement(s) d'adresse électronique périmé(s) supprimé(s)" in purge(runner)
    assert left(app, EmailChange) == ids[:1]


def test_sign_in_codes_go_after_the_hour_they_count_in_and_dead_browsers_are_forgotten(app, runner, spaces):
    def code(created_at, state=USED):
        return SigninCode, dict(space=spaces[BERNARD], code_hash="h", state=state, created_at=created_at,
                                expires_at=created_at + signin.CODE_VALIDITY)

    def device(token, expires_at):
        return Device, dict(space=spaces[BERNARD], token_hash=token, public_id=token, created_at=NOW,
                            last_used_at=NOW, expires_at=expires_at)

    codes = fill(app, code(NOW - signin.CODE_WINDOW), code(NOW - signin.CODE_WINDOW + SECOND),
                 code(NOW - timedelta(minutes=1), PENDING))
    devices = fill(app, device("valid", NOW + SECOND), device("expired", NOW))
    assert "2 code(s) de connexion et navigateur(s) mémorisé(s) périmés supprimés" in purge(runner)
    assert left(app, SigninCode) == codes[1:]
    assert left(app, Device) == devices[:1]


def test_development_mail_is_kept_7_days(app, runner):
    ids = fill(app, *[(OutboxMessage, dict(recipient="a@exemple.fr", subject="s", text_body="t", html_body="h",
                                           created_at=moment))
                      for moment in (NOW - operations.OUTBOX_KEPT, NOW - operations.OUTBOX_KEPT + SECOND, NOW)])
    assert "1 message(s) de la boîte d'envoi de plus de 7 jours supprimé(s)" in purge(runner)
    assert left(app, OutboxMessage) == ids[1:]


def test_a_second_purge_finds_nothing_left_to_delete(app, runner, spaces):
    fill(app, request(spaces[LILA], PENDING, NOW - timedelta(days=30), "old"),
         (Event, dict(space=spaces[LILA], kind="signin", created_at=NOW - timedelta(days=400))))
    purge(runner)
    assert [line.split()[0] for line in purge(runner).splitlines()] == ["0"] * len(operations.PURGES)


def retention_section():
    text = RULES.read_text(encoding="utf-8")
    return text.split("## Conservation des données", 1)[1].split("\n## ", 1)[0]


def test_every_table_has_a_retention_rule_in_the_rules():
    """A new table must say how long its rows live (with the purge that applies it, tested here)."""
    first_cells = re.findall(r"^\| (`.+?) \|", retention_section(), re.M)
    named = {name for cell in first_cells for name in re.findall(r"`(\w+)`", cell)}
    assert named == {model._meta.table_name for model in ALL_MODELS}


def test_login_counters_go_once_their_window_and_captcha_are_over(app, runner):
    from espace.domain import signin_password as login
    from espace.models import LoginFailure

    def counter(key, window_start, captcha_until=None):
        return LoginFailure, dict(address_hash=key, failures=3, window_start=window_start, captcha_until=captcha_until)

    ids = fill(app, counter("a", NOW - login.LOGIN_WINDOW), counter("b", NOW - login.LOGIN_WINDOW + SECOND),
               counter("c", NOW - login.LOGIN_WINDOW, NOW + SECOND))
    assert "1 compteur(s) d'échecs de connexion périmé(s) supprimé(s)" in purge(runner)
    assert left(app, LoginFailure) == ids[1:]


def test_failed_mail_is_kept_30_days_for_the_operator(app, runner):
    from espace.domain import mail_queue as queue
    from espace.models import MailJob

    def job(state, last_try):
        return MailJob, dict(kind=queue.MESSAGE, payload=b"x", state=state, attempts=8, created_at=last_try,
                             next_attempt_at=last_try, last_error="")

    ids = fill(app, job(queue.FAILED, NOW - queue.FAILED_KEPT), job(queue.FAILED, NOW - queue.FAILED_KEPT + SECOND),
               job(PENDING, NOW - timedelta(days=60)))
    assert "1 message(s) en échec depuis plus de 30 jours supprimé(s) de la file d'envoi" in purge(runner)
    assert left(app, MailJob) == ids[1:]

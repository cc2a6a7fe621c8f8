"""« Historique » attacks: enumeration through it, flooding it, reading it without being signed in, secrets in it."""
from datetime import datetime

import pytest

from conftest import BERNARD, BERNARD_PASSWORD, LILA, PASSWORD, text
from espace.domain import security
from espace.domain.signin_password import MAX_LOGIN_FAILURES
from espace.models import Event, Space, db

CLIENT = "203.0.113.45"
BERNARD_EMAIL = "toto321@toto.toto"


@pytest.fixture
def client(app):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = CLIENT
    return c


def kinds(app, number):
    with app.app_context(), db.connection_context():
        space = Space.by_number(number)
        return [e.kind for e in Event.select().where(Event.space == space).order_by(Event.id)]


def test_a_wrong_password_for_a_known_address_is_recorded_and_looks_the_same(walk, app):
    known = walk.login(BERNARD_EMAIL, "WrongPassword12345678")
    unknown = walk.login("inconnu@example.fr", "WrongPassword12345678")
    assert kinds(app, BERNARD) == ["signin_failed"]
    assert known.status_code == unknown.status_code == 422
    assert text(known).replace(BERNARD_EMAIL, "") == text(unknown).replace("inconnu@example.fr", "")


def test_the_captcha_threshold_is_one_line_and_attempts_without_the_captcha_none(walk, app):
    for _ in range(MAX_LOGIN_FAILURES + 1):
        walk.login(BERNARD_EMAIL, "WrongPassword12345678")
    expected = ["signin_failed"] * (MAX_LOGIN_FAILURES - 1) + ["signin_throttled"]
    assert kinds(app, BERNARD) == expected
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)  # without the captcha: no password was checked
    assert kinds(app, BERNARD) == expected


def test_the_page_requires_sign_in(client):
    response = client.get("/espace/historique")
    assert response.status_code == 303 and response.headers["Location"].endswith("/connexion?suite=/espace/historique")


def test_a_session_ended_elsewhere_cannot_read_the_history(walk, client, app):
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)
    assert client.get("/espace/historique").status_code == 200
    with app.app_context(), db.connection_context():
        security.end_sessions(Space.by_number(BERNARD).id, datetime.utcnow(), security.CLOSED)
    response = client.get("/espace/historique")
    assert response.status_code == 303 and response.headers["Location"].endswith("/connexion?suite=/espace/historique")


def test_nothing_typed_is_kept_in_the_history(walk, client, app):
    walk.number()
    walk.answers({"answer1": "Devinette1", "answer2": "Devinette2", "answer3": "Devinette3"})
    code = walk.option()
    walk.activate(code)
    walk.login(password="MauvaisMotDePasse2026xyz")
    walk.login(password=PASSWORD)
    page = text(client.get("/espace/historique"))
    with app.app_context(), db.connection_context():
        stored = [(e.kind, str(e.created_at), e.client) for e in Event.select()]
    assert {kind for kind, _, _ in stored} >= {"answers_failed", "signin_failed", "signin", "activated"}
    everything = repr(stored) + page
    for secret in ("Devinette", "MauvaisMotDePasse", PASSWORD, code, "Laurence", "Équitation",
                   "lila.pro@example.fr", CLIENT, LILA):
        assert secret not in everything

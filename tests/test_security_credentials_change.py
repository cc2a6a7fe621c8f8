"""EP 5 and EP 3 under attack: guessing the current password from an open session, replaying
or outliving a confirmation code, an address taken meanwhile, confirmations raced at once."""
import logging
import threading
from datetime import timedelta

import time_machine
from conftest import (BERNARD_EMAIL, BERNARD_PASSWORD, Walk, confirmation_code, login_email, plain as text,
                      signed_in_client)
from conftest import NEW_EMAIL as NEW
from conftest import ask_email_change as ask

from espace.domain import activation
from espace.domain import credentials_change as cc
from espace.domain.credentials_change import MAX_PASSWORD_CHECK_FAILURES as MAX_LOGIN_FAILURES
from espace.models import USED, EmailChange, OutboxMessage, Space, db

PARALLEL = 10


def wrong(client, path):
    data = {"email": NEW, "email_confirm": NEW, "password": "Douasbin2026PecheAuLancer",
            "password_confirm": "Douasbin2026PecheAuLancer", "question": "Votre sport préféré ?",
            "answer": "Voile", "current_password": "Mauvais2026MotDePasseXX"}
    return client.post(path, data=data)


def test_an_open_session_cannot_guess_the_password_past_the_login_limit(app):
    client = signed_in_client(app)
    paths = ["/espace/adresse-electronique", "/espace/mot-de-passe", "/espace/coordonnees/question-de-confiance"]
    for attempt in range(MAX_LOGIN_FAILURES):
        response = wrong(client, paths[attempt % 3])
        assert response.status_code == 422 and cc.WRONG_PASSWORD in text(response)
    # The next one is refused whatever the password, and says until when.
    response = client.post("/espace/mot-de-passe", data={
        "current_password": BERNARD_PASSWORD, "password": "Douasbin2026PecheAuLancer",
        "password_confirm": "Douasbin2026PecheAuLancer"})
    assert response.status_code == 422 and "Vous pourrez réessayer le" in text(response)
    with app.app_context(), db.connection_context():
        assert Space.by_login_email(BERNARD_EMAIL).login_locked_until is not None
    # Only an open session spends this budget: the login page is not locked by it.
    response = Walk(app, app.test_client()).login(BERNARD_EMAIL, BERNARD_PASSWORD)
    assert response.status_code == 303 and response.location.endswith("/espace/")
    # After the lock, the right password works again.
    with time_machine.travel(timedelta(minutes=16), tick=False):
        response = client.post("/espace/mot-de-passe", data={
            "current_password": BERNARD_PASSWORD, "password": "Douasbin2026PecheAuLancer",
            "password_confirm": "Douasbin2026PecheAuLancer"})
        assert response.status_code == 303


def test_wrong_passwords_are_also_limited_per_client_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATE_ACCOUNT="3 per minute")
    client = signed_in_client(app)
    statuses = [wrong(client, "/espace/mot-de-passe").status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    # One budget for every form of the space: another form does not start afresh.
    response = wrong(client, "/espace/coordonnees/question-de-confiance")
    assert response.status_code == 429 and "Trop de tentatives" in text(response)


def test_a_used_code_cannot_be_replayed(app):
    client = signed_in_client(app)
    ask(client)
    code = confirmation_code(app)
    assert client.post("/espace/adresse-electronique/confirmation", data={"code": code}).status_code == 303
    # Back to the e-mail's address, and again.
    ask(client, email="autre.douasbin@example.fr", password=BERNARD_PASSWORD)
    response = client.post("/espace/adresse-electronique/confirmation", data={"code": code})
    assert response.status_code == 422 and cc.CODE_USED in text(response)
    assert login_email(app) == NEW


def test_the_code_dies_after_24_hours_to_the_second(app):
    ask(signed_in_client(app))
    code = confirmation_code(app)
    with time_machine.travel(timedelta(hours=24, seconds=1), tick=False):
        client = signed_in_client(app)  # the next day: signed in again
        response = client.post("/espace/adresse-electronique/confirmation", data={"code": code})
        assert response.status_code == 422 and cc.CODE_EXPIRED in text(response)
    assert login_email(app) == BERNARD_EMAIL
    ask(signed_in_client(app))
    code = confirmation_code(app)
    with time_machine.travel(timedelta(hours=24, seconds=-1), tick=False):
        client = signed_in_client(app)
        assert client.post("/espace/adresse-electronique/confirmation", data={"code": code}).status_code == 303


def test_an_address_taken_meanwhile_by_an_activation_is_not_stolen(app, walk):
    client = signed_in_client(app)
    ask(client)
    code = confirmation_code(app)
    # Lila cannot choose that very address while Bernard's change waits for its code (one rule
    # for EP 4 and EP 5: an address waiting to be confirmed is taken).
    walk.number()
    walk.answers()
    refused = walk.credentials(email=NEW)
    assert refused.status_code == 422 and activation.EMAIL_TAKEN in text(refused)
    response = client.post("/espace/adresse-electronique/confirmation", data={"code": code})
    assert response.status_code == 303 and login_email(app) == NEW


def test_two_confirmations_at_once_change_the_address_once(app):
    clients = [signed_in_client(app) for _ in range(PARALLEL)]
    ask(clients[0])
    code = confirmation_code(app)
    barrier = threading.Barrier(PARALLEL)
    statuses = [None] * PARALLEL

    def confirm(i):
        barrier.wait()
        statuses[i] = clients[i].post("/espace/adresse-electronique/confirmation", data={"code": code}).status_code

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [303] + [422] * (PARALLEL - 1)
    assert login_email(app) == NEW
    with app.app_context(), db.connection_context():
        assert [c.state for c in EmailChange.select()] == [USED]
        notices = OutboxMessage.select().where(OutboxMessage.subject.startswith("Adresse électronique modifiée"))
        assert notices.count() == 2  # one to each address, not one per attempt


def test_the_code_is_kept_hashed_and_never_logged(app, caplog):
    caplog.set_level(logging.DEBUG, logger="espace")
    client = signed_in_client(app)
    ask(client)
    code = confirmation_code(app)
    client.post("/espace/adresse-electronique/confirmation", data={"code": code})
    with app.app_context(), db.connection_context():
        rows = [repr(row) for row in EmailChange.select().tuples()]
    assert rows and not any(code in row for row in rows)
    assert code not in caplog.text and BERNARD_PASSWORD not in caplog.text

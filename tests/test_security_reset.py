"""Attacks on « Mot de passe oublié »: enumeration (page, status, time, limits), replay,
supersession, expiry, lockout, two resets at once with one link, the token in logs."""
import asyncio
import html
import json
import re
import statistics
import time
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from aiosmtpd.controller import Controller
from conftest import (BERNARD_ANSWER, BERNARD_EMAIL, BERNARD_PASSWORD, CAPTCHA, NEW_PASSWORD, Forgotten,
                      last_message, link_from, settings_for, plain as text)
from live_server import Browser, LiveServer, all_at_once, free_port

from espace.domain import reset
from espace.domain.hashing import Hasher
from espace.domain.identity import MAX_ANSWER_FAILURES
from espace.models import USED, Event, OutboxMessage, PasswordReset, Space, db

UNKNOWN = "personne@exemple.fr"
CERTIFICATE_ONLY = "lila.rosemonde@orange.fr"  # Lila's contact address, not a login
CSRF_TOKEN = re.compile(r'(?<="X-CSRFToken": ")[^"]+|(?<=name="csrf_token" value=")[^"]+')
RETRY_TIME = re.compile(r"le \d\d/\d\d/\d{4} à \d\dh\d\d")
T0 = datetime(2030, 1, 15, 10, 0, 0, tzinfo=timezone.utc)
HASHER = Hasher(rounds=4)


def outbox(app):
    with app.app_context(), db.connection_context():
        return list(OutboxMessage.select().order_by(OutboxMessage.id))


def answer_to_asking(app, email, **headers):
    """What a visitor learns by asking: the status, where it leads, and that page (address masked)."""
    client = app.test_client()
    response = Forgotten(app, client).ask(email, **headers)
    page = client.get(response.location, headers=headers)
    body = CSRF_TOKEN.sub("TOKEN", text(page).replace(email, "ADDRESS"))
    return response.status_code, response.location, page.status_code, body


@pytest.mark.parametrize("email", [UNKNOWN, CERTIFICATE_ONLY])
@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_an_unknown_address_is_answered_like_a_known_one(app, email, headers):
    known = answer_to_asking(app, BERNARD_EMAIL, **headers)
    assert known[:3] == (303, "/mot-de-passe-oublie/message-envoye", 200)
    assert len(outbox(app)) == 1  # precondition: the known address did get its link
    assert answer_to_asking(app, email, **headers) == known
    assert len(outbox(app)) == 1


class SlowRelay:
    """An SMTP relay that takes its time, as a real one over the network may."""

    DELAY = 1.0  # far above the noise of a shared machine

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.DELAY)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def slow_relay_server(make_app, tmp_path):
    make_app()  # migrations and demo data
    relay = SlowRelay()
    smtp = Controller(relay, hostname="127.0.0.1", port=free_port())
    smtp.start()
    server = LiveServer(settings_for(tmp_path, SEED_DEMO=False, MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1",
                                     SMTP_PORT=smtp.port))
    yield server, relay
    server.stop()
    smtp.stop()


def test_an_unknown_address_takes_as_long_as_a_known_one(slow_relay_server):
    """The look-up and the e-mail happen after the response: a slow relay does not show."""
    server, relay = slow_relay_server
    browser = Browser(server.url)
    timings = {BERNARD_EMAIL: [], UNKNOWN: []}
    for _ in range(reset.MAX_LINKS_PER_HOUR):
        for email in (BERNARD_EMAIL, UNKNOWN):
            browser.get("/mot-de-passe-oublie")
            start = time.perf_counter()
            response = browser.post("/mot-de-passe-oublie", {"email": email, "captcha": CAPTCHA})
            timings[email].append(time.perf_counter() - start)
            assert response.status == 303
    # Precondition: the known address did get links through the slow relay. (On PostgreSQL a
    # request made while the previous link is being sent loses to it: one link, not three.)
    for _ in range(100):
        if relay.messages:
            break
        time.sleep(0.1)
    assert relay.messages and all(m.rcpt_tos == [BERNARD_EMAIL] for m in relay.messages)
    known, unknown = statistics.median(timings[BERNARD_EMAIL]), statistics.median(timings[UNKNOWN])
    # Sending before answering would add the relay's delay to every known address.
    assert abs(known - unknown) < SlowRelay.DELAY / 2, (known, unknown)


def test_the_per_address_limit_answers_alike(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATE_RESET="2 per minute")
    pages = {}
    with time_machine.travel(T0, tick=False):
        for address, email in (("203.0.113.7", BERNARD_EMAIL), ("203.0.113.8", UNKNOWN)):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = address
            forgotten = Forgotten(app, client)
            assert [forgotten.ask(email).status_code for _ in range(3)] == [303, 303, 429]
            refused = forgotten.ask(email)
            assert int(refused.headers["Retry-After"]) > 0
            # Redis counts time by its own clock: the retry time may differ by a second.
            page = RETRY_TIME.sub("le DATE", CSRF_TOKEN.sub("TOKEN", text(refused).replace(email, "ADDRESS")))
            pages[email] = (refused.status_code, page)
    assert pages[BERNARD_EMAIL] == pages[UNKNOWN]
    assert "Trop de tentatives" in pages[UNKNOWN][1] and "le DATE (heure de Paris)" in pages[UNKNOWN][1]


def test_beyond_three_links_an_hour_the_answer_is_the_same_and_nothing_is_sent(app):
    answers = [answer_to_asking(app, BERNARD_EMAIL) for _ in range(reset.MAX_LINKS_PER_HOUR + 1)]
    assert len(outbox(app)) == reset.MAX_LINKS_PER_HOUR
    assert answers[-1] == answers[0]


def test_a_used_link_cannot_be_replayed(app, forgotten):
    forgotten.until_password()
    path = link_from(last_message(app))
    assert forgotten.new_password().status_code == 303
    again = Forgotten(app, app.test_client())
    replay = again.client.get(again.open_link(path).location)
    assert replay.status_code == 410
    assert reset.LINK_USED in text(replay) and "Faire une nouvelle demande" in text(replay)


def test_a_second_browser_on_the_same_link_is_told_it_was_used(app, forgotten, walk):
    forgotten.until_password()
    path = link_from(last_message(app))
    second = Forgotten(app, app.test_client())
    second.open_link(path)
    assert second.answer().status_code == 303  # precondition: it reached the password step too
    assert forgotten.new_password().status_code == 303
    late = second.new_password("Autre2026MotDePasseSolide")
    assert late.status_code == 410 and reset.LINK_USED in text(late)
    assert second.client.get("/mot-de-passe-oublie/nouveau-mot-de-passe").status_code == 303  # forgotten
    assert walk.login(BERNARD_EMAIL, NEW_PASSWORD).status_code == 303


def test_a_superseded_link_no_longer_opens(app, forgotten):
    forgotten.ask()
    first = link_from(last_message(app))
    forgotten.ask()
    second = link_from(last_message(app))
    assert first != second
    old = forgotten.client.get(forgotten.open_link(first).location)
    assert old.status_code == 410 and reset.LINK_EXPIRED in text(old)
    assert forgotten.client.get(forgotten.open_link(second).location).status_code == 200


def test_the_link_is_valid_one_hour_to_the_second(app, forgotten):
    with time_machine.travel(T0, tick=False):
        forgotten.ask()
    with time_machine.travel(T0 + timedelta(minutes=59, seconds=59), tick=False):
        assert forgotten.client.get(forgotten.open_link().location).status_code == 200
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        expired = forgotten.client.get(forgotten.open_link().location)
    assert expired.status_code == 410 and reset.LINK_EXPIRED in text(expired)


def test_the_hour_also_ends_between_the_question_and_the_password(app, forgotten, walk):
    with time_machine.travel(T0, tick=False):
        forgotten.until_password()
    with time_machine.travel(T0 + timedelta(minutes=59, seconds=59), tick=False):
        assert forgotten.client.get("/mot-de-passe-oublie/nouveau-mot-de-passe").status_code == 200
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        late = forgotten.new_password()
    assert late.status_code == 410 and reset.LINK_EXPIRED in text(late)
    assert walk.login(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303


def test_five_wrong_answers_lock_the_question_even_with_a_new_link(app, forgotten):
    with time_machine.travel(T0, tick=False):
        forgotten.ask()
        forgotten.open_link()
        statuses = [forgotten.answer("chasse").status_code for _ in range(MAX_ANSWER_FAILURES)]
        assert statuses == [422] * MAX_ANSWER_FAILURES
        locked = text(forgotten.answer(BERNARD_ANSWER))
        assert "Vous pourrez réessayer le 15/01/2030 à 12h00 (heure de Paris)." in locked
        # A fresh link from another browser meets the same lock: it is kept with the space.
        other = Forgotten(app, app.test_client())
        other.ask()
        other.open_link()
        assert other.answer(BERNARD_ANSWER).status_code == 422
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        # The lock and the link end together: a new link, and the right answer opens again.
        assert other.answer(BERNARD_ANSWER).status_code == 410
        other.ask()
        other.open_link()
        assert other.answer(BERNARD_ANSWER).status_code == 303
    with app.app_context(), db.connection_context():
        space = Space.by_login_email(BERNARD_EMAIL)
        kinds = [e.kind for e in Event.select().where(Event.space == space).order_by(Event.id)]
    assert kinds.count("reset_answer_failed") == MAX_ANSWER_FAILURES  # the fifth included
    assert kinds.count("answers_locked") == 1  # once, when the lock starts


def test_the_answer_step_is_limited_per_client_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATE_ANSWERS="2 per minute", RATE_RESET="10 per minute")
    forgotten = Forgotten(app, app.test_client())
    forgotten.ask()
    forgotten.open_link()
    assert [forgotten.answer("chasse").status_code for _ in range(3)] == [422, 422, 429]


@pytest.fixture
def workers(make_app, tmp_path):
    app = make_app()  # migrations and demo data, once
    settings = settings_for(tmp_path, SEED_DEMO=False, LOG_LEVEL="DEBUG")
    servers = [LiveServer(settings), LiveServer(settings)]
    yield app, servers
    for server in servers:
        if server.process.poll() is None:
            server.stop()


def app_log_lines(stderr):
    """The app's own JSON lines (werkzeug's development access log is not the production log)."""
    return [line for line in stderr.splitlines() if line.startswith("{")]


def test_two_resets_at_once_with_one_link_one_wins(workers):
    app, servers = workers
    browsers = [Browser(servers[0].url), Browser(servers[1].url)]
    browsers[0].get("/mot-de-passe-oublie")
    assert browsers[0].post("/mot-de-passe-oublie", {"email": BERNARD_EMAIL, "captcha": CAPTCHA}).status == 303
    for _ in range(100):  # the link is sent once the answer has left
        if last_message(app) is not None:
            break
        time.sleep(0.05)
    path = link_from(last_message(app))
    token = path.split("jeton=")[1]
    for browser in browsers:
        opened = browser.get(path)
        assert opened.status == 303 and token not in opened.headers["Location"]
        assert browser.post("/mot-de-passe-oublie/question", {"answer": BERNARD_ANSWER}).status == 303
    passwords = ["Premier2026RougetBarbetX", "Second2026RougetBarbetY"]

    responses = all_at_once([
        lambda b=b, p=p: b.post("/mot-de-passe-oublie/nouveau-mot-de-passe", {"password": p, "password_confirm": p})
        for b, p in zip(browsers, passwords)
    ])

    assert sorted(r.status for r in responses) == [303, 410]
    winner = [r.status for r in responses].index(303)
    assert reset.LINK_USED in html.unescape(responses[1 - winner].text)
    with app.app_context(), db.connection_context():
        assert [r.state for r in PasswordReset.select()] == [USED]
        assert Space.by_login_email(BERNARD_EMAIL).session_epoch == 1
        hashed = Space.by_login_email(BERNARD_EMAIL).password_hash
    assert HASHER.check(passwords[winner], hashed) and not HASHER.check(passwords[1 - winner], hashed)
    # The token never reached the app's logs (it logs paths, never query strings).
    logs = [line for server in servers for line in app_log_lines(server.stop())]
    assert any(json.loads(line).get("path") == "/mot-de-passe-oublie/lien" for line in logs)
    assert not any(token in line for line in logs)

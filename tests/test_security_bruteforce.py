"""Brute force: trust answers are limited per space (in the database), forms per client address.

Each test would fail without its defence: the per-space counter must survive a new
client address, a new app and a second worker process; the per-address limits must
answer 429 with the moment the user may try again.
"""
import html
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from conftest import BERNARD_PASSWORD, CAPTCHA, LILA, LILA_ANSWERS, plain, settings_for
from live_server import Browser, LiveServer

from espace import create_app
from espace.domain.identity import ANSWER_LOCK, MAX_ANSWER_FAILURES
from espace.domain.signin_password import CAPTCHA_PERIOD, MAX_LOGIN_FAILURES
from espace.models import Space, db

WRONG = {"answer1": "Laurence", "answer2": "Rugby", "answer3": "Peugeot"}
# 09:26:30 UTC = 10:26:30 in Paris (winter time): the lock ends at 11:26:30, so the
# user must be told 11h27 — telling 11h26 would send them back too early.
T0 = datetime(2030, 1, 15, 9, 26, 30, tzinfo=timezone.utc)
LOCK_ENDS_TEXT = "le 15/01/2030 à 11h27 (heure de Paris)"



def answer_from(app, address, answers):
    """A new visitor from `address`: number, then the three answers."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    assert client.post("/opter/numero", data={"number": LILA}).status_code == 303
    return client.post("/opter/verification", data=answers)


def lila(app):
    with app.app_context(), db.connection_context():
        return Space.by_number(LILA)


def test_answers_locked_after_five_failures_whatever_the_client_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with time_machine.travel(T0, tick=False):
        for attempt in range(1, MAX_ANSWER_FAILURES):
            response = answer_from(app, f"203.0.113.{attempt}", WRONG)
            assert response.status_code == 422
            left = MAX_ANSWER_FAILURES - attempt
            assert f"Il vous reste {left} essai" in plain(response)
        fifth = answer_from(app, "203.0.113.5", WRONG)
        assert "Vous pourrez réessayer " + LOCK_ENDS_TEXT in plain(fifth)
        # Even the right answers, from yet another address, are not checked now.
        right = answer_from(app, "198.51.100.7", LILA_ANSWERS)
        assert right.status_code == 422
        assert LOCK_ENDS_TEXT in plain(right)
    assert lila(app).answers_locked_until == (T0 + ANSWER_LOCK).replace(tzinfo=None)
    with time_machine.travel(T0 + ANSWER_LOCK - timedelta(seconds=1), tick=False):
        assert answer_from(app, "198.51.100.8", LILA_ANSWERS).status_code == 422
    with time_machine.travel(T0 + ANSWER_LOCK + timedelta(seconds=1), tick=False):
        assert answer_from(app, "198.51.100.9", LILA_ANSWERS).status_code == 303


def test_answers_lock_survives_a_restart(make_app, tmp_path):
    first = make_app()
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            assert answer_from(first, "203.0.113.1", WRONG).status_code == 422
        # A new app on the same database (make_app would wipe a shared server).
        second = create_app(settings_for(tmp_path))
        assert "Il vous reste 1 essai " in plain(answer_from(second, "203.0.113.2", WRONG))
        assert LOCK_ENDS_TEXT in plain(answer_from(second, "203.0.113.3", WRONG))
        third = create_app(settings_for(tmp_path))
        assert LOCK_ENDS_TEXT in plain(answer_from(third, "203.0.113.4", LILA_ANSWERS))


def test_answers_lock_shared_by_two_worker_processes(make_app, tmp_path):
    make_app()  # migrations and demo data, once
    settings = settings_for(tmp_path, SEED_DEMO=False)
    workers = [LiveServer(settings), LiveServer(settings)]
    try:
        pages = []
        for attempt in range(MAX_ANSWER_FAILURES):
            # Alternate workers; a fresh session each time, as a bot would.
            browser = Browser(workers[attempt % 2].url)
            assert browser.post("/opter/numero", {"number": LILA}).status == 303
            pages.append(html.unescape(browser.post("/opter/verification", WRONG).text))
        assert "Il vous reste 1 essai " in pages[-2]
        assert "Vous pourrez réessayer le " in pages[-1]
        for worker in workers:
            browser = Browser(worker.url)
            browser.post("/opter/numero", {"number": LILA})
            right = browser.post("/opter/verification", LILA_ANSWERS)
            assert right.status == 422 and "Vous pourrez réessayer le " in html.unescape(right.text)
    finally:
        for worker in workers:
            worker.stop()


LIMITED_FORMS = [
    # (config, path, data, visits first)
    ("RATE_NUMBER", "/opter/numero", {"number": "99999999999999"}, None),
    ("RATE_ANSWERS", "/opter/verification", WRONG, ("/opter/numero", {"number": LILA})),
    ("RATE_CODE", "/activation/", {"code": "AbCdEfGhIjKl", "captcha": "KAWRTY"}, None),
    ("RATE_LOGIN", "/connexion", {"email": "toto321@toto.toto", "password": "x" * 20}, None),
    ("RATE_SIGNIN_CODE", "/connexion/code", {"code": "12345"},
     ("/connexion", {"email": "toto321@toto.toto", "password": BERNARD_PASSWORD})),
]


@pytest.mark.parametrize("setting, path, data, first", LIMITED_FORMS, ids=[f[0] for f in LIMITED_FORMS])
def test_per_address_limit_says_when_to_retry(make_app, setting, path, data, first):
    # Time travel cannot move Redis' clock: counters in memory here (Redis sharing: test_scale_processes).
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", **{setting: "3 per minute"})
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            if first:
                attacker.post(first[0], data=first[1])
            assert attacker.post(path, data=data).status_code == 422
        blocked = attacker.post(path, data=data)
        assert blocked.status_code == 429
        # The window of « 3 per minute » started at 09:26:30 UTC and ends at 09:27:30:
        # 10h28 in Paris, rounded up to the minute.
        page = plain(blocked)
        assert "Trop de tentatives" in page
        assert "Par sécurité, vous pourrez réessayer le 15/01/2030 à 10h28 (heure de Paris)." in page
        assert int(blocked.headers["Retry-After"]) == 61
        # Someone else is not blocked by the attacker.
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "198.51.100.1"
        if first:
            other.post(first[0], data=first[1])
        assert other.post(path, data=data).status_code == 422
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        if first:
            attacker.post(first[0], data=first[1])
        assert attacker.post(path, data=data).status_code == 422


def test_every_limit_counts_posts_only_so_reading_a_page_is_never_checked(app):
    """The limiter looks at no GET, HEAD or OPTIONS (extensions._reading_a_page): that is only safe
    while every limit of the app is a POST limit, which this test holds to."""
    from espace.extensions import READ_ONLY_METHODS, limiter

    manager = limiter.limit_manager
    assert manager.application_limits == [] and manager.default_limits == []
    assert not manager._blueprint_limits
    limits = [limit for route_limits in manager._decorated_limits.values() for limit in route_limits]
    assert len(limits) >= 13  # every limited form: EP 4, activation, sign-in, EP 6, EP 5, EP 3
    assert all(limit.methods and set(limit.methods) == {"post"} for limit in limits), \
        [(limit.limit_provider, limit.methods) for limit in limits]
    assert set(READ_ONLY_METHODS) == {"GET", "HEAD", "OPTIONS"}


def test_a_blocked_address_still_reads_the_page(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", RATE_LOGIN="1 per minute")
    client = app.test_client()
    wrong = {"email": "toto321@toto.toto", "password": "x" * 20}
    assert client.post("/connexion", data=wrong).status_code == 422
    assert client.post("/connexion", data=wrong).status_code == 429
    assert client.get("/connexion").status_code == 200 and client.head("/connexion").status_code == 200


def test_forged_forwarded_for_does_not_escape_the_limit(make_app):
    """Without TRUSTED_PROXIES, X-Forwarded-For is the attacker's word: ignored."""
    app = make_app(RATELIMIT_ENABLED=True, RATE_LOGIN="3 per minute")
    client = app.test_client()
    data = {"email": "toto321@toto.toto", "password": "x" * 20}
    statuses = [
        client.post("/connexion", data=data, headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code
        for i in range(4)
    ]
    assert statuses == [422, 422, 422, 429]


def test_behind_a_trusted_proxy_the_limit_follows_the_client_address(make_app):
    """The proxy appends the real address; what the client put before it does not count."""
    app = make_app(RATELIMIT_ENABLED=True, RATE_LOGIN="3 per minute", TRUSTED_PROXIES=1)
    client = app.test_client()
    data = {"email": "toto321@toto.toto", "password": "x" * 20}

    def post(forged, real):
        headers = {"X-Forwarded-For": f"{forged}, {real}"}
        return client.post("/connexion", data=data, headers=headers).status_code

    assert [post(f"192.0.2.{i}", "203.0.113.9") for i in range(4)] == [422, 422, 422, 429]
    assert post("192.0.2.1", "203.0.113.10") == 422


def test_past_the_threshold_the_login_asks_the_captcha_whatever_the_client_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    wrong = {"email": "toto321@toto.toto", "password": "Douasbin2015PecheEnMeR"}
    right = {"email": "toto321@toto.toto", "password": BERNARD_PASSWORD}

    def login(data, address):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client, client.post("/connexion", data=data)

    with time_machine.travel(T0, tick=False):
        for attempt in range(MAX_LOGIN_FAILURES):
            assert login(wrong, f"203.0.113.{attempt}")[1].status_code == 422
        client, asked = login(right, "198.51.100.1")
        # Not refused: asked for the captcha too, with the password.
        assert asked.status_code == 422 and "recopiez aussi les caractères de l'image" in plain(asked)
        assert 'name="captcha"' in plain(asked) and "/captcha/image.png" in plain(asked)
        done = client.post("/connexion", data={**right, "captcha": CAPTCHA})
        assert done.status_code == 303 and done.location.endswith("/connexion/code")
    with time_machine.travel(T0 + CAPTCHA_PERIOD + timedelta(seconds=1), tick=False):
        assert login(right, "198.51.100.2")[1].status_code == 303


"""Attacks on the sign-in code and the device cookie: brute force (5 tries), replay, expiry,
races across two server processes, forged / tampered / revoked / expired device cookies,
and enumeration (the code step tells nothing the password step does not)."""
import html
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from conftest import (BERNARD, BERNARD_PASSWORD, NEW_PASSWORD, Forgotten, Walk, log_in, settings_for,
                      plain, signed_in, signin_code_of)
from live_server import Browser, LiveServer, all_at_once

from espace.domain import security, signin
from espace.models import Device, Event, OutboxMessage, SigninCode, Space, db

EMAIL = "toto321@toto.toto"
T0 = datetime(2030, 1, 15, 9, 26, 30)
COOKIE = "espace_navigateur"
CSRF_TOKEN = re.compile(r'(?<="X-CSRFToken": ")[^"]+|(?<=name="csrf_token" value=")[^"]+')


def wrong(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def remembered_cookie(app):
    """Sign Bernard in with « Se souvenir de ce navigateur »; the device cookie's value."""
    client = app.test_client()
    assert Walk(app, client).login(EMAIL, BERNARD_PASSWORD, remember=True).location.endswith("/espace/")
    return client.get_cookie(COOKIE, path="/connexion").value


def asks_for_the_code(app, cookie_value, password=BERNARD_PASSWORD):
    """A new browser holding this device cookie: does the right password lead to the code step?"""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie_value, path="/connexion")
    response = Walk(app, client).password(EMAIL, password)
    assert response.status_code == 303
    if response.location.endswith("/espace/"):
        return False
    assert response.location.endswith("/connexion/code") and not signed_in(client)
    return True


# --- brute force, replay, expiry -----------------------------------------------------


def test_five_tries_then_a_new_code_is_needed(walk, client, app):
    walk.password(EMAIL, BERNARD_PASSWORD)
    code = signin_code_of(app, EMAIL)
    for _ in range(signin.MAX_TRIES):
        assert walk.confirm(wrong(code)).status_code == 422
    spent = walk.confirm(code)
    assert spent.status_code == 422 and signin.CODE_DEAD in plain(spent)
    client.post("/connexion/code", data={"action": "renvoyer"})
    assert walk.confirm(signin_code_of(app, EMAIL)).location.endswith("/espace/")


def test_a_used_code_cannot_be_replayed(walk, client, app, monkeypatch):
    codes = iter(["111111", "222222"])
    monkeypatch.setattr(signin, "new_code", lambda: next(codes))
    walk.password(EMAIL, BERNARD_PASSWORD)
    assert walk.confirm("111111").location.endswith("/espace/")
    # Replayed in the same browser: the sign-in is over, nothing is pending any more.
    assert client.post("/connexion/code", data={"code": "111111"}).location.endswith("/connexion")
    # Replayed by someone who has the password too: their sign-in waits for its own code.
    thief = Walk(app, app.test_client())
    thief.password(EMAIL, BERNARD_PASSWORD)
    replay = thief.confirm("111111")
    assert replay.status_code == 422 and "Le code de confirmation est incorrect" in plain(replay)
    assert not signed_in(thief.client)


def test_a_code_lives_ten_minutes(make_app):
    app = make_app()
    for delay, accepted in ((timedelta(minutes=10) - timedelta(seconds=1), True),
                            (timedelta(minutes=10) + timedelta(seconds=1), False)):
        walk = Walk(app, app.test_client())
        with time_machine.travel(T0, tick=False):
            walk.password(EMAIL, BERNARD_PASSWORD)
        with time_machine.travel(T0 + delay, tick=False):
            response = walk.confirm(signin_code_of(app, EMAIL))
            if not accepted:
                # The pending sign-in ends with its code: back to the password, saying why.
                assert response.status_code == 303 and response.location.endswith("/connexion")
                assert "confirmée dans les 10 minutes" in plain(walk.client.get("/connexion"))
            assert signed_in(walk.client) is accepted
        with app.app_context(), db.connection_context():
            SigninCode.delete().execute()  # the next round starts afresh


def test_a_password_change_during_the_code_step_ends_the_pending_sign_in(walk, client, app):
    elsewhere = app.test_client()
    log_in(elsewhere, EMAIL, BERNARD_PASSWORD)
    walk.password(EMAIL, BERNARD_PASSWORD)
    code = signin_code_of(app, EMAIL)
    changed = elsewhere.post("/espace/mot-de-passe", data={  # EP 5, from the other browser
        "current_password": BERNARD_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert changed.status_code == 303 and changed.location.endswith("/espace/"), plain(changed)
    response = walk.confirm(code)
    assert response.status_code == 303 and response.location.endswith("/connexion")
    assert "Le mot de passe de cet espace a été changé" in plain(client.get("/connexion"))
    assert client.get("/connexion/code").location.endswith("/connexion")
    assert not signed_in(client)


def test_the_pending_session_opens_nothing(walk, client):
    walk.password(EMAIL, BERNARD_PASSWORD)
    for url in ("/espace/", "/espace/coordonnees", "/espace/coordonnees/recapitulatif.pdf"):
        assert "/connexion" in client.get(url).location


def test_session_id_changes_at_the_password_and_at_the_code(walk, client, app):
    client.get("/connexion")
    client.get("/opter/numero")
    walk.number()
    first = client.get_cookie("espace_session").value
    walk.password(EMAIL, BERNARD_PASSWORD)
    pending = client.get_cookie("espace_session").value
    walk.confirm(signin_code_of(app, EMAIL))
    assert len({first, pending, client.get_cookie("espace_session").value}) == 3
    planted = app.test_client()
    planted.set_cookie("espace_session", pending)
    assert not signed_in(planted)


# --- the device cookie ---------------------------------------------------------------


def test_a_genuine_device_cookie_skips_the_code(app):
    assert asks_for_the_code(app, remembered_cookie(app)) is False


def test_forged_or_tampered_device_cookies_are_ignored(app):
    genuine = remembered_cookie(app)
    head, _, signature = genuine.rpartition(".")
    forged_elsewhere = signin.DeviceSeal("not-the-secret").seal("any-device")
    with app.app_context():
        unknown_device = signin.DeviceSeal(app.secret_key).seal("a-device-never-remembered")
    for value in ("x", genuine + "x", head + "." + signature[::-1], head.upper() + "." + signature,
                  forged_elsewhere, unknown_device):
        assert asks_for_the_code(app, value), value


def test_a_device_remembered_for_another_space_does_not_skip_this_one(app, walk):
    code = walk.option(email="lila.pro@example.fr")
    walk.activate(code)
    lila = Walk(app, app.test_client())
    assert lila.login(remember=True).location.endswith("/espace/")
    lilas_cookie = lila.client.get_cookie(COOKIE, path="/connexion").value
    assert asks_for_the_code(app, lilas_cookie)


def test_forget_devices_revokes_every_remembered_browser(app):
    cookies = [remembered_cookie(app) for _ in range(2)]
    with app.app_context(), db.connection_context():
        assert signin.forget_devices(Space.by_number(BERNARD).id) == 2
    assert all(asks_for_the_code(app, c) for c in cookies)


def test_a_new_password_revokes_remembered_browsers(app):
    """A password reset (security.password_changed, no session kept) forgets every one."""
    cookie = remembered_cookie(app)
    with app.app_context(), db.connection_context():
        security.password_changed(Space.by_number(BERNARD).id, datetime.utcnow())
    assert asks_for_the_code(app, cookie)
    with app.app_context(), db.connection_context():
        assert Device.select().count() == 0


def test_a_password_change_in_the_space_revokes_remembered_browsers(app):
    """EP 5: a browser remembered before the change asks for the e-mailed code again."""
    cookie = remembered_cookie(app)
    assert asks_for_the_code(app, cookie) is False  # remembered until then
    client = app.test_client()
    log_in(client, EMAIL, BERNARD_PASSWORD)
    response = client.post("/espace/mot-de-passe", data={
        "current_password": BERNARD_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 303 and response.location.endswith("/espace/"), plain(response)
    assert asks_for_the_code(app, cookie, NEW_PASSWORD)


def test_a_forgotten_password_reset_revokes_remembered_browsers(app):
    """EP 6: a browser remembered before the reset asks for the e-mailed code again."""
    cookie = remembered_cookie(app)
    assert asks_for_the_code(app, cookie) is False  # remembered until then
    forgotten = Forgotten(app, app.test_client())
    forgotten.until_password()
    response = forgotten.new_password(NEW_PASSWORD)
    assert response.status_code == 303 and response.location == "/connexion", plain(response)
    assert asks_for_the_code(app, cookie, NEW_PASSWORD)


def test_a_device_cookie_dies_after_six_months(make_app):
    app = make_app()
    with time_machine.travel(T0, tick=False):
        cookie = remembered_cookie(app)
    with time_machine.travel(T0 + signin.DEVICE_LIFETIME - timedelta(seconds=1), tick=False):
        assert asks_for_the_code(app, cookie) is False
    with time_machine.travel(T0 + signin.DEVICE_LIFETIME + timedelta(seconds=1), tick=False):
        assert asks_for_the_code(app, cookie)


def test_a_remembered_browser_still_needs_the_password(app):
    client = app.test_client()
    client.set_cookie(COOKIE, remembered_cookie(app), path="/connexion")
    response = Walk(app, client).password(EMAIL, "WrongPassword12345678")
    assert response.status_code == 422 and not signed_in(client)


# --- enumeration ---------------------------------------------------------------------


def attempt(app, email, cookie=None):
    client = app.test_client()
    if cookie:
        client.set_cookie(COOKIE, cookie, path="/connexion")
    response = Walk(app, client).password(email, "Douasbin2015PecheEnMeR")
    page = CSRF_TOKEN.sub("TOKEN", response.get_data(as_text=True).replace(email, "ADDRESS"))
    # Nothing pending behind a refusal: the code step answers as for a stranger.
    code_step = client.get("/connexion/code")
    return response.status_code, page, code_step.status_code, code_step.location


@pytest.mark.parametrize("email", ["personne@exemple.fr", "lila.rosemonde@orange.fr"])
def test_the_code_step_is_never_reached_without_the_right_password(app, email):
    with app.app_context(), db.connection_context():
        before = OutboxMessage.select().count()
    wrong_password = attempt(app, EMAIL)
    assert wrong_password[0] == 422 and wrong_password[2:] == (303, "/connexion")
    assert attempt(app, email) == wrong_password
    # A remembered browser changes nothing to a wrong password's answer.
    assert attempt(app, EMAIL, remembered_cookie(app)) == wrong_password
    with app.app_context(), db.connection_context():
        assert OutboxMessage.select().count() == before + 2  # the code and the notice of remembered_cookie
        assert SigninCode.select().count() == 1


def test_a_stranger_at_the_code_step_learns_nothing(client):
    for method in (client.get, client.post):
        response = method("/connexion/code", data={"code": "123456"})
        assert response.status_code == 303 and response.location.endswith("/connexion")


# --- races across two server processes -----------------------------------------------


@pytest.fixture
def servers(make_app, tmp_path):
    app = make_app()
    settings = settings_for(tmp_path, SEED_DEMO=False)
    pair = [LiveServer(settings), LiveServer(settings)]
    yield app, pair
    for server in pair:
        server.stop()


def pending_browser(url):
    browser = Browser(url)
    assert browser.post("/connexion", {"email": EMAIL, "password": BERNARD_PASSWORD}).status == 303
    return browser


def at(browser, url):
    """The same person (the same cookie jar) on another server."""
    other = Browser(url)
    other.cookies, other.opener = browser.cookies, browser.opener
    return other


def test_twenty_guesses_at_once_spend_five_tries(servers):
    app, (a, b) = servers
    browser = pending_browser(a.url)
    code = signin_code_of(app, EMAIL)
    guesses = [f"{(int(code) + i) % 10 ** 6:06d}" for i in range(1, 21)]
    responses = all_at_once([lambda g=g, url=(a.url, b.url)[i % 2]: at(browser, url).post("/connexion/code", {"code": g})
                             for i, g in enumerate(guesses)])
    assert [r.status for r in responses] == [422] * 20
    with app.app_context(), db.connection_context():
        assert SigninCode.get().tries == signin.MAX_TRIES
        assert Event.select().where(Event.kind == "signin_code_failed").count() == signin.MAX_TRIES
    spent = browser.post("/connexion/code", {"code": code})
    assert spent.status == 422 and signin.CODE_DEAD in html.unescape(spent.text)


def test_one_code_confirmed_ten_times_at_once_signs_in_once(servers):
    app, (a, b) = servers
    browser = pending_browser(a.url)
    code = signin_code_of(app, EMAIL)
    responses = all_at_once([lambda url=(a.url, b.url)[i % 2]: at(browser, url).post("/connexion/code", {"code": code})
                             for i in range(10)])
    into_the_space = [r for r in responses if r.status == 303 and r.headers["Location"].endswith("/espace/")]
    assert len(into_the_space) == 1, [(r.status, r.headers.get("Location")) for r in responses]
    with app.app_context(), db.connection_context():
        assert Event.select().where(Event.kind == "signin").count() == 1
        assert SigninCode.get().state == "used"

"""Expiry and replay: the 48 h code at its boundary, captchas replayed, old session ids,
and the back button after the procedure is over.
"""
import itertools
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from conftest import BERNARD_PASSWORD, LILA, PASSWORD, Walk, log_in, plain, signed_in

from espace.captcha import media as captcha
from espace.domain.activation import CODE_EXPIRED, CODE_VALIDITY
from espace.models import ACCESS_CERTIFICATE, ACCESS_PASSWORD, Space, db

T0 = datetime(2030, 6, 3, 8, 0, 0, tzinfo=timezone.utc)
JUST_BEFORE = T0 + CODE_VALIDITY - timedelta(seconds=1)
JUST_AFTER = T0 + CODE_VALIDITY + timedelta(seconds=1)
EMAIL = "lila.pro@example.fr"



def access_of_lila(app):
    with app.app_context(), db.connection_context():
        return Space.by_number(LILA).access_mode


def requested_at_t0(walk):
    with time_machine.travel(T0, tick=False):
        return walk.option(email=EMAIL)


# --- the 48 h code, through the web --------------------------------------------------


def test_code_works_one_second_before_48_hours(app, walk):
    code = requested_at_t0(walk)
    later = Walk(app, app.test_client())  # another day, another browser
    with time_machine.travel(JUST_BEFORE, tick=False):
        later.activate(code, EMAIL)
    assert access_of_lila(app) == ACCESS_PASSWORD


def test_code_refused_one_second_after_48_hours_and_the_procedure_restarts(app, walk):
    code = requested_at_t0(walk)
    later = Walk(app, app.test_client())
    with time_machine.travel(JUST_AFTER, tick=False):
        response = later.code(code)
        assert response.status_code == 422 and CODE_EXPIRED in plain(response)
        assert access_of_lila(app) == ACCESS_CERTIFICATE
        # « reprendre la procédure au début »: the expired request no longer blocks the address.
        fresh = Walk(app, app.test_client())
        new_code = fresh.option(email=EMAIL)
        fresh.activate(new_code, EMAIL)
    assert new_code != code and access_of_lila(app) == ACCESS_PASSWORD


def test_code_accepted_in_time_then_expired_at_the_address_step(app, walk):
    code = requested_at_t0(walk)
    later = Walk(app, app.test_client())
    with time_machine.travel(JUST_BEFORE, tick=False):
        assert later.code(code).status_code == 303
    with time_machine.travel(JUST_AFTER, tick=False):
        response = later.connection_email(EMAIL)
    assert response.status_code == 422 and CODE_EXPIRED in plain(response)
    assert access_of_lila(app) == ACCESS_CERTIFICATE


# --- captcha replay ------------------------------------------------------------------


@pytest.fixture
def texts(make_app, monkeypatch):
    """Each new challenge gets the next text (the fixed test text is off)."""
    sequence = itertools.cycle(["AAAAAA", "EEEEEE", "HHHHHH", "KKKKKK", "MMMMMM"])
    monkeypatch.setattr(captcha, "new_text", lambda length=6, fixed=None: next(sequence))
    app = make_app(CAPTCHA_TEST_TEXT="")
    return app, Walk(app, app.test_client()).option(email=EMAIL)


def test_a_solved_captcha_cannot_be_used_again(texts):
    app, code = texts
    client = app.test_client()
    client.get("/activation/")  # AAAAAA
    # Solved, with a guessed code: the code is refused, the captcha is spent.
    guess = client.post("/activation/", data={"code": "AbcdefGhijkl", "captcha": "AAAAAA"})
    assert "Le code d'activation est incorrect" in plain(guess)
    again = client.post("/activation/", data={"code": code, "captcha": "AAAAAA"})
    assert again.status_code == 422 and "ne correspondent pas" in plain(again)
    assert access_of_lila(app) == ACCESS_CERTIFICATE


def test_replaying_the_old_captcha_cookie_does_not_bring_the_captcha_back(texts):
    """The copy of the cookie still holds AAAAAA; the server remembers that it was answered."""
    app, code = texts
    client = app.test_client()
    client.get("/activation/")  # AAAAAA
    copy = client.get_cookie("espace_captcha").value
    client.post("/activation/", data={"code": "AbcdefGhijkl", "captcha": "AAAAAA"})
    replay = app.test_client()
    replay.set_cookie("espace_captcha", copy)
    response = replay.post("/activation/", data={"code": code, "captcha": "AAAAAA"})
    assert response.status_code == 422 and "ne correspondent pas" in plain(response)


def test_one_image_one_guess(texts):
    """A wrong answer replaces the image: no trying several answers on one challenge."""
    app, code = texts
    client = app.test_client()
    client.get("/activation/")  # AAAAAA
    client.post("/activation/", data={"code": code, "captcha": "HHHHHH"})
    response = client.post("/activation/", data={"code": code, "captcha": "AAAAAA"})
    assert response.status_code == 422 and "ne correspondent pas" in plain(response)


def test_captcha_never_shown_is_never_passed(walk, app):
    """Posting straight to the form, with the right text, without having been given an image."""
    code = walk.option(email=EMAIL)
    response = app.test_client().post("/activation/", data={"code": code, "captcha": "KAWRTY"})
    assert response.status_code == 422 and "ne correspondent pas" in plain(response)


# --- session ids from before rotation ------------------------------------------------


def test_session_id_from_before_identification_no_longer_works(app, walk, client):
    walk.number()
    before = client.get_cookie("espace_session").value
    assert walk.answers().status_code == 303
    assert client.get("/opter/identifiants").status_code == 200
    attacker = app.test_client()
    attacker.set_cookie("espace_session", before)
    response = attacker.get("/opter/identifiants")
    assert response.status_code == 303 and response.location.endswith("/opter/numero")
    assert attacker.get("/opter/question").location.endswith("/opter/numero")


def test_session_fixed_before_login_is_worthless_after(app):
    victim = app.test_client()
    assert "Set-Cookie" not in victim.get("/connexion").headers  # a visitor has no session to fix
    victim.post("/opter/numero", data={"number": LILA})  # but one who started the procedure has
    planted = victim.get_cookie("espace_session").value  # known to the attacker
    assert Walk(app, victim).login("toto321@toto.toto", BERNARD_PASSWORD).status_code == 303
    assert victim.get("/espace/").status_code == 200
    attacker = app.test_client()
    attacker.set_cookie("espace_session", planted)
    response = attacker.get("/espace/")
    assert response.status_code == 303 and response.location.endswith("/connexion")


def test_session_id_of_a_logged_out_space_no_longer_opens_it(app):
    client = app.test_client()
    log_in(client, "toto321@toto.toto", BERNARD_PASSWORD)
    stolen = client.get_cookie("espace_session").value
    thief = app.test_client()
    thief.set_cookie("espace_session", stolen)
    assert signed_in(thief)  # while the holder is signed in, the stolen id opens the space
    assert client.post("/deconnexion").status_code == 303
    assert not signed_in(thief)
    response = thief.get("/espace/")
    assert response.status_code == 303 and response.location.endswith("/connexion")


# --- the back button -----------------------------------------------------------------

WIZARD_PAGES = ("/opter/numero", "/opter/verification", "/opter/identifiants", "/opter/question")


def shows_nothing_of_before(client):
    for url in WIZARD_PAGES:
        response = client.get(url, follow_redirects=True)
        page = plain(response)
        assert LILA not in page and EMAIL not in page and "Laurence" not in page
        assert "Le prénom de votre mère" not in page  # Lila's questions
        assert response.request.path == "/opter/numero"


def test_back_button_after_completion_shows_nothing_of_before(walk, client):
    walk.option(email=EMAIL)
    shows_nothing_of_before(client)


def test_back_button_after_quitter_shows_nothing_of_before(walk, client):
    walk.number()
    walk.answers()
    walk.credentials(email=EMAIL)
    client.post("/opter/quitter")
    shows_nothing_of_before(client)
    assert client.get("/opter/validation", follow_redirects=True).request.path == "/opter/numero"


def test_back_button_after_activation_leads_to_the_recap_not_an_error(walk, client):
    walk.activate(walk.option(email=EMAIL), EMAIL)
    for method in (client.get, client.post):
        response = method("/activation/identifiants", data={"email": EMAIL})
        assert response.status_code == 303 and response.location.endswith("/activation/recapitulatif")


def test_back_button_after_logout_shows_nothing_of_the_space(app, walk, client):
    walk.activate(walk.option(email=EMAIL), EMAIL)
    assert walk.login(EMAIL, PASSWORD).status_code == 303
    assert "ROSEMONDE CONSEIL SARL" in plain(client.get("/espace/"))
    client.post("/deconnexion")
    for url in ("/espace/", "/espace/coordonnees", "/activation/recapitulatif"):
        response = client.get(url, follow_redirects=True)
        assert "ROSEMONDE CONSEIL SARL" not in plain(response) and LILA not in plain(response)

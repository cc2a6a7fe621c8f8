"""« Connexion à mon espace professionnel »: the password step, its captcha past a threshold, logout."""
import re
from datetime import datetime, timezone

import pytest
import time_machine

from conftest import BERNARD, BERNARD_PASSWORD, Walk, log_in, plain, signed_in, text
from espace.domain.signin_password import MAX_LOGIN_FAILURES

GENERIC = "Adresse électronique ou mot de passe incorrect."


def test_login_page_has_the_seed_links(client):
    page = text(client.get("/connexion"))
    for wording in ("Connexion à mon espace professionnel", "Adresse électronique", "Mot de passe",
                    "Mot de passe oublié", "Création de mon espace professionnel",
                    "Activation de mon espace / mes services", "Aide : accéder aux fiches pratiques"):
        assert wording in page
    assert 'autocomplete="current-password"' in page


def test_login_address_field_is_a_valid_username_field(client):
    """autocomplete="username" is not allowed on type="email": a text input with the e-mail keyboard."""
    page = text(client.get("/connexion"))
    field = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    for attribute in ('type="text"', 'inputmode="email"', 'autocomplete="username"'):
        assert attribute in field


def test_login_opens_the_space(walk, client):
    response = walk.login("toto321@toto.toto", BERNARD_PASSWORD)
    assert response.status_code == 303 and response.location.endswith("/espace/")
    page = text(client.get("/espace/"))
    assert "DOUASBIN" in page and BERNARD in page and "DOUASBIN PÊCHE SARL" in page


def test_login_ignores_address_case(walk):
    assert walk.login("TOTO321@Toto.Toto", BERNARD_PASSWORD).status_code == 303


@pytest.mark.parametrize("email, password", [
    ("toto321@toto.toto", "WrongPassword12345678"),
    ("inconnu@example.fr", BERNARD_PASSWORD),
    ("lila.rosemonde@orange.fr", "Anything1234567890abc"),  # a certificate space cannot log in
    ("toto321@toto.toto", "x" * 150),
])
def test_one_generic_error_for_any_failure(walk, email, password):
    response = walk.login(email, password)
    assert response.status_code == 422
    assert GENERIC in text(response)


@pytest.mark.parametrize("data, message", [
    ({"email": "", "password": "x"}, "Saisissez votre adresse électronique."),
    ({"email": "a@b.fr", "password": ""}, "Saisissez votre mot de passe."),
])
def test_login_field_messages(client, data, message):
    response = client.post("/connexion", data=data)
    assert response.status_code == 422 and message in text(response)


@pytest.mark.parametrize("email", ["toto321@toto.toto", "personne@example.fr"])
def test_past_the_threshold_any_address_is_asked_the_captcha_in_the_same_words(walk, app, email):
    # Frozen: the message names the minute the captcha stops being asked, and the two
    # addresses' series must not straddle a minute (a flake seen in CI).
    with time_machine.travel(datetime(2026, 12, 4, 10, 41, 59, 900000, tzinfo=timezone.utc), tick=False):
        asked_in_the_same_words(walk, app, email)


def asked_in_the_same_words(walk, app, email):
    for _ in range(MAX_LOGIN_FAILURES):
        walk.login(email, "WrongPassword12345678")
    response = walk.login(email, BERNARD_PASSWORD)
    assert response.status_code == 422 and "Trop de tentatives de connexion avec cette adresse" in text(response)
    assert "jusqu'à le " not in plain(response) and 'name="captcha"' in text(response)
    assert "prend fin le 04/12/2026 à 11h57 (heure de Paris)" in plain(response)
    # Nothing tells a known address from an unknown one: the same page, but for the address typed.
    other = "personne@example.fr" if email.startswith("toto") else "toto321@toto.toto"
    walk_other = Walk(app, app.test_client())
    for _ in range(MAX_LOGIN_FAILURES):
        walk_other.login(other, "WrongPassword12345678")
    same = walk_other.login(other, BERNARD_PASSWORD)
    def message(page):
        return re.search(r"Trop de tentatives[^<]*", text(page)).group(0)

    assert same.status_code == 422 and message(same) == message(response)


def test_session_id_changes_at_login(walk, client):
    walk.number()
    before = client.get_cookie("espace_session").value
    log_in(client, "toto321@toto.toto", BERNARD_PASSWORD)
    assert client.get_cookie("espace_session").value != before


def test_logout_ends_the_space_session(client):
    log_in(client, "toto321@toto.toto", BERNARD_PASSWORD)
    response = client.post("/deconnexion")
    assert response.status_code == 303 and response.location.endswith("/connexion")
    assert not signed_in(client)
    response = client.get("/espace/")
    assert response.status_code == 303 and response.location.endswith("/connexion")


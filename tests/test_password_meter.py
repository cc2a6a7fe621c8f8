"""One macro for every new password: each strength meter gets the limits it compares against
(issue 16: the EP 5 and EP 6 meters lacked them, and app.js rated « Ab1 » « moyenne »)."""
import re

from conftest import BERNARD_PASSWORD, Forgotten, Walk, log_in, text

from espace.domain.credentials import PASSWORD_MAX, PASSWORD_MIN


def meter_input(page):
    return re.search(r"<input[^>]*data-strength-meter[^>]*>", page).group(0)


def check(page):
    tag = meter_input(page)
    assert f'data-password-min="{PASSWORD_MIN}"' in tag and f'data-password-max="{PASSWORD_MAX}"' in tag
    assert f"comporter {PASSWORD_MIN} caractères au minimum ({PASSWORD_MAX} au maximum)" in page


def test_ep4_meter(walk, client):
    walk.number()
    walk.answers()
    check(text(client.get("/opter/identifiants")))


def test_ep5_meter(client):
    log_in(client, "toto321@toto.toto", BERNARD_PASSWORD)
    check(text(client.get("/espace/mot-de-passe")))


def test_ep6_meter(app, client):
    Forgotten(app, client).until_password()
    check(text(client.get("/mot-de-passe-oublie/nouveau-mot-de-passe")))

"""No enumeration: /connexion answers an unknown address exactly as a wrong password.

Same status, same page, and — with a realistic bcrypt cost — the same time, because
an unknown address is checked against a dummy hash (espace.domain.hashing).
"""
import re
import statistics
import time
from datetime import datetime, timezone

import pytest
import time_machine
from conftest import BERNARD_PASSWORD

from espace.domain.signin_password import MAX_LOGIN_FAILURES

KNOWN = "toto321@toto.toto"  # Bernard logs in with it
UNKNOWN = "personne@exemple.fr"
CERTIFICATE_ONLY = "lila.rosemonde@orange.fr"  # Lila's contact address, not a login yet
CSRF_TOKEN = re.compile(r'(?<="X-CSRFToken": ")[^"]+|(?<=name="csrf_token" value=")[^"]+')


def attempt(client, email, password="Douasbin2015PecheEnMeR"):
    response = client.post("/connexion", data={"email": email, "password": password})
    # The address typed is shown again in the form and each session has its own CSRF
    # token; everything else must be identical.
    page = response.get_data(as_text=True).replace(email, "ADDRESS")
    # The captcha's version is the time it was drawn.
    return response.status_code, re.sub(r"v=[^\"&]+", "v=V", CSRF_TOKEN.sub("TOKEN", page))


@pytest.mark.parametrize("email", [UNKNOWN, CERTIFICATE_ONLY])
def test_unknown_address_answers_like_a_wrong_password(app, email):
    wrong_password = attempt(app.test_client(), KNOWN)
    assert wrong_password[0] == 422
    assert "Adresse électronique ou mot de passe incorrect." in wrong_password[1]
    assert attempt(app.test_client(), email) == wrong_password


def test_the_captcha_threshold_answers_alike_for_a_known_and_an_unknown_address(app):
    # The page names the minute the captcha stops being asked, counted from each address's
    # tenth failure: frozen, so the two series cannot straddle a minute (a flake seen in CI).
    with time_machine.travel(datetime(2026, 12, 4, 10, 41, 59, 990000, tzinfo=timezone.utc), tick=False):
        for _ in range(MAX_LOGIN_FAILURES):
            attempt(app.test_client(), KNOWN)
            attempt(app.test_client(), UNKNOWN)
        # The threshold is no oracle: the right password and any other get the same page.
        known = attempt(app.test_client(), KNOWN, BERNARD_PASSWORD)
        unknown = attempt(app.test_client(), UNKNOWN)
    assert known[0] == 422 and "Trop de tentatives" in known[1]
    assert known == unknown


def test_unknown_address_takes_as_long_as_a_wrong_password(make_app):
    # 2^10 bcrypt rounds: tens of milliseconds, far above the noise of a request.
    app = make_app(BCRYPT_ROUNDS=10)
    client = app.test_client()
    timings = {KNOWN: [], UNKNOWN: []}
    attempt(client, UNKNOWN)  # warm-up: templates compiled, connection open
    for _ in range(4):  # 8 wrong passwords in all: below the per-space lock
        for email in (KNOWN, UNKNOWN):
            start = time.perf_counter()
            status, _ = attempt(client, email)
            timings[email].append(time.perf_counter() - start)
            assert status == 422
    wrong_password = statistics.median(timings[KNOWN])
    unknown = statistics.median(timings[UNKNOWN])
    assert wrong_password > 0.02, "bcrypt should dominate the request time"
    # Generous tolerance (shared CI machines); without the dummy hash an unknown
    # address answers in a few milliseconds, i.e. more than 90 % faster.
    assert abs(unknown - wrong_password) < 0.35 * wrong_password, (unknown, wrong_password)

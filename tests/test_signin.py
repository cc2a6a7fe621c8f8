"""Sign-in confirmation: the password, then a 6-digit code e-mailed to the login address;
« Renvoyer un code »; « Se souvenir de ce navigateur »; the history of each step."""
from datetime import datetime

import pytest
from conftest import (BERNARD, BERNARD_PASSWORD, Walk, last_message, plain, signed_in, signin_code_from,
                      signin_code_of)
from conftest import plain as text

from espace.domain.clock import french_datetime

from espace.domain import signin
from espace.domain.clock import now
from espace.domain.history import events_of
from espace.models import SigninCode, Space, db

EMAIL = "toto321@toto.toto"


def kinds(app):
    with app.app_context(), db.connection_context():
        return [e.kind for e in reversed(events_of(Space.by_number(BERNARD).id, now()))]


def wrong(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def test_the_password_alone_does_not_open_the_space(walk, client, app):
    response = walk.password(EMAIL, BERNARD_PASSWORD)
    assert response.status_code == 303 and response.location.endswith("/connexion/code")
    message = last_message(app)
    assert message.recipient == EMAIL
    assert message.subject == "Votre code de confirmation de connexion – espace professionnel"
    assert len(signin_code_from(message)) == 6 and "valable 10 minutes" in message.text_body
    page = text(client.get("/connexion/code"))
    assert "Étape 2 sur 2 – Code de confirmation – Connexion à mon espace professionnel" in page
    assert f"à votre adresse électronique de connexion, <strong>{EMAIL}</strong>" in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert "Se souvenir de ce navigateur" in page and "Renvoyer un code" in page
    assert not signed_in(client)


def test_the_code_opens_the_space(walk, client, app):
    walk.password(EMAIL, BERNARD_PASSWORD)
    response = walk.confirm(signin_code_of(app, EMAIL))
    assert response.status_code == 303 and response.location.endswith("/espace/")
    assert "DOUASBIN PÊCHE SARL" in text(client.get("/espace/"))
    notice = last_message(app)
    assert notice.recipient == EMAIL and "Connexion depuis un nouveau navigateur" in notice.subject
    assert kinds(app) == ["signin"]  # one line per sign-in


def test_walk_login_does_the_whole_sign_in(walk, client):
    assert walk.login(EMAIL, BERNARD_PASSWORD).location.endswith("/espace/") and signed_in(client)


def test_the_code_step_needs_the_password_first(client):
    response = client.get("/connexion/code")
    assert response.status_code == 303 and response.location.endswith("/connexion")
    assert client.post("/connexion/code", data={"code": "123456"}).location.endswith("/connexion")


def test_htmx_gets_the_step_alone_then_a_whole_page_redirect(htmx, app):
    helper = Walk(app, htmx)
    helper.password(EMAIL, BERNARD_PASSWORD)
    fragment = htmx.get("/connexion/code")
    assert "<html" not in text(fragment) and 'id="wizard"' in text(fragment)
    assert fragment.headers["HX-Push-Url"] == "/connexion/code"
    refused = helper.confirm(wrong(signin_code_of(app, EMAIL)))
    assert refused.status_code == 422 and "<html" not in text(refused)
    done = helper.confirm(signin_code_of(app, EMAIL))
    assert done.status_code == 204 and done.headers["HX-Redirect"] == "/espace/"


@pytest.mark.parametrize("code, message", [
    ("", "Saisissez le code de confirmation reçu par courriel."),
    ("12345", "Le code de confirmation comporte 6 chiffres."),
    ("1234567", "Le code de confirmation comporte 6 chiffres."),
    ("12345a", "Le code de confirmation comporte 6 chiffres."),
    ("１２３４５６", "Le code de confirmation comporte 6 chiffres."),
    ("1" * 41, "Le code de confirmation ne doit pas dépasser 40 caractères."),
])
def test_code_field_messages(walk, code, message):
    walk.password(EMAIL, BERNARD_PASSWORD)
    response = walk.confirm(code)
    assert response.status_code == 422 and message in text(response)


def test_a_wrong_code_says_how_many_tries_are_left(walk, app, client):
    walk.password(EMAIL, BERNARD_PASSWORD)
    response = walk.confirm(wrong(signin_code_of(app, EMAIL)))
    assert response.status_code == 422
    assert "Erreur : Étape 2 sur 2" in text(response) and "Il vous reste 4 essais." in text(response)
    assert kinds(app) == ["signin_code_failed"] and not signed_in(client)


def test_a_code_typed_with_a_space_is_accepted(walk, app):
    walk.password(EMAIL, BERNARD_PASSWORD)
    code = signin_code_of(app, EMAIL)
    assert walk.confirm(f"{code[:3]} {code[3:]}").location.endswith("/espace/")


def test_resend_a_code_says_when_it_went(walk, client, app):
    walk.password(EMAIL, BERNARD_PASSWORD)
    first = signin_code_of(app, EMAIL)
    response = client.post("/connexion/code", data={"action": "renvoyer", "code": "whatever"})
    assert response.status_code == 303 and response.location.endswith("/connexion/code")
    page = plain(client.get("/connexion/code"))
    with app.app_context(), db.connection_context():
        sent = french_datetime(SigninCode.select().order_by(SigninCode.id.desc()).first().created_at
                               .replace(second=0, microsecond=0))
    assert f"Un nouveau code vous a été envoyé {sent} (heure de Paris) à {EMAIL}" in page
    with app.app_context(), db.connection_context():
        assert SigninCode.select().count() == 2
    # The replaced code is said so, and costs no try.
    replaced = walk.confirm(first)
    assert replaced.status_code == 422 and "Ce code a été remplacé par un nouveau" in plain(replaced)
    with app.app_context(), db.connection_context():
        assert SigninCode.select().order_by(SigninCode.id.desc()).first().tries == 0
    assert walk.confirm(signin_code_of(app, EMAIL)).location.endswith("/espace/")


def test_resends_are_limited_per_sign_in_and_the_page_offers_nothing_that_cannot_work(walk, client, app):
    walk.password(EMAIL, BERNARD_PASSWORD)
    for _ in range(signin.MAX_RESENDS):
        assert client.post("/connexion/code", data={"action": "renvoyer"}).status_code == 303
    page = plain(client.get("/connexion/code"))
    assert "Renvoyer un code" not in page and "Recommencer la connexion" in page
    refused = client.post("/connexion/code", data={"action": "renvoyer"})
    assert refused.status_code == 422 and "codes ont été envoyés pour cette connexion" in plain(refused)
    # The last code sent still works.
    assert walk.confirm(signin_code_of(app, EMAIL)).location.endswith("/espace/")


def test_ten_sign_ins_an_hour_from_new_browsers_each_reach_the_space(app):
    for _ in range(10):
        client = app.test_client()
        assert Walk(app, client).login(EMAIL, BERNARD_PASSWORD).location.endswith("/espace/")
        assert signed_in(client)


def test_the_per_space_ceiling_says_when_and_offers_no_code_field(walk, client, app):
    with app.app_context(), db.connection_context():
        space = Space.by_login_email(EMAIL)
        for _ in range(signin.MAX_CODES):
            signin.send_code(space, datetime.utcnow(), app.secret_key, lambda *a: None)
    response = walk.password(EMAIL, BERNARD_PASSWORD)
    page = plain(client.get("/connexion/code"))
    assert "vous pourrez vous connecter de nouveau le " in page
    assert 'name="code"' not in page and "Renvoyer un code" not in page and "Recommencer la connexion" in page
    assert kinds(app) == ["signin_codes_blocked"]
    # The assistance sees the block and clears it.
    runner = app.test_cli_runner()
    assert "1  espaces bloqués : codes de connexion" in runner.invoke(args=["stats"]).output
    assert "codes de connexion" in runner.invoke(args=["unlock", "20150830040707"]).output
    assert walk.login(EMAIL, BERNARD_PASSWORD).location.endswith("/espace/")


def test_a_relay_down_delays_the_code_and_never_refuses_the_sign_in(walk, client, app, monkeypatch):
    """The code is queued with the sign-in; the sender tries the relay again (tests/test_mail_queue.py)."""
    from espace.domain.errors import DeliveryFailed

    def down(message):
        raise DeliveryFailed("smtp down")

    monkeypatch.setattr(app.extensions["espace.mailer"], "send", down)
    walk.password(EMAIL, BERNARD_PASSWORD)
    page = text(client.get("/connexion/code"))
    assert signin.MAIL_FAILED not in page and 'name="code"' in page
    from espace.models import MailJob
    with app.app_context(), db.connection_context():
        assert MailJob.select().count() == 1  # waiting for the relay, tried again later


def test_remembered_browser_skips_the_code(walk, client, app):
    walk.login(EMAIL, BERNARD_PASSWORD, remember=True)
    cookie = client.get_cookie("espace_navigateur", path="/connexion")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    client.post("/deconnexion")
    mails = last_message(app).id
    response = walk.password(EMAIL, BERNARD_PASSWORD)
    assert response.status_code == 303 and response.location.endswith("/espace/") and signed_in(client)
    assert last_message(app).id == mails  # no code, no new-browser notice
    assert kinds(app) == ["signin", "signout", "signin"]


def test_device_cookie_lasts_six_months_and_is_secure_when_configured(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    client.post("/connexion", data={"email": EMAIL, "password": BERNARD_PASSWORD})
    response = client.post("/connexion/code", data={"code": signin_code_of(app, EMAIL), "remember": "y"})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Secure-espace_navigateur="))
    assert "Max-Age=15811200" in header and "Secure" in header and "HttpOnly" in header
    assert "Path=/connexion" in header and "SameSite=Lax" in header


def test_without_remember_no_device_cookie(walk, client):
    walk.login(EMAIL, BERNARD_PASSWORD)
    assert client.get_cookie("espace_navigateur", path="/connexion") is None


def test_quitter_forgets_the_pending_sign_in(walk, client):
    walk.password(EMAIL, BERNARD_PASSWORD)
    response = client.post("/connexion/quitter")
    assert response.status_code == 303 and response.location.endswith("/connexion")
    assert client.get("/connexion/code").location.endswith("/connexion")


def test_wrong_password_of_a_known_address_is_in_its_history(walk, app):
    walk.password(EMAIL, "WrongPassword12345678")
    walk.password("personne@example.fr", "WrongPassword12345678")
    assert kinds(app) == ["signin_failed"]


def test_logout_is_in_the_history(walk, client, app):
    walk.login(EMAIL, BERNARD_PASSWORD)
    client.post("/deconnexion")
    client.post("/deconnexion")  # not signed in any more: nothing more to record
    assert kinds(app)[-1:] == ["signout"] and kinds(app).count("signout") == 1

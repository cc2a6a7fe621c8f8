"""The signed-in holder, day to day: credential changes end what they must, codes belong to their
sign-in, one way in and out, the page asked for comes back, notices that fit (issues 14 and 15)."""
import re

import pytest
from conftest import (BERNARD_EMAIL, BERNARD_PASSWORD, LILA, Forgotten, Walk, link_from, plain, signin_code_of,
                      text)

from espace.domain import activation
from espace.domain.clock import now
from espace.models import EmailChange, OutboxMessage, PasswordReset, SigninCode, Space, db

NEW = "bernard.nouveau@example.fr"
NEW_PASSWORD = "Douasbin2026PecheAuLancer"


def sign_in(app, email=BERNARD_EMAIL, password=BERNARD_PASSWORD, **headers):
    client = app.test_client()
    if headers:
        client.environ_base.update(headers)
    response = Walk(app, client).login(email, password)
    assert response.status_code == 303 and response.location.endswith("/espace/"), text(response)
    assert client.get("/espace/").status_code == 200
    return client


def session_cookie(client):
    return client.get_cookie("espace_session").value


def copy_of(app, client):
    """Another browser holding a copy of this session's cookie (stolen, or a second tab's jar)."""
    thief = app.test_client()
    thief.set_cookie("espace_session", session_cookie(client))
    return thief


def outbox(app, recipient=None):
    with app.app_context(), db.connection_context():
        query = OutboxMessage.select().order_by(OutboxMessage.id)
        if recipient:
            query = query.where(OutboxMessage.recipient == recipient)
        return list(query)


def change_code(app, recipient=NEW):
    return re.search(r"code de changement d'adresse : (\w{12})", outbox(app, recipient)[-1].text_body).group(1)


def change_address(app, client, email=NEW):
    response = client.post("/espace/adresse-electronique", data={
        "email": email, "email_confirm": email, "current_password": BERNARD_PASSWORD})
    assert response.status_code == 303, plain(response)
    return client.post("/espace/adresse-electronique/confirmation", data={"code": change_code(app, email)})


def change_password(client):
    return client.post("/espace/mot-de-passe", data={
        "current_password": BERNARD_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})


# --- issue 14 §4: the session id changes with the credentials ---------------------------------

@pytest.mark.parametrize("change", ["password", "address", "trust_question"])
def test_a_copy_of_the_session_that_changed_credentials_opens_nothing(app, change):
    client = sign_in(app)
    thief = copy_of(app, client)
    assert thief.get("/espace/").status_code == 200  # the precondition: the copy works before
    if change == "password":
        response = change_password(client)
    elif change == "address":
        response = change_address(app, client)
    else:
        response = client.post("/espace/coordonnees/question-de-confiance", data={
            "question": "Votre sport préféré ?", "answer": "Voile", "current_password": BERNARD_PASSWORD})
    assert response.status_code == 303, plain(response)
    assert client.get("/espace/").status_code == 200  # the holder stays signed in
    assert thief.get("/espace/").status_code == 303  # the copy of the old id does not


# --- issue 14 §5: a credential change ends every pending link and code -----------------------

def test_a_reset_link_sent_to_the_old_address_dies_with_the_address_change(app):
    forgotten = Forgotten(app, app.test_client())
    assert forgotten.ask().status_code == 303
    link = link_from(outbox(app, BERNARD_EMAIL)[-1])
    client = sign_in(app)
    assert change_address(app, client).status_code == 303
    response = app.test_client().get(link, follow_redirects=True)
    assert response.status_code == 410 and "plus valable" in plain(response)


def test_a_password_change_ends_pending_sign_in_codes_links_and_address_codes(app):
    elsewhere = Walk(app, app.test_client())
    assert elsewhere.password(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303  # a sign-in waiting
    code = signin_code_of(app, BERNARD_EMAIL)
    assert Forgotten(app, app.test_client()).ask().status_code == 303
    client = sign_in(app)
    client.post("/espace/adresse-electronique", data={"email": NEW, "email_confirm": NEW,
                                                      "current_password": BERNARD_PASSWORD})
    assert change_password(client).status_code == 303
    with app.app_context(), db.connection_context():
        space = Space.by_login_email(BERNARD_EMAIL)
        for model in (SigninCode, PasswordReset, EmailChange):
            assert not model.select().where((model.space == space.id) & (model.state == "pending")).exists(), model
    assert "/espace/" not in (elsewhere.confirm(code).location or "")


# --- issue 14 §9: a code belongs to the sign-in that asked for it -------------------------------

def test_a_code_e_mailed_for_another_browsers_sign_in_is_refused_here(app):
    a, c = Walk(app, app.test_client()), Walk(app, app.test_client())
    a.password(BERNARD_EMAIL, BERNARD_PASSWORD)
    a_code = signin_code_of(app, BERNARD_EMAIL)
    c.password(BERNARD_EMAIL, BERNARD_PASSWORD)
    c_code = signin_code_of(app, BERNARD_EMAIL)
    if a_code != c_code:  # six random digits may coincide: the sign-in's code ids decide, not the digits
        refused = a.confirm(c_code)
        assert refused.status_code == 422 and a.client.get("/espace/").status_code == 303
    # Each sign-in still has its own code and its own tries.
    assert a.confirm(a_code).location.endswith("/espace/")
    assert c.confirm(c_code).location.endswith("/espace/")


# --- issue 14 §10: one rule for a taken address --------------------------------------------------

def test_ep4_refuses_an_address_another_space_waits_to_confirm(app):
    client = sign_in(app)
    client.post("/espace/adresse-electronique", data={"email": NEW, "email_confirm": NEW,
                                                      "current_password": BERNARD_PASSWORD})
    with app.app_context(), db.connection_context():
        assert EmailChange.select().where(EmailChange.email == NEW).exists()  # the precondition
        lila = Space.by_number(LILA)
        assert activation.email_refusal(lila.id, NEW, now()) == activation.EMAIL_TAKEN
    walk = Walk(app, app.test_client())
    walk.number()
    walk.answers()
    response = walk.credentials(email=NEW)
    assert response.status_code == 422 and activation.EMAIL_TAKEN in plain(response)


# --- issue 15 §2: one way in and out --------------------------------------------------------------

def test_signed_in_every_way_in_leads_to_the_space_and_out_is_on_every_page(app):
    client = sign_in(app)
    home = plain(client.get("/"))
    assert 'href="/espace/">Votre espace professionnel' in home
    assert client.get("/connexion").location.endswith("/espace/")
    for path in ("/espace/", "/espace/coordonnees", "/espace/historique", "/espace/mot-de-passe",
                 "/espace/adresse-electronique", "/espace/coordonnees/modifier",
                 "/espace/coordonnees/question-de-confiance"):
        page = plain(client.get(path))
        assert 'action="/deconnexion"' in page and "Se déconnecter" in page, path
    visitor = plain(app.test_client().get("/"))
    assert 'href="/connexion">Votre espace professionnel' in visitor and "Se déconnecter" not in visitor


# --- issue 15 §3: « Quitter » only where there is something to abandon ----------------------------

def test_no_quitter_once_the_address_is_changed_and_a_stale_one_says_nothing_false(app):
    client = sign_in(app)
    assert change_address(app, client).location.endswith("/espace/adresse-electronique/modifiee")
    page = plain(client.get("/espace/adresse-electronique/modifiee"))
    assert NEW in page and "/adresse-electronique/quitter" not in page
    response = client.post("/espace/adresse-electronique/quitter")
    assert "n'a pas été modifiée" not in plain(client.get(response.location))


# --- issue 15 §4: the page asked for comes back after sign-in --------------------------------------

def test_the_ep5_link_followed_signed_out_comes_back_after_the_password_and_the_code(app):
    client = sign_in(app)
    client.post("/espace/adresse-electronique", data={"email": NEW, "email_confirm": NEW,
                                                      "current_password": BERNARD_PASSWORD})
    link = re.search(r"https?://\S+/espace/adresse-electronique/confirmation", outbox(app, NEW)[-1].text_body)
    path = "/espace/adresse-electronique/confirmation"
    assert link is not None
    other = app.test_client()
    response = other.get(path)
    assert response.location.endswith(f"/connexion?suite={path}")
    login = other.get(response.location)
    assert f'name="suite" type="hidden" value="{path}"' in text(login) or f'value="{path}"' in text(login)
    walk = Walk(app, other)
    assert other.post("/connexion", data={"email": BERNARD_EMAIL, "password": BERNARD_PASSWORD,
                                          "suite": path}).location.endswith("/connexion/code")
    done = walk.confirm(signin_code_of(app, BERNARD_EMAIL))
    assert done.status_code == 303 and done.location.endswith(path)
    assert "code de changement d'adresse" in plain(other.get(path)).lower()


@pytest.mark.parametrize("suite", [
    "//evil.example", "https://evil.example", "/\\evil.example", "%2F%2Fevil.example", "/%2Fevil.example",
    "/%5Cevil.example", "https:evil.example", "javascript:alert(1)", "/espace/\r\nLocation: //evil.example",
    "/page-qui-n-existe-pas", "/deconnexion", " /espace/historique",
])
def test_only_pages_of_this_site_are_followed_after_sign_in(app, suite):
    client = app.test_client()
    client.post("/connexion", data={"email": BERNARD_EMAIL, "password": BERNARD_PASSWORD, "suite": suite})
    done = Walk(app, client).confirm(signin_code_of(app, BERNARD_EMAIL))
    assert done.status_code == 303 and done.location == "/espace/"


def test_a_page_of_the_space_with_its_query_comes_back(app):
    client = app.test_client()
    client.post("/connexion", data={"email": BERNARD_EMAIL, "password": BERNARD_PASSWORD,
                                    "suite": "/espace/historique?page=2"})
    done = Walk(app, client).confirm(signin_code_of(app, BERNARD_EMAIL))
    assert done.location == "/espace/historique?page=2"


# --- issue 15 §7 and §8: notices that fit, less noise ------------------------------------------------

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0"


def test_a_notice_names_the_browser_the_system_the_network_and_the_paris_time(app):
    sign_in(app, HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.7")
    notice = outbox(app, BERNARD_EMAIL)[-1]
    assert "Connexion depuis un nouveau navigateur" in notice.subject
    assert "Depuis : Firefox sur Windows, réseau 203.0.113.x." in notice.text_body
    assert "(heure de Paris)" in notice.text_body and "203.0.113.7" not in notice.text_body


def test_the_new_browser_notice_is_sent_once_per_browser(app):
    client = app.test_client()
    walk = Walk(app, client)
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)
    client.post("/deconnexion")
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)  # the same browser, not remembered: the code again
    subjects = [m.subject for m in outbox(app, BERNARD_EMAIL)]
    assert sum("nouveau navigateur" in s for s in subjects) == 1
    assert sum("code de confirmation" in s for s in subjects) == 2
    sign_in(app)  # another browser
    assert sum("nouveau navigateur" in m.subject for m in outbox(app, BERNARD_EMAIL)) == 2


def test_the_address_change_request_notice_carries_a_single_use_cancel_link(app):
    client = sign_in(app)
    client.post("/espace/adresse-electronique", data={"email": NEW, "email_confirm": NEW,
                                                      "current_password": BERNARD_PASSWORD})
    notice = outbox(app, BERNARD_EMAIL)[-1]
    assert "Changement d'adresse électronique demandé" in notice.subject
    link = re.search(r"Annuler ce changement \(lien à usage unique\) : (\S+)", notice.text_body).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    visitor = app.test_client()
    page = visitor.get("/" + path)
    assert page.status_code == 200 and "Annuler le changement" in plain(page)
    token = path.split("jeton=")[1]
    with app.app_context(), db.connection_context():
        assert EmailChange.get(EmailChange.email == NEW).state == "pending"  # a GET cancels nothing
    done = visitor.post("/espace/adresse-electronique/annuler", data={"jeton": token})
    assert done.status_code == 200 and "est annulé" in plain(done)
    with app.app_context(), db.connection_context():
        assert EmailChange.get(EmailChange.email == NEW).state == "superseded"
    again = visitor.post("/espace/adresse-electronique/annuler", data={"jeton": token})
    assert again.status_code == 410
    confirm = client.post("/espace/adresse-electronique/confirmation", data={"code": change_code(app)})
    assert confirm.status_code == 422  # the code died with the request
    assert "email_change_cancelled" in [e for e in kinds(app)]


def kinds(app):
    from espace.models import Event

    with app.app_context(), db.connection_context():
        space = Space.get(Space.last_name == "DOUASBIN")
        return [e.kind for e in Event.select().where(Event.space == space).order_by(Event.id)]


def test_the_old_address_is_given_the_assistance_not_the_forgotten_password(app):
    client = sign_in(app)
    assert change_address(app, client).status_code == 303
    old = outbox(app, BERNARD_EMAIL)[-1]
    assert "Adresse électronique modifiée" in old.subject and NEW in old.text_body
    assert "Mot de passe oublié" not in old.text_body and "0809 400 210" in old.text_body
    new = outbox(app, NEW)[-1]
    assert "Adresse électronique modifiée" in new.subject and "Mot de passe oublié" in new.text_body


def test_activation_and_reset_notices_do_not_suspect_the_password(app, walk):
    code = walk.option()
    walk.activate(code)
    activated = outbox(app, "lila.pro@example.fr")[-1]
    assert "Votre espace est activé" in activated.subject
    assert "connaît peut-être votre mot de passe" not in activated.text_body
    forgotten = Forgotten(app, app.test_client())
    forgotten.until_password()
    forgotten.new_password()
    reset = outbox(app, BERNARD_EMAIL)[-1]
    assert "Votre mot de passe a été changé" in reset.subject
    assert "connaît peut-être votre mot de passe" not in reset.text_body


def test_the_holder_is_told_once_when_the_login_starts_asking_the_captcha(app):
    client = app.test_client()
    for _ in range(10):
        client.post("/connexion", data={"email": BERNARD_EMAIL, "password": "Mauvais2015PecheEnMer"})
    for _ in range(3):
        client.post("/connexion", data={"email": BERNARD_EMAIL, "password": "Mauvais2015PecheEnMer"})
    notices = [m for m in outbox(app, BERNARD_EMAIL) if "Tentatives de connexion infructueuses" in m.subject]
    assert len(notices) == 1 and "Mot de passe oublié" in notices[0].text_body
    assert "votre espace n'a pas été ouvert" in notices[0].text_body


# --- issue 14 §3: a stranger cannot lock the holder out ----------------------------------------------

def test_a_strangers_hundred_failures_leave_the_remembered_browser_and_the_captcha_open(app):
    holder = app.test_client()
    walk = Walk(app, holder)
    assert walk.login(BERNARD_EMAIL, BERNARD_PASSWORD, remember=True).location.endswith("/espace/")
    holder.post("/deconnexion")
    stranger = app.test_client()
    for _ in range(100):
        stranger.post("/connexion", data={"email": BERNARD_EMAIL, "password": "Mauvais2015PecheEnMer"})
    asked = stranger.post("/connexion", data={"email": BERNARD_EMAIL, "password": BERNARD_PASSWORD})
    assert asked.status_code == 422 and "recopiez aussi les caractères" in plain(asked)  # the precondition
    # The remembered browser goes straight in with the password alone.
    back = holder.post("/connexion", data={"email": BERNARD_EMAIL, "password": BERNARD_PASSWORD})
    assert back.status_code == 303 and back.location.endswith("/espace/")
    # Another browser of the holder gets in with the captcha.
    other = app.test_client()
    other.post("/connexion", data={"email": BERNARD_EMAIL, "password": BERNARD_PASSWORD})
    from conftest import CAPTCHA
    passed = other.post("/connexion", data={"email": BERNARD_EMAIL, "password": BERNARD_PASSWORD, "captcha": CAPTCHA})
    assert passed.status_code == 303 and passed.location.endswith("/connexion/code")

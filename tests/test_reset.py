"""EP 6 « Mot de passe oublié »: address + captcha, the e-mailed link, the trust question, a new password."""
import re

import pytest
from conftest import (BERNARD_EMAIL, BERNARD_PASSWORD, CAPTCHA, NEW_PASSWORD, Forgotten, Walk, captcha_of, captcha_text,
                      last_message, link_from, plain as text)

from espace.access import ENDED
from espace.captcha.challenge import COOKIE, WRONG
from espace.domain.errors import DeliveryFailed
from espace.domain.reset import LINK_UNKNOWN, SAME_PASSWORD
from espace.models import Event, MailJob, OutboxMessage, PasswordReset, Space, db
from espace.reset.routes import DONE

START = "/mot-de-passe-oublie"
SENT = "/mot-de-passe-oublie/message-envoye"
QUESTION = "/mot-de-passe-oublie/question"
PASSWORD_STEP = "/mot-de-passe-oublie/nouveau-mot-de-passe"


def visible(response):
    """The text a reader sees, without markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def messages(app):
    with app.app_context(), db.connection_context():
        return list(OutboxMessage.select().order_by(OutboxMessage.id))


def events(app):
    with app.app_context(), db.connection_context():
        space = Space.by_login_email(BERNARD_EMAIL)
        return [e.kind for e in Event.select().where(Event.space == space).order_by(Event.id)]


def test_the_login_page_leads_to_the_procedure(client):
    login = text(client.get("/connexion"))
    assert f'href="{START}">Mot de passe oublié</a>' in login
    page = text(client.get(START))
    assert "<html" in page
    assert "Étape 1 sur 4 – Adresse électronique – Mot de passe oublié" in page
    assert "Recopiez les caractères de l'image" in page


def test_the_first_step_is_a_fragment_for_htmx(htmx):
    page = text(htmx.get(START))
    assert "<html" not in page and 'id="wizard"' in page


def test_the_whole_procedure_from_the_address_to_the_space(app, client, forgotten, walk):
    response = forgotten.ask()
    assert response.status_code == 303 and response.location == SENT
    sent = visible(client.get(SENT))
    assert f"Si l'adresse {BERNARD_EMAIL} ouvre un espace professionnel, un message a été envoyé" in sent

    mail = last_message(app)
    assert mail.recipient == BERNARD_EMAIL
    assert mail.subject == "Choisir un nouveau mot de passe – espace professionnel"
    assert "valable qu'une heure" in mail.text_body

    opened = forgotten.open_link()
    assert opened.status_code == 303 and opened.location == QUESTION  # the token leaves the address bar
    question = visible(client.get(QUESTION))
    assert "Question de confiance : Votre hobby ?" in question

    assert forgotten.answer("PECHE  ").location == PASSWORD_STEP  # no case, accents or surplus spaces
    done = forgotten.new_password()
    assert done.status_code == 303 and done.location == "/connexion"
    assert DONE in text(client.get("/connexion"))
    notice = last_message(app)

    assert walk.login(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 422
    assert walk.login(BERNARD_EMAIL, NEW_PASSWORD).status_code == 303
    assert events(app)[:2] == ["reset_requested", "password_reset"]
    assert notice.recipient == BERNARD_EMAIL
    assert notice.subject == "Votre mot de passe a été changé – espace professionnel"
    assert "Mot de passe oublié" in notice.text_body and "0809 400 210" in notice.text_body


def test_every_other_session_of_the_space_ends(app, forgotten):
    elsewhere = Forgotten(app, app.test_client())
    other = app.test_client()
    assert Walk(app, other).login(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303
    assert other.get("/espace/").status_code == 200  # precondition: signed in
    elsewhere.until_password()
    assert elsewhere.new_password().status_code == 303
    ended = other.get("/espace/")
    assert ended.status_code == 303 and ended.location == "/connexion"
    assert ENDED in text(other.get("/connexion"))


def test_the_session_that_reset_is_signed_out(app, forgotten, walk, client):
    assert walk.login(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303
    forgotten.until_password()
    forgotten.new_password()
    assert client.get(PASSWORD_STEP).location == START  # nothing of the procedure is kept
    assert client.get("/espace/").status_code == 303


@pytest.mark.parametrize("data, message", [
    ({"email": "", "captcha": CAPTCHA}, "Saisissez l'adresse électronique avec laquelle vous vous connectez."),
    ({"email": "toto321@", "captcha": CAPTCHA}, "Saisissez une adresse électronique valide"),
    ({"email": "a" * 95 + "@toto.toto", "captcha": CAPTCHA}, "L'adresse électronique ne doit pas dépasser 100 caractères."),
    ({"email": BERNARD_EMAIL, "captcha": ""}, "Recopiez les caractères de l'image, ou écoutez l'extrait sonore."),
    ({"email": BERNARD_EMAIL, "captcha": "XXXXXX"}, WRONG),
])
def test_the_first_step_refuses_with_a_message(app, client, data, message):
    client.get(START)
    response = client.post(START, data=data)
    response.close()
    assert response.status_code == 422
    page = text(response)
    assert message in page and "Erreur : " in page
    assert messages(app) == []


def test_a_wrong_captcha_spends_the_image(captcha_texts):
    client = captcha_texts.test_client()
    client.get(START)
    assert captcha_text(client) == "AAAAAA"
    wrong = client.post(START, data={"email": BERNARD_EMAIL, "captcha": "XXXXXX"})
    wrong.close()
    assert wrong.status_code == 422 and captcha_text(client) == "EEEEEE"  # a new image was issued
    # The right text of the spent image is refused.
    spent = client.post(START, data={"email": BERNARD_EMAIL, "captcha": "AAAAAA"})
    spent.close()
    assert spent.status_code == 422 and WRONG in text(spent)


def test_change_the_image_without_javascript_keeps_the_address(client):
    client.get(START)
    before = captcha_of(client).nonce
    response = client.post(START, data={"email": BERNARD_EMAIL, "captcha": "ABC", "action": "changer"})
    assert response.status_code == 200
    page = text(response)
    assert f'value="{BERNARD_EMAIL}"' in page and 'value="ABC"' not in page
    assert captcha_of(client).nonce != before


def test_clear_empties_the_step(client):
    response = client.post(START, data={"email": BERNARD_EMAIL, "captcha": "ABC", "action": "effacer"})
    assert response.status_code == 200 and BERNARD_EMAIL not in text(response)


def test_steps_cannot_be_reached_out_of_order(client, forgotten):
    assert client.get(SENT).location == START
    assert client.get(QUESTION).location == START
    forgotten.ask()
    assert client.get(QUESTION).location == SENT  # the link has not been opened
    forgotten.open_link()
    assert client.get(PASSWORD_STEP).location == QUESTION  # the question is not answered


def test_a_wrong_answer_is_told_and_journaled(app, client, forgotten):
    forgotten.ask()
    forgotten.open_link()
    response = forgotten.answer("chasse")
    assert response.status_code == 422
    page = text(response)
    assert "La réponse saisie ne correspond pas à celle enregistrée pour cet espace. Il vous reste 4 essais" in page
    assert 'value="chasse"' not in page  # never sent back
    assert events(app)[-1] == "reset_answer_failed"
    assert client.get(PASSWORD_STEP).location == QUESTION


@pytest.mark.parametrize("password, confirm, message", [
    ("Douasbin2026", None, "Le mot de passe doit comporter 20 caractères au minimum."),
    ("DouasbinRougetBarbetPeche", None, "au moins une lettre et au moins un chiffre"),
    ("Douasbin 2026 Rouget Barbet", None, "Le mot de passe ne doit pas contenir d'espace."),
    ("Douasbin2026RougétBarbet", None, "ni caractère accentué"),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "Les deux mots de passe saisis sont différents."),
    (BERNARD_PASSWORD, None, SAME_PASSWORD),
])
def test_the_new_password_follows_the_ep4_rules(app, forgotten, walk, password, confirm, message):
    forgotten.until_password()
    response = forgotten.new_password(password, confirm)
    assert response.status_code == 422
    assert message in text(response)
    assert walk.login(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303  # unchanged
    with app.app_context(), db.connection_context():
        assert PasswordReset.get().state == "pending"


def test_an_unknown_link_gives_a_clear_page_with_the_way_back(client):
    response = client.get("/mot-de-passe-oublie/lien?jeton=n-importe-quoi")
    page = text(client.get(response.location))
    assert LINK_UNKNOWN in page and f'href="{START}">Faire une nouvelle demande' in page


def test_a_link_without_token_is_not_a_crash(client):
    response = client.get("/mot-de-passe-oublie/lien")
    assert client.get(response.location).status_code == 410


def test_leaving_forgets_the_progress(client, forgotten):
    forgotten.ask()
    forgotten.open_link()
    response = client.post("/mot-de-passe-oublie/quitter")
    assert response.location == "/connexion"
    assert "Votre mot de passe n'a pas été changé." in text(client.get("/connexion"))
    assert client.get(QUESTION).location == START


def test_a_mail_failure_answers_the_same_and_keeps_the_link_queued(app, client, forgotten):
    """The relay down: the same answer; the link is stored and its message waits in the queue
    for the sender's next try (tests/test_mail_queue.py)."""
    class Failing:
        def send(self, message):
            raise DeliveryFailed("relay down")

    app.extensions["espace.mailer"] = Failing()
    response = forgotten.ask()
    assert response.status_code == 303 and response.location == SENT
    with app.app_context(), db.connection_context():
        assert PasswordReset.select().count() == 1
        assert [(job.kind, job.state, job.attempts) for job in MailJob.select()] == [("message", "pending", 1)]
    assert "reset_requested" in events(app)


def session_store(app, tmp_path):
    """Every stored session, raw: files on disk, or Redis values on the scale-out shape."""
    if app.config["REDIS_URL"]:
        store = app.config["SESSION_REDIS"]
        return [store.get(key) for key in store.keys(app.config.get("SESSION_KEY_PREFIX", "session:") + "*")]
    return [p.read_bytes() for p in (tmp_path / "sessions").iterdir()]


def test_the_token_is_stored_hashed_and_the_session_holds_only_its_hash(app, client, forgotten, tmp_path):
    forgotten.ask()
    path = link_from(last_message(app))
    token = path.split("jeton=")[1]
    forgotten.open_link(path)
    with app.app_context(), db.connection_context():
        stored = PasswordReset.get()
        assert token not in repr(stored.__data__)
    assert session_store(app, tmp_path) and not any(token.encode() in s for s in session_store(app, tmp_path))


def test_procedure_pages_are_not_cached(client, forgotten):
    assert client.get(START).headers["Cache-Control"] == "no-store"
    forgotten.ask()
    assert client.get(SENT).headers["Cache-Control"] == "no-store"
    assert re.search(r"same-origin", client.get(SENT).headers["Referrer-Policy"])


def test_the_fiche_ep6_leads_to_the_procedure(client):
    page = text(client.get("/fiches/ep6"))
    assert f'href="{START}">choisissez un nouveau mot de passe</a>' in page
    assert "n'est pas proposée en ligne" not in page


def test_every_step_needs_nothing_the_policy_forbids(client, forgotten):
    from test_security_headers import INLINE

    pages = [client.get(START)]
    forgotten.ask()
    pages.append(client.get(SENT))
    forgotten.open_link()
    pages += [client.get(QUESTION), forgotten.answer("chasse")]
    forgotten.answer()
    pages += [client.get(PASSWORD_STEP), forgotten.new_password("court")]
    pages.append(client.get(client.get("/mot-de-passe-oublie/lien?jeton=perime").location))
    assert [p.status_code for p in pages] == [200, 200, 200, 422, 200, 422, 410]
    for page in pages:
        for pattern in INLINE:
            assert not pattern.search(page.get_data(as_text=True)), (pattern.pattern, page.request.path)


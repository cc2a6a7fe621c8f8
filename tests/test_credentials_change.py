"""EP 5 « Changer d'adresse électronique ou de mot de passe », from the signed-in space."""
import re

import pytest
from conftest import (BERNARD_EMAIL, BERNARD_PASSWORD, PASSWORD, Walk, confirmation_code, login_email, plain as text,
                      signed_in_client)
from conftest import NEW_EMAIL as NEW
from conftest import ask_email_change as ask

from espace.access import ENDED
from espace.domain import credentials_change
from espace.models import EmailChange, Event, OutboxMessage, Space, db

NEW_PASSWORD = "Douasbin2026PecheAuLancer"


def messages_to(app, recipient):
    with app.app_context(), db.connection_context():
        return [m.subject for m in OutboxMessage.select().where(OutboxMessage.recipient == recipient)
                .order_by(OutboxMessage.id)]


def kinds(app):
    with app.app_context(), db.connection_context():
        space = Space.get(Space.last_name == "DOUASBIN")
        return [e.kind for e in Event.select().where(Event.space == space).order_by(Event.id)]


@pytest.mark.parametrize("path", ["/espace/adresse-electronique", "/espace/adresse-electronique/confirmation",
                                  "/espace/adresse-electronique/modifiee", "/espace/mot-de-passe"])
def test_every_page_needs_a_signed_in_space(client, path):
    response = client.get(path)
    # The login, which brings the page back after sign-in.
    assert response.status_code == 303 and response.location.endswith(f"/connexion?suite={path}")


def test_the_space_links_to_both_changes(app):
    page = text(signed_in_client(app).get("/espace/"))
    assert 'href="/espace/adresse-electronique"' in page and 'href="/espace/mot-de-passe"' in page


def test_email_change_takes_effect_only_once_confirmed(app):
    client = signed_in_client(app)
    page = text(client.get("/espace/adresse-electronique"))
    assert "Étape 1 sur 3" in page and BERNARD_EMAIL in page
    response = ask(client)
    assert response.status_code == 303 and response.location.endswith("/espace/adresse-electronique/confirmation")
    # Until the code comes back, the old address is still the one that signs in.
    assert login_email(app) == BERNARD_EMAIL
    assert "Changement d'adresse électronique demandé – espace professionnel" in messages_to(app, BERNARD_EMAIL)
    page = text(client.get("/espace/adresse-electronique/confirmation"))
    assert "Étape 2 sur 3" in page and NEW in page
    response = client.post("/espace/adresse-electronique/confirmation", data={"code": confirmation_code(app)})
    assert response.status_code == 303 and response.location.endswith("/espace/adresse-electronique/modifiee")
    assert login_email(app) == NEW
    page = text(client.get("/espace/adresse-electronique/modifiee"))
    assert "Étape 3 sur 3" in page and NEW in page
    # Both addresses are told, and the history says what happened.
    assert messages_to(app, BERNARD_EMAIL)[-1] == "Adresse électronique modifiée – espace professionnel"
    assert messages_to(app, NEW)[-1] == "Adresse électronique modifiée – espace professionnel"
    assert kinds(app)[-2:] == ["email_change_requested", "email_changed"]


def test_the_new_address_signs_in_and_the_old_one_no_longer(app):
    client = signed_in_client(app)
    ask(client)
    client.post("/espace/adresse-electronique/confirmation", data={"code": confirmation_code(app)})
    assert login_email(app) == NEW
    signed_in_client(app, NEW)
    response = Walk(app, app.test_client()).login(BERNARD_EMAIL, BERNARD_PASSWORD)
    assert response.status_code == 422


def test_the_code_mail_goes_to_the_new_address_only(app):
    ask(signed_in_client(app))
    with app.app_context(), db.connection_context():
        message = OutboxMessage.get(OutboxMessage.recipient == NEW)
    assert "Confirmez votre nouvelle adresse électronique" in message.subject
    assert "/espace/adresse-electronique/confirmation" in message.text_body
    # The code is typed in the space, never carried by the link.
    assert confirmation_code(app) not in re.search(r"http\S+", message.text_body).group(0)


def test_email_step_with_htmx_is_a_fragment(app):
    client = signed_in_client(app)
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    response = client.get("/espace/adresse-electronique")
    assert "<html" not in text(response) and 'id="wizard"' in text(response)
    assert "HX-Request" in response.headers["Vary"]
    full = signed_in_client(app).get("/espace/adresse-electronique")
    assert "<html" in text(full)


@pytest.mark.parametrize("data, message", [
    ({"email": "", "email_confirm": "", "current_password": BERNARD_PASSWORD}, "Saisissez la nouvelle adresse électronique."),
    ({"email": "pas-une-adresse", "email_confirm": "pas-une-adresse", "current_password": BERNARD_PASSWORD},
     "Saisissez une adresse électronique valide"),
    ({"email": NEW, "email_confirm": "autre@example.fr", "current_password": BERNARD_PASSWORD},
     "Les deux adresses électroniques saisies sont différentes."),
    ({"email": NEW, "email_confirm": NEW, "current_password": ""}, "Saisissez votre mot de passe actuel."),
    ({"email": NEW, "email_confirm": NEW, "current_password": "Mauvais2026MotDePasseXX"}, "Le mot de passe actuel est incorrect."),
    ({"email": BERNARD_EMAIL.upper(), "email_confirm": BERNARD_EMAIL, "current_password": BERNARD_PASSWORD},
     "déjà celle de votre espace"),
])
def test_email_change_refusals(app, data, message):
    client = signed_in_client(app)
    response = client.post("/espace/adresse-electronique", data=data)
    assert response.status_code == 422 and message in text(response)
    assert "Erreur : " in text(response)
    assert messages_to(app, NEW) == [] and login_email(app) == BERNARD_EMAIL


def test_an_address_of_another_space_is_refused(app, walk):
    walk.activate(walk.option(email="lila.pro@example.fr"))
    response = ask(signed_in_client(app), email="lila.pro@example.fr")
    assert response.status_code == 422 and "déjà associée à un autre espace" in text(response)


def test_an_address_waiting_in_another_activation_is_refused(app, walk):
    walk.option(email="lila.pro@example.fr")
    response = ask(signed_in_client(app), email="LILA.pro@example.fr")
    assert response.status_code == 422 and "déjà associée à un autre espace" in text(response)


def test_an_address_waiting_in_another_spaces_change_is_refused(app, walk):
    walk.activate(walk.option(email="lila.pro@example.fr"))
    assert ask(signed_in_client(app, "lila.pro@example.fr", PASSWORD), password=PASSWORD).status_code == 303
    response = ask(signed_in_client(app))
    assert response.status_code == 422 and "déjà associée à un autre espace" in text(response)


def test_a_new_request_replaces_the_earlier_code(app):
    client = signed_in_client(app)
    ask(client)
    first = confirmation_code(app)
    ask(client, email="b.douasbin@example.fr")
    response = client.post("/espace/adresse-electronique/confirmation", data={"code": first})
    assert response.status_code == 422 and "n'est plus valable" in text(response)
    page = text(client.get("/espace/adresse-electronique"))
    assert "Un code de confirmation a déjà été envoyé à <strong>b.douasbin@example.fr" in page


def test_confirmation_without_a_pending_change_leads_to_step_one(app):
    client = signed_in_client(app)
    response = client.get("/espace/adresse-electronique/confirmation")
    assert response.status_code == 303 and response.location.endswith("/espace/adresse-electronique")
    assert "Aucun changement d'adresse électronique n'est en attente" in text(client.get(response.location))


def test_the_outcome_page_needs_a_confirmed_change(app):
    client = signed_in_client(app)
    ask(client)
    response = client.get("/espace/adresse-electronique/modifiee")
    assert response.status_code == 303 and response.location.endswith("/confirmation")


def test_a_wrong_code_is_refused(app):
    client = signed_in_client(app)
    ask(client)
    response = client.post("/espace/adresse-electronique/confirmation", data={"code": "abcdefghijkl"})
    assert response.status_code == 422 and "Le code de changement d'adresse est incorrect" in text(response)
    response = client.post("/espace/adresse-electronique/confirmation", data={"code": "abc"})
    assert response.status_code == 422 and "comporte 12 caractères" in text(response)
    assert login_email(app) == BERNARD_EMAIL


def test_quitter_cancels_the_change_waiting_for_its_code(app):
    client = signed_in_client(app)
    ask(client)
    code = confirmation_code(app)
    response = client.post("/espace/adresse-electronique/quitter")
    assert response.status_code == 303 and response.location.endswith("/espace/")
    assert "n'a pas été modifiée" in text(client.get("/espace/"))
    response = client.post("/espace/adresse-electronique/confirmation", data={"code": code})
    assert response.status_code == 422 and login_email(app) == BERNARD_EMAIL


def test_a_failed_delivery_changes_nothing(app, monkeypatch):
    from espace.domain.errors import DeliveryFailed

    def broken(change, code):
        raise DeliveryFailed("smtp down")

    monkeypatch.setattr("espace.credentials_change.routes.send_email_change_code", broken)
    response = ask(signed_in_client(app))
    assert response.status_code == 422 and "n'a pas pu être envoyé" in text(response)
    with app.app_context(), db.connection_context():
        assert EmailChange.select().count() == 0


# --- password ---------------------------------------------------------------------------

def change(client, current=BERNARD_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/espace/mot-de-passe", data={
        "current_password": current, "password": new, "password_confirm": new if confirm is None else confirm})


def test_password_change_ends_the_other_sessions_only(app):
    other = signed_in_client(app)
    client = signed_in_client(app)
    response = change(client)
    assert response.status_code == 303 and response.location.endswith("/espace/")
    assert "Votre mot de passe a été modifié" in text(client.get("/espace/"))
    # This session stays; the other one ends at its next request and is told why.
    assert client.get("/espace/").status_code == 200
    ended = other.get("/espace/")
    assert ended.status_code == 303 and ended.location.endswith("/connexion")
    assert ENDED in text(other.get("/connexion"))
    assert messages_to(app, BERNARD_EMAIL)[-1] == "Mot de passe modifié – espace professionnel"
    assert kinds(app)[-1] == "password_changed"


def test_the_new_password_signs_in_and_the_old_one_no_longer(app):
    change(signed_in_client(app))
    signed_in_client(app, password=NEW_PASSWORD)
    assert Walk(app, app.test_client()).login(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 422


@pytest.mark.parametrize("current, new, confirm, message", [
    ("", NEW_PASSWORD, None, "Saisissez votre mot de passe actuel."),
    ("Mauvais2026MotDePasseXX", NEW_PASSWORD, None, "Le mot de passe actuel est incorrect."),
    (BERNARD_PASSWORD, BERNARD_PASSWORD, None, "doit être différent du mot de passe actuel"),
    (BERNARD_PASSWORD, "court1", None, "20 caractères au minimum"),
    (BERNARD_PASSWORD, "sanschiffresaucunchiffreici", None, "au moins une lettre et au moins un chiffre"),
    (BERNARD_PASSWORD, "Douasbin 2026 Peche au lancer", None, "ne doit pas contenir d'espace"),
    (BERNARD_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "Les deux mots de passe saisis sont différents."),
])
def test_password_change_refusals(app, current, new, confirm, message):
    client = signed_in_client(app)
    response = change(client, current, new, confirm)
    assert response.status_code == 422 and message in text(response)
    assert 'value="' + new not in text(response)  # passwords are never sent back
    assert client.get("/espace/").status_code == 200
    signed_in_client(app)  # the password is unchanged


def test_password_page_full_and_error_titles(app):
    client = signed_in_client(app)
    page = text(client.get("/espace/mot-de-passe"))
    assert "<title>Changer de mot de passe" in page and 'autocomplete="current-password"' in page
    assert "<title>Erreur : Changer de mot de passe" in text(change(client, current=""))


def test_purge_forgets_changes_that_can_no_longer_be_confirmed(app):
    client = signed_in_client(app)
    ask(client)
    ask(client, email="b.douasbin@example.fr")
    from espace.domain.clock import now
    with app.app_context(), db.connection_context():
        assert credentials_change.purge_expired(now()) == 1
        assert EmailChange.select().count() == 1

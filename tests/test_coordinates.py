"""EP 3 « Modifier les coordonnées »: telephone and address, trust question; the recap follows."""
import io

import pytest
from conftest import BERNARD_PASSWORD, plain as text, signed_in_client
from pypdf import PdfReader

from espace.models import Event, OutboxMessage, Space, db

BERNARD_EMAIL = "toto321@toto.toto"
ADDRESS = {"phone": "+33 2 33 47 67 96", "address": "4, quai de la Marine\nBâtiment B",
           "postcode": "50100", "city": "Cherbourg-en-Cotentin"}


def bernard(app):
    with app.app_context(), db.connection_context():
        return Space.get(Space.last_name == "DOUASBIN")


def kinds(app):
    with app.app_context(), db.connection_context():
        return [e.kind for e in Event.select().where(Event.space == bernard(app).id).order_by(Event.id)]


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("path", ["/espace/coordonnees/modifier", "/espace/coordonnees/question-de-confiance"])
def test_every_page_needs_a_signed_in_space(client, path):
    response = client.get(path)
    assert response.status_code == 303 and response.location.endswith(f"/connexion?suite={path}")


def test_the_coordinates_page_links_to_each_change(app):
    page = text(signed_in_client(app).get("/espace/coordonnees"))
    for href in ("/espace/coordonnees/modifier", "/espace/coordonnees/question-de-confiance",
                 "/espace/adresse-electronique", "/espace/mot-de-passe"):
        assert f'href="{href}"' in page


def test_the_form_shows_the_current_values(app):
    page = text(signed_in_client(app).get("/espace/coordonnees/modifier"))
    assert 'value="02 33 47 67 96"' in page and 'type="tel"' in page and 'autocomplete="postal-code"' in page


def test_new_coordinates_are_stored_normalised_and_shown(app):
    client = signed_in_client(app)
    response = client.post("/espace/coordonnees/modifier", data=ADDRESS)
    assert response.status_code == 303 and response.location.endswith("/espace/coordonnees")
    space = bernard(app)
    assert (space.phone, space.address, space.postcode, space.city) == (
        "0233476796", "4, quai de la Marine\nBâtiment B", "50100", "CHERBOURG-EN-COTENTIN")
    page = text(client.get("/espace/coordonnees"))
    assert "Vos coordonnées ont été modifiées." in page
    assert "4, quai de la Marine<br>Bâtiment B<br>50100 CHERBOURG-EN-COTENTIN<br>" in page
    assert kinds(app)[-1] == "coordinates_changed"
    with app.app_context(), db.connection_context():
        assert OutboxMessage.select().order_by(OutboxMessage.id.desc()).first().subject.startswith("Coordonnées modifiées")


def test_the_recap_pdf_shows_the_new_address(app):
    client = signed_in_client(app)
    client.post("/espace/coordonnees/modifier", data=ADDRESS)
    content = pdf_text(client.get("/espace/coordonnees/recapitulatif.pdf").data)
    for expected in ("0233476796", "4, quai de la Marine", "Bâtiment B", "50100 CHERBOURG-EN-COTENTIN"):
        assert expected in content, expected
    assert "A COMPLETER" not in content


def test_nothing_changed_records_nothing(app):
    client = signed_in_client(app)
    client.post("/espace/coordonnees/modifier", data=ADDRESS)
    before = kinds(app)
    response = client.post("/espace/coordonnees/modifier", data={**ADDRESS, "phone": "02.33.47.67.96"})
    assert response.status_code == 303 and kinds(app) == before
    assert "Vos coordonnées sont inchangées." in text(client.get("/espace/coordonnees"))


def test_the_telephone_may_be_left_empty(app):
    client = signed_in_client(app)
    assert client.post("/espace/coordonnees/modifier", data={**ADDRESS, "phone": ""}).status_code == 303
    assert bernard(app).phone == ""
    assert "A COMPLETER" in text(client.get("/espace/coordonnees"))


@pytest.mark.parametrize("field, value, message", [
    ("phone", "01 23 45 67", "numéro français à 10 chiffres"),
    ("phone", "+44 20 7946 0958", "numéro français à 10 chiffres"),
    ("phone", "0800-FLEURS", "numéro français à 10 chiffres"),
    ("address", "", "Saisissez le numéro et la voie"),
    ("address", "x" * 39, "38 caractères"),
    ("address", "a\nb\nc\nd\ne", "4 lignes"),
    ("postcode", "7501", "exactement 5 chiffres"),
    ("postcode", "750166", "exactement 5 chiffres"),
    ("postcode", "", "exactement 5 chiffres"),
    ("city", "", "Saisissez la ville."),
    ("city", "Paris <script>", "que des lettres"),
    ("city", "X" * 33, "32 caractères"),
])
def test_coordinates_refusals(app, field, value, message):
    client = signed_in_client(app)
    response = client.post("/espace/coordonnees/modifier", data={**ADDRESS, field: value})
    page = text(response)
    assert response.status_code == 422 and message in page and "<title>Erreur : Modifier les coordonnées" in page
    assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page
    assert bernard(app).postcode == ""  # nothing stored


# --- trust question ------------------------------------------------------------------

def ask(client, question="Votre sport préféré ?", answer="Voile", password=BERNARD_PASSWORD):
    return client.post("/espace/coordonnees/question-de-confiance",
                       data={"question": question, "answer": answer, "current_password": password})


def test_trust_question_change_shows_on_the_recap(app):
    client = signed_in_client(app)
    page = text(client.get("/espace/coordonnees/question-de-confiance"))
    assert '<option selected value="Votre hobby ?">' in page  # the current question, never its answer
    assert "pêche" not in page
    response = ask(client)
    assert response.status_code == 303 and response.location.endswith("/espace/coordonnees")
    assert "Votre question de confiance a été modifiée." in text(client.get("/espace/coordonnees"))
    space = bernard(app)
    assert space.trust_question == "Votre sport préféré ?" and b"Voile" not in bytes(space.trust_answer_encrypted)
    content = pdf_text(client.get("/espace/coordonnees/recapitulatif.pdf").data)
    assert "Votre sport préféré ?" in content and "Voile" in content
    assert kinds(app)[-1] == "trust_question_changed"


@pytest.mark.parametrize("question, answer, password, message", [
    ("Votre sport préféré ?", "Voile", "Mauvais2026MotDePasseXX", "Le mot de passe actuel est incorrect."),
    ("Votre sport préféré ?", "Voile", "", "Saisissez votre mot de passe actuel."),
    ("Votre sport préféré ?", "", BERNARD_PASSWORD, "Saisissez la réponse à la question de confiance."),
    ("Quel est votre film préféré ?", "Voile", BERNARD_PASSWORD, "Choisissez une question de confiance dans la liste."),
    ("Votre sport préféré ?", "x" * 101, BERNARD_PASSWORD, "100 caractères"),
])
def test_trust_question_refusals(app, question, answer, password, message):
    client = signed_in_client(app)
    response = ask(client, question, answer, password)
    page = text(response)
    assert response.status_code == 422 and message in page
    assert "Voile" not in page  # the answer is never sent back
    assert bernard(app).trust_question == "Votre hobby ?"


def test_imported_addresses_are_split_into_lines_postcode_and_city(app):
    with app.app_context(), db.connection_context():
        lila = Space.by_number("20101670101919")
    assert (lila.address, lila.postcode, lila.city) == ("12, rue de Longchamp", "75016", "PARIS")


def test_a_refused_trust_question_form_says_the_answer_must_be_typed_again(app):
    client = signed_in_client(app)
    response = client.post("/espace/coordonnees/question-de-confiance", data={
        "question": "Votre sport préféré ?", "answer": "Voile", "current_password": "Mauvais2015PecheEnMer"})
    page = text(response)
    assert response.status_code == 422 and "Voile" not in page
    assert "la réponse saisie n'est jamais réaffichée : saisissez-la de nouveau" in page.replace("&#39;", "'")

"""EP 3 in Chromium: telephone and address, then the trust question, with JavaScript, without
it and by keyboard only; the coordinates page shows the new values; axe-core on every state."""
import re

import pytest
from conftest import BERNARD_PASSWORD
from playwright.sync_api import expect

from .journey import SITE, Keyboard, Mouse, labelled, sign_in
from .test_accessibility import Audit

pytestmark = pytest.mark.browser

BERNARD_EMAIL = "toto321@toto.toto"
EDIT = "Modifier le téléphone ou l'adresse professionnelle"
QUESTION = "Modifier la question de confiance"


@pytest.fixture(params=["mouse", "keyboard", "nojs"])
def person(request):
    if request.param == "nojs":
        return Mouse(request.getfixturevalue("nojs_page"))
    page = request.getfixturevalue("page")
    return Keyboard(page) if request.param == "keyboard" else Mouse(page)


def to_coordinates(person):
    sign_in(person.page, BERNARD_EMAIL, BERNARD_PASSWORD)
    person.follow("Gérer vos coordonnées")
    expect(person.page).to_have_title(f"Gérer vos coordonnées – {SITE}")


def test_change_telephone_and_address(person):
    page = person.page
    to_coordinates(person)
    person.follow(EDIT)
    expect(page).to_have_title(f"Modifier les coordonnées – {SITE}")
    expect(labelled(page, "Téléphone")).to_have_value("02 33 47 67 96")
    person.fill("Téléphone", "02 33 47 67")
    person.fill("Adresse (numéro, voie, complément)", "4, quai de la Marine")
    person.fill("Code postal", "501")
    person.fill("Ville", "Cherbourg-en-Cotentin")
    person.press("Valider")
    expect(page).to_have_title(f"Erreur : Modifier les coordonnées – {SITE}")
    expect(page.locator("#phone-error")).to_contain_text("numéro français à 10 chiffres")
    expect(page.locator("#postcode-error")).to_contain_text("exactement 5 chiffres")
    expect(labelled(page, "Ville")).to_have_value("Cherbourg-en-Cotentin")  # what was typed is kept
    person.fill("Téléphone", "+33 2 33 47 67 96")
    person.fill("Code postal", "50100")
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/coordonnees$"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("Vos coordonnées ont été modifiées.")
    expect(main).to_contain_text("02 33 47 67 96")
    expect(main).to_contain_text("4, quai de la Marine")
    expect(main).to_contain_text("50100 CHERBOURG-EN-COTENTIN")


def test_change_the_trust_question(person):
    page = person.page
    to_coordinates(person)
    person.follow(QUESTION)
    expect(page).to_have_title(f"Modifier la question de confiance – {SITE}")
    person.choose("Nouvelle question de confiance", "Votre sport préféré ?")
    person.fill("Réponse à la question de confiance", "Voile")
    person.fill("Mot de passe actuel", "Mauvais2026MotDePasseXX")
    person.press("Valider")
    expect(page).to_have_title(f"Erreur : Modifier la question de confiance – {SITE}")
    expect(page.locator("#current_password-error")).to_contain_text("Le mot de passe actuel est incorrect.")
    expect(labelled(page, "Réponse à la question de confiance")).to_have_value("")  # never sent back
    person.fill("Réponse à la question de confiance", "Voile")
    person.fill("Mot de passe actuel", BERNARD_PASSWORD)
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/coordonnees$"))
    expect(page.get_by_role("main")).to_contain_text("Votre question de confiance a été modifiée.")
    expect(page.get_by_role("main")).to_contain_text("Votre sport préféré ?")


def test_every_page_and_state_passes_axe(page, scan):
    audit = Audit(page, scan)
    person = Mouse(page)
    to_coordinates(person)
    audit("coordonnees")
    person.follow(EDIT)
    audit("coordonnees-modifier")
    person.fill("Téléphone", "abc")
    person.fill("Adresse (numéro, voie, complément)", "")
    person.fill("Code postal", "")
    person.fill("Ville", "")
    person.press("Valider")
    audit.errors("coordonnees-modifier-erreurs", 4)
    person.fill("Téléphone", "0233476796")
    person.fill("Adresse (numéro, voie, complément)", "4, quai de la Marine\nBâtiment B")
    person.fill("Code postal", "50100")
    person.fill("Ville", "Cherbourg-en-Cotentin")
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/coordonnees$"))
    audit("coordonnees-modifiees")
    person.follow(QUESTION)
    audit("question")
    person.press("Valider")
    audit.errors("question-vide", 2)
    person.fill("Réponse à la question de confiance", "Voile")
    person.fill("Mot de passe actuel", BERNARD_PASSWORD)
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/coordonnees$"))
    audit("question-modifiee")
    assert audit.found == [], "\n".join(audit.found)

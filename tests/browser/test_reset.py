"""« Mot de passe oublié » in Chromium, from the login page to the space with the link read in the
outbox: with htmx, without JavaScript, by keyboard only; axe-core on every page and state."""
import re

import pytest
from conftest import BERNARD_EMAIL, CAPTCHA, NEW_PASSWORD
from playwright.sync_api import expect

from espace.domain.reset import LINK_USED
from espace.reset.routes import DONE

from .conftest import shoot
from .journey import SITE, Keyboard, Mouse, labelled, sign_in, step_title
from .test_accessibility import Audit
from .test_procedure import arrivals

pytestmark = pytest.mark.browser

PROCEDURE = "Mot de passe oublié"
STEPS = ("Adresse électronique", "Courriel", "Question de confiance", "Nouveau mot de passe")


def title(n):
    return step_title(PROCEDURE, STEPS, n)


def reset_link(context):
    """The last « Mot de passe oublié » link in the development outbox, read in a tab of its own.

    The link is sent once the answer has left the server: the outbox is read again until it is there.
    """
    mailbox = context.new_page()
    message = mailbox.get_by_role("link", name=re.compile("^Choisir un nouveau mot de passe"))
    for _ in range(50):
        mailbox.goto("/outbox/")
        if message.count():
            break
        mailbox.wait_for_timeout(100)
    message.first.click()
    text = mailbox.locator("pre.mail-text").inner_text()
    mailbox.close()
    return re.search(r"http://\S+/mot-de-passe-oublie/lien\?jeton=[\w-]+", text).group(0)


def full_page(page, path, expected_title):
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page).to_have_title(expected_title)
    page.wait_for_load_state()


def forgotten_password(page, person, arrived):
    """From « Connexion à mon espace professionnel » back into the space with a new password."""
    page.goto("/connexion")
    person.follow("Mot de passe oublié")
    full_page(page, "/mot-de-passe-oublie", title(1))
    person.fill("Adresse électronique de connexion", BERNARD_EMAIL)
    person.fill("Recopiez les caractères de l'image", CAPTCHA)
    person.press("Continuer")
    arrived("/mot-de-passe-oublie/message-envoye", title(2))
    expect(page.get_by_role("main")).to_contain_text(
        f"Si l'adresse {BERNARD_EMAIL} ouvre un espace professionnel, un message a été envoyé")

    link = reset_link(page.context)
    page.goto(link)
    full_page(page, "/mot-de-passe-oublie/question", title(3))  # the token left the address bar
    expect(page.get_by_text("Question de confiance : Votre hobby ?")).to_be_visible()
    person.fill("Réponse à la question de confiance", "Pêche")
    person.press("Continuer")
    arrived("/mot-de-passe-oublie/nouveau-mot-de-passe", title(4))
    person.fill("Nouveau mot de passe", NEW_PASSWORD)
    person.fill("Confirmation du nouveau mot de passe", NEW_PASSWORD)
    person.press("Valider")
    full_page(page, "/connexion", f"Connexion à mon espace professionnel – {SITE}")
    expect(page.get_by_text(DONE)).to_be_visible()
    shoot(page, f"reset-{type(person).__name__}-done")

    sign_in(page, BERNARD_EMAIL, NEW_PASSWORD)
    expect(page.get_by_role("main")).to_contain_text("DOUASBIN")
    return link


def test_forgotten_password_with_javascript(page):
    link = forgotten_password(page, Mouse(page), arrivals(page, "reset-js", swapped=True))
    # The link served once: opened again, it says so and shows the way to start again.
    page.goto(link)
    expect(page.get_by_role("main")).to_contain_text(LINK_USED)
    expect(page.get_by_role("link", name="Faire une nouvelle demande")).to_be_visible()


def test_forgotten_password_without_javascript(nojs_page):
    page = nojs_page
    forgotten_password(page, Mouse(page), arrivals(page, "reset-nojs", swapped=False))
    page.goto("/mot-de-passe-oublie")
    expect(page.get_by_role("button", name="Changer l'image")).to_be_visible()


def test_forgotten_password_by_keyboard_only(page):
    forgotten_password(page, Keyboard(page), arrivals(page, "reset-keyboard", swapped=True))


def test_change_the_image_without_javascript_keeps_the_address(nojs_page):
    page = nojs_page
    page.goto("/mot-de-passe-oublie")
    image = page.locator("#captcha-block img")
    before = image.get_attribute("src")
    labelled(page, "Adresse électronique de connexion").fill(BERNARD_EMAIL)
    page.get_by_role("button", name="Changer l'image").click()
    expect(image).not_to_have_attribute("src", before)
    expect(labelled(page, "Adresse électronique de connexion")).to_have_value(BERNARD_EMAIL)


@pytest.fixture
def audit(page, scan):
    return Audit(page, scan)


def test_every_page_and_state_of_the_procedure(page, audit):
    person = Mouse(page)
    page.goto("/mot-de-passe-oublie")
    audit("oubli-adresse")
    person.press("Continuer")
    audit.errors("oubli-adresse-champs-vides", 2)
    person.fill("Adresse électronique de connexion", "toto321@")
    person.fill("Recopiez les caractères de l'image", "XXXXXX")
    person.press("Continuer")
    audit.errors("oubli-adresse-invalide", 1)
    person.fill("Adresse électronique de connexion", BERNARD_EMAIL)
    person.fill("Recopiez les caractères de l'image", "XXXXXX")
    person.press("Continuer")
    audit.errors("oubli-captcha-refuse", 1)
    person.fill("Recopiez les caractères de l'image", CAPTCHA)
    person.press("Continuer")
    audit.step("oubli-message-envoye", "Demande enregistrée")

    page.goto(reset_link(page.context))
    audit("oubli-question")
    person.fill("Réponse à la question de confiance", "chasse")
    person.press("Continuer")
    audit.errors("oubli-question-refusee", 1)
    person.fill("Réponse à la question de confiance", "pêche")
    person.press("Continuer")
    audit.step("oubli-mot-de-passe", "Nouveau mot de passe")
    person.press("Valider")
    audit.errors("oubli-mot-de-passe-champs-vides", 2)
    person.fill("Nouveau mot de passe", NEW_PASSWORD)
    person.fill("Confirmation du nouveau mot de passe", NEW_PASSWORD + "x")
    person.press("Valider")
    audit.errors("oubli-mot-de-passe-differents", 1)
    person.fill("Nouveau mot de passe", NEW_PASSWORD)
    person.fill("Confirmation du nouveau mot de passe", NEW_PASSWORD)
    person.press("Valider")
    expect(page.get_by_text(DONE)).to_be_visible()
    audit("oubli-connexion-mot-de-passe-change")

    page.goto("/mot-de-passe-oublie/lien?jeton=perime")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lien non valable")
    audit("oubli-lien-non-valable")
    assert audit.found == [], "\n".join(audit.found)

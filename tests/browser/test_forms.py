"""Forms: autocomplete, errors tied to fields, the error summary's links, show/hide password, paste, live regions."""
import re

import pytest
from conftest import LILA, LILA_ANSWERS, PASSWORD
from playwright.sync_api import expect

from espace.domain.credentials import password_strength

from .journey import EMAIL, Keyboard, Mouse, labelled

pytestmark = pytest.mark.browser


def to_credentials(page):
    person = Mouse(page)
    page.goto("/opter/")
    person.fill("Numéro d'abonné", LILA)
    person.press("Continuer")
    for n in (1, 2, 3):
        person.fill(f"Réponse n° {n}", LILA_ANSWERS[f"answer{n}"])
    person.press("Continuer")
    expect(page.locator("#step-heading")).to_have_text("Identifiants")
    expect(page.locator("#step-heading")).to_be_focused()  # app.js has enhanced the new step
    return person


def autocomplete_of(page):
    return {name: page.locator(f"[name={name}]").get_attribute("autocomplete")
            for name in page.locator("form:not(.wizard__leave) :is(input, select):not([type=hidden])").evaluate_all(
                "fields => fields.map(f => f.name || f.id)")}


def test_autocomplete_says_what_each_field_holds(page):
    person = to_credentials(page)
    assert autocomplete_of(page) == {"email": "email", "email_confirm": "email",
                                     "password": "new-password", "password_confirm": "new-password"}
    for label, value in (("Adresse électronique", EMAIL), ("Confirmation de l'adresse électronique", EMAIL),
                         ("Mot de passe", PASSWORD), ("Confirmation du mot de passe", PASSWORD)):
        person.fill(label, value)
    person.press("Continuer")
    expect(page.locator("#step-heading")).to_have_text("Question de confiance")
    assert page.locator("#login-email").get_attribute("autocomplete") == "off"
    assert labelled(page, "Question de confiance").get_attribute("autocomplete") is None  # a choice, nothing to fill
    assert labelled(page, "Réponse à la question de confiance").get_attribute("autocomplete") == "off"
    page.goto("/activation/")
    assert autocomplete_of(page) == {"code": "one-time-code", "captcha": "off"}
    page.goto("/connexion")
    assert autocomplete_of(page) == {"email": "username", "password": "current-password"}
    page.goto("/opter/")
    assert autocomplete_of(page) == {"number": "off"}


def test_errors_are_tied_to_their_fields_and_the_summary_leads_to_them(page):
    person = to_credentials(page)
    person.fill("Adresse électronique", "")
    person.fill("Confirmation de l'adresse électronique", "")
    person.fill("Mot de passe", "court1")
    person.press("Continuer")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_count(4)
    for i in range(4):
        link = links.nth(i)
        field_id = link.get_attribute("href").removeprefix("#")
        field = page.locator(f"#{field_id}")
        assert field.get_attribute("aria-invalid") == "true"
        error = page.locator(f"#{field_id}-error")
        assert f"{field_id}-error" in field.get_attribute("aria-describedby").split()
        # The summary says the same as the message next to the field.
        assert " ".join(error.text_content().split()).removeprefix("Erreur : ") in link.text_content()
        link.click()
        expect(field).to_be_focused()
    expect(page.locator("#email")).to_have_accessible_description(re.compile(r"Erreur : Saisissez votre adresse électronique\.$"))
    # The fields without error say nothing of errors.
    person.fill("Mot de passe", PASSWORD)
    person.fill("Confirmation du mot de passe", PASSWORD)
    person.fill("Adresse électronique", EMAIL)
    person.fill("Confirmation de l'adresse électronique", "autre@example.fr")
    person.press("Continuer")
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.locator("[aria-invalid=true]")).to_have_count(1)
    assert page.locator("[aria-invalid=true]").get_attribute("id") == "email_confirm"


def test_show_hide_password_button(page):
    page.goto("/connexion")
    field = labelled(page, "Mot de passe")
    button = page.get_by_role("button", name="Afficher le champ « Mot de passe »")
    field.fill(PASSWORD)
    expect(field).to_have_attribute("type", "password")
    button.click()
    expect(field).to_have_attribute("type", "text")
    expect(page.get_by_role("button", name="Masquer le champ « Mot de passe »")).to_be_visible()
    expect(page.locator("#annonce")).to_have_text("Le champ « Mot de passe » est affiché en clair.")
    page.keyboard.press("Space")  # the button keeps the focus
    expect(field).to_have_attribute("type", "password")
    expect(field).to_have_value(PASSWORD)
    expect(page).to_have_url(re.compile(r"/connexion$"))  # a button that never submits the form


def test_paste_is_allowed_in_every_field(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    to_credentials(page)
    for name in ("email", "email_confirm", "password", "password_confirm"):
        paste_into(page, page.locator(f"[name={name}]"), "Colle2023Colle2023Colle")
    page.goto("/activation/")
    for name in ("code", "captcha"):
        paste_into(page, page.locator(f"[name={name}]"), "AbcdEfghIjkl")
    page.goto("/connexion")
    for name in ("email", "password"):
        paste_into(page, page.locator(f"[name={name}]"), "Colle2023Colle2023Colle")


def paste_into(page, field, text):
    field.fill("")
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    field.focus()
    page.keyboard.press("Control+V")
    expect(field).to_have_value(text)


def test_password_strength_is_shown_and_announced(page):
    to_credentials(page)
    labelled(page, "Mot de passe").press_sequentially("Longchamp2023Rosemonde!Paris75016", delay=5)
    expect(page.locator("#password-strength")).to_contain_text("Sécurité du mot de passe : excellente")
    expect(page.locator("#password-strength-live[role=status]")).to_have_text("Sécurité du mot de passe : excellente")


# Every level of the scale, and each reason for 0 (short, long, space, accent, no digit, no letter).
STRENGTH_EXAMPLES = [
    "court1", "abcdefghijklmnopqrs1", "Abcdefghijklmnopqrs1", "abcdefghijklmnopqr1!",
    "Abcdefghijklmnopqrstuv12", "abcdefghijklmnopqrstuvwx12", "Abcdefghijklmnopqrstuvwxyz12!x",
    "Abcdefghijklmnopqrstuvwxyz12xx", "Longchamp 2023 Rosemonde", "Longchamp2023Rosémonde",
    "LongchampRosemondeLila", "12345678901234567890", "a1" * 36, "a1" * 36 + "b", "1tvmq2t1'A1tvmq2t1'A",
]


def test_password_meter_and_the_domain_use_one_scale(page):
    """app.js's meter gives every example the level espace.domain.credentials gives it."""
    to_credentials(page)
    field = labelled(page, "Mot de passe")
    meter = page.locator("#password-strength")
    shown = {}
    for example in STRENGTH_EXAMPLES:
        field.fill(example)
        shown[example] = int(meter.get_attribute("data-strength"))
    assert shown == {example: password_strength(example) for example in STRENGTH_EXAMPLES}
    assert set(shown.values()) == {0, 1, 2, 3, 4}


def test_live_region_is_in_the_page_before_anything_is_injected(page):
    response = page.goto("/opter/")
    assert re.search(r'<div id="annonce"[^>]*role="status"[^>]*></div>', response.text())
    page.evaluate("document.getElementById('annonce').dataset.first = 'yes'")
    person = Mouse(page)
    person.fill("Numéro d'abonné", LILA)
    person.press("Continuer")
    expect(page.locator("#step-heading")).to_be_focused()
    # The same element, kept through the swap, now says where the user is.
    expect(page.locator("#annonce[data-first=yes]")).to_have_text(
        "Étape 2 sur 5 – Vérification – Opter pour l'accès sans certificat")


def test_previous_step_by_htmx_moves_focus_and_title_back(page):
    to_credentials(page)
    page.get_by_role("link", name="Etape précédente").click()
    expect(page).to_have_url(re.compile(r"/opter/verification$"))
    expect(page).to_have_title(re.compile("^Étape 2 sur 5 – Vérification – "))
    expect(page.locator("#step-heading")).to_be_focused()


def test_error_state_with_javascript_off_is_named_in_the_title(nojs_page):
    page = nojs_page
    page.goto("/opter/")
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_title(re.compile("^Erreur : Étape 1 sur 5 – Numéro d'abonné – "))
    expect(page.get_by_role("alert")).to_contain_text("Saisissez votre numéro d'abonné.")


def test_by_keyboard_errors_are_reached_from_the_summary_and_the_password_checked(page):
    page.goto("/connexion")
    person = Keyboard(page)
    person.fill("Adresse électronique", EMAIL)
    person.press("Connexion")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="Mot de passe : Saisissez votre mot de passe.")).to_be_focused()
    page.keyboard.press("Enter")
    field = labelled(page, "Mot de passe")
    expect(field).to_be_focused()
    page.keyboard.type("Mot2passe")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Afficher le champ « Mot de passe »")).to_be_focused()
    page.keyboard.press("Space")
    expect(field).to_have_attribute("type", "text")
    page.keyboard.press("Shift+Tab")  # back to the field, to correct what is now readable
    expect(field).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type("Oublie")
    expect(field).to_have_value("Mot2passeOublie")
    person.press("Connexion")
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page).to_have_title(re.compile("^Erreur : Connexion à mon espace professionnel"))
    # The e-mail address typed before is still there; the password never comes back.
    expect(labelled(page, "Adresse électronique")).to_have_value(EMAIL)
    expect(labelled(page, "Mot de passe")).to_have_value("")

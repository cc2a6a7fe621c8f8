"""axe-core on every page and every state: initial, each error state, each step, recap, space, outbox."""
import re
from pathlib import Path

import pytest
from conftest import CAPTCHA, LILA, LILA_ANSWERS, PASSWORD
from playwright.sync_api import expect

from espace.domain.audit import compute, read_grid

from .journey import EMAIL, Mouse, activation_code, confirm_sign_in

pytestmark = pytest.mark.browser

GRID = Path(__file__).resolve().parents[2] / "docs" / "accessibility" / "grid.csv"
LEVEL = compute(read_grid(GRID)).level  # « totalement / partiellement / non conforme », from the audit grid

PAGES = {
    "accueil": "/",
    "connexion": "/connexion",
    "fiches": "/fiches",
    "page-option-ep4": "/fiches/ep4",
    "fiche-ep2": "/fiches/ep2",
    "aide": "/aide",
    "declaration-accessibilite": "/accessibilite",
    "mot-de-passe-oublie": "/mot-de-passe-oublie",
    "page-introuvable": "/nulle-part",
}


class Audit:
    """Scans each state it is shown and remembers every violation, to report them all at once."""

    def __init__(self, page, scan):
        self.page, self.scan, self.states, self.found = page, scan, [], []

    def __call__(self, state):
        self.page.wait_for_load_state()
        self.states.append(state)
        self.found += [f"[{state}] {line}" for line in self.scan(self.page, state)]
        # WCAG 1.4.10 in this state too: at 320 px wide, no horizontal scrolling.
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": 320, "height": size["height"]})
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            self.found.append(f"[{state}] reflow: {width} px wide at 320 px")
        self.page.set_viewport_size(size)

    def step(self, state, heading):
        """A step swapped in by htmx: wait until focus reached its heading, then scan."""
        expect(self.page.locator("#step-heading")).to_have_text(heading)
        expect(self.page.locator("#step-heading")).to_be_focused()
        self(state)

    def errors(self, state, count):
        """An error state: the summary lists every error and has the focus."""
        summary = self.page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        expect(self.page).to_have_title(re.compile("^Erreur : "))
        expect(summary.get_by_role("heading")).to_have_text(
            f"Le formulaire contient {count} erreurs" if count > 1 else "Le formulaire contient une erreur")
        expect(self.page.locator("[aria-invalid=true]")).to_have_count(
            count - self.page.locator("[data-error-summary] > p").count())
        self(state)


@pytest.fixture
def audit(page, scan):
    return Audit(page, scan)


def test_public_pages(page, audit):
    for state, path in PAGES.items():
        page.goto(path)
        footer = page.get_by_role("contentinfo")
        expect(footer.get_by_role("link", name=f"Déclaration d'accessibilité : {LEVEL}")).to_be_visible()
        audit(state)
    page.goto("/connexion")
    person = Mouse(page)
    person.press("Connexion")
    audit.errors("connexion-champs-vides", 2)
    person.fill("Adresse électronique", "personne@example.fr")
    person.fill("Mot de passe", "pas-le-bon-mot-de-passe")
    person.press("Connexion")
    audit.errors("connexion-refusee", 1)
    assert audit.found == [], "\n".join(audit.found)


def test_every_step_and_error_state(page, audit):
    person = Mouse(page)
    page.goto("/opter/")
    audit("opter-1-numero")
    person.press("Continuer")
    audit.errors("opter-1-numero-vide", 1)
    person.fill("Numéro d'abonné", "12345678901234")
    person.press("Continuer")
    audit.errors("opter-1-numero-inconnu", 1)
    person.fill("Numéro d'abonné", LILA)
    person.press("Continuer")

    audit.step("opter-2-verification", "Identification")
    person.press("Continuer")
    audit.errors("opter-2-reponses-vides", 3)
    for n in (1, 2, 3):
        person.fill(f"Réponse n° {n}", "Mauvaise")
    person.press("Continuer")
    audit.errors("opter-2-reponses-fausses", 1)
    for n in (1, 2, 3):
        person.fill(f"Réponse n° {n}", LILA_ANSWERS[f"answer{n}"])
    person.press("Continuer")

    audit.step("opter-3-identifiants", "Identifiants")
    person.fill("Adresse électronique", "pas-une-adresse")
    person.fill("Mot de passe", "court1")
    person.fill("Confirmation du mot de passe", "autre1")
    person.press("Continuer")
    audit.errors("opter-3-identifiants-erreurs", 4)
    person.fill("Adresse électronique", EMAIL)
    person.fill("Confirmation de l'adresse électronique", EMAIL)
    person.fill("Mot de passe", PASSWORD)
    person.fill("Confirmation du mot de passe", PASSWORD)
    person.press("Continuer")

    audit.step("opter-4-question", "Question de confiance")
    person.press("Valider")
    audit.errors("opter-4-question-et-reponse-vides", 2)  # nothing chosen at first
    person.choose("Question de confiance", "Votre hobby ?")
    person.fill("Réponse à la question de confiance", "Équitation")
    person.press("Valider")
    audit.step("opter-5-validation", "ROSEMONDE Lila")

    code = activation_code(page.context)
    person.follow("Activez votre espace professionnel")
    audit("activation-1-code")
    person.press("Continuer")
    audit.errors("activation-1-code-vide", 2)
    person.fill("Saisissez le code d'activation", code)
    person.fill("Recopiez les caractères de l'image", "ZZZZZZ")
    person.press("Continuer")
    audit.errors("activation-1-captcha-faux", 1)
    person.fill("Recopiez les caractères de l'image", CAPTCHA)
    person.press("Continuer")

    audit.step("activation-2-identifiants", "Identifiants")
    person.fill("Saisissez votre adresse électronique de connexion", "autre@example.fr")
    person.press("Continuer")
    audit.errors("activation-2-adresse-differente", 1)
    person.fill("Saisissez votre adresse électronique de connexion", EMAIL)
    person.press("Continuer")
    audit.step("activation-3-recapitulatif", "Votre inscription")

    person.follow("Accédez à vos services en ligne")
    person.fill("Adresse électronique", EMAIL)
    person.fill("Mot de passe", PASSWORD)
    person.press("Connexion")
    expect(page).to_have_url(re.compile(r"/connexion/code$"))
    audit("connexion-code")  # its error states: test_signin.py
    confirm_sign_in(page, person)
    audit("espace")
    person.follow("Gérer vos coordonnées")
    audit("espace-coordonnees")
    page.goto("/outbox/")
    audit("boite-envoi")
    page.get_by_role("link", name=re.compile("code d'activation")).first.click()
    audit("boite-envoi-message")
    page.goto("/espace/")
    person.press("Se déconnecter")
    audit("connexion-apres-deconnexion")
    page.goto("/opter/numero")
    page.get_by_role("button", name=re.compile("^Quitter")).click()
    audit("accueil-apres-quitter")
    assert audit.found == [], "\n".join(audit.found)


def test_the_audit_sees_a_broken_page(page, scan):
    """The scan can fail: a field stripped of its label is reported."""
    page.goto("/connexion")
    page.evaluate("document.querySelector('label[for=email]').remove()")
    assert any(line.startswith("label (critical)") for line in scan(page, "connexion-sans-etiquette"))


def test_content_reflows_at_320_css_pixels(page):
    """WCAG 1.4.10: at 320 px wide (400 % zoom of 1280 px), nothing needs horizontal scrolling."""
    page.set_viewport_size({"width": 320, "height": 640})
    too_wide = {}
    for path in ("/", "/connexion", "/fiches", "/fiches/ep4", "/opter/", "/activation/", "/aide", "/accessibilite"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[path] = width
    assert too_wide == {}


def test_keyboard_focus_is_always_visible_and_the_skip_link_works(page):
    page.goto("/connexion")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    for _ in range(12):
        page.keyboard.press("Tab")
        style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
        assert style[1] != "none" and style[2] >= 2, f"no visible focus on {style[0]}"


def test_stepper_separators_are_not_read(page):
    page.goto("/opter/")
    expect(page.get_by_role("navigation", name="Étapes de la procédure")).to_match_aria_snapshot(
        """
        - list:
          - listitem: "Étape en cours : Numéro d'abonné"
          - listitem: "Étape à venir : Vérification"
          - listitem: "Étape à venir : Identifiants"
          - listitem: "Étape à venir : Question"
          - listitem: "Étape à venir : Validation"
        """)


def test_accessibility_statement_follows_the_rgaa_model(page):
    page.goto("/")
    page.get_by_role("link", name=f"Déclaration d'accessibilité : {LEVEL}").click()
    main = page.get_by_role("main")
    assert main.get_by_role("heading", level=2).all_inner_texts() == [
        "État de conformité", "Résultats des tests", "Contenus non accessibles",
        "Établissement de cette déclaration", "Retour d'information et contact", "Voies de recours"]
    expect(main).to_contain_text(f"{LEVEL} avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1")
    expect(main).to_contain_text(re.compile(r"révèle que [\d,]+ % des critères du RGAA version 4\.1 sont respectés"))

"""RGAA 4.1 checks that axe-core does not make, on every page and state of the sample
(docs/accessibility/sample.yaml), with JavaScript and without.

One tour per mode walks every state once and measures it (rgaa_*.js); each test below then
judges one criterion on every measured state and lists every failure at once. The audit grid
(docs/accessibility/grid.csv) names these tests as the proof of its decisions.
"""
import difflib
import io
import os
import re
from pathlib import Path

import pytest
import yaml
from conftest import (BERNARD_EMAIL, BERNARD_PASSWORD, CAPTCHA, LILA, LILA_ANSWERS, PASSWORD,
                      reset_shared_servers, settings_for)
from PIL import Image, ImageChops
from playwright.sync_api import expect

from espace import create_app
from espace.database import open_database
from espace.models import db

from .conftest import AXE_OPTIONS, LiveServer, _context, describe
from test_html_validity import HTMX_ATTRIBUTE, validate

from .journey import EMAIL, Mouse, activation_code, sign_in, signin_code
from .test_credentials_change import confirmation_code
from .test_reset import reset_link

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
MEASURE = (HERE / "rgaa_measure.js").read_text()
SPACING = (HERE / "rgaa_spacing.js").read_text()
FOCUSED = (HERE / "rgaa_focus.js").read_text()
SAMPLE = yaml.safe_load((ROOT / "docs" / "accessibility" / "sample.yaml").read_text())["pages"]
PAGES = {p["id"]: p for p in SAMPLE}
ARIA = HERE / "aria"
UPDATE_ARIA = os.environ.get("RGAA_ARIA_UPDATE") == "1"
SITE = " – Espace professionnel"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
NEW_EMAIL = "lila.nouvelle@example.fr"
NEW_PASSWORD = "Longchamp2026Rosemonde"
RESET_PASSWORD = "Douasbin2026RougetBarbet"
REFLOW = {"width": 320, "height": 256}  # RGAA 10.11: 320 px wide, 256 px high
TEXT_SPACING = ("* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }"
                " p { margin-bottom: 2em !important; }")
TEXT_200 = "html { font-size: 200% !important; }"


class Tour:
    """Measures each state it is shown: structure, fields, spacing, reflow, every focus stop."""

    def __init__(self, page, mode, axe):
        self.page, self.mode, self.axe, self.records, self.chrome = page, mode, axe, {}, {}

    def __call__(self, page_id, state):
        assert page_id in PAGES and state in PAGES[page_id]["states"], (page_id, state)
        page = self.page
        page.wait_for_load_state()
        page.wait_for_timeout(150)  # htmx settles and app.js moves the focus
        record = page.evaluate(MEASURE)
        record["html"] = page.content()  # the generated source (RGAA 8.2), after scripts when they run
        record["spacing"] = page.evaluate(SPACING, TEXT_SPACING)
        record["text200"] = page.evaluate(SPACING, TEXT_200)
        if self.mode == "js":  # axe-core needs scripts to run (its timers never fire with JavaScript off)
            record["axe"] = describe(self.axe.run(page, options=AXE_OPTIONS))
        record["focus"] = self.focus_stops()
        size = page.viewport_size
        page.set_viewport_size(REFLOW)
        record["reflow"] = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        page.set_viewport_size(size)
        if self.mode == "js":
            record["aria"] = normalise(page.locator("body").aria_snapshot())
        self.records[(page_id, state)] = record

    def focus_stops(self):
        """Tab through the page from its start: each stop focused, then blurred, then hovered."""
        page = self.page
        page.mouse.move(0, 0)
        page.evaluate("""() => { document.querySelectorAll('[data-rgaa-seen]').forEach(e => e.removeAttribute('data-rgaa-seen'));
            const start = document.createElement('span'); start.id = 'rgaa-start'; start.tabIndex = -1;
            document.body.prepend(start); start.focus(); window.scrollTo(0, 0); }""")
        stops = []
        for _ in range(150):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED, "tab")
            if focused == "same":
                continue
            if focused in ("out", "again"):
                break
            stops.append(self.measure_stop(focused))
        page.evaluate("""() => { document.getElementById('rgaa-start')?.remove();
            document.querySelectorAll('[data-rgaa-current]').forEach(x => x.removeAttribute('data-rgaa-current')); }""")
        tabbable = page.evaluate("""() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, audio[controls], [tabindex]')]
            .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden').length""")
        return {"stops": stops, "tabbable": tabbable}

    def measure_stop(self, focused):
        """Screenshots focused and not, and the hover: the header, footer and skip link are the same
        on every page (test_two_navigation_systems… checks it), so they are measured once per tour."""
        key = (focused["tag"], focused["label"], round(focused["width"]), round(focused["height"]))
        if focused["chrome"] and key in self.chrome:
            return {**focused, **self.chrome[key]}
        page = self.page
        clip = clip_around(focused, page.viewport_size)
        on = Image.open(io.BytesIO(page.screenshot(clip=clip))) if clip else None
        off_state = page.evaluate(FOCUSED, "blur")
        off = Image.open(io.BytesIO(page.screenshot(clip=clip))) if clip else None
        hovered = off_state
        if focused["width"] and focused["height"] and focused["y"] >= 0:
            page.mouse.move(focused["x"] + focused["width"] / 2, focused["y"] + focused["height"] / 2)
            hovered = page.evaluate(FOCUSED, "hover")
            page.mouse.move(0, 0)
        page.evaluate(FOCUSED, "refocus")
        measured = {"indicator": indicator_pixels(on, off) if clip else 0,
                    "on_focus": focused["shown"] - off_state["shown"], "on_hover": hovered["shown"] - off_state["shown"]}
        if focused["chrome"]:
            self.chrome[key] = measured
        return {**focused, **measured}


def clip_around(box, viewport, margin=10):
    """The focused element and the ring around it, kept inside the viewport."""
    if not box or box["width"] <= 0 or box["height"] <= 0:
        return None
    x0, y0 = max(0, box["x"] - margin), max(0, box["y"] - margin)
    x1 = min(viewport["width"], box["x"] + box["width"] + margin)
    y1 = min(viewport["height"], box["y"] + box["height"] + margin)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}


def luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def indicator_pixels(on, off):
    """Pixels that changed when the element took the focus with a contrast of 3:1 or more
    between their focused and unfocused colours (WCAG 2.4.13's measure of a focus indicator)."""
    on, off = on.convert("RGB"), off.convert("RGB")
    box = ImageChops.difference(on, off).getbbox()
    if box is None:
        return 0
    count = 0
    on_px, off_px = on.load(), off.load()
    for x in range(box[0], box[2]):
        for y in range(box[1], box[3]):
            if on_px[x, y] != off_px[x, y] and contrast(on_px[x, y], off_px[x, y]) >= 3:
                count += 1
    return count


DATE = re.compile(r"\b\d{1,2}(er)? (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}\b")


def normalise(snapshot):
    """What changes from one run to the next (dates, times, codes, captcha versions, ports) is masked."""
    snapshot = DATE.sub("<date>", snapshot)
    snapshot = re.sub(r"\b\d{2}/\d{2}/\d{4}\b", "<date>", snapshot)
    snapshot = re.sub(r"\b\d{1,2}h\d{2}\b", "<heure>", snapshot)
    snapshot = re.sub(r"([?&]v=)[^\s\"']+", r"\1<v>", snapshot)
    snapshot = re.sub(r"http://127\.0\.0\.1:\d+", "<site>", snapshot)
    snapshot = re.sub(r"\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[a-z])(?=[A-Za-z0-9]*[A-Z])[A-Za-z0-9]{12}\b", "<code>", snapshot)
    snapshot = re.sub(r"(strong: )[A-Za-z0-9]{12}$", r"\1<code>", snapshot, flags=re.M)  # the activation code shown
    # What app.js last announced after an htmx swap depends on timing; the region itself stays.
    snapshot = re.sub(r"^- status: .*$", "- status", snapshot, flags=re.M)
    return snapshot


def walk(tour, page, person, extra):
    """Every page and state of the sample, in an order one fresh database allows."""
    for page_id in ("accueil", "aide", "accessibilite", "plan-du-site", "fiches", "fiche-ep4", "erreur-404"):
        page.goto(PAGES[page_id]["url"])
        tour(page_id, "page")

    page.goto("/connexion")
    tour("connexion", "vide")
    person.press("Connexion")
    tour("connexion", "erreur")
    person.fill("Adresse électronique", "personne@example.fr")
    person.fill("Mot de passe", "pas-le-bon-mot-de-passe")
    person.press("Connexion")
    tour("connexion", "erreur-refusee")

    # EP 4, Lila
    page.goto("/opter/numero")
    tour("opter-numero", "vide")
    person.press("Continuer")
    tour("opter-numero", "erreur")
    person.fill("Numéro d'abonné", LILA)
    person.press("Continuer")
    expect(page).to_have_url(re.compile(r"/opter/verification$"))
    tour("opter-verification", "vide")
    person.press("Continuer")
    tour("opter-verification", "erreur")
    for n in (1, 2, 3):
        person.fill(f"Réponse n° {n}", LILA_ANSWERS[f"answer{n}"])
    person.press("Continuer")
    expect(page).to_have_url(re.compile(r"/opter/identifiants$"))
    tour("opter-identifiants", "vide")
    person.fill("Adresse électronique", "pas-une-adresse")
    person.press("Continuer")
    tour("opter-identifiants", "erreur")
    person.fill("Adresse électronique", EMAIL)
    person.fill("Confirmation de l'adresse électronique", EMAIL)
    person.fill("Mot de passe", PASSWORD)
    person.fill("Confirmation du mot de passe", PASSWORD)
    person.press("Continuer")
    expect(page).to_have_url(re.compile(r"/opter/question$"))
    tour("opter-question", "vide")
    person.press("Valider")
    tour("opter-question", "erreur")
    person.choose("Question de confiance", "Votre sport préféré ?")
    person.fill("Réponse à la question de confiance", "Équitation")
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/opter/validation$"))
    tour("opter-validation", "succes")

    # Activation
    code = activation_code(page.context)
    person.follow("Activez votre espace professionnel")
    expect(page).to_have_url(re.compile(r"/activation/$"))
    tour("activation-code", "vide")
    person.press("Continuer")
    tour("activation-code", "erreur")
    person.fill("Saisissez le code d'activation", code)
    person.fill("Recopiez les caractères de l'image", CAPTCHA)
    person.press("Continuer")
    expect(page).to_have_url(re.compile(r"/activation/identifiants$"))
    tour("activation-identifiants", "vide")
    person.fill("Saisissez votre adresse électronique de connexion", "autre@example.fr")
    person.press("Continuer")
    tour("activation-identifiants", "erreur")
    person.fill("Saisissez votre adresse électronique de connexion", EMAIL)
    person.press("Continuer")
    expect(page).to_have_url(re.compile(r"/activation/recapitulatif$"))
    tour("activation-recapitulatif", "succes")

    # Sign-in code, Lila
    person.follow("Accédez à vos services en ligne")
    person.fill("Adresse électronique", EMAIL)
    person.fill("Mot de passe", PASSWORD)
    person.press("Connexion")
    expect(page).to_have_url(re.compile(r"/connexion/code$"))
    tour("connexion-code", "vide")
    person.fill("Code de confirmation", "12")
    person.press("Valider")
    tour("connexion-code", "erreur")
    person.press("Renvoyer un code")
    expect(page).not_to_have_title(re.compile("^Erreur"))
    tour("connexion-code", "succes")
    person.fill("Code de confirmation", signin_code(page.context))
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/$"))
    tour("espace", "succes")
    account_pages(tour, page, person)

    # EP 6, Bernard
    page.goto("/espace/")
    person.press("Se déconnecter")
    page.goto("/mot-de-passe-oublie")
    tour("oubli-adresse", "vide")
    person.press("Continuer")
    tour("oubli-adresse", "erreur")
    person.fill("Adresse électronique de connexion", BERNARD_EMAIL)
    person.fill("Recopiez les caractères de l'image", CAPTCHA)
    person.press("Continuer")
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/message-envoye$"))
    tour("oubli-envoye", "succes")
    link = reset_link(page.context)
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/question$"))
    tour("oubli-question", "vide")
    person.press("Continuer")
    tour("oubli-question", "erreur")
    person.fill("Réponse à la question de confiance", "Pêche")
    person.press("Continuer")
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/nouveau-mot-de-passe$"))
    tour("oubli-nouveau", "vide")
    person.press("Valider")
    tour("oubli-nouveau", "erreur")
    person.fill("Nouveau mot de passe", RESET_PASSWORD)
    person.fill("Confirmation du nouveau mot de passe", RESET_PASSWORD)
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/connexion$"))
    tour("oubli-nouveau", "succes")
    page.goto(link)
    tour("erreur-410", "page")
    extra(tour, page, person)


def account_pages(tour, page, person):
    """EP 3, « Historique », « Sécurité de mon espace » and EP 5, signed in as Lila."""
    person.follow("Gérer vos coordonnées")
    tour("coordonnees", "page")
    person.follow("Modifier le téléphone ou l'adresse professionnelle")
    tour("coordonnees-modifier", "vide")
    person.fill("Téléphone", "abc")
    person.fill("Code postal", "")
    person.press("Valider")
    tour("coordonnees-modifier", "erreur")
    person.fill("Téléphone", "+33 2 33 47 67 96")
    person.fill("Code postal", "50100")
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/coordonnees$"))
    tour("coordonnees-modifier", "succes")
    person.follow("Modifier la question de confiance")
    tour("question-de-confiance", "vide")
    person.press("Valider")
    tour("question-de-confiance", "erreur")
    person.choose("Nouvelle question de confiance", "Votre hobby ?")
    person.fill("Réponse à la question de confiance", "Voile")
    person.fill("Mot de passe actuel", PASSWORD)
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/coordonnees$"))
    tour("question-de-confiance", "succes")

    page.goto("/espace/historique")
    tour("historique", "page")

    security_page(tour, page, person)

    page.goto("/espace/adresse-electronique")
    tour("adresse-electronique", "vide")
    person.press("Continuer")
    tour("adresse-electronique", "erreur")
    person.fill("Nouvelle adresse électronique", NEW_EMAIL)
    person.fill("Confirmation de la nouvelle adresse électronique", NEW_EMAIL)
    person.fill("Mot de passe actuel", PASSWORD)
    person.press("Continuer")
    expect(page).to_have_url(re.compile(r"/espace/adresse-electronique/confirmation$"))
    tour("adresse-confirmation", "vide")
    person.fill("Code de changement d'adresse", "abcdefghijkl")
    person.press("Valider")
    tour("adresse-confirmation", "erreur")
    person.fill("Code de changement d'adresse", confirmation_code(page.context))
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/adresse-electronique/modifiee$"))
    tour("adresse-modifiee", "succes")

    page.goto("/espace/mot-de-passe")
    tour("mot-de-passe", "vide")
    person.press("Valider")
    tour("mot-de-passe", "erreur")
    person.fill("Mot de passe actuel", PASSWORD)
    person.fill("Nouveau mot de passe", NEW_PASSWORD)
    person.fill("Confirmation du nouveau mot de passe", NEW_PASSWORD)
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/$"))
    tour("mot-de-passe", "succes")


def security_page(tour, page, person):
    """« Sécurité de mon espace » with two sessions and a remembered browser (Lila signed in on another
    browser too, remembered there), then after « Fermer » on that other session, with its notice."""
    site = re.match(r"https?://[^/]+", page.url)[0]
    other = page.context.browser.new_context(base_url=site, locale="fr-FR", user_agent=FIREFOX)
    other.set_default_timeout(5000)
    sign_in(other.new_page(), EMAIL, PASSWORD, remember=True)
    page.goto("/espace/securite/")
    expect(page.get_by_role("main").get_by_role("button", name=re.compile("^Fermer la session Firefox"))).to_have_count(1)
    tour("securite", "page")
    person.press(re.compile("^Fermer la session Firefox sur Windows"))
    expect(page.locator("#notices")).to_contain_text("a été fermée")
    tour("securite", "succes")
    other.close()


@pytest.fixture(scope="module", params=["js", "nojs"])
def tour(request, browser, axe, tmp_path_factory):
    """One walk through the whole sample, in a fresh app, with JavaScript (htmx) or without."""
    mode = request.param
    tmp = tmp_path_factory.mktemp(f"rgaa-{mode}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSTANCE_PATH", str(tmp / "instance"))
        reset_shared_servers()
        app = create_app(settings_for(tmp, WTF_CSRF_ENABLED=True))
        limited_dir = tmp / "limited"
        limited_dir.mkdir()
        patch.setenv("INSTANCE_PATH", str(limited_dir / "instance"))
        limited = create_app(settings_for(limited_dir, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True,
                                          RATE_RESET="1 per hour"))
        with LiveServer(app) as live, LiveServer(limited) as limited_live:
            context = _context(browser, live, java_script_enabled=(mode == "js"))
            page = context.new_page()
            measured = Tour(page, mode, axe)

            def errors(tour, page, person):
                """429 on a server whose limits are on; then 503 with the database gone."""
                for _ in range(2):
                    page.goto(limited_live.url + "/mot-de-passe-oublie")
                    person.fill("Adresse électronique de connexion", BERNARD_EMAIL)
                    person.fill("Recopiez les caractères de l'image", CAPTCHA)
                    person.press("Continuer")
                expect(page.get_by_role("main")).to_contain_text("Trop de tentatives")
                tour("erreur-429", "page")
                page.goto(live.url + "/opter/numero")
                page.wait_for_load_state()
                reachable = db.obj
                db.initialize(open_database(f"sqlite:///{tmp / 'absent' / 'espace.sqlite3'}"))
                try:
                    person.fill("Numéro d'abonné", LILA)
                    person.press("Continuer")
                    expect(page.get_by_role("main")).to_contain_text("momentanément indisponible")
                    tour("erreur-503", "page")
                finally:
                    db.initialize(reachable)

            walk(measured, page, Mouse(page), errors)
            context.close()
    return measured


def failures(tour, judge):
    """Each state's failures, as « page/state: what »."""
    found = []
    for (page_id, state), record in tour.records.items():
        found += [f"{page_id}/{state} [{tour.mode}]: {problem}" for problem in judge(record, page_id, state)]
    return found


def test_the_tour_visits_every_page_and_state_of_the_sample(tour):
    expected = {(p["id"], s) for p in SAMPLE if not p.get("pending") for s in p["states"]}
    assert set(tour.records) == expected


def test_titles_are_present_unique_and_name_the_page(tour):
    """RGAA 8.5, 8.6: every state has a title ending with the site's name; an error state's title
    starts with « Erreur : »; the title names the page (its words are in its main heading, the step
    in the stepper, or the error page); two pages never share a title."""
    owners = {}

    def judge(record, page_id, state):
        title = record["title"]
        if not title.endswith(SITE):
            yield f"title « {title} » does not end with the site's name"
        error = state.startswith("erreur")
        if error != title.startswith("Erreur : "):
            yield f"title « {title} » and the error state disagree"
        name = title.removeprefix("Erreur : ").removesuffix(SITE)
        first = re.sub(r"^Étape \d+ sur \d+ – ", "", name).split(" – ")[0]
        headings = " ".join(h["text"] for h in record["headings"])
        main_text = record["frenchText"]
        if first.split(" (")[0] not in headings and first not in main_text:
            yield f"title « {name} » names nothing the page shows"
        if record["url"] == PAGES[page_id]["url"]:
            owners.setdefault(name, set()).add(page_id)

    found = failures(tour, judge)
    found += [f"title « {name} » shared by {sorted(ids)}" for name, ids in owners.items() if len(ids) > 1]
    assert found == [], "\n".join(found)


def test_the_generated_source_of_every_state_is_valid_html(tour, tmp_path):
    """RGAA 8.1, 8.2: each state's generated source (the DOM, after htmx and app.js when they run)
    has the HTML doctype and is valid for the Nu Html Checker, htmx's hx-* attributes aside."""
    paths = []
    for (page_id, state), record in tour.records.items():
        assert record["html"].lower().startswith("<!doctype html>"), f"{page_id}/{state}"
        path = tmp_path / f"{page_id}--{state}.html"
        path.write_text(record["html"], encoding="utf-8")
        paths.append(str(path))
    errors = validate(paths)
    assert [e for e in errors if not HTMX_ATTRIBUTE.match(e[2])] == []


def test_headings_start_at_level_1_and_skip_no_level(tour):
    """RGAA 9.1: one h1 first, then no level skipped on the way down."""
    def judge(record, page_id, state):
        levels = [h["level"] for h in record["headings"]]
        if not levels or levels.count(1) != 1 or levels[0] != 1:
            yield f"headings {levels}: one h1, first"
        for before, after in zip(levels, levels[1:]):
            if after > before + 1:
                yield f"h{before} then h{after}: a level skipped"
        if any(not h["text"] for h in record["headings"]):
            yield "an empty heading"

    found = failures(tour, judge)
    assert found == [], "\n".join(found)


# Words a screen reader would mispronounce with a French voice, had they slipped into the text
# without a lang attribute (RGAA 8.7). The service writes everything in French.
FOREIGN = re.compile(r"\b(password|e-?mail|login|log in|sign in|sign out|submit|download|upload|"
                     r"cookie|loading|skip to|home page|settings|security|history|account)\b", re.I)
VALID_LANGS = {"fr", "en", "de", "es", "it"}


def test_the_language_is_french_and_every_change_is_marked(tour):
    """RGAA 8.3, 8.4, 8.7, 8.8: lang="fr"; no foreign word outside an element with its own lang;
    every lang attribute a valid code."""
    def judge(record, page_id, state):
        if record["lang"] != "fr":
            yield f'lang="{record["lang"]}"'
        for lang in record["langs"]:
            if lang.split("-")[0] not in VALID_LANGS:
                yield f'lang="{lang}" is not a language code'
        for word in sorted({m.group(0) for m in FOREIGN.finditer(record["frenchText"])}):
            yield f"« {word} » read with a French voice"

    found = failures(tour, judge)
    assert found == [], "\n".join(found)


def test_two_navigation_systems_skip_link_and_the_same_header_and_footer_everywhere(tour):
    """RGAA 12.1, 12.2, 12.4, 12.6, 12.7: the « Accès rapide » menu and the « Plan du site » in the
    footer on every page, both identical everywhere; one main region; the first link and the first
    focus stop is « Aller au contenu », which leads to the main region."""
    reference = tour.records[("accueil", "page")]

    def judge(record, page_id, state):
        if record["header"] is None or "Accès rapide" not in record["navs"]:
            yield "no header with the « Accès rapide » menu"
        elif [label for label, _ in record["header"]["links"]] != [label for label, _ in reference["header"]["links"]]:
            # The same links in the same order; signed in, « Votre espace professionnel » leads to the space
            # itself instead of the login (issue 15), and « Se déconnecter » is a button beside them.
            yield f"header differs: {record['header']['links']}"
        if record["footer"] is None or record["footer"]["links"] != reference["footer"]["links"]:
            yield f"footer differs: {record['footer']}"
        elif ["Plan du site", "/plan-du-site"] not in record["footer"]["links"]:
            yield "no « Plan du site » link in the footer"
        if record["mains"] != 1 or record["mainId"] != "contenu":
            yield f"{record['mains']} main regions, id {record['mainId']}"
        if record["firstLink"] != ["Aller au contenu", "#contenu"]:
            yield f"first link {record['firstLink']}"
        stops = record["focus"]["stops"]
        if not stops or stops[0]["label"] != "Aller au contenu" or stops[0]["y"] < 0 or stops[0]["x"] < 0:
            yield "the skip link is not the first focus stop, visible"

    found = failures(tour, judge)
    assert ["Plan du site", "/plan-du-site"] in reference["footer"]["links"]
    assert found == [], "\n".join(found)


def test_the_site_map_lists_every_public_page_and_procedure_entry(tour):
    """RGAA 12.3: the « Plan du site » links every public page and the entry of each procedure."""
    record = tour.records[("plan-du-site", "page")]
    assert record["title"] == "Plan du site" + SITE
    for name in ("Accueil", "Fiches focus sur les téléprocédures", "Aide et assistance", "Déclaration d'accessibilité",
                 "Opter pour l'accès avec une adresse électronique et un mot de passe",
                 "Activez votre espace professionnel", "Connexion à mon espace professionnel", "Mot de passe oublié",
                 "Gérer vos coordonnées", "Changer d'adresse électronique", "Changer de mot de passe", "Historique",
                 "Sécurité de mon espace"):
        assert name in record["frenchText"], name


def test_every_focus_stop_shows_a_contrasted_focus_indicator(tour):
    """RGAA 10.7 (and WCAG 2.4.13's measure): screenshots of each focus stop, focused and not; the
    pixels that change with a contrast of 3:1 or more cover at least the area of a 2 px ring around it."""
    def judge(record, page_id, state):
        for stop in record["focus"]["stops"]:
            if stop["tag"] == "audio":  # the browser's own controls draw their focus (RGAA 3.3 particular case)
                continue
            needed = 2 * min(stop["perimeter"], 2 * (1024 + 800))  # a 2 px ring, within the window
            if stop["indicator"] < needed:
                yield f"{stop['tag']} « {stop['label']} »: {stop['indicator']} contrasted pixels, {needed:.0f} needed"

    found = failures(tour, judge)
    assert found == [], "\n".join(found)


def test_tab_order_follows_the_page_and_reaches_everything_without_a_trap(tour):
    """RGAA 12.8, 12.9, 12.10, 12.11, 7.3: Tab follows the source order, reaches every focusable element
    and leaves the page at the end; no positive tabindex; no single-key shortcut (accesskey)."""
    def judge(record, page_id, state):
        stops = record["focus"]["stops"]
        orders = [s["order"] for s in stops]
        if orders != sorted(orders):
            yield f"Tab order is not the source order: {[s['label'] for s in stops]}"
        if len(stops) != record["focus"]["tabbable"]:
            yield f"{len(stops)} focus stops for {record['focus']['tabbable']} focusable elements"
        if record["positiveTabindex"] or record["accesskeys"]:
            yield "positive tabindex or accesskey"

    found = failures(tour, judge)
    assert found == [], "\n".join(found)


def test_content_reflows_at_320_px_wide_and_256_px_high(tour):
    """RGAA 10.11: no horizontal scrolling in a 320 × 256 window."""
    found = failures(tour, lambda r, *_: [f"{r['reflow'][0]} px wide"] if r["reflow"][0] > r["reflow"][1] else [])
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("tour", ["js"], indirect=True)
def test_axe_core_finds_nothing(tour):
    """Every rule of axe-core 4.12 (WCAG 2.2's target size included) on every state of the sample:
    among others contrast (RGAA 3.2), names of links, buttons and fields (6.2, 11.1), ARIA (7.1),
    lists (9.3), tables (5.6, 5.7), landmarks (12.6), hidden content (10.8)."""
    found = failures(tour, lambda r, *_: r["axe"])
    assert found == [], "\n".join(found)


def test_text_at_200_percent_stays_readable(tour):
    """RGAA 10.4: the text alone at 200 %: nothing cut, nothing over other text."""
    found = failures(tour, lambda r, *_: r["text200"])
    assert found == [], "\n".join(found)


def test_without_styles_everything_is_there_in_reading_order(tour):
    """RGAA 10.1, 10.2, 10.3: every word shown with the style sheets is there without them; nothing is
    placed on screen away from its place in the source (no CSS order, reversed flex or positioning)."""
    def judge(record, page_id, state):
        if record["lostWithoutStyles"]:
            yield f"lost without styles: {record['lostWithoutStyles'][:10]}"
        if record["moved"]:
            yield f"placed away from the source order: {record['moved']}"

    found = failures(tour, judge)
    assert found == [], "\n".join(found)


def test_the_pages_hold_what_the_grid_says(tour):
    """What each page holds (captcha, sound, table, fields…) decides where a criterion applies; the
    grid's `holds` list for each page (docs/accessibility/sample.yaml) must be what the tour saw, in
    every state, and nothing the grid calls absent everywhere (frames, video, quotes…) exists."""
    absent = ("frame", "video", "object", "canvas", "svg", "complexTable", "layoutTable", "quote", "dir",
              "blinking", "animations", "optgroup")
    seen = {}
    for (page_id, state), record in tour.records.items():
        inventory = record["inventory"]
        seen.setdefault(page_id, set()).update(k for k, v in inventory.items() if v and k not in absent + ("captionedTable",))
        assert [k for k in absent if inventory[k]] == [], f"{page_id}/{state}: {inventory}"
        if inventory["table"] != inventory["captionedTable"]:
            raise AssertionError(f"{page_id}/{state}: a table without caption or header cells")
    declared = {p["id"]: set(p.get("holds", [])) for p in SAMPLE if not p.get("pending")}
    differ = {page: sorted(seen[page]) for page in seen if seen[page] != declared.get(page)}
    assert differ == {}, f"the pages hold (set these in sample.yaml): {differ}"


def test_text_spacing_cuts_and_overlaps_nothing(tour):
    """RGAA 10.12 (WCAG 1.4.12): line height 1.5, letter spacing 0.12 em, word spacing 0.16 em,
    paragraph spacing 2 em: no text cut by its box, no text over other text."""
    found = failures(tour, lambda r, *_: r["spacing"])
    assert found == [], "\n".join(found)


def test_no_content_appears_on_hover_or_focus(tour):
    """RGAA 10.13, 10.14, 12.11: focusing or hovering any element shows nothing else (no tooltip,
    no menu); so there is no such content to dismiss, keep or reach."""
    def judge(record, page_id, state):
        for stop in record["focus"]["stops"]:
            if stop["on_focus"]:
                yield f"focus on « {stop['label']} » shows {stop['on_focus']} element(s)"
            if stop["on_hover"]:
                yield f"hover on « {stop['label']} » shows {stop['on_hover']} element(s)"
            if stop["title"]:
                yield f"« {stop['label']} » has a title tooltip"

    found = failures(tour, judge)
    assert found == [], "\n".join(found)


# The purpose of each field (RGAA 11.13, WCAG 1.3.5), by its name: what autocomplete must say.
AUTOCOMPLETE = {
    "login-email": {"off"},  # the address chosen at step 3, shown read-only
    "number": {"off"}, "answer1": {"off"}, "answer2": {"off"}, "answer3": {"off"}, "answer": {"off"},
    "email": {"username", "email"}, "email_confirm": {"email", "off"},
    "password": {"new-password", "current-password"}, "password_confirm": {"new-password"},
    "current_password": {"current-password"}, "question": {None, "off"},
    "code": {"one-time-code", "off"}, "captcha": {"off"}, "remember": {None},
    "phone": {"tel"}, "address": {"street-address"}, "postcode": {"postal-code"}, "city": {"address-level2"},
}
# Fields whose value has a format: the format is said in a hint tied to the field (a new password's
# rules; the current password has none to say).
FORMATTED = {"number", "email", "code", "captcha", "phone", "address", "postcode"}


def test_every_field_is_labelled_with_its_purpose_requirement_and_format(tour):
    """RGAA 11.1, 11.2, 11.10, 11.11, 11.13: a visible label; autocomplete says the purpose; a required
    field is marked « * » (explained on the page) and required; a field with a format has a hint tied
    to it; a field in error points to its message."""
    def judge(record, page_id, state):
        for f in record["fields"]:
            if not f["visible"]:
                continue
            name = f["name"] or f["id"]
            if not any(label["visible"] and label["text"] for label in f["labels"]):
                yield f"{name}: no visible label"
            if name not in AUTOCOMPLETE:
                yield f"{name}: purpose unknown to this test (add it to AUTOCOMPLETE)"
            elif f["autocomplete"] not in AUTOCOMPLETE[name]:
                yield f"{name}: autocomplete={f['autocomplete']!r}"
            if f["required"] != f["star"]:
                yield f"{name}: required={f['required']} but « * » shown={f['star']}"
            if f["star"] and "astérisque" not in record["frenchText"]:
                yield f"{name}: « * » not explained"
            formatted = name in FORMATTED or f["autocomplete"] == "new-password" and name == "password"
            if formatted and not f["describedby"]:
                yield f"{name}: no hint tied to the field"
            if f["invalid"] and not any(text.startswith("Erreur") for text in f["describedby"]):
                yield f"{name}: in error, but its message is not tied to it"

    found = failures(tour, judge)
    assert found == [], "\n".join(found)


def test_status_messages_are_in_live_regions(tour):
    """RGAA 7.5: every message (notice, success, error summary) is in a live region; the page keeps an
    empty polite region for what app.js announces after an htmx swap."""
    def judge(record, page_id, state):
        if record["announcer"] != ["status", "polite"]:
            yield f"announcer {record['announcer']}"
        for notice in record["notices"]:
            if not notice["live"]:
                yield f"« {notice['text']} » is not in a live region"

    found = failures(tour, judge)
    assert found == [], "\n".join(found)


def test_no_page_refreshes_itself_or_opens_a_window(tour):
    """RGAA 13.1 (no meta refresh or redirect on a timer), 13.2 (no new window)."""
    found = failures(tour, lambda r, *_: ["meta refresh"] * r["metaRefresh"] + ["new window"] * r["newWindows"])
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("tour", ["js"], indirect=True)
def test_the_accessibility_tree_of_every_screen_matches_its_reviewed_snapshot(tour):
    """What a screen reader reads, screen by screen, against tests/browser/aria/*.yaml (reviewed).
    RGAA_ARIA_UPDATE=1 writes them anew: review the diff before committing it."""
    changed = []
    for (page_id, state), record in sorted(tour.records.items()):
        golden = ARIA / f"{page_id}--{state}.yaml"
        if UPDATE_ARIA:
            ARIA.mkdir(exist_ok=True)
            golden.write_text(record["aria"] + "\n")
        elif not golden.exists() or golden.read_text() != record["aria"] + "\n":
            before = golden.read_text().splitlines() if golden.exists() else []
            diff = difflib.unified_diff(before, record["aria"].splitlines(), golden.name, "now", lineterm="", n=1)
            changed.append("\n".join(diff))
    assert changed == [], "accessibility tree changed (RGAA_ARIA_UPDATE=1 to review):\n" + "\n".join(changed)

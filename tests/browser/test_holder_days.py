"""Three days of a professional's life in Chromium, as they are lived: Bernard signs in from his
office (Firefox on Windows, remembered, with JavaScript), his laptop (Safari on a Mac, never
remembered, without JavaScript) and a reception desk he shares (Chromium, by keyboard only), while
a stranger guesses his password from a fourth browser. The clock moves between the days
(time-machine): sessions end when idle, pending requests wait for him, and every change made on one
browser is what the others meet next. axe-core runs on the pages met with JavaScript."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from conftest import BERNARD_PASSWORD
from playwright.sync_api import expect

from .conftest import _context
from .journey import Keyboard, Mouse, log_in, log_in_past_the_captcha, newest_mail, signed_out_with
from .test_accessibility import Audit

pytestmark = pytest.mark.browser

BERNARD = "toto321@toto.toto"
NEW = "bernard.douasbin@example.fr"
NEW_PASSWORD = "Douasbin2026PecheAuLancer"
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)  # 09:00 in Paris
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.5 Safari/605.1.15")
WRONG = "incorrect"


def workstation(browser, live, user_agent=None, javascript=True):
    options = {"user_agent": user_agent} if user_agent else {}
    return _context(browser, live, java_script_enabled=javascript, **options).new_page()


def activate(person, locator):
    """Press a button found by the test (a name that says its row): Space by keyboard, else a click."""
    if isinstance(person, Keyboard):
        person.focus(locator)
        person.page.keyboard.press("Space")
    else:
        locator.click()


def test_three_days_three_browsers_and_a_stranger(browser, live, scan):
    office = Mouse(workstation(browser, live, FIREFOX_WINDOWS))
    laptop = Mouse(workstation(browser, live, SAFARI_MAC, javascript=False))
    desk = Keyboard(workstation(browser, live))
    stranger = Mouse(workstation(browser, live))
    audit_office, audit_desk = Audit(office.page, scan), Audit(desk.page, scan)

    with time_machine.travel(MONDAY, tick=True) as clock:
        # Monday 09:00. The office is remembered; the laptop is not. Each new browser is told once.
        log_in(office, BERNARD, BERNARD_PASSWORD, remember=True)
        assert "Firefox sur Windows" in newest_mail(office.page.context, "Connexion depuis un nouveau navigateur")
        clock.shift(timedelta(minutes=5))
        log_in(laptop, BERNARD, BERNARD_PASSWORD)
        assert "Safari sur Mac OS X" in newest_mail(laptop.page.context, "Connexion depuis un nouveau navigateur")

        # 09:10. A stranger guesses: nine refusals, and from the tenth the address asks a captcha of
        # every browser that is not remembered, until a time said in Paris time, even with the right
        # password; Bernard is told by e-mail.
        clock.shift(timedelta(minutes=5))
        stranger.page.goto("/connexion")
        captcha_asked = re.compile(r"recopiez aussi les caractères de l'image .* prend fin le .*\d\dh\d\d \(heure de Paris\)")
        for guess in range(10):
            stranger.fill("Adresse électronique", BERNARD)
            stranger.fill("Mot de passe", f"Devine{guess}Devine{guess}Devine")
            stranger.press("Connexion")
            expect(stranger.page.get_by_role("main")).to_contain_text(
                captcha_asked if guess == 9 else re.compile("Adresse électronique ou mot de passe incorrect."))
        stranger.fill("Adresse électronique", BERNARD)
        stranger.fill("Mot de passe", BERNARD_PASSWORD)
        stranger.press("Connexion")
        expect(stranger.page.get_by_role("main")).to_contain_text(captcha_asked)
        expect(stranger.page).to_have_url(re.compile(r"/connexion$"))
        assert "Mot de passe oublié" in newest_mail(office.page.context, "Tentatives de connexion infructueuses")

        # 09:15. The office, remembered, is not concerned: password alone, no captcha, no code.
        clock.shift(timedelta(minutes=5))
        office.press("Se déconnecter")
        log_in(office, BERNARD, BERNARD_PASSWORD, expect_code=False)
        audit_office("lundi-bureau-malgre-les-essais")
        # The laptop is asked for the captcha, and with it comes in (the code still asked).
        laptop.press("Se déconnecter")
        log_in_past_the_captcha(laptop, BERNARD, BERNARD_PASSWORD)

        # Tuesday 08:45. Yesterday's sessions ended while idle; the office is still remembered.
        clock.shift(timedelta(hours=23, minutes=30))
        # (A day on, the server no longer keeps the ended session: it simply asks to sign in.)
        signed_out_with(office.page, "Connectez-vous pour accéder à votre espace professionnel.")
        log_in(office, BERNARD, BERNARD_PASSWORD, expect_code=False)
        expect(office.page).to_have_url(re.compile(r"/espace/$"))
        # He asks for a new address, and is called away before typing the code.
        office.follow("Changer d'adresse électronique")
        office.fill("Nouvelle adresse électronique", NEW)
        office.fill("Confirmation de la nouvelle adresse électronique", NEW)
        office.fill("Mot de passe actuel", BERNARD_PASSWORD)
        office.press("Continuer")
        expect(office.page).to_have_url(re.compile(r"/espace/adresse-electronique/confirmation$"))
        mail = newest_mail(office.page.context, "Confirmez votre nouvelle adresse")
        code = re.search(r"code de changement d'adresse : (\w{12})", mail).group(1)
        link = re.search(r"(http\S+/espace/adresse-electronique/confirmation\S*)", mail).group(1)

        # 09:00, at the reception desk, by keyboard: the e-mail's link, signed out, asks to sign in
        # (a new browser: the code) and then leads to the step it named.
        clock.shift(timedelta(minutes=15))
        desk.page.goto(link)
        expect(desk.page).to_have_url(re.compile(r"/connexion\?suite="))
        log_in(desk, BERNARD, BERNARD_PASSWORD)
        expect(desk.page).to_have_url(re.compile(r"/espace/adresse-electronique/confirmation$"))
        desk.fill("Code de changement d'adresse", code)
        desk.press("Valider")
        expect(desk.page.get_by_role("main")).to_contain_text(f"Votre adresse électronique de connexion est désormais {NEW}")
        audit_desk("mardi-adresse-modifiee")
        # On « Sécurité de mon espace »: this session and the office's; the office remembered.
        desk.page.goto("/espace/")
        desk.follow("Sécurité de mon espace")
        main = desk.page.get_by_role("main")
        expect(main.get_by_role("heading", name=re.compile(r"^HeadlessChrome sur Linux cette session$"))).to_be_visible()
        expect(main.get_by_role("heading", name=re.compile(r"^Firefox sur Windows"))).to_have_count(2)
        expect(main.get_by_role("heading", name=re.compile(r"^Safari"))).to_have_count(0)  # ended yesterday
        audit_desk("mardi-securite")
        # He closes the office's session from here: the office finds itself signed out.
        activate(desk, main.get_by_role("button", name=re.compile(r"^Fermer")))
        expect(desk.page.locator("#notices")).to_contain_text("a été fermée")
        audit_desk("mardi-session-fermee")
        signed_out_with(office.page, "Votre session a été fermée depuis la page")
        activate(desk, desk.page.get_by_role("navigation", name="Accès rapide").get_by_role("button", name="Se déconnecter"))
        expect(desk.page).to_have_url(re.compile(r"/connexion$"))

        # Wednesday 14:00, on the laptop: the new address; the stranger's captcha is long over.
        clock.shift(timedelta(days=1, hours=5))
        laptop.page.goto("/connexion")
        laptop.fill("Adresse électronique", BERNARD)
        laptop.fill("Mot de passe", BERNARD_PASSWORD)
        laptop.press("Connexion")
        expect(laptop.page.get_by_role("main")).to_contain_text("Adresse électronique ou mot de passe incorrect.")
        log_in(laptop, NEW, BERNARD_PASSWORD)
        # He changes his password here: the others' sessions end, the office is forgotten.
        laptop.follow("Changer de mot de passe")
        laptop.fill("Mot de passe actuel", BERNARD_PASSWORD)
        laptop.fill("Nouveau mot de passe", NEW_PASSWORD)
        laptop.fill("Confirmation du nouveau mot de passe", NEW_PASSWORD)
        laptop.press("Valider")
        expect(laptop.page.get_by_role("main")).to_contain_text(
            "les navigateurs mémorisés, sauf celui où le changement a été fait, ont été oubliés")

        # 14:20, the office: the old password is refused; the new one asks the code again.
        clock.shift(timedelta(minutes=20))
        office.page.goto("/connexion")
        office.fill("Adresse électronique", NEW)
        office.fill("Mot de passe", BERNARD_PASSWORD)
        office.press("Connexion")
        expect(office.page.get_by_role("main")).to_contain_text("Adresse électronique ou mot de passe incorrect.")
        log_in(office, NEW, NEW_PASSWORD, remember=True)
        office.follow("Sécurité de mon espace")
        main = office.page.get_by_role("main")
        expect(main.get_by_role("heading", name=re.compile(r"^Firefox sur Windows cette session$"))).to_be_visible()
        expect(main.get_by_role("heading", name=re.compile(r"^Safari sur Mac OS X$"))).to_have_count(1)
        audit_office("mercredi-securite")
        # His history tells the three days, newest first.
        office.page.goto("/espace/historique")
        history = office.page.get_by_role("main").inner_text()
        for line in ("Mot de passe modifié", "Adresse électronique de connexion modifiée", "Session fermée sur un autre appareil"):
            assert line in history, line

    for page in (office.page, laptop.page, desk.page, stranger.page):
        page.context.close()
    found = audit_office.found + audit_desk.found
    assert found == [], "\n".join(found)

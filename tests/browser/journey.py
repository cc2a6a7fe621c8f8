"""What a person does in the browser, three ways: clicking with htmx, clicking without JavaScript,
and by keyboard only. Elements are found by role and label, as assistive technology finds them."""
import re

from conftest import CAPTCHA, LILA, LILA_ANSWERS, PASSWORD
from playwright.sync_api import expect

EMAIL = "lila.pro@example.fr"
SITE = "Espace professionnel"
OPTION = "Opter pour l'accès sans certificat"
ACTIVATION = "Activez votre espace / vos services"
OPTION_STEPS = ("Numéro d'abonné", "Vérification", "Identifiants", "Question", "Validation")
ACTIVATION_STEPS = ("Code d'activation", "Identifiants", "Récapitulatif")
SIGNIN = "Connexion à mon espace professionnel"
SIGNIN_STEPS = ("Identifiants", "Code de confirmation")


def step_title(procedure, steps, n):
    return f"Étape {n} sur {len(steps)} – {steps[n - 1]} – {procedure} – {SITE}"


def labelled(page, label):
    """The field of that label; a required field's label ends with its « * »."""
    return page.get_by_label(re.compile("^" + re.escape(label) + r"( \*)?$"))


def newest_mail(context, subject):
    """The text of the newest e-mail whose subject matches, read in the development outbox in a tab
    of its own. Where mail leaves through the queue (MAIL_SENDER=worker, the production shape), the
    sender delivers it a moment after the answer: while the outbox still shows a message of that
    subject (or a « Mot de passe oublié » request) waiting to be sent, look again, as a person
    would, for up to 10 s — an older message of the same subject is not the one just asked for."""
    mailbox = context.new_page()
    mailbox.goto("/outbox/")
    pattern = re.compile(subject)
    link = mailbox.get_by_role("link", name=pattern).first
    waiting = mailbox.locator("#waiting tr.pending").filter(has_text=re.compile(subject + "|Mot de passe oublié"))
    for _ in range(40):
        if link.count() and not waiting.count():
            break
        mailbox.wait_for_timeout(250)
        mailbox.reload()
    link.click()
    text = mailbox.locator("pre.mail-text").inner_text()
    mailbox.close()
    return text


def activation_code(context):
    """The last e-mailed activation code."""
    return re.search(r"code d'activation : (\w{12})", newest_mail(context, "code d'activation")).group(1)


class Mouse:
    """Clicks and typing into fields located by label."""

    def __init__(self, page):
        self.page = page

    def follow(self, name):
        self.page.get_by_role("main").get_by_role("link", name=name, exact=True).click()

    def fill(self, label, value):
        labelled(self.page, label).fill(value)

    def choose(self, label, option):
        labelled(self.page, label).select_option(option)

    def press(self, name):
        self.page.get_by_role("button", name=name, exact=True).click()

    def check(self, label):
        self.page.get_by_label(label, exact=True).check()


class Keyboard(Mouse):
    """Tab / Shift+Tab to reach an element, Enter on links, Space on buttons; never a click."""

    def focus(self, locator, limit=60):
        """Tab forwards to an element after the focus, Shift+Tab back to one before it."""
        target = locator.element_handle()
        backwards = self.page.evaluate(
            "el => !!(el.compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)", target)
        key = "Shift+Tab" if backwards else "Tab"
        path = []
        for _ in range(limit):
            self.page.keyboard.press(key)
            if self.page.evaluate("el => el === document.activeElement", target):
                return
            path.append(self.page.evaluate(
                "() => { const e = document.activeElement; return e.tagName + ' ' + (e.innerText || e.name || e.id || '').slice(0, 30); }"))
        raise AssertionError(f"{key} never reached {locator}; focus went through {path}")

    def follow(self, name):
        self.focus(self.page.get_by_role("main").get_by_role("link", name=name, exact=True))
        self.page.keyboard.press("Enter")

    def fill(self, label, value):
        self.focus(labelled(self.page, label))
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(value)

    def choose(self, label, option):
        select = labelled(self.page, label)
        self.focus(select)
        for _ in range(10):
            if select.evaluate("s => s.options[s.selectedIndex].text") == option:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"« {option} » is not in « {label} »")

    def press(self, name):
        self.focus(self.page.get_by_role("button", name=name, exact=True))
        self.page.keyboard.press("Space")

    def check(self, label):
        box = self.page.get_by_label(label, exact=True)
        self.focus(box)
        if not box.is_checked():
            self.page.keyboard.press("Space")


def reach_wizard(page, person):
    """From `/` to the wizard's first step, by the seed's path: home, login, fiches, EP 4, option."""
    page.goto("/")
    expect(page).to_have_title(f"Accueil – {SITE}")
    person.follow("Votre espace professionnel")
    expect(page).to_have_title(f"Connexion à mon espace professionnel – {SITE}")
    person.follow("Aide : accéder aux fiches pratiques")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fiches focus sur les téléprocédures")
    person.follow("Fiche EP4 : Opter pour l'accès avec une adresse électronique et un mot de passe")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Optez pour un accès avec une adresse électronique et un mot de passe")
    person.follow("Opter pour l'accès avec une adresse électronique et un mot de passe")
    expect(page).to_have_url(re.compile(r"/opter/numero$"))
    expect(page).to_have_title(step_title(OPTION, OPTION_STEPS, 1))
    page.wait_for_load_state()  # htmx starts once the page has loaded


def whole_procedure(page, person, arrived):
    """The five steps, the activation and the login; `arrived(path, title)` checks each new step."""
    reach_wizard(page, person)
    person.fill("Numéro d'abonné", LILA)
    person.press("Continuer")
    arrived("/opter/verification", step_title(OPTION, OPTION_STEPS, 2))
    expect(page.get_by_text("Question n° 2 : Votre sport préféré ?")).to_be_visible()
    for n in (1, 2, 3):
        person.fill(f"Réponse n° {n}", LILA_ANSWERS[f"answer{n}"])
    person.press("Continuer")
    arrived("/opter/identifiants", step_title(OPTION, OPTION_STEPS, 3))
    expect(labelled(page, "Adresse électronique")).to_have_value("lila.rosemonde@orange.fr")
    person.fill("Adresse électronique", EMAIL)
    person.fill("Confirmation de l'adresse électronique", EMAIL)
    person.fill("Mot de passe", PASSWORD)
    person.fill("Confirmation du mot de passe", PASSWORD)
    person.press("Continuer")
    arrived("/opter/question", step_title(OPTION, OPTION_STEPS, 4))
    expect(page.get_by_label("Adresse électronique de connexion")).to_have_value(EMAIL)
    person.choose("Question de confiance", "Votre sport préféré ?")
    person.fill("Réponse à la question de confiance", "Équitation")
    person.press("Valider")
    arrived("/opter/validation", step_title(OPTION, OPTION_STEPS, 5))
    expect(page.locator("#step-heading")).to_have_text("ROSEMONDE Lila")

    code = activation_code(page.context)
    person.follow("Activez votre espace professionnel")
    expect(page).to_have_url(re.compile(r"/activation/$"))
    expect(page).to_have_title(step_title(ACTIVATION, ACTIVATION_STEPS, 1))
    page.wait_for_load_state()
    person.fill("Saisissez le code d'activation", code)
    person.fill("Recopiez les caractères de l'image", CAPTCHA)
    person.press("Continuer")
    arrived("/activation/identifiants", step_title(ACTIVATION, ACTIVATION_STEPS, 2))
    person.fill("Saisissez votre adresse électronique de connexion", EMAIL)
    person.press("Continuer")
    arrived("/activation/recapitulatif", step_title(ACTIVATION, ACTIVATION_STEPS, 3))
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"Votre inscription a été réalisée le \d+ \w+ \d{4} sous le numéro " + LILA))

    person.follow("Accédez à vos services en ligne")
    expect(page).to_have_url(re.compile(r"/connexion$"))
    person.fill("Adresse électronique", EMAIL)
    person.fill("Mot de passe", PASSWORD)
    person.press("Connexion")
    confirm_sign_in(page, person)
    expect(page).to_have_title(f"Mon espace professionnel – {SITE}")
    main = page.get_by_role("main")
    expect(main).to_contain_text(LILA)
    expect(main.get_by_role("cell", name="ROSEMONDE CONSEIL SARL")).to_be_visible()


def signin_code(context):
    """The last e-mailed sign-in code."""
    return re.search(r"code de confirmation : (\d{6})", newest_mail(context, "code de confirmation")).group(1)


def confirm_sign_in(page, person, remember=False):
    """Step 2 of the sign-in: the code from the outbox, then « Valider », into the space."""
    expect(page).to_have_url(re.compile(r"/connexion/code$"))
    expect(page).to_have_title(step_title(SIGNIN, SIGNIN_STEPS, 2))
    page.wait_for_load_state()
    person.fill("Code de confirmation", signin_code(page.context))
    if remember:
        person.check("Se souvenir de ce navigateur")
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/$"))


def sign_in(page, email, password, remember=False):
    """From the login page into the space: every browser test signs in through here.

    A browser remembered for this space goes straight in; any other is asked for the code.
    """
    page.goto("/connexion")
    labelled(page, "Adresse électronique").fill(email)
    labelled(page, "Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion").click()
    expect(page).to_have_url(re.compile(r"/connexion/code$|/espace/$"))
    if page.url.endswith("/connexion/code"):
        confirm_sign_in(page, Mouse(page), remember)


def log_in(person, email, password, remember=False, expect_code=True):
    """The login page (its captcha already typed, if it asked one), then the code if this browser is
    asked for it; the password must be right."""
    page = person.page
    if "/connexion" not in page.url:
        page.goto("/connexion")
    person.fill("Adresse électronique", email)
    person.fill("Mot de passe", password)
    person.press("Connexion")
    # Wait for the answer: the code step, or the space (or the page asked for) straight away. In the
    # path only: the login page's own address may name a page of the space (« ?suite=/espace/… »).
    expect(page).to_have_url(re.compile(r"^[^?]*(/connexion/code|/espace/[^?]*)(\?.*)?$"))
    if page.url.endswith("/connexion/code"):
        assert expect_code, "a remembered browser was asked for the code"
        person.fill("Code de confirmation", signin_code(page.context))
        if remember:
            person.check("Se souvenir de ce navigateur")
        person.press("Valider")
    else:
        assert not expect_code, "this browser was not asked for the code"
    expect(page).not_to_have_url(re.compile(r"/connexion"))


def log_in_past_the_captcha(person, email, password):
    """A browser that is not remembered, on an address that asks the captcha: the right password is
    refused without it, then the captcha typed with it leads on to the code."""
    person.fill("Adresse électronique", email)
    person.fill("Mot de passe", password)
    person.press("Connexion")
    expect(person.page.get_by_role("main")).to_contain_text("recopiez aussi les caractères de l'image")
    person.fill("Recopiez les caractères de l'image", CAPTCHA)
    log_in(person, email, password)


def signed_out_with(page, message):
    page.goto("/espace/")
    expect(page).to_have_url(re.compile(r"/connexion$"))  # the space home is where sign-in leads anyway
    expect(page.get_by_role("main")).to_contain_text(message)

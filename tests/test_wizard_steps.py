"""Every step of every wizard, opened from whatever progress the session holds.

People press Back, keep old tabs and open e-mailed links in the tab they were using: a step's
URL can be opened with any other step's progress in the session. It renders, or redirects with a
message; never a 5xx. And a step whose precondition has gone in the database (the space converted
in another browser) says so and counts nothing.
"""
import html
import re

import pytest
from conftest import (BERNARD, BERNARD_EMAIL, BERNARD_PASSWORD, CLAUDE, CLAUDE_ANSWERS, LILA, LILA_ANSWERS, Forgotten,
                      Walk)

from espace.domain.clock import now
from espace.domain.errors import Refused
from espace.domain.identity import ALREADY_PASSWORD, MAX_ANSWER_FAILURES, verify_trust_answers
from espace.extensions import hasher
from espace.models import OutboxMessage, SigninCode, Space, db

SENT = "/mot-de-passe-oublie/message-envoye"


def page(response):
    return html.unescape(response.get_data(as_text=True))


def test_reset_sent_step_after_opening_the_link_in_the_same_browser(app, client, forgotten):
    """Back from the question to « message envoyé », once the link replaced the progress: no 500."""
    assert forgotten.ask().status_code == 303
    assert client.get(SENT).status_code == 200
    assert forgotten.open_link().status_code == 303
    assert client.get("/mot-de-passe-oublie/question").status_code == 200
    response = client.get(SENT)
    assert response.status_code in (200, 303), page(response)
    if response.status_code == 303:
        assert client.get(response.location).status_code == 200


def converted_elsewhere(app, stale_step):
    """A browser left at an EP 4 step while another one converts the same space to the end."""
    stale = app.test_client()
    walk = Walk(app, stale)
    assert walk.number().status_code == 303
    if stale_step >= 3:
        assert walk.answers().status_code == 303
    if stale_step >= 4:
        assert walk.credentials(email="stale@example.fr").status_code == 303
    other = Walk(app, app.test_client())
    other.activate(other.option())
    with app.app_context(), db.connection_context():
        assert Space.by_number(LILA).uses_password  # the precondition: converted meanwhile
    return stale, walk


def counters(app):
    with app.app_context(), db.connection_context():
        space = Space.by_number(LILA)
        return space.failed_answer_count, space.answers_locked_until


def test_a_stale_verification_tab_is_told_the_space_is_converted_and_counts_nothing(app):
    stale, walk = converted_elsewhere(app, stale_step=2)
    response = walk.answers(LILA_ANSWERS)
    assert response.status_code == 303 and response.location == "/opter/numero"
    assert ALREADY_PASSWORD in page(stale.get(response.location))
    assert counters(app) == (0, None)
    for answers in [LILA_ANSWERS] * MAX_ANSWER_FAILURES:  # the tab sent again, as people do
        assert walk.answers(answers).status_code == 303
    assert counters(app) == (0, None)
    # The space's own « Mot de passe oublié » question is not locked by it.
    forgotten = Forgotten(app, app.test_client())
    forgotten.ask("lila.pro@example.fr")
    forgotten.open_link()
    response = forgotten.answer("Équitation")
    assert response.status_code == 303 and response.location.endswith("/nouveau-mot-de-passe")


def test_a_stale_identifiers_tab_is_told_the_space_is_converted(app):
    stale, walk = converted_elsewhere(app, stale_step=3)
    response = walk.credentials(email="later@example.fr")
    assert response.status_code == 303 and response.location == "/opter/numero"
    assert ALREADY_PASSWORD in page(stale.get(response.location))


def test_a_stale_question_tab_sends_no_code_for_a_converted_space(app):
    stale, walk = converted_elsewhere(app, stale_step=4)
    with app.app_context(), db.connection_context():
        before = OutboxMessage.select().count()
    response = walk.question()
    assert response.status_code == 303 and response.location == "/opter/numero"
    assert ALREADY_PASSWORD in page(stale.get(response.location))
    with app.app_context(), db.connection_context():
        assert OutboxMessage.select().count() == before


def test_the_domain_refuses_answers_for_a_converted_space_without_counting(app):
    converted_elsewhere(app, stale_step=2)
    with app.app_context(), db.connection_context():
        space = Space.by_number(LILA)
        try:
            verify_trust_answers(space, list(LILA_ANSWERS.values()), hasher(), now())
        except Refused as refusal:
            assert refusal.message == ALREADY_PASSWORD
        else:
            raise AssertionError("answers accepted for a converted space")
    assert counters(app) == (0, None)


# Every wizard: its step URLs (method, path, form sent) and how a browser reaches each progress.
def option_until(step):
    def reach(app, client, n):
        walk = Walk(app, client)
        posts = (walk.number, walk.answers, lambda: walk.credentials(email=f"opt{n}@example.fr"), walk.question)
        for post in posts[:step]:
            assert post().status_code == 303
    return reach


def activation_until(step):
    def reach(app, client, n):
        number, answers = ((LILA, LILA_ANSWERS), (CLAUDE, CLAUDE_ANSWERS))[n]  # each converted once
        code = Walk(app, app.test_client()).option(number, answers, email=f"act{n}@example.fr")
        walk = Walk(app, client)
        if step >= 1:
            assert walk.code(code).status_code == 303
        if step >= 2:
            assert walk.connection_email(f"act{n}@example.fr").status_code == 303
    return reach


def signin_until(step):
    def reach(app, client, n):
        clear_signin_codes(app)
        walk = Walk(app, client)
        if step == 1:
            assert walk.password(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303
        if step == 2:
            assert walk.login(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303
    return reach


def reset_until(step):
    def reach(app, client, n):
        forgotten = Forgotten(app, client)
        if step == 1:
            assert forgotten.ask().status_code == 303
        if step >= 2:
            Forgotten(app, app.test_client()).ask()
            assert forgotten.open_link().status_code == 303
        if step >= 3:
            assert forgotten.answer().status_code == 303
    return reach


def email_change_until(step):
    def reach(app, client, n):
        clear_signin_codes(app)
        with app.app_context(), db.connection_context():
            email = Space.by_number(BERNARD).login_email  # changed by the GET pass of after_2
        assert Walk(app, client).login(email, BERNARD_PASSWORD).status_code == 303
        if step >= 1:
            assert client.post("/espace/adresse-electronique", data={
                "email": f"new{n}@example.fr", "email_confirm": f"new{n}@example.fr",
                "current_password": BERNARD_PASSWORD}).status_code == 303
        if step >= 2:
            with app.app_context(), db.connection_context():
                mail = OutboxMessage.select().where(OutboxMessage.recipient == f"new{n}@example.fr").get()
            code = re.search(r"code de changement d'adresse : (\w{12})", mail.text_body).group(1)
            assert client.post("/espace/adresse-electronique/confirmation", data={"code": code}).status_code == 303
    return reach


def clear_signin_codes(app):
    """Dozens of sign-ins in one test: no hourly cap on codes."""
    with app.app_context(), db.connection_context():
        SigninCode.delete().execute()


WIZARDS = {
    "option": (("/opter/numero", "/opter/verification", "/opter/identifiants", "/opter/question",
                "/opter/validation"), {f"after_{k}": option_until(k) for k in range(5)}),
    "activation": (("/activation/", "/activation/identifiants", "/activation/recapitulatif",
                    "/activation/recapitulatif.pdf"), {f"after_{k}": activation_until(k) for k in range(3)}),
    "signin": (("/connexion", "/connexion/code"), {f"after_{k}": signin_until(k) for k in range(3)}),
    "reset": (("/mot-de-passe-oublie", SENT, "/mot-de-passe-oublie/lien?jeton=x", "/mot-de-passe-oublie/question",
               "/mot-de-passe-oublie/nouveau-mot-de-passe"), {f"after_{k}": reset_until(k) for k in range(4)}),
    "credentials_change": (("/espace/adresse-electronique", "/espace/adresse-electronique/confirmation",
                            "/espace/adresse-electronique/modifiee", "/espace/mot-de-passe"),
                           {f"after_{k}": email_change_until(k) for k in range(3)}),
}
CASES = [pytest.param(name, state, path, id=f"{name}-{state}-{path}")
         for name, (paths, states) in WIZARDS.items() for state in states for path in paths]


def followed(client, response, hops=3):
    """The page a browser ends on (a redirect carries its message to the next page)."""
    while response.status_code in (302, 303) and hops:
        response, hops = client.get(response.location), hops - 1
    return response


@pytest.mark.parametrize("name, state, path", CASES)
def test_each_step_url_from_each_progress_renders_or_redirects(app, name, state, path):
    reach = WIZARDS[name][1][state]
    for n, method in enumerate(("GET", "POST")):
        client = app.test_client()
        reach(app, client, n)
        response = client.open(path, method=method, data={})
        assert response.status_code < 500, page(response)
        if response.status_code == 405:
            continue
        assert response.status_code in (200, 204, 303, 410, 422), response.status_code
        assert followed(client, response).status_code in (200, 204, 410, 422)


@pytest.mark.parametrize("path, previous", [
    ("/opter/verification", "/opter/numero"),
    ("/opter/identifiants", "/opter/verification"),
    ("/opter/question", "/opter/identifiants"),
])
def test_etape_precedente_leads_to_the_step_before_in_the_wizards_order(app, client, path, previous):
    """The Wizard gives each step `previous_url` from its own order of steps (no template retypes it)."""
    walk = Walk(app, client)
    assert walk.number().status_code == 303
    if path != "/opter/verification":
        assert walk.answers().status_code == 303
    if path == "/opter/question":
        assert walk.credentials().status_code == 303
    response = client.get(path)
    assert response.status_code == 200  # the step was reached
    links = re.findall(r'<a class="button button--secondary" href="([^"]+)"[^>]*>Etape précédente</a>', page(response))
    assert links == [previous]

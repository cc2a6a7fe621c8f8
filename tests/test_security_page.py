"""« Sécurité de mon espace » without JavaScript: remembered browsers, open sessions, their buttons,
the session's time limit and « Prolonger ma session », and `flask sessions N` for the assistance."""
import html
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from conftest import BERNARD, BERNARD_PASSWORD, LILA, Walk, signin_code_of

from espace.signin.devices import COOKIE
from espace.domain import security
from espace.models import Device, Event, OpenSession, OutboxMessage, SigninCode, Space, db

EMAIL = "toto321@toto.toto"
NEW_PASSWORD = "Douasbin2026PecheAuLancer"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.0 Mobile/15E148 Safari/604.1")
PAGE = "/espace/securite/"
OURS = {"Origin": "http://localhost"}


def text(response):
    return html.unescape(response.get_data(as_text=True))


def browser(app, agent=FIREFOX, remember=False, address="203.0.113.7"):
    """A client of its own (its User-Agent and address), signed in to Bernard's space, checked.

    It sends the Origin header of our pages, as a browser does with our forms.
    """
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=agent, REMOTE_ADDR=address, HTTP_ORIGIN="http://localhost")
    with app.app_context(), db.connection_context():
        SigninCode.delete().execute()  # browsers signing in by the dozen: no hourly cap on codes
    response = Walk(app, client).login(EMAIL, BERNARD_PASSWORD, remember=remember)
    assert response.location.endswith("/espace/"), text(response)
    assert client.get("/espace/").status_code == 200
    return client


def signed_in(client):
    response = client.get("/espace/")
    return response.status_code == 200 and "Mon espace professionnel" in text(response)


def rows(app, model, **where):
    with app.app_context(), db.connection_context():
        query = model.select()
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(query)


def events(app):
    with app.app_context(), db.connection_context():
        space = Space.by_number(BERNARD)
        return [e.kind for e in Event.select().where(Event.space == space.id).order_by(Event.id)]


def subjects(app):
    with app.app_context(), db.connection_context():
        return [m.subject for m in OutboxMessage.select().where(OutboxMessage.recipient == EMAIL)]


def mail_about(app, subject):
    with app.app_context(), db.connection_context():
        return (OutboxMessage.select().where(OutboxMessage.subject.startswith(subject))
                .order_by(OutboxMessage.id.desc()).first())


def public_ids(page_text, field):
    return re.findall(rf'name="{field}" value="([\w-]+)"', page_text)


def words(fragment):
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def row_buttons(page_text):
    """Each row's button: (its visible text, its accessible name, the row's heading and first date),
    the accessible name being all its text, the sr-only part included."""
    found = []
    for item in re.findall(r'<li class="security-item.*?</li>', page_text, flags=re.S):
        (inner,) = re.findall(r"<button[^>]*>(.*?)</button>", item, flags=re.S)
        visible = words(re.sub(r'<span class="sr-only">.*?</span>', "", inner, flags=re.S))
        heading = words(re.sub(r'<span class="tag">.*?</span>', "", re.search(r"<h3.*?</h3>", item, flags=re.S)[0]))
        since = words(re.search(r"<dd>(.*?)</dd>", item, flags=re.S)[1])  # « Mémorisé le » or « Ouverte le »
        found.append((visible, words(inner), (heading, since)))
    return found


# --- the page -------------------------------------------------------------------------


def test_the_space_links_to_the_page(app):
    home = text(browser(app).get("/espace/"))
    assert f'<a href="{PAGE}">Sécurité de mon espace</a>' in home


def test_signed_out_the_page_leads_to_the_login(client):
    response = client.get(PAGE)
    assert response.status_code == 303 and response.location.split("?")[0].endswith("/connexion")


def test_it_lists_remembered_browsers_and_open_sessions_this_one_marked(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)  # each form's token is checked below
    browser(app, SAFARI, remember=True, address="198.51.100.20")
    here = browser(app, FIREFOX)
    page = text(here.get(PAGE))
    assert "Navigateurs mémorisés" in page and "Sessions ouvertes" in page
    assert page.count("Mobile Safari sur iOS</h3>") == 2  # its remembered browser and its session
    assert "198.51.100.x" in page and "203.0.113.x" in page and "198.51.100.20" not in page
    assert re.search(r"Firefox sur Windows <span class=\"tag\">cette session</span>", page)
    # One « Fermer » (the other session), « Se déconnecter » for this one, one « Oublier ».
    visible = sorted(visible for visible, _, _ in row_buttons(page))
    assert visible == ["Fermer", "Oublier ce navigateur", "Se déconnecter"]
    assert "Me déconnecter de tous les autres appareils" in page
    (current,) = [s.public_id for s in rows(app, OpenSession) if s.browser == "Firefox"]
    assert public_ids(page, "session") == [s.public_id for s in rows(app, OpenSession) if s.browser != "Firefox"]
    assert current not in public_ids(page, "session")
    # Plain forms, each with its token: nothing needs JavaScript.
    assert page.count('method="post"') == page.count('name="csrf_token"') >= 4


def test_each_button_names_the_row_it_acts_on(app):
    """WCAG 2.5.3, RGAA 11.9: « Oublier ce navigateur », « Fermer » and « Se déconnecter » keep their
    visible text, and their accessible name goes on with the row they act on (the browser and the
    moment it was remembered or the session opened), so that a list of buttons read alone tells
    them apart."""
    browser(app, SAFARI, remember=True, address="198.51.100.20")
    page = text(browser(app, FIREFOX).get(PAGE))
    buttons = row_buttons(page)
    assert len(buttons) == 3
    safari, firefox = "Mobile Safari sur iOS", "Firefox sur Windows"
    starts = {"Oublier ce navigateur": f"Oublier ce navigateur : {safari}, mémorisé le ",
              "Fermer": f"Fermer la session {safari}, ouverte le ",
              "Se déconnecter": f"Se déconnecter de cette session : {firefox}, ouverte le "}
    for visible, name, (heading, since) in buttons:
        assert name.startswith(starts[visible]), name
        assert heading in name and name.endswith(since), (name, heading, since)
    assert len({name for _, name, _ in buttons}) == 3


def test_no_secret_in_the_page(app):
    remembered = browser(app, remember=True)
    page = text(remembered.get(PAGE))
    device = rows(app, Device)[0]
    cookie = remembered.get_cookie("espace_session").value
    assert device.token_hash not in page and cookie not in page
    assert remembered.get_cookie(COOKIE, path="/connexion").value not in page


# --- « Oublier ce navigateur » --------------------------------------------------------


def test_forget_a_browser_journaled_and_notified(app):
    remembered = browser(app, SAFARI, remember=True)
    cookie = remembered.get_cookie(COOKIE, path="/connexion").value
    here = browser(app)
    (device,) = public_ids(text(here.get(PAGE)), "navigateur")
    response = here.post("/espace/securite/navigateurs/oublier", data={"navigateur": device})
    assert response.status_code == 303 and response.location.endswith(PAGE)
    page = text(here.get(PAGE))
    assert "Le navigateur mémorisé « Mobile Safari sur iOS » a été oublié" in page
    assert "Aucun navigateur n'est mémorisé pour votre espace." in page
    assert rows(app, Device) == []
    assert events(app)[-1] == "browser_forgotten"
    message = mail_about(app, "Navigateur oublié")
    assert message and "Mobile Safari sur iOS" in message.text_body
    # That browser now needs the code again.
    again = app.test_client()
    again.set_cookie(COOKIE, cookie, path="/connexion")
    assert Walk(app, again).password(EMAIL, BERNARD_PASSWORD).location.endswith("/connexion/code")


def test_forgetting_an_unknown_or_missing_browser_changes_nothing(app):
    browser(app, SAFARI, remember=True)
    here = browser(app)
    sent = len(subjects(app))
    for data in ({"navigateur": "not-a-browser"}, {}, {"navigateur": ""}):
        response = here.post("/espace/securite/navigateurs/oublier", data=data)
        assert response.status_code == 303
    page = text(here.get(PAGE))
    assert "Aucun navigateur ni session n'a été indiqué" in page
    assert len(rows(app, Device)) == 1 and len(subjects(app)) == sent
    assert "browser_forgotten" not in events(app)


# --- « Fermer » ----------------------------------------------------------------------


def test_close_another_session_journaled_and_notified(app):
    there = browser(app, SAFARI)
    here = browser(app)
    (other,) = public_ids(text(here.get(PAGE)), "session")
    response = here.post("/espace/securite/sessions/fermer", data={"session": other})
    assert response.status_code == 303 and response.location.endswith(PAGE)
    assert "La session ouverte sur « Mobile Safari sur iOS » a été fermée" in text(here.get(PAGE))
    assert signed_in(here)
    # The closed one is refused at its next request, and told why.
    response = there.get("/espace/historique")
    assert response.status_code == 303 and response.location.split("?")[0].endswith("/connexion")
    assert "Votre session a été fermée depuis la page « Sécurité de mon espace »" in text(there.get("/connexion"))
    assert not signed_in(there)
    assert events(app)[-1] == "session_closed"
    assert mail_about(app, "Session fermée")


def test_the_current_session_cannot_be_closed_with_fermer(app):
    here = browser(app)
    (current,) = [s.public_id for s in rows(app, OpenSession)]
    here.post("/espace/securite/sessions/fermer", data={"session": current})
    assert "utilisez « Se déconnecter »" in text(here.get(PAGE))
    assert signed_in(here) and "session_closed" not in events(app)


def test_se_deconnecter_ends_the_row(app):
    here = browser(app)
    assert here.post("/deconnexion").status_code == 303
    (row,) = rows(app, OpenSession)
    assert row.end_reason == security.SIGNED_OUT and not signed_in(here)


# --- « Me déconnecter de tous les autres appareils » ---------------------------------


def test_close_every_other_session_without_changing_the_password(app):
    remembered = browser(app, SAFARI, remember=True)
    others = [remembered, browser(app, address="192.0.2.1")]
    here = browser(app)
    response = here.post("/espace/securite/sessions/fermer-les-autres")
    assert response.status_code == 303 and response.location.endswith(PAGE)
    page = text(here.get(PAGE))
    assert "2 autres sessions ont été fermées" in page and "Votre mot de passe et vos navigateurs" in page
    assert signed_in(here) and not any(signed_in(other) for other in others)
    assert events(app)[-1] == "other_sessions_closed"
    assert mail_about(app, "Déconnexion de tous les autres appareils")
    # The password did not change, and the remembered browser is still remembered.
    assert len(rows(app, Device)) == 1
    assert Walk(app, remembered.application.test_client()).password(EMAIL, BERNARD_PASSWORD).status_code == 303
    cookie = remembered.get_cookie(COOKIE, path="/connexion").value
    again = app.test_client()
    again.set_cookie(COOKIE, cookie, path="/connexion")
    assert Walk(app, again).password(EMAIL, BERNARD_PASSWORD).location.endswith("/espace/")


# --- another space's ids --------------------------------------------------------------


@pytest.fixture
def lila(app):
    """Lila converted and signed in twice (one remembered): her public ids, read from her page."""
    walk = Walk(app, app.test_client())
    walk.activate(walk.option(email="lila.pro@example.fr"))
    first = app.test_client()
    assert Walk(app, first).login(remember=True).location.endswith("/espace/")
    second = app.test_client()
    assert Walk(app, second).login().location.endswith("/espace/")
    page = text(second.get(PAGE))
    return {"session": public_ids(page, "session")[0], "navigateur": public_ids(page, "navigateur")[0],
            "client": first}


def test_another_space_s_ids_are_refused(app, lila):
    here = browser(app)
    sent = len(subjects(app))
    here.post("/espace/securite/sessions/fermer", data={"session": lila["session"]})
    assert security.UNKNOWN_SESSION in text(here.get(PAGE))
    here.post("/espace/securite/navigateurs/oublier", data={"navigateur": lila["navigateur"]})
    assert security.UNKNOWN_BROWSER in text(here.get(PAGE))
    here.post("/espace/securite/sessions/fermer-les-autres")
    assert signed_in(lila["client"])
    with app.app_context(), db.connection_context():
        lila_space = Space.by_number(LILA)
        assert OpenSession.get(OpenSession.public_id == lila["session"]).ended_at is None
        assert Device.select().where(Device.space == lila_space.id).count() == 1
    assert len(subjects(app)) == sent


# --- CSRF -----------------------------------------------------------------------------


@pytest.mark.parametrize("url, data", [
    ("/espace/securite/navigateurs/oublier", "navigateur"),
    ("/espace/securite/sessions/fermer", "session"),
    ("/espace/securite/sessions/fermer-les-autres", None),
    ("/espace/securite/prolonger", None),
])
def test_cross_site_posts_are_refused(make_app, url, data):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser(app, SAFARI, remember=True)
    client = browser(app)
    page = text(client.get(PAGE))
    values = {"session": public_ids(page, "session")[0], "navigateur": public_ids(page, "navigateur")[0]}
    form = {data: values[data]} if data else {}
    before = (len(rows(app, Device)), [s.ended_at for s in rows(app, OpenSession)])
    for headers in ({"Origin": "https://attaquant.example"}, {"Origin": "", "Sec-Fetch-Site": "cross-site"}):
        response = client.post(url, data=form, headers=headers)
        assert response.status_code == 400 and "Session expirée" in text(response)
    del client.environ_base["HTTP_ORIGIN"]
    response = client.post(url, data=form)  # no origin header at all, and no token
    assert response.status_code == 400
    assert (len(rows(app, Device)), [s.ended_at for s in rows(app, OpenSession)]) == before
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(url, data={**form, "csrf_token": token}).status_code == 303  # the page's own form


# --- a new password -------------------------------------------------------------------


def test_a_password_change_keeps_this_browser_forgets_the_others_and_says_so(app):
    others = [browser(app, SAFARI, remember=True), browser(app, address="192.0.2.1", remember=True)]
    here = browser(app, remember=True)
    response = here.post("/espace/mot-de-passe", data={
        "current_password": BERNARD_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 303
    confirmation = text(here.get(response.location))
    assert security.AFTER_PASSWORD_CHANGE in confirmation
    assert signed_in(here) and not any(signed_in(other) for other in others)
    (kept,) = rows(app, Device)
    assert kept.id == [s for s in rows(app, OpenSession) if s.ended_at is None][0].device_id
    page = text(here.get(PAGE))
    assert [visible for visible, _, _ in row_buttons(page)].count("Oublier ce navigateur") == 1
    assert "ce navigateur</span>" in page
    assert security.AFTER_PASSWORD_CHANGE in mail_about(app, "Mot de passe modifié").text_body


def test_a_password_reset_forgets_every_browser_and_says_so(app, forgotten):
    remembered = browser(app, remember=True)
    forgotten.until_password()
    response = forgotten.new_password()
    assert response.status_code == 303
    assert security.AFTER_PASSWORD_RESET in text(forgotten.client.get(response.location))
    assert rows(app, Device) == [] and not signed_in(remembered)
    assert {s.end_reason for s in rows(app, OpenSession)} == {security.PASSWORD_RESET}


# --- the time limit -------------------------------------------------------------------


T0 = datetime(2030, 1, 15, 9, 26, 30)


def test_every_page_of_the_space_says_the_limit_and_carries_the_warning(app):
    here = browser(app)
    for url in ("/espace/", "/espace/historique", PAGE, "/espace/coordonnees"):
        page = text(here.get(url))
        assert "Par sécurité, votre session prend fin après 30 minutes sans activité, et au plus tard 12 heures après la connexion." in page, url
        remaining = int(re.search(r'data-session-remaining="(\d+)"', page).group(1))
        assert security.IDLE_LIMIT.total_seconds() - 60 <= remaining <= security.IDLE_LIMIT.total_seconds()
        assert f'data-session-warn="{int(security.WARN_BEFORE.total_seconds())}"' in page
        assert "Prolonger ma session" in page and "dans 2 minutes" in page
    assert "data-session-remaining" not in text(app.test_client().get("/"))  # signed out: no timer
    assert "data-session-remaining" not in text(app.test_client().get("/connexion"))


def test_idle_for_the_limit_ends_the_session_and_the_sign_in_comes_back(app):
    with time_machine.travel(T0, tick=False):
        here = browser(app)
    with time_machine.travel(T0 + security.IDLE_LIMIT - timedelta(seconds=1), tick=False):
        assert here.get("/espace/historique?page=1").status_code == 200
    with time_machine.travel(T0 + 2 * security.IDLE_LIMIT - timedelta(seconds=1), tick=False):
        response = here.get("/espace/historique?page=1")
        assert response.status_code == 303 and response.location.split("?")[0].endswith("/connexion")
        login = text(here.get("/connexion"))
        assert "Votre session a pris fin après 30 minutes d'inactivité." in login
        (ended,) = rows(app, OpenSession)
        assert ended.end_reason == security.IDLE
        # Signing in again (the login form carries the page asked) leads back to it.
        suite = parse_qs(urlsplit(response.location).query)["suite"][0]
        with app.app_context(), db.connection_context():
            SigninCode.delete().execute()
        here.post("/connexion", data={"email": EMAIL, "password": BERNARD_PASSWORD, "suite": suite})
        response = Walk(app, here).confirm(signin_code_of(app, EMAIL))
        assert response.status_code == 303 and response.location.endswith("/espace/historique?page=1")


def test_prolonger_without_javascript_goes_back_to_the_page(app):
    with time_machine.travel(T0, tick=False):
        here = browser(app)
    with time_machine.travel(T0 + security.IDLE_LIMIT - timedelta(seconds=30), tick=False):
        response = here.post("/espace/securite/prolonger", data={"retour": "/espace/historique"})
        assert response.status_code == 303 and response.location.endswith("/espace/historique")
        assert "Votre session a été prolongée." in text(here.get(response.location))
    with time_machine.travel(T0 + 2 * security.IDLE_LIMIT - timedelta(seconds=31), tick=False):
        assert signed_in(here)


@pytest.mark.parametrize("retour", ["//evil.example", "https://evil.example/", "/\\evil.example",
                                    "/%5Cevil.example\\x", "javascript:alert(1)", ""])
def test_prolonger_never_leads_off_the_site(app, retour):
    here = browser(app)
    response = here.post("/espace/securite/prolonger", data={"retour": retour})
    assert response.status_code == 303 and response.location.endswith("/espace/")


def test_prolonger_and_the_time_left_for_app_js(app):
    with time_machine.travel(T0, tick=False):
        here = browser(app)
    json_headers = {"Accept": "application/json"}
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert here.get("/espace/securite/restant", headers=json_headers).json == {"remaining": 20 * 60, "capped": False}
        # Asking is not activity: the same answer a minute later.
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        assert here.get("/espace/securite/restant", headers=json_headers).json == {"remaining": 19 * 60, "capped": False}
        response = here.post("/espace/securite/prolonger", headers=json_headers)
        assert response.status_code == 200 and response.json == {"remaining": 30 * 60, "capped": False}
    with time_machine.travel(T0 + timedelta(minutes=41), tick=False):
        assert here.get("/espace/securite/restant", headers=json_headers).json == {"remaining": 0, "capped": False}
        response = here.post("/espace/securite/prolonger", headers=json_headers)
        assert response.status_code == 401 and response.json == {"remaining": 0, "capped": False}
        # The page then tells what happened.
        assert "30 minutes d'inactivité" in text(here.get(here.get("/espace/").location))
    assert app.test_client().get("/espace/securite/restant").json == {"remaining": 0, "capped": False}


def test_near_the_overall_limit_the_warning_says_so_and_nothing_extends(app):
    """Twelve hours after signing in the session ends whatever is done: the page, the time left
    and « Prolonger ma session » say so, and the limit is not pushed back."""
    json_headers = {"Accept": "application/json"}
    with time_machine.travel(T0, tick=False):
        here = browser(app)
    # Busy all day: a page every 20 minutes keeps the idle limit away.
    moment = T0
    while moment + timedelta(minutes=20) < T0 + security.ABSOLUTE_LIMIT - security.IDLE_LIMIT:
        moment += timedelta(minutes=20)
        with time_machine.travel(moment, tick=False):
            assert here.get("/espace/").status_code == 200
            assert 'data-session-capped="false"' in text(here.get("/espace/historique"))
    with time_machine.travel(T0 + security.ABSOLUTE_LIMIT - timedelta(minutes=20), tick=False):
        assert here.get("/espace/").status_code == 200  # now 30 idle minutes would end past the limit
    with time_machine.travel(T0 + security.ABSOLUTE_LIMIT - timedelta(minutes=10), tick=False):
        page = text(here.get("/espace/historique"))
        assert 'data-session-capped="true"' in page and "une session dure au plus 12 heures" in page
        assert here.get("/espace/securite/restant", headers=json_headers).json == {"remaining": 600, "capped": True}
        response = here.post("/espace/securite/prolonger", headers=json_headers)
        assert response.status_code == 200 and response.json == {"remaining": 600, "capped": True}
        # Without JavaScript: told why, and when.
        response = here.post("/espace/securite/prolonger", data={"retour": "/espace/historique"})
        assert response.status_code == 303 and response.location.endswith("/espace/historique")
        told = text(here.get(response.location))
        assert ("Votre session ne peut pas être prolongée : par sécurité, une session dure au plus 12 heures. "
                "Elle prendra fin le 15/01/2030 à 22h26 (heure de Paris)") in told
        assert "Votre session a été prolongée." not in told
    with time_machine.travel(T0 + security.ABSOLUTE_LIMIT, tick=False):
        response = here.get("/espace/")
        assert response.status_code == 303
        assert "elle était ouverte depuis 12 heures" in text(here.get(response.location))


def test_extending_up_to_the_overall_limit_says_it_is_now_the_end(app):
    """« Prolonger » 25 minutes before the twelve hours: extended, up to the limit, and told capped."""
    json_headers = {"Accept": "application/json"}
    with time_machine.travel(T0, tick=False):
        here = browser(app)
    moment = T0
    while moment + timedelta(minutes=25) < T0 + security.ABSOLUTE_LIMIT - timedelta(minutes=25):
        moment += timedelta(minutes=25)
        with time_machine.travel(moment, tick=False):
            here.get("/espace/")
    with time_machine.travel(T0 + security.ABSOLUTE_LIMIT - timedelta(minutes=25), tick=False):
        left = here.get("/espace/securite/restant", headers=json_headers).json
        assert left["capped"] is False and left["remaining"] < 25 * 60
        response = here.post("/espace/securite/prolonger", headers=json_headers)
        assert response.json == {"remaining": 25 * 60, "capped": True}


# --- flask sessions N -----------------------------------------------------------------


def run(app, *args):
    return app.test_cli_runner().invoke(args=["sessions", *args])


def test_cli_lists_sessions_and_browsers(app):
    browser(app, SAFARI, remember=True)
    browser(app)
    result = run(app, BERNARD)
    assert result.exit_code == 0, result.output
    assert "Sessions ouvertes (2) :" in result.output and "Navigateurs mémorisés (1) :" in result.output
    assert "Mobile Safari sur iOS" in result.output and "Firefox sur Windows" in result.output
    assert "203.0.113.x" in result.output
    for row in rows(app, OpenSession) + rows(app, Device):
        assert row.public_id in result.output


def test_cli_help_is_french(app):
    result = run(app, "--help")
    assert "Sessions ouvertes et navigateurs mémorisés de l'espace NUMERO" in result.output
    assert "ferme la session ou oublie le navigateur" in result.output


def test_cli_ends_one_session_or_forgets_one_browser_journaled_and_notified(app):
    there = browser(app, SAFARI, remember=True)
    (session,) = rows(app, OpenSession)
    (device,) = rows(app, Device)
    result = run(app, BERNARD, "--fermer", session.public_id)
    assert result.exit_code == 0 and "a été fermée" in result.output
    assert not signed_in(there)
    assert "Votre session a été fermée par l'assistance" in text(there.get("/connexion"))
    result = run(app, BERNARD, "--fermer", device.public_id)
    assert result.exit_code == 0 and "a été oublié" in result.output and rows(app, Device) == []
    assert events(app)[-2:] == ["session_closed_by_assistance", "browser_forgotten_by_assistance"]
    assert subjects(app).count("Action de l'assistance sur votre espace – espace professionnel") == 2


def test_cli_tout(app):
    clients = [browser(app, remember=True), browser(app, SAFARI)]
    result = run(app, BERNARD, "--tout")
    assert result.exit_code == 0 and "toutes les sessions de votre espace (2)" in result.output
    assert not any(signed_in(c) for c in clients) and rows(app, Device) == []
    assert events(app)[-1] == "all_sessions_closed_by_assistance"


@pytest.mark.parametrize("args, message", [
    ((BERNARD, "--fermer", "inconnu"), "Aucune session ouverte ni navigateur mémorisé « inconnu »"),
    (("12345678901234",), "espace"),
    ((BERNARD, "--fermer", "x", "--tout"), "pas les deux"),
])
def test_cli_refusals_in_french_without_error_prefix(app, args, message):
    result = run(app, *args)
    assert result.exit_code == 1 and message in result.output and "Error" not in result.output


# --- several workers ------------------------------------------------------------------


def test_a_session_closed_on_one_server_is_refused_by_the_other(make_app, tmp_path):
    """Two server processes on one database and one session store, as two workers or hosts."""
    from conftest import live_login, settings_for
    from live_server import Browser, LiveServer

    app = make_app()
    settings = settings_for(tmp_path, SEED_DEMO=False)
    first, second = LiveServer(settings), LiveServer(settings)
    try:
        there = Browser(first.url)
        assert live_login(there, app, EMAIL, BERNARD_PASSWORD).headers["Location"].endswith("/espace/")
        assert there.get("/espace/").status == 200
        here = Browser(second.url)
        with app.app_context(), db.connection_context():
            SigninCode.delete().execute()
        assert live_login(here, app, EMAIL, BERNARD_PASSWORD).headers["Location"].endswith("/espace/")
        (other,) = public_ids(here.get(PAGE).text, "session")
        assert here.post("/espace/securite/sessions/fermer", {"session": other}).status == 303
        refused = there.get("/espace/")
        assert refused.status == 303 and refused.headers["Location"].endswith("/connexion")
        assert here.get("/espace/").status == 200
    finally:
        first.stop()
        second.stop()

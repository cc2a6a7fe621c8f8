"""CSRF on every POST: the browser's origin headers (Sec-Fetch-Site, Origin, Referer), or, for
a browser that sends none, its session's token (htmx sends it in the X-CSRFToken header)."""
import re

import pytest

from conftest import BERNARD_PASSWORD, LILA, LILA_ANSWERS

POSTS = ["/opter/numero", "/opter/verification", "/opter/identifiants", "/opter/question", "/opter/quitter",
         "/activation/", "/captcha/changer", "/activation/identifiants", "/connexion", "/connexion/code",
         "/connexion/quitter", "/deconnexion"]
OURS = {"Origin": "http://localhost"}  # what a browser sends with a form of ours
BERNARD_LOGIN = {"email": "toto321@toto.toto", "password": BERNARD_PASSWORD}


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def token_from(page):
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def started(client):
    """The visitor's first POST (from our page) starts the procedure; returns the session's token."""
    assert client.post("/opter/numero", data={"number": LILA}, headers=OURS).status_code == 303
    return token_from(client.get("/opter/verification").get_data(as_text=True))


def assert_refused(response):
    assert response.status_code == 400
    assert "Session expirée" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", POSTS)
def test_visitor_post_from_nowhere_is_refused_in_french(csrf_app, url):
    assert_refused(csrf_app.test_client().post(url, data={"number": LILA}))


@pytest.mark.parametrize("url", POSTS)
def test_with_a_session_a_cross_site_post_is_refused(csrf_app, url):
    client = csrf_app.test_client()
    token = started(client)
    assert_refused(client.post(url, data={"number": LILA, "csrf_token": token},
                               headers={"Origin": "https://attaquant.example"}))


@pytest.mark.parametrize("url", POSTS)
def test_without_origin_headers_the_session_token_is_required(csrf_app, url):
    client = csrf_app.test_client()
    started(client)
    assert_refused(client.post(url, data={"number": LILA}))


def test_a_form_rendered_before_the_session_began_still_posts(csrf_app):
    """Login page open in one tab, procedure started in another: the login form still works."""
    client = csrf_app.test_client()
    client.get("/connexion")
    started(client)
    assert client.post("/connexion", data=BERNARD_LOGIN, headers=OURS).status_code == 303


def test_htmx_header_token_is_accepted(csrf_app):
    client = csrf_app.test_client()
    token = started(client)
    response = client.post("/opter/verification", data=LILA_ANSWERS,
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 303


def test_form_field_token_is_accepted(csrf_app):
    client = csrf_app.test_client()
    started(client)
    page = client.get("/opter/verification").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/opter/verification", data={**LILA_ANSWERS, "csrf_token": token}).status_code == 303


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://localhost"},
    {"Referer": "http://localhost/connexion"},  # browsers older than the Origin header
])
def test_visitor_login_from_our_page_is_accepted(csrf_app, headers):
    client = csrf_app.test_client()
    response = client.post("/connexion", data=BERNARD_LOGIN, headers=headers)
    # The password accepted: the sign-in goes on to its e-mailed code.
    assert response.status_code == 303 and response.location.endswith("/connexion/code")


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another application
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},  # the browser's own word wins
    {"Origin": "https://attaquant.example"},
    {"Origin": "null"},  # sandboxed frame, data: URL
    {"Origin": "https://localhost"},  # another scheme is another origin
    {"Referer": "https://attaquant.example/connexion"},
    {},
])
def test_cross_site_login_is_refused(csrf_app, headers):
    """Login CSRF: a page elsewhere must not sign the visitor in to someone else's space."""
    client = csrf_app.test_client()
    assert_refused(client.post("/connexion", data=BERNARD_LOGIN, headers=headers))
    assert client.get("/espace/").status_code == 303  # not signed in


def test_public_url_is_our_origin_too(make_app):
    """Behind a proxy that rewrites Host, PUBLIC_URL still names our origin."""
    app = make_app(WTF_CSRF_ENABLED=True, PUBLIC_URL="https://espace.example.fr")
    response = app.test_client().post("/connexion", data=BERNARD_LOGIN,
                                      headers={"Origin": "https://espace.example.fr"})
    assert response.status_code == 303


def test_browser_without_origin_headers_passes_with_its_token_the_second_time(csrf_app):
    """No Sec-Fetch-Site, Origin nor Referer (an old browser with referrers off): refused once,
    but the refusal gives it a session, and the form reloaded then carries a valid token."""
    client = csrf_app.test_client()
    assert_refused(client.post("/connexion", data=BERNARD_LOGIN))
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/connexion", data={**BERNARD_LOGIN, "csrf_token": token}).status_code == 303

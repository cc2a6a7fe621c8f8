"""CSRF on every POST; htmx sends the token in the X-CSRFToken header."""
import re

import pytest

from conftest import LILA

POSTS = ["/opter/numero", "/opter/verification", "/opter/identifiants", "/opter/question", "/opter/quitter",
         "/activation/", "/activation/captcha", "/activation/identifiants", "/connexion", "/connexion/code", "/connexion/quitter",
         "/deconnexion"]


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.mark.parametrize("url", POSTS)
def test_post_without_token_is_refused_in_french(csrf_app, url):
    response = csrf_app.test_client().post(url, data={"number": LILA})
    assert response.status_code == 400
    assert "Session expirée" in response.get_data(as_text=True)


def token_from(page):
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def test_htmx_header_token_is_accepted(csrf_app):
    client = csrf_app.test_client()
    token = token_from(client.get("/opter/numero").get_data(as_text=True))
    response = client.post("/opter/numero", data={"number": LILA},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 303


def test_form_field_token_is_accepted(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/opter/numero").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/opter/numero", data={"number": LILA, "csrf_token": token}).status_code == 303

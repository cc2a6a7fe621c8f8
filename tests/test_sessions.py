"""Sessions are stored only for people who started a procedure or signed in: a visitor
(or a crawler) reading the public pages and the login form gets no cookie and costs no
entry in the session store (files on disk, or Redis)."""
import hashlib
import os

import pytest

from conftest import BERNARD_PASSWORD, LILA

VISITOR_PAGES = ["/", "/fiches", "/fiches/ep4", "/fiches/ep1", "/aide", "/accessibilite", "/connexion",
                 "/opter/numero", "/page-qui-n-existe-pas"]


def stored_sessions(app):
    """How many sessions the store holds."""
    if app.config["REDIS_URL"]:
        return len(app.config["SESSION_REDIS"].keys(app.session_interface.key_prefix + "*"))
    # cachelib keeps a count of its files in one more file, named like a key.
    count_file = hashlib.sha256(b"__wz_cache_count").hexdigest()
    return len([f for f in os.listdir(app.config["SESSION_DIR"]) if f != count_file])


def session_cookies(response):
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("espace_session=")]


@pytest.mark.parametrize("url", VISITOR_PAGES)
def test_a_visitor_gets_no_cookie_and_no_stored_session(app, url):
    for _ in range(3):  # each time a new client, as a crawler
        response = app.test_client().get(url)
        assert response.status_code in (200, 404)
        assert "Set-Cookie" not in response.headers
    assert stored_sessions(app) == 0


def test_a_failed_login_stores_nothing_either(app):
    response = app.test_client().post("/connexion", data={"email": "personne@exemple.fr", "password": "x" * 20})
    assert response.status_code == 422
    assert "Set-Cookie" not in response.headers and stored_sessions(app) == 0


def test_a_started_procedure_gets_its_session(app, client):
    client.get("/opter/numero")
    assert stored_sessions(app) == 0
    response = client.post("/opter/numero", data={"number": LILA})
    assert response.status_code == 303 and session_cookies(response)
    assert stored_sessions(app) == 1
    # The cookie names the stored progress: the next step opens.
    assert client.get("/opter/verification").status_code == 200
    assert stored_sessions(app) == 1


def test_signing_in_gets_a_session(app, client, walk):
    # The password accepted, the session holds the sign-in waiting for its code.
    response = walk.password("toto321@toto.toto", BERNARD_PASSWORD)
    assert response.status_code == 303 and session_cookies(response)
    assert stored_sessions(app) == 1
    assert walk.login("toto321@toto.toto", BERNARD_PASSWORD).status_code == 303
    assert stored_sessions(app) == 1 and client.get("/espace/").status_code == 200


def test_leaving_the_procedure_makes_a_visitor_again(app, client):
    client.post("/opter/numero", data={"number": LILA})
    client.post("/opter/quitter")
    assert stored_sessions(app) == 1  # the « vous avez quitté » notice is still to be shown
    response = client.get("/")
    assert "Vous avez quitté la procédure" in response.get_data(as_text=True)
    assert stored_sessions(app) == 0
    assert any("Expires=Thu, 01 Jan 1970" in c for c in session_cookies(response))  # cookie removed


def test_a_visitors_notice_reaches_the_next_page_without_a_stored_session(app, client):
    """« Veuillez compléter les étapes dans l'ordre »: carried by a signed cookie, shown once, then gone."""
    response = client.get("/opter/verification")
    assert response.status_code == 303 and not session_cookies(response)
    assert client.get_cookie("espace_notice") is not None and stored_sessions(app) == 0
    page = client.get(response.location).get_data(as_text=True)
    assert "Veuillez compléter les étapes dans l" in page
    assert client.get_cookie("espace_notice") is None and stored_sessions(app) == 0
    assert "Veuillez compléter" not in client.get("/opter/numero").get_data(as_text=True)


def test_a_forged_notice_is_not_shown(app, client):
    client.set_cookie("espace_notice", '[["info", "Appelez le 0899 000 000"]]')
    assert "0899" not in client.get("/").get_data(as_text=True)

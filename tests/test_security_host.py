"""Issue 14, finding 1: e-mailed links follow only the configured address, never the request.

A forged Host (with a matching Origin, so that CSRF passes) or a forged X-Forwarded-Host, with
and without a trusted proxy, in development and production configurations: the app refuses a
Host it does not know (French 400, never a 500), and every link of every message starts with
PUBLIC_URL. Production refuses to start without PUBLIC_URL.
"""
import re

import pytest
from cryptography.fernet import Fernet

from conftest import BERNARD_EMAIL, BERNARD_PASSWORD, CAPTCHA, Forgotten, Walk, plain
from espace.config import Config, development_url
from espace.domain.seed import seed_demo
from espace.mail.sender import drain
from espace.models import MailJob, OutboxMessage, db

PUBLIC = "https://espace.example.fr"
EVIL = "evil.example"
PRODUCTION = {
    "ESPACE_ENV": "production", "SECRET_KEY": "k" * 48, "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
    "CAPTCHA_TEST_TEXT": "", "MAIL_BACKEND": "smtp", "SEED_DEMO": False, "PUBLIC_URL": PUBLIC,
    "MAIL_SENDER": "worker",
    # Production requires REDIS_URL; these tests keep sessions and limits in the process instead.
    "REDIS_URL": "redis://redis.invalid:6379/0", "SESSION_TYPE": "cachelib", "RATELIMIT_STORAGE_URI": "memory://",
}


def production(tmp_path, **extra):
    from cachelib import FileSystemCache

    return {**PRODUCTION, "SESSION_CACHELIB": FileSystemCache(str(tmp_path / "production-sessions")), **extra}


URL = re.compile(r"""https?://[^\s"'<>]+""")


def ask_reset(client, host=None, **headers):
    """« Mot de passe oublié » for Bernard, the Origin matching the Host claimed (CSRF passes)."""
    if host:
        headers = {"Host": host, "Origin": f"http://{host}", **headers}
    client.get("/mot-de-passe-oublie", headers=headers)
    response = client.post("/mot-de-passe-oublie", data={"email": BERNARD_EMAIL, "captcha": CAPTCHA},
                           headers=headers)
    response.close()  # the embedded default sends after the answer, as under a real server
    return response


def mails(app):
    with app.app_context(), db.connection_context():
        return [m.text_body + m.html_body for m in OutboxMessage.select().order_by(OutboxMessage.id)]


def links(app):
    return [url for body in mails(app) for url in URL.findall(body)]


def queued(app):
    with app.app_context(), db.connection_context():
        return MailJob.select().count()


def assert_refused(response):
    assert response.status_code == 400
    page = plain(response)
    assert "Adresse du service inconnue" in page and "Ce service ne répond pas à l'adresse demandée" in page
    return page


# --- Development / testing: PUBLIC_URL set, local names trusted -------------------------------

@pytest.fixture
def dev(make_app):
    return make_app(PUBLIC_URL=PUBLIC)


def test_a_forged_host_is_refused_in_french_and_sends_nothing(dev):
    client = dev.test_client()
    response = ask_reset(client, host=EVIL)
    assert '<html lang="fr"' in assert_refused(response)
    assert queued(dev) == 0 and mails(dev) == []
    # Every method and page, htmx or not: the same 400, never a 500.
    for method, path in (("get", "/"), ("get", "/connexion"), ("post", "/connexion"), ("get", "/nulle-part")):
        assert_refused(getattr(client, method)(path, headers={"Host": EVIL, "Origin": f"http://{EVIL}"}))
    assert_refused(client.get("/opter/numero", headers={"Host": f"{EVIL}:5000", "HX-Request": "true"}))


def test_a_local_host_is_answered_but_the_link_is_public_url(dev):
    """The development server is reached as localhost or 127.0.0.1; the link still says PUBLIC_URL."""
    for host in ("localhost", "127.0.0.1:5000"):
        assert ask_reset(dev.test_client(), host=host).status_code == 303
    assert len(links(dev)) >= 2
    assert all(url.startswith(PUBLIC + "/") for url in links(dev))
    assert any(url.startswith(PUBLIC + "/mot-de-passe-oublie/lien?jeton=") for url in links(dev))


def test_the_embedded_default_links_to_the_development_server_whatever_the_host(make_app):
    """Nothing configured: links say http://127.0.0.1:5000 (the development server), not the Host."""
    app = make_app()
    assert ask_reset(app.test_client(), host="localhost:8080").status_code == 303
    assert links(app) and all(url.startswith("http://127.0.0.1:5000/") for url in links(app)), links(app)


def test_x_forwarded_host_is_ignored_without_a_trusted_proxy(dev):
    response = ask_reset(dev.test_client(), **{"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"})
    assert response.status_code == 303
    assert links(dev) and all(url.startswith(PUBLIC + "/") for url in links(dev))
    assert not any(EVIL in body for body in mails(dev))


def test_x_forwarded_host_behind_a_trusted_proxy_is_checked_like_a_host(make_app):
    app = make_app(PUBLIC_URL=PUBLIC, TRUSTED_PROXIES=1)
    client = app.test_client()
    assert_refused(ask_reset(client, **{"X-Forwarded-Host": EVIL, "Origin": f"http://{EVIL}"}))
    assert queued(app) == 0
    # A name it trusts (here a local one) passes, and still the link is PUBLIC_URL's.
    assert ask_reset(client, **{"X-Forwarded-Host": "localhost", "X-Forwarded-Proto": "https"}).status_code == 303
    assert links(app) and all(url.startswith(PUBLIC + "/") for url in links(app))


def test_every_message_links_to_public_url_only(make_app):
    """Activation, sign-in code, notifications, EP 5 code, reset link: asked for from a local Host."""
    app = make_app(PUBLIC_URL=PUBLIC)
    client = app.test_client()
    walk = Walk(app, client)
    code = walk.option()
    walk.activate(code)
    assert walk.login().status_code == 303
    signed_in = app.test_client()
    assert Walk(app, signed_in).login(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303
    signed_in.post("/espace/adresse-electronique", data={
        "email": "bernard.neuf@example.fr", "email_confirm": "bernard.neuf@example.fr",
        "current_password": BERNARD_PASSWORD})
    Forgotten(app, app.test_client()).ask()
    subjects = {m.subject for m in _outbox(app)}
    for expected in ("Votre code d'activation", "Votre code de confirmation de connexion",
                     "Connexion depuis un nouveau navigateur", "Confirmez votre nouvelle adresse",
                     "Choisir un nouveau mot de passe"):
        assert any(s.startswith(expected) for s in subjects), (expected, subjects)
    assert len(links(app)) >= 8
    assert all(url.startswith(PUBLIC + "/") for url in links(app)), links(app)


def _outbox(app):
    with app.app_context(), db.connection_context():
        return list(OutboxMessage.select())


def test_the_embedded_default_is_the_development_server(monkeypatch, tmp_path):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("ESPACE_ENV", raising=False)
    assert Config(str(tmp_path)).PUBLIC_URL == "http://127.0.0.1:5000" == development_url("")
    monkeypatch.setenv("PORT", "8000")  # PORT=8000 make run
    assert Config(str(tmp_path)).PUBLIC_URL == "http://127.0.0.1:8000"
    monkeypatch.setenv("ESPACE_ENV", "production")
    assert Config(str(tmp_path)).PUBLIC_URL == ""


def test_the_sender_builds_links_without_any_request(make_app):
    """The reset link is made by the sender, outside any request: from PUBLIC_URL."""
    app = make_app(PUBLIC_URL=PUBLIC + "/base", MAIL_SENDER="worker")
    assert ask_reset(app.test_client(), host="localhost").status_code == 303
    assert mails(app) == []  # nothing sent by the web side
    with app.app_context(), db.connection_context():
        drain()
    assert links(app) and all(url.startswith(PUBLIC + "/base/mot-de-passe-oublie/lien?jeton=") for url in links(app))


# --- Production: only PUBLIC_URL's host -------------------------------------------------------

@pytest.fixture
def production_app(make_app, tmp_path):
    return make_app(**production(tmp_path, TRUSTED_PROXIES=1))


def test_production_refuses_to_start_without_public_url(make_app, tmp_path):
    for public in ("", "http://espace.example.fr", "https://"):
        with pytest.raises(RuntimeError, match="PUBLIC_URL"):
            make_app(**production(tmp_path, PUBLIC_URL=public))


def test_production_refuses_to_send_from_the_web_workers(make_app, tmp_path):
    with pytest.raises(RuntimeError, match="MAIL_SENDER"):
        make_app(**production(tmp_path, MAIL_SENDER="inline"))


def test_production_answers_its_public_host_only(production_app):
    client = production_app.test_client()
    assert client.get("/", base_url=PUBLIC).status_code == 200
    for host in (EVIL, "localhost", "127.0.0.1", f"espace.example.fr.{EVIL}"):
        assert_refused(client.get("/connexion", base_url=f"https://{host}"))
    # Forwarded by the trusted proxy: X-Forwarded-Host is the Host, checked the same way.
    assert_refused(client.get("/connexion", base_url=PUBLIC, headers={"X-Forwarded-Host": EVIL}))
    assert client.get("/connexion", base_url=PUBLIC,
                      headers={"X-Forwarded-Host": "espace.example.fr"}).status_code == 200


def test_production_refuses_a_forged_forwarded_host_behind_its_proxy(production_app):
    client = production_app.test_client()
    headers = {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https", "Origin": f"https://{EVIL}"}
    client.get("/mot-de-passe-oublie", base_url=PUBLIC)
    refused = client.post("/mot-de-passe-oublie", base_url=PUBLIC, headers=headers,
                          data={"email": BERNARD_EMAIL, "captcha": CAPTCHA})
    assert_refused(refused)
    assert queued(production_app) == 0


@pytest.mark.parametrize("proxies", [0, 1])
def test_production_link_is_public_url(make_app, tmp_path, proxies):
    """From the public host, with a forged X-Forwarded-Host that no proxy vouches for (ignored) or
    the proxy's own (checked): the link the sender e-mails is PUBLIC_URL's."""
    app = make_app(**production(tmp_path, TRUSTED_PROXIES=proxies))
    app.config["CAPTCHA_TEST_TEXT"] = CAPTCHA  # after the production check: a scriptable captcha
    forwarded = {"X-Forwarded-Host": EVIL if not proxies else "espace.example.fr", "X-Forwarded-Proto": "https"}
    client = app.test_client()
    client.get("/mot-de-passe-oublie", base_url=PUBLIC)
    response = client.post("/mot-de-passe-oublie", base_url=PUBLIC, headers={**forwarded, "Origin": PUBLIC},
                           data={"email": BERNARD_EMAIL, "captcha": CAPTCHA})
    assert response.status_code == 303
    relay = []
    app.extensions["espace.mailer"].send = relay.append
    with app.app_context(), db.connection_context():
        seed_demo(app.extensions["espace.hasher"], app.extensions["espace.encryptor"])
        drain()
    [message] = relay
    found = URL.findall(message.text + message.html)
    assert found and all(url.startswith(PUBLIC + "/mot-de-passe-oublie/lien?jeton=") for url in found), found


def test_trusted_hosts_can_be_listed(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTED_HOSTS", "espace.example.fr, .interne.example")
    app = make_app(**production(tmp_path))
    assert app.config["TRUSTED_HOSTS"] == ["espace.example.fr", ".interne.example"]
    client = app.test_client()
    assert client.get("/", base_url="https://hote-a.interne.example").status_code == 200
    assert_refused(client.get("/", base_url=f"https://{EVIL}"))

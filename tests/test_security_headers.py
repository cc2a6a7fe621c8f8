"""Headers and cookies: CSP, framing, sniffing, referrer, caching, cookie flags, HTTPS.

How the app knows it is served over HTTPS: `request.is_secure`, true when TLS reaches
the app itself, or when a proxy counted in TRUSTED_PROXIES says X-Forwarded-Proto: https.
That turns HSTS on. The cookie's Secure flag is SESSION_COOKIE_SECURE=1, set explicitly
by the operator (see SECURITY.md).
"""
import re

import pytest
from conftest import BERNARD_PASSWORD, LILA, Walk, log_in

PUBLIC = ["/", "/fiches", "/fiches/ep4", "/fiches/ep6", "/aide", "/accessibilite", "/page-qui-n-existe-pas"]
PRIVATE = ["/connexion", "/connexion/code", "/opter/numero", "/opter/verification", "/activation/",
           "/activation/identifiants", "/espace/", "/espace/coordonnees", "/mot-de-passe-oublie"]


def directives(csp):
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}


def everywhere(app):
    """A browser that may see every page: signed in to Bernard's space, Lila's code typed
    (activation step 2) and her number given (option step 2)."""
    client = app.test_client()
    log_in(client, "toto321@toto.toto", BERNARD_PASSWORD)
    walk = Walk(app, client)
    assert walk.code(walk.option()).status_code == 303
    assert walk.number().status_code == 303
    return client


def page(app, url):
    """The page itself, not a redirect away from it."""
    # Signed in, the login page leads to the space: it is seen by a visitor.
    client = app.test_client() if url.startswith("/connexion") else everywhere(app)
    if url == "/connexion/code":
        # A sign-in waiting for its code: the password given again.
        assert Walk(app, client).password("toto321@toto.toto", BERNARD_PASSWORD).status_code == 303
    response = client.get(url)
    assert response.status_code == (404 if url == "/page-qui-n-existe-pas" else 200), url
    return response


@pytest.mark.parametrize("url", PUBLIC + PRIVATE)
def test_every_page_has_the_protective_headers(app, url):
    response = page(app, url)
    h = response.headers
    csp = directives(h["Content-Security-Policy"])
    assert "'unsafe-inline'" not in h["Content-Security-Policy"]
    assert "'unsafe-eval'" not in h["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"] and csp["form-action"] == ["'self'"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] in ("no-referrer", "same-origin", "strict-origin")
    assert "Strict-Transport-Security" not in h  # plain HTTP: HSTS would be meaningless


@pytest.mark.parametrize("url", PRIVATE + ["/captcha/image.png", "/captcha/extrait-sonore.wav"])
def test_procedure_and_space_pages_are_never_stored(app, url):
    assert page(app, url).headers["Cache-Control"] == "no-store"


def test_refusals_and_redirects_are_never_stored_either(client, walk):
    assert walk.number("123").headers["Cache-Control"] == "no-store"
    assert walk.number(LILA).headers["Cache-Control"] == "no-store"
    assert walk.answers({"answer1": "a", "answer2": "b", "answer3": "c"}).headers["Cache-Control"] == "no-store"
    response = walk.login("toto321@toto.toto", BERNARD_PASSWORD)
    assert response.status_code == 303 and response.headers["Cache-Control"] == "no-store"
    assert client.get("/espace/coordonnees/recapitulatif.pdf").headers["Cache-Control"] == "no-store"


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # inline script
    re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),  # onclick=…
    re.compile(r"<[^>]+\sstyle\s*=", re.I),  # style attribute
    re.compile(r"<style", re.I),
    re.compile(r"javascript:", re.I),
]


@pytest.mark.parametrize("url", PUBLIC + PRIVATE)
def test_pages_need_nothing_the_policy_forbids(app, url):
    """The CSP forbids inline code: a page relying on some would silently break."""
    body = page(app, url).get_data(as_text=True)
    for pattern in INLINE:
        assert not pattern.search(body), (pattern.pattern, url)


def session_cookie(response, name="espace_session"):
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert cookies, "the session cookie was set"
    return [a.strip().lower() for a in cookies[-1].split(";")]


def test_session_cookie_is_httponly_and_samesite(client, walk):
    attributes = session_cookie(walk.number(LILA))
    assert "httponly" in attributes
    assert "samesite=lax" in attributes or "samesite=strict" in attributes
    assert "secure" not in attributes  # plain HTTP, nothing configured


def test_over_https_the_cookie_is_secure_and_hsts_is_sent(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.post("/opter/numero", data={"number": LILA}, base_url="https://localhost")
    # The « __Host- » prefix: Secure, the whole site, no Domain — nothing else can set it.
    attributes = session_cookie(response, "__Host-espace_session")
    assert "secure" in attributes and "httponly" in attributes and "path=/" in attributes
    assert not any(a.startswith("domain=") for a in attributes)
    hsts = client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000


def test_behind_a_trusted_tls_proxy_hsts_is_sent(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True, TRUSTED_PROXIES=1)
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_forwarded_proto_from_an_untrusted_client_is_ignored(make_app):
    app = make_app()  # TRUSTED_PROXIES=0: the header comes from the client itself
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_over_https_the_sign_in_cookies_are_secure_prefixed(make_app):
    from conftest import BERNARD_PASSWORD, Walk

    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    walk = Walk(app, client)
    client.post("/connexion", data={"email": "toto321@toto.toto", "password": BERNARD_PASSWORD},
                base_url="https://localhost")
    from conftest import signin_code_of
    done = client.post("/connexion/code", data={"code": signin_code_of(app, "toto321@toto.toto"), "remember": "y"},
                       base_url="https://localhost")
    names = [c.split("=", 1)[0] for c in done.headers.getlist("Set-Cookie")]
    assert "__Host-espace_session" in names and "__Secure-espace_navigateur" in names and "__Secure-espace_vu" in names
    assert walk is not None

"""Issue 16, item 12: the pages every visitor gets alike are rendered once per process.

`@same_for_every_visitor` (espace/visitor_pages.py) keeps the response of the public pages, the
login page and EP 4's first step to a browser without cookies. What is checked here: the kept page is the very
page the view renders; it is given again without rendering anything; and it never reaches
anybody the view would answer otherwise (a signed-in holder, a visitor with a notice, another
URL, another kind of htmx request), nor is a response kept that is not the same for everyone.
"""
import re

import pytest
from flask import flash, make_response, request, session, template_rendered

from conftest import BERNARD_EMAIL, BERNARD_PASSWORD, LILA, log_in, text
from espace import visitor_pages
from espace.visitor_pages import KEY, same_for_every_visitor

PAGES = ["/connexion", "/opter/numero"]  # the two with a form


def marked_urls(app):
    """Every GET URL whose view is marked (a page marked later is covered by itself); a fiche's URL
    for each fiche."""
    urls = []
    for rule in app.url_map.iter_rules():
        if getattr(app.view_functions[rule.endpoint], "same_for_every_visitor", False):
            urls += [rule.rule.replace("<slug>", slug) for slug in ("ep4", "ep6")] if rule.arguments else [rule.rule]
    return sorted(urls)


HTMX = {"none": {}, "fragment": {"HX-Request": "true"}, "boosted": {"HX-Request": "true", "HX-Boosted": "true"}}


@pytest.fixture
def rendered(app):
    """The templates rendered, in order, from now on."""
    names = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def rendered_by_the_view(app, url, headers):
    """The page as the view itself renders it: a cookie that means nothing to the app bypasses the memo."""
    client = app.test_client()
    client.set_cookie("sans_rapport", "1")
    return client.get(url, headers=headers)


def test_the_pages_kept_are_the_public_pages_and_the_two_first_forms(app):
    assert marked_urls(app) == ["/", "/accessibilite", "/aide", "/connexion", "/fiches", "/fiches/ep4",
                                "/fiches/ep6", "/opter/numero", "/plan-du-site"]


@pytest.mark.parametrize("kind", HTMX)
def test_every_kept_page_is_the_page_the_view_renders(app, kind):
    for url in marked_urls(app) + ["/connexion?suite=/espace/coordonnees"]:
        app.extensions[KEY].clear()
        first, again = app.test_client().get(url, headers=HTMX[kind]), app.test_client().get(url, headers=HTMX[kind])
        direct = rendered_by_the_view(app, url, HTMX[kind])
        assert len(app.extensions[KEY].pages) == 1, url  # the precondition: the second visitor got the kept one
        assert first.status_code == again.status_code == direct.status_code == 200, url
        assert text(first) == text(again) == text(direct), url
        for name in ("Content-Type", "HX-Push-Url", "Content-Security-Policy", "X-Frame-Options", "Cache-Control"):
            assert first.headers.get(name) == again.headers.get(name) == direct.headers.get(name), (url, name)
        assert {"Cookie", "HX-Request"} <= set(again.headers["Vary"].replace(" ", "").split(",")), url


def test_an_unknown_fiche_is_not_kept(app):
    assert [app.test_client().get("/fiches/ep9").status_code for _ in range(2)] == [404, 404]
    assert app.extensions[KEY].pages == {}


@pytest.mark.parametrize("url", PAGES)
def test_a_second_visitor_gets_the_page_without_anything_rendered(app, rendered, url):
    app.test_client().get(url)
    assert rendered and rendered[0].startswith(("signin/", "option/"))
    rendered.clear()
    assert app.test_client().get(url).status_code == 200
    assert rendered == []
    rendered_by_the_view(app, url, {})
    assert rendered  # the check can fail: a browser with a cookie has it rendered


def test_a_visitors_forms_carry_no_token_and_a_sessions_forms_do(make_app):
    """A visitor's session is never stored, so a token in its page could never be checked: none is
    sent, and no visitor's page (kept or not) holds another's. A browser with a session has one."""
    app = make_app(WTF_CSRF_ENABLED=True)
    visitor = app.test_client()
    assert 'name="csrf_token"' not in text(visitor.get("/connexion"))
    assert 'name="csrf_token"' not in text(visitor.get("/opter/numero"))
    assert visitor.post("/opter/numero", data={"number": LILA}, headers={"Origin": "http://localhost"}).status_code == 303
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', text(visitor.get("/opter/verification")))
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', text(visitor.get("/opter/numero")))


def test_a_signed_in_holder_is_not_given_the_visitors_login_page(app, client):
    assert app.test_client().get("/connexion").status_code == 200  # kept
    log_in(client, BERNARD_EMAIL, BERNARD_PASSWORD)
    response = client.get("/connexion")
    assert response.status_code == 303 and response.location.endswith("/espace/")


def test_a_visitor_with_a_notice_reads_it(app, client):
    app.test_client().get("/connexion")  # kept
    response = client.get("/espace/")
    assert response.status_code == 303 and "/connexion" in response.location
    assert "Connectez-vous pour accéder à votre espace professionnel." in text(client.get(response.location))
    assert "Connectez-vous pour" not in text(client.get("/connexion"))  # shown once, as before


def test_each_url_and_each_kind_of_request_has_its_own_page(app):
    pages = {(url, kind): text(app.test_client().get(url, headers=HTMX[kind]))
             for url in ("/connexion", "/connexion?suite=/espace/coordonnees", "/connexion?suite=/espace/historique")
             for kind in HTMX}
    # A boosted request wants the whole page, as a plain one does; a fragment is the step alone.
    assert len(set(pages.values())) == 6 and len({pages[key] for key in pages if key[1] != "fragment"}) == 3
    assert 'value="/espace/historique"' in pages[("/connexion?suite=/espace/historique", "boosted")]
    assert 'value="/espace/historique"' in pages[("/connexion?suite=/espace/historique", "fragment")]
    assert "<html" in pages[("/connexion", "boosted")] and "<html" not in pages[("/connexion", "fragment")]


def test_a_post_or_a_refusal_is_never_kept(app):
    client = app.test_client()
    refused = client.post("/opter/numero", data={"number": "123"})
    assert refused.status_code == 422 and "Erreur" in text(refused)
    assert app.extensions[KEY].pages == {}
    assert "Erreur" not in text(app.test_client().get("/opter/numero"))


@pytest.fixture
def probe(make_app):
    """An app with a view marked like the login page, which does what its query string says."""
    app = make_app()
    calls = []

    @app.route("/__sonde")
    @same_for_every_visitor
    def probe_view():
        calls.append(1)
        response = make_response(f"page {len(calls)}", int(request.args.get("statut", 200)))
        if "cookie" in request.args:
            response.set_cookie("suivi", "1")
        if "avis" in request.args:
            flash("Un avis", "info")
        if "session" in request.args:
            session["commence"] = True
        if "hote" in request.args:
            response.set_data(f"page {len(calls)} pour {request.host_url}")
        return response

    return app, calls


@pytest.mark.parametrize("query", ["statut=422", "statut=404", "cookie=1", "avis=1", "session=1"])
def test_a_response_that_is_not_the_same_for_everyone_is_not_kept(probe, query):
    app, calls = probe
    for _ in range(3):
        app.test_client().get(f"/__sonde?{query}")
    assert len(calls) == 3 and app.extensions[KEY].pages == {}


def test_a_plain_response_is_kept_and_a_browser_with_cookies_is_not_given_it(probe):
    app, calls = probe
    assert [text(app.test_client().get("/__sonde")) for _ in range(3)] == ["page 1"] * 3
    with_cookie = app.test_client()
    with_cookie.set_cookie("autre", "1")
    assert text(with_cookie.get("/__sonde")) == "page 2"
    assert text(app.test_client().post("/__sonde")) != "page 1"  # 405: the route takes GET only
    assert len(calls) == 2


def test_nothing_is_kept_while_templates_reload(probe):
    app, calls = probe
    app.jinja_env.auto_reload = True  # what debug (development) sets
    for _ in range(2):
        app.test_client().get("/__sonde")
    assert len(calls) == 2


def test_at_most_size_urls_are_kept_the_least_recently_used_forgotten_first(probe):
    app, calls = probe
    app.extensions[KEY] = visitor_pages.Remembered(size=2)
    for n in (1, 2, 1, 3):
        app.test_client().get(f"/__sonde?n={n}")
    kept = [key[3] for key in app.extensions[KEY].pages]
    assert kept == ["/__sonde?n=1", "/__sonde?n=3"] and len(calls) == 3


def test_a_page_kept_for_one_host_or_scheme_is_not_given_for_another(probe):
    """Web cache poisoning: even a page that named its host would be kept per host."""
    app, calls = probe
    app.config["TRUSTED_HOSTS"] = ["localhost", "autre.example"]  # two names of the service
    pages = [text(app.test_client().get("/__sonde?hote=1", base_url=base))
             for base in ("http://localhost", "http://localhost", "https://localhost", "http://autre.example")]
    assert pages == ["page 1 pour http://localhost/", "page 1 pour http://localhost/",
                     "page 2 pour https://localhost/", "page 3 pour http://autre.example/"]

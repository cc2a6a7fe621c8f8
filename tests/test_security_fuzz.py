"""Fuzzing every field of every form with hypothesis.

For any input — very long, unicode, control characters, NUL, HTML/JS/SQL payloads,
fields missing or repeated, full page or htmx — the app never fails (TESTING makes an
exception surface here), never echoes markup unescaped, and writes nothing to the
database when it refuses the input. The failure counters of trust answers and login are
the one deliberate write on refusal: they are left out of the comparison, as are the tries
spent on a sign-in code (each wrong code spends one, on purpose).
"""
import pytest
from conftest import BERNARD_PASSWORD, CAPTCHA, LILA, LILA_ANSWERS, PASSWORD, Forgotten, Walk
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from espace.domain.activation import TRUST_QUESTIONS
from espace.models import ALL_MODELS, ActivationRequest, Event, LoginFailure, OutboxMessage, PasswordReset, SigninCode, Space, db

EXAMPLES = 300
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
COUNTERS = {"failed_answer_count", "answers_locked_until", "failed_login_count", "login_locked_until",
            "tries"}
# Markup that must never come back as markup: the marker never occurs in the templates.
INJECTIONS = [
    "<script>fuzzmark()</script>",
    '"><img src=x onerror=fuzzmark()>',
    "'><svg/onload=fuzzmark()>",
    "</textarea><b id=fuzzmark>",
    "javascript:fuzzmark()//<a href=x>",
    "{{ 7*7 }}fuzzmark{% raw %}",
    "' OR '1'='1' -- fuzzmark<",
    "'); DROP TABLE space; -- <fuzzmark>",
    "\x00<fuzzmark>\x00",
    "\r\nSet-Cookie: fuzzmark=1\r\n<fuzzmark>",
    "\u202e<fuzzmark>\u200b\ufeff",
]
EXAMPLES_RUN = {}

values = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(max_size=120),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=40),  # control characters
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(30, 3000)),
    st.sampled_from(["", " ", LILA, "2010 167 0101919", "lila.pro@example.fr", PASSWORD, CAPTCHA,
                     "a" * 100_000, "é" * 101, "😀" * 50] + list(TRUST_QUESTIONS)),
)


def field_values(names):
    """Each field missing, given once, or given several times; sometimes an unknown one too."""
    one_field = st.one_of(st.just([]), values.map(lambda v: [v]), st.lists(values, min_size=2, max_size=3))
    extra = st.one_of(st.just({}), st.dictionaries(st.sampled_from(["csrf_token", "admin", "done", "space_id"]),
                                                   st.lists(values, min_size=1, max_size=2), max_size=2))
    return st.tuples(st.fixed_dictionaries({n: one_field for n in names}), extra).map(
        lambda parts: [(k, v) for part in parts for k, vs in part.items() for v in vs])


ACTIONS = st.sampled_from([[], ["continuer"], ["effacer"], ["changer"], ["valider"], ["renvoyer"],
                           ["x", "effacer"]])


def snapshot():
    state = {}
    # The history records refused attempts on purpose (« Historique »), and the login counts wrong
    # passwords per address typed (LoginFailure): counters, not stored data.
    for model in (m for m in ALL_MODELS if m not in (Event, LoginFailure)):
        columns = [f for f in model._meta.sorted_fields if f.name not in COUNTERS]
        # PostgreSQL returns blobs as memoryview, whose repr is an address: compare bytes.
        rows = (tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in model.select(*columns).tuples())
        state[model.__name__] = sorted(map(repr, rows))
    return state


def reset_counters():
    Space.update(failed_answer_count=0, answers_locked_until=None,
                 failed_login_count=0, login_locked_until=None).execute()
    LoginFailure.delete().execute()


def check(response, pairs):
    assert response.status_code < 500
    body = response.get_data(as_text=True)
    for tag in ("<fuzzmark", "<script>fuzzmark", "<img src=x", "<svg/onload", "<b id=fuzzmark", "<a href=x"):
        assert tag not in body, tag
    assert "49fuzzmark" not in body  # a template would have evaluated {{ 7*7 }}
    for _, value in pairs:
        special = str(escape(value)) != value
        if special and (value in INJECTIONS or (len(value) >= 12 and any(c.isalpha() for c in value))):
            # Shown escaped is right; « 0000000000A& » is a prefix of its own escaped form
            # « 0000000000A&amp; », so the escaped occurrences are taken out before looking.
            assert value not in body.replace(str(escape(value)), ""), value


class Fuzzer:
    """One app per test; a client brought to the step before each example."""

    def __init__(self, app, setup):
        self.app, self.setup = app, setup
        self.client = None
        self.count = 0

    def post(self, path, pairs, htmx):
        if self.client is None:
            self.client = self.app.test_client()
            self.setup(self.client)
        with self.app.app_context(), db.connection_context():
            reset_counters()
            before = snapshot()
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.client.post(path, data=MultiDict(pairs), headers=headers)
        response.close()  # work deferred after the response runs now, as under a real server
        self.count += 1
        check(response, pairs)
        if response.status_code == 303:
            self.client = None  # accepted: the next example starts again from its step
            return response
        with self.app.app_context(), db.connection_context():
            assert snapshot() == before, "refused input changed the database"
        return response


def to_step(n):
    def setup(client):
        walk = Walk(None, client)
        steps = [walk.number, walk.answers, walk.credentials][: n - 1]
        for step in steps:
            assert step().status_code == 303
    return setup


def code_step(client):
    client.get("/activation/")


def sign_bernard_in(client):
    with client.application.app_context(), db.connection_context():
        SigninCode.delete().execute()  # no hourly cap on codes across examples
    Walk(client.application, client).login("toto321@toto.toto", BERNARD_PASSWORD)
    assert client.get("/espace/").status_code == 200
def reset_step(answered):
    """« Mot de passe oublié » with a fresh link opened (and its question answered)."""
    def setup(client):
        app = client.application
        with app.app_context(), db.connection_context():
            PasswordReset.delete().execute()  # no hourly cap across examples
        forgotten = Forgotten(app, client)
        assert forgotten.ask().status_code == 303
        assert forgotten.open_link().status_code == 303
        if answered:
            assert forgotten.answer().status_code == 303
    return setup


def reset_start(client):
    client.get("/mot-de-passe-oublie")


def signin_code_step(client):
    """Bernard's password accepted: the sign-in waits for the e-mailed code."""
    response = Walk(client.application, client).password("toto321@toto.toto", BERNARD_PASSWORD)
    assert response.location.endswith("/connexion/code")


FORMS = {
    # name: (path, fields, setup)
    "numero": ("/opter/numero", ["number"], to_step(1)),
    "verification": ("/opter/verification", ["answer1", "answer2", "answer3"], to_step(2)),
    "identifiants": ("/opter/identifiants", ["email", "email_confirm", "password", "password_confirm"],
                     to_step(3)),
    "question": ("/opter/question", ["question", "answer"], to_step(4)),
    "code": ("/activation/", ["code", "captcha"], code_step),
    "connexion": ("/connexion", ["email", "password"], lambda client: None),
    "adresse-electronique": ("/espace/adresse-electronique", ["email", "email_confirm", "current_password"],
                             sign_bernard_in),
    "confirmation-adresse": ("/espace/adresse-electronique/confirmation", ["code"], sign_bernard_in),
    "mot-de-passe": ("/espace/mot-de-passe", ["current_password", "password", "password_confirm"], sign_bernard_in),
    "coordonnees": ("/espace/coordonnees/modifier", ["phone", "address", "postcode", "city"], sign_bernard_in),
    "question-de-confiance": ("/espace/coordonnees/question-de-confiance",
                              ["question", "answer", "current_password"], sign_bernard_in),
    "oubli": ("/mot-de-passe-oublie", ["email", "captcha"], reset_start),
    "oubli-question": ("/mot-de-passe-oublie/question", ["answer"], reset_step(answered=False)),
    "oubli-mot-de-passe": ("/mot-de-passe-oublie/nouveau-mot-de-passe", ["password", "password_confirm"],
                           reset_step(answered=True)),
    "connexion-code": ("/connexion/code", ["code", "remember"], signin_code_step),
}


@pytest.fixture(scope="module", autouse=True)
def report(request):
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter and capture and EXAMPLES_RUN:
        detail = ", ".join(f"{k} {v}" for k, v in EXAMPLES_RUN.items())
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nfuzz: {sum(EXAMPLES_RUN.values())} examples ({detail})")


@pytest.mark.parametrize("name", FORMS)
def test_any_input_to_any_form(make_app, name):
    path, fields, setup = FORMS[name]
    app = make_app()
    if name == "question":
        # Each accepted example stores a request; the next one must be able to again.
        def setup(client, walk_to=setup):
            with app.app_context(), db.connection_context():
                ActivationRequest.delete().execute()
                OutboxMessage.delete().execute()
            walk_to(client)
    fuzzer = Fuzzer(app, setup)

    @FUZZ
    @given(pairs=field_values(fields), action=ACTIONS, htmx=st.booleans())
    def run(pairs, action, htmx):
        fuzzer.post(path, pairs + [("action", a) for a in action], htmx)

    run()
    EXAMPLES_RUN[name] = fuzzer.count
    assert fuzzer.count >= EXAMPLES


def test_any_input_to_the_address_step_of_activation(make_app):
    """The last step activates: refused input must leave the space exactly as it was."""
    app = make_app()
    code = Walk(app, app.test_client()).option(email="lila.fuzz@example.fr")

    def setup(client):
        client.get("/activation/")
        assert client.post("/activation/", data={"code": code, "captcha": CAPTCHA}).status_code == 303

    fuzzer = Fuzzer(app, setup)

    @FUZZ
    @given(pairs=field_values(["email"]), action=ACTIONS, htmx=st.booleans())
    def run(pairs, action, htmx):
        response = fuzzer.post("/activation/identifiants", pairs + [("action", a) for a in action], htmx)
        assert response.status_code != 303, "only lila.fuzz@example.fr activates"

    run()
    EXAMPLES_RUN["activation-identifiants"] = fuzzer.count
    assert fuzzer.count >= EXAMPLES  # the examples did reach the step


@FUZZ
@given(body=st.binary(max_size=2000), content_type=st.sampled_from([
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "multipart/form-data",
    "text/plain", "application/json", "application/x-www-form-urlencoded; charset=latin-1"]),
    path=st.sampled_from([f[0] for f in FORMS.values()] + ["/activation/identifiants", "/opter/quitter",
                                                           "/captcha/changer", "/deconnexion"]))
def test_any_raw_body_to_any_form(app, body, content_type, path):
    response = app.test_client().post(path, data=body, content_type=content_type)
    assert response.status_code < 500
    EXAMPLES_RUN["raw-bodies"] = EXAMPLES_RUN.get("raw-bodies", 0) + 1


ROUTES = ["/", "/connexion", "/connexion/code", "/connexion/quitter", "/deconnexion", "/opter/", "/opter/numero", "/opter/verification",
          "/opter/identifiants", "/opter/question", "/opter/validation", "/opter/quitter", "/activation/",
          "/captcha/changer", "/captcha/image.png", "/activation/identifiants",
          "/activation/recapitulatif", "/activation/recapitulatif.pdf", "/espace/", "/espace/coordonnees",
          "/espace/adresse-electronique", "/espace/adresse-electronique/confirmation",
          "/espace/adresse-electronique/modifiee", "/espace/adresse-electronique/quitter", "/espace/mot-de-passe",
          "/espace/coordonnees/modifier", "/espace/coordonnees/question-de-confiance",
          "/mot-de-passe-oublie", "/mot-de-passe-oublie/message-envoye", "/mot-de-passe-oublie/lien",
          "/mot-de-passe-oublie/question", "/mot-de-passe-oublie/nouveau-mot-de-passe",
          "/mot-de-passe-oublie/quitter"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"])
def test_any_method_on_any_route(client, method):
    for route in ROUTES:
        response = client.open(route, method=method)
        assert response.status_code in (200, 204, 303, 400, 404, 405, 410, 422), (method, route)
        if response.status_code == 405 and method != "HEAD":
            assert "Méthode non autorisée" in response.get_data(as_text=True)


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["v", "next", "code", "number", "step"]), values, max_size=3))
def test_any_query_string(app, query):
    client = app.test_client()
    for route in ("/opter/numero", "/activation/", "/connexion"):
        check(client.get(route, query_string=query), list(query.items()))
    assert client.get("/captcha/image.png", query_string=query).mimetype == "image/png"
    EXAMPLES_RUN["query-strings"] = EXAMPLES_RUN.get("query-strings", 0) + 1


@pytest.mark.parametrize("name", FORMS)
def test_nul_in_any_field_is_refused_not_a_crash(make_app, name):
    """PostgreSQL refuses NUL in a query string: it must never reach one, given once or repeated."""
    path, fields, setup = FORMS[name]
    app = make_app()
    for field in fields:
        for values in (["toto321\x00@toto.toto"], ["toto321@toto.toto", "toto321\x00@toto.toto"]):
            client = app.test_client()
            setup(client)
            pairs = [(f, "toto321@toto.toto") for f in fields if f != field] + [(field, v) for v in values]
            assert client.post(path, data=MultiDict(pairs)).status_code in (400, 422), (field, values)

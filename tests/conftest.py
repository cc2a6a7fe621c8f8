"""Fixtures shared by every test file.

The shape under test is chosen by the environment, like the app itself:
nothing set → SQLite file + sessions on disk + in-process limits (embedded default);
TEST_DATABASE_URL / TEST_REDIS_URL set → PostgreSQL and Redis (scale-out shape).
"""
import html
import os
import re
import shutil
import sqlite3
from unittest import mock

import jinja2
import pytest

from espace import create_app
from espace.captcha import media as captcha
from espace.config import Config
from espace.domain.credentials import normalise_email
from espace.models import ALL_MODELS, OutboxMessage, SigninCode, Space, db

CAPTCHA = "KAWRTY"  # the scriptable captcha text (letters of espace.captcha.ALPHABET)
LILA = "20101670101919"
CLAUDE = "20050170000303"
BERNARD = "20150830040707"
LILA_ANSWERS = {"answer1": "Laurence", "answer2": "Rugby", "answer3": "Renault"}
CLAUDE_ANSWERS = {"answer1": "Deauville", "answer2": "Gray", "answer3": "Lucien"}
PASSWORD = "Longchamp2023Rosemonde"
BERNARD_PASSWORD = "Douasbin2015PecheEnMer"


def text(response):
    """The body as sent (HTML entities left as they are: « d&#39;abonné »)."""
    return response.get_data(as_text=True)


def plain(response):
    """The body with HTML entities decoded, as a reader sees it: « d'abonné »."""
    return html.unescape(text(response))


def signed_in(client):
    """Whether this client's session opens a space (the precondition of every login test)."""
    response = client.get("/espace/")
    return response.status_code == 200 and "Mon espace professionnel" in text(response)


def log_in(client, email, password):
    """Sign in (password, then the e-mailed code), and check that it worked before the test relies on it."""
    response = Walk(client.application, client).login(email, password)
    assert response.status_code == 303 and response.location.endswith("/espace/"), text(response)
    assert signed_in(client)
    return response


def settings_for(tmp_path, **overrides):
    settings = {
        "TESTING": True,
        "ESPACE_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BCRYPT_ROUNDS": 4,
        "CAPTCHA_TEST_TEXT": CAPTCHA,
        "SESSION_DIR": str(tmp_path / "sessions"),
        "MAIL_BACKEND": "outbox",
    }
    database_url = os.environ.get("TEST_DATABASE_URL")
    settings["DATABASE_URL"] = database_url or f"sqlite:///{tmp_path / 'espace.sqlite3'}"
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        settings["REDIS_URL"] = redis_url
        settings["RATELIMIT_STORAGE_URI"] = redis_url
    settings.update(overrides)
    return settings


def reset_shared_servers():
    """On the scale-out shape the servers outlive a test: start each test from nothing."""
    database_url = os.environ.get("TEST_DATABASE_URL")
    if database_url:
        from espace.database import open_database

        database = open_database(database_url)
        with database.connection_context():
            tables = [m._meta.table_name for m in ALL_MODELS] + ["schema_migration"]
            database.execute_sql("DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        database.close()
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        import redis

        redis.from_url(redis_url).flushdb()


class SharedBytecode(jinja2.BytecodeCache):
    """Templates compiled once per process rather than once per app (each test builds its own
    app, and so its own Jinja environment): Jinja checks the source's checksum on each load."""

    def __init__(self):
        self.stored = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.stored:
            bucket.bytecode_from_string(self.stored[bucket.key])

    def dump_bytecode(self, bucket):
        self.stored[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = SharedBytecode()


def _template_key(directory, settings):
    """What the migrated and seeded database of these settings holds depends on these alone."""
    config = {**Config(str(directory / "instance")).as_flask(), **settings}
    own_file = config["DATABASE_URL"] == f"sqlite:///{directory / 'espace.sqlite3'}"
    return own_file, config["SEED_DEMO"], config["BCRYPT_ROUNDS"], tuple(config["ENCRYPTION_KEYS"])


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """One migrated and seeded SQLite file per session (per xdist worker), copied for each test.

    Copying the file costs a fraction of running the migrations and the seeding (and their
    fsyncs); create_app still runs both on the copy, where they find nothing to do. Only the
    embedded shape has one: on PostgreSQL every test starts from empty tables (reset_shared_servers).
    Returns (path, key) or None.
    """
    if os.environ.get("TEST_DATABASE_URL"):
        return None
    directory = tmp_path_factory.mktemp("template")
    settings = settings_for(directory)
    with mock.patch.dict(os.environ, {"INSTANCE_PATH": str(directory / "instance")}):
        create_app(settings)
    db.obj.close_all()
    path = directory / "espace.sqlite3"
    # Everything into the one file: the copy then needs no -wal beside it.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path, _template_key(directory, settings)


@pytest.fixture
def make_app(tmp_path, monkeypatch, template_database):
    """Build an app with settings overridden for one test.

    The first app of a test whose settings give the template's data starts from a copy of it.
    """
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    reset_shared_servers()
    apps = []

    def factory(**overrides):
        settings = settings_for(tmp_path, **overrides)
        target = tmp_path / "espace.sqlite3"
        if (template_database and not target.exists()
                and _template_key(tmp_path, settings) == template_database[1]):
            shutil.copyfile(template_database[0], target)
        app = create_app(settings)
        app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
        apps.append(app)
        return app

    yield factory
    if db.obj is not None and not db.is_closed():
        db.close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def htmx(app):
    """A client whose every request says it comes from htmx."""
    c = app.test_client()
    c.environ_base["HTTP_HX_REQUEST"] = "true"
    return c


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def dbc(app):
    """A database connection for assertions made outside a request."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        yield db
        db.close()


@pytest.fixture
def captcha_texts(make_app, monkeypatch):
    """An app whose each new challenge gets the next text of this list (the fixed test text is off)."""
    sequence = iter(["AAAAAA", "EEEEEE", "HHHHHH", "KKKKKK"])
    monkeypatch.setattr(captcha, "new_text", lambda length=6, fixed=None: next(sequence))
    return make_app(CAPTCHA_TEST_TEXT="")


def captcha_text(client):
    """The text of the challenge this client's captcha cookie holds."""
    return captcha_of(client).text


def last_message(app):
    with app.app_context():
        with db.connection_context():
            return OutboxMessage.select().order_by(OutboxMessage.id.desc()).first()


def code_from(message):
    return re.search(r"code d'activation : (\w{12})", message.text_body).group(1)


def signin_code_in(text):
    """The 6-digit code in the text of a sign-in confirmation message."""
    return re.search(r"code de confirmation : (\d{6})", text).group(1)


def signin_code_from(message):
    return signin_code_in(message.text_body)


def signin_code_of(app, email):
    """The last sign-in code e-mailed to this address (the outbox, read as the holder would)."""
    with app.app_context(), db.connection_context():
        message = (OutboxMessage.select().where(OutboxMessage.recipient == email)
                   .order_by(OutboxMessage.id.desc()).first())
    return signin_code_from(message)


def live_login(browser, app, email, password, remember=False):
    """The whole sign-in on a live server (tests/live_server.Browser): password, then the code.

    `app` is any app on the same database: the code is read from its outbox.
    """
    response = browser.post("/connexion", {"email": email, "password": password})
    if response.status != 303 or not response.headers["Location"].endswith("/connexion/code"):
        return response
    data = {"code": signin_code_of(app, normalise_email(email))}
    return browser.post("/connexion/code", {**data, "remember": "y"} if remember else data)


class Walk:
    """Walks a client through the wizard and the activation, as a person would."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def number(self, number=LILA):
        return self.client.post("/opter/numero", data={"number": number})

    def answers(self, answers=None):
        return self.client.post("/opter/verification", data=answers or LILA_ANSWERS)

    def credentials(self, email="lila.pro@example.fr", password=PASSWORD, email_confirm=None,
                    password_confirm=None):
        return self.client.post("/opter/identifiants", data={
            "email": email, "email_confirm": email if email_confirm is None else email_confirm,
            "password": password, "password_confirm": password if password_confirm is None else password_confirm,
        })

    def question(self, question="Votre sport préféré ?", answer="Équitation"):
        return self.client.post("/opter/question", data={"question": question, "answer": answer})

    def option(self, number=LILA, answers=None, email="lila.pro@example.fr", password=PASSWORD):
        """The five steps; returns the e-mailed code."""
        # Each step leads to the next (an out-of-order step redirects with a 303 too).
        for step, following in ((lambda: self.number(number), "/opter/verification"),
                                (lambda: self.answers(answers), "/opter/identifiants"),
                                (lambda: self.credentials(email, password), "/opter/question"),
                                (self.question, "/opter/validation")):
            response = step()
            assert response.status_code == 303 and response.location.endswith(following), text(response)
        return code_from(last_message(self.app))

    def code(self, code, captcha=CAPTCHA):
        self.client.get("/activation/")
        return self.client.post("/activation/", data={"code": code, "captcha": captcha})

    def connection_email(self, email="lila.pro@example.fr"):
        return self.client.post("/activation/identifiants", data={"email": email})

    def activate(self, code, email="lila.pro@example.fr"):
        assert self.code(code).status_code == 303
        response = self.connection_email(email)
        assert response.status_code == 303, response.get_data(as_text=True)
        return response

    def password(self, email="lila.pro@example.fr", password=PASSWORD):
        """Step 1 of the sign-in alone."""
        return self.client.post("/connexion", data={"email": email, "password": password})

    def confirm(self, code, remember=False):
        """Step 2 of the sign-in alone: the e-mailed code."""
        data = {"code": code, "remember": "y"} if remember else {"code": code}
        return self.client.post("/connexion/code", data=data)

    def login(self, email="lila.pro@example.fr", password=PASSWORD, remember=False):
        """The whole sign-in, as the holder does it: password, then the code read in the outbox
        (unless this browser is remembered). Returns the last response: 303 to /espace/ once in."""
        response = self.password(email, password)
        if response.status_code != 303 or not response.location.endswith("/connexion/code"):
            return response
        return self.confirm(signin_code_of(self.app, normalise_email(email)), remember)


@pytest.fixture
def walk(app, client):
    return Walk(app, client)


BERNARD_EMAIL = "toto321@toto.toto"
BERNARD_ANSWER = "pêche"  # « Votre hobby ? »
NEW_PASSWORD = "Douasbin2026RougetBarbet"


def link_from(message):
    """The path of the « Mot de passe oublié » link in its e-mail."""
    return re.search(r"/mot-de-passe-oublie/lien\?jeton=[\w-]+", message.text_body).group(0)


class Forgotten:
    """Walks a client through « Mot de passe oublié », as a person would."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def ask(self, email=BERNARD_EMAIL, captcha=CAPTCHA, **headers):
        self.client.get("/mot-de-passe-oublie")
        response = self.client.post("/mot-de-passe-oublie", data={"email": email, "captcha": captcha},
                                    headers=headers)
        # The link is looked up and sent once the response is closed, as a WSGI server does.
        response.close()
        return response

    def open_link(self, path=None):
        return self.client.get(path or link_from(last_message(self.app)))

    def answer(self, answer=BERNARD_ANSWER):
        return self.client.post("/mot-de-passe-oublie/question", data={"answer": answer})

    def new_password(self, password=NEW_PASSWORD, confirm=None):
        return self.client.post("/mot-de-passe-oublie/nouveau-mot-de-passe", data={
            "password": password, "password_confirm": password if confirm is None else confirm})

    def until_password(self, email=BERNARD_EMAIL):
        """Ask, open the e-mailed link, answer: the new-password step is reached."""
        assert self.ask(email).status_code == 303
        assert self.open_link().status_code == 303
        response = self.answer()
        assert response.status_code == 303, response.get_data(as_text=True)
        assert response.location.endswith("/mot-de-passe-oublie/nouveau-mot-de-passe")
        return response


@pytest.fixture
def forgotten(app, client):
    return Forgotten(app, client)


def captcha_of(client):
    """The captcha challenge this client's cookie holds (what its image shows), or None."""
    from espace.captcha import challenge

    cookie = client.get_cookie(challenge.COOKIE)
    with client.application.test_request_context():
        return challenge.unseal(cookie.value) if cookie else None
def signed_in_client(app, email=BERNARD_EMAIL, password=BERNARD_PASSWORD):
    """A client of its own, signed in (checked: the space opens). The codes of earlier sign-ins are
    cleared first: tests sign clients in by the dozen, and the hourly cap on codes is tested apart."""
    client = app.test_client()
    with app.app_context(), db.connection_context():
        SigninCode.delete().execute()
    log_in(client, email, password)
    return client


# EP 5 « Modifier mon adresse électronique » (Bernard's new address).
NEW_EMAIL = "bernard.douasbin@example.fr"


def ask_email_change(client, email=NEW_EMAIL, password=BERNARD_PASSWORD, confirm=None):
    return client.post("/espace/adresse-electronique", data={
        "email": email, "email_confirm": email if confirm is None else confirm, "current_password": password})


def confirmation_code(app, recipient=NEW_EMAIL):
    """The 12-character code e-mailed to confirm a new address."""
    with app.app_context(), db.connection_context():
        message = (OutboxMessage.select().where(OutboxMessage.recipient == recipient)
                   .order_by(OutboxMessage.id.desc()).first())
    return re.search(r"code de changement d'adresse : (\w{12})", message.text_body).group(1)


def login_email(app):
    """Bernard's current sign-in address."""
    with app.app_context(), db.connection_context():
        return Space.get(Space.last_name == "DOUASBIN").login_email


@pytest.fixture
def told():
    """The domain's events emitted during the test (espace/domain/events.py), in order."""
    from espace.domain.events import space_event

    events = []
    space_event.connect(events.append, weak=False)
    yield events
    space_event.disconnect(events.append)

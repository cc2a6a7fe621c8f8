"""Secrets: after a whole run — mistakes included — against a real server sending real mail,
no password, trust answer (old or new), activation or sign-in code, device cookie or session id
appears in clear in the database (every table, and the raw bytes of the SQLite files), in the
server's logs, or in the mail beyond each code in its own message.
"""
import email
import email.policy
import glob
import os
import re

import pytest
from aiosmtpd.controller import Controller
from conftest import CAPTCHA, LILA, PASSWORD, settings_for, signin_code_in
from live_server import Browser, LiveServer, free_port

from espace import create_app
from espace.domain.identity import fold_trust_answer
from espace.models import ALL_MODELS, db

NEW_EMAIL = "lila.pro@example.fr"
WRONG_PASSWORD = "Longchamp2023RosemondX"
NEW_ANSWER = "Équitation en Normandie"
OLD_ANSWERS = {"answer1": "Laurence", "answer2": "Rugby", "answer3": "Renault"}
WRONG_ANSWERS = {"answer1": "Laurence", "answer2": "Rugby", "answer3": "Peugeot"}


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def clear_forms(secret):
    """The ways a secret could be stored in clear: as typed, and as normalised for comparison."""
    return {secret, secret.lower(), secret.upper(), fold_trust_answer(secret)}


@pytest.fixture
def whole_run(make_app, tmp_path):
    """The whole procedure and a login, with a mistake at each step, through a real server."""
    make_app()  # migrations and demo data
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    server = LiveServer(settings_for(tmp_path, SEED_DEMO=False, MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1",
                                     SMTP_PORT=smtp.port, LOG_LEVEL="DEBUG"))
    session_ids = set()
    stores = []  # what the session store held after each step
    try:
        browser = Browser(server.url)

        def step(path, data=None, expect=303):
            response = browser.post(path, data) if data is not None else browser.get(path)
            assert response.status == expect, (path, response.status)
            session_ids.add(browser.session_id())
            stores.append(session_store(tmp_path))
            return response

        step("/opter/numero", {"number": LILA})
        step("/opter/verification", WRONG_ANSWERS, expect=422)
        step("/opter/verification", OLD_ANSWERS)
        step("/opter/identifiants", {"email": NEW_EMAIL, "email_confirm": NEW_EMAIL,
                                     "password": PASSWORD, "password_confirm": WRONG_PASSWORD}, expect=422)
        step("/opter/identifiants", {"email": NEW_EMAIL, "email_confirm": NEW_EMAIL,
                                     "password": PASSWORD, "password_confirm": PASSWORD})
        step("/opter/question", {"question": "Votre hobby ?", "answer": NEW_ANSWER})
        code = re.search(r"code d'activation : (\w{12})", inbox.messages[-1].get_body(("plain",)).get_content()).group(1)
        step("/activation/", expect=200)
        step("/activation/", {"code": code, "captcha": "XXXXXX"}, expect=422)
        step("/activation/", {"code": code, "captcha": CAPTCHA})
        step("/activation/identifiants", {"email": NEW_EMAIL})
        step("/activation/recapitulatif", expect=200)
        step("/connexion", {"email": NEW_EMAIL, "password": WRONG_PASSWORD}, expect=422)
        step("/connexion", {"email": NEW_EMAIL, "password": PASSWORD})
        signin_code = signin_code_in(inbox.messages[-1].get_body(("plain",)).get_content())
        wrong_code = f"{(int(signin_code) + 1) % 10 ** 6:06d}"
        step("/connexion/code", {"code": wrong_code}, expect=422)
        step("/connexion/code", {"code": signin_code, "remember": "y"})
        device_cookie = next(c.value for c in browser.cookies if c.name == "espace_navigateur")
        step("/espace/coordonnees", expect=200)
        step("/deconnexion", {})
    finally:
        logs = server.stop()
        smtp.stop()
    secrets = {
        "password": clear_forms(PASSWORD) | clear_forms(WRONG_PASSWORD),
        "trust answers": set().union(*(clear_forms(a) for a in [*OLD_ANSWERS.values(), "Peugeot", NEW_ANSWER])),
        "activation code": {code},
        "sign-in code": {signin_code, wrong_code},
        "device cookie": {device_cookie, device_cookie.split(".")[0]},
        "session id": session_ids - {None},
    }
    assert len(secrets["session id"]) >= 3  # rotated at identification, login and logout
    return secrets, logs, inbox.messages, tmp_path, stores


def found(secrets, haystack):
    return [(kind, s) for kind, values in secrets.items() for s in values if s in haystack]


def test_database_holds_no_secret_in_clear(whole_run):
    secrets, _, _, tmp_path, _ = whole_run
    app = create_app(settings_for(tmp_path, SEED_DEMO=False))
    with app.app_context(), db.connection_context():
        rows = [repr(row) for model in ALL_MODELS for row in model.select().tuples()]
    dump = "\n".join(rows)
    assert "lila.pro@example.fr" in dump  # the dump does see the data
    assert found(secrets, dump) == []
    if os.environ.get("TEST_DATABASE_URL"):
        # No file to read: every table of the schema, each row as PostgreSQL prints it.
        raw = "\n".join(postgresql_rows(os.environ["TEST_DATABASE_URL"]))
        assert "lila.pro@example.fr" in raw  # the rows were read
        assert found(secrets, raw) == []
        return
    files = glob.glob(str(tmp_path / "espace.sqlite3*"))
    assert files, "the SQLite file and its WAL"
    for path in files:
        with open(path, "rb") as f:
            raw = f.read().decode("utf-8", "replace")
        assert found(secrets, raw) == [], path


def postgresql_rows(url):
    import psycopg2

    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [name for (name,) in cursor.fetchall()]
        rows = []
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            rows += [f"{table} {row}" for (row,) in cursor.fetchall()]
    return rows


def session_store(tmp_path):
    """What the session store holds, (name, content) per entry: Redis keys, or the files on disk."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        entries = []
        for path in glob.glob(str(tmp_path / "sessions" / "*")):
            with open(path, "rb") as f:
                entries.append((os.path.basename(path), f.read().decode("utf-8", "replace")))
        return entries
    import redis

    store = redis.from_url(redis_url)
    read = {b"string": store.get, b"list": lambda k: store.lrange(k, 0, -1),
            b"zset": lambda k: store.zrange(k, 0, -1), b"hash": store.hgetall, b"set": store.smembers}
    return [(key.decode(), repr(read[store.type(key)](key))) for key in store.scan_iter()]


def test_session_store_holds_no_secret_and_no_other_session_id(whole_run):
    """A session's id names its entry (that is how it is found) and appears nowhere else."""
    secrets, _, _, _, stores = whole_run
    entries = [entry for store in stores for entry in store]
    assert any(NEW_EMAIL in content for _, content in entries)  # the store was read mid-procedure
    for name, content in entries:
        assert found(secrets, content) == [], name
        assert found({k: v for k, v in secrets.items() if k != "session id"}, name) == [], name


def test_logs_hold_no_secret(whole_run):
    secrets, logs, _, _, _ = whole_run
    assert "/activation/identifiants" in logs and "POST" in logs  # the logs were captured
    assert found(secrets, logs) == []


def test_mail_holds_only_the_code_in_its_own_message(whole_run):
    secrets, _, messages, _, _ = whole_run
    subjects = [m["Subject"] for m in messages]
    assert len(messages) == 4, subjects
    assert "Votre code d'activation" in subjects[0] and "activé" in subjects[1]
    assert "code de confirmation" in subjects[2] and "nouveau navigateur" in subjects[3]
    for message, kind in ((messages[0], "activation code"), (messages[2], "sign-in code")):
        assert found({kind: secrets[kind]}, message.get_body(("plain",)).get_content())
        assert found({k: v for k, v in secrets.items() if k != kind}, message.as_string()) == []
    # The notifications hold no secret at all, the codes included.
    for notification in (messages[1], messages[3]):
        assert found(secrets, notification.as_string()) == []

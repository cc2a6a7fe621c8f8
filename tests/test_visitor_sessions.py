"""Issue 14, finding 8: a visitor, or a crawler, cannot fill the session store.

Every public page — the captcha's pages, image and audio included — is read 10,000 times in
all by clients that keep no cookie; the store (session files and captcha records on disk, or
every key of the Redis db) is the same size after as before. The one page that begins a
procedure when read, the e-mailed « Mot de passe oublié » link, stores an entry that lives
10 minutes unless the browser comes back with its cookie. An answer to a captcha stores one
record, which Redis forgets after CAPTCHA_TTL_SECONDS and the disk sweeps after as long.
"""
import hashlib
import logging
import os
import struct
import time

import pytest

from conftest import BERNARD_EMAIL, LILA
from espace.captcha import media
from espace.captcha.spent import PREFIX, DiskSpent
from espace.sessions import VISITOR_SECONDS

TOTAL_GETS = 10_000
BEGINS_A_PROCEDURE = "/mot-de-passe-oublie/lien"  # opened from an e-mail, with the link's token
CAPTCHA_PAGES = {"/mot-de-passe-oublie", "/activation/", "/captcha/image.png", "/captcha/extrait-sonore.wav"}


def public_pages(app):
    """Every GET route without an argument in its path: a page added later is covered by itself."""
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static")


def session_files(app):
    count_file = hashlib.sha256(b"__wz_cache_count").hexdigest()  # cachelib's own counter
    return [os.path.join(app.config["SESSION_DIR"], f) for f in os.listdir(app.config["SESSION_DIR"])
            if f != count_file]


def seconds_left(app):
    """How long each stored session has to live."""
    if app.config["REDIS_URL"]:
        redis = app.config["SESSION_REDIS"]
        return [redis.ttl(key) for key in redis.scan_iter(app.session_interface.key_prefix + "*")]
    left = []
    for path in session_files(app):
        with open(path, "rb") as file:  # cachelib writes the expiry time first
            left.append(struct.unpack("I", file.read(4))[0] - time.time())
    return left


def store_size(app):
    """Everything kept for browsers: every Redis key, or the session and captcha files on disk."""
    if app.config["REDIS_URL"]:
        return app.config["SESSION_REDIS"].dbsize()
    return len(session_files(app)) + app.extensions["espace.captcha_spent"].count()


def session_cookies(response):
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("espace_session=")]


def test_ten_thousand_anonymous_gets_of_every_public_page_store_nothing(app, monkeypatch):
    # Drawing and speaking cost most of the time and store nothing (tests/test_captcha.py checks them);
    # the challenge behind them is the real one. One log line per request would be 10,000 lines.
    monkeypatch.setattr(media, "render_png", lambda text: b"\x89PNG " + text.encode())
    monkeypatch.setattr(media, "render_wav", lambda text: b"RIFF " + text.encode())
    monkeypatch.setattr(logging.getLogger("espace.request"), "disabled", True)
    pages = public_pages(app)
    assert CAPTCHA_PAGES | {"/", "/connexion", "/opter/numero", BEGINS_A_PROCEDURE} <= set(pages)
    pages.remove(BEGINS_A_PROCEDURE)  # below
    crawler = app.test_client(use_cookies=False)  # each request a new visitor
    before = store_size(app)
    served = {}
    for i in range(TOTAL_GETS):
        path = pages[i % len(pages)]
        response = crawler.get(path)
        assert response.status_code < 500, path
        assert not session_cookies(response), path
        served[path] = response.status_code
    assert len(served) == len(pages) and served["/captcha/image.png"] == 200
    assert store_size(app) == before == 0
    # The count does see a session: someone who starts the procedure gets one.
    assert app.test_client().post("/opter/numero", data={"number": LILA}).status_code == 303
    assert store_size(app) == 1


def test_a_link_opened_by_a_crawler_is_stored_ten_minutes_only(app):
    crawler = app.test_client(use_cookies=False)
    for i in range(100):
        assert crawler.get(f"{BEGINS_A_PROCEDURE}?jeton=x{i}").status_code == 303
    left = seconds_left(app)
    assert len(left) == 100 and max(left) <= VISITOR_SECONDS
    # A browser that follows the link comes back with its cookie: its session is kept as usual.
    browser = app.test_client()
    browser.get(f"{BEGINS_A_PROCEDURE}?jeton=y")
    browser.get("/mot-de-passe-oublie/question")
    assert len(seconds_left(app)) == 100  # the link was not valid: the procedure said so and ended
    browser.get(f"{BEGINS_A_PROCEDURE}?jeton=z")
    browser.get("/")  # any page: the browser is back
    assert max(seconds_left(app)) > VISITOR_SECONDS


def test_a_wrong_answer_stores_one_record_that_expires_and_no_session(app):
    visitor = app.test_client()
    for _ in range(3):
        visitor.get("/mot-de-passe-oublie")
        response = visitor.post("/mot-de-passe-oublie", data={"email": BERNARD_EMAIL, "captcha": "XXXXXX"})
        response.close()
        assert response.status_code == 422 and not session_cookies(response)
    assert store_size(app) == 3  # one spent challenge per answer, no session
    ttl = app.config["CAPTCHA_TTL_SECONDS"]
    if app.config["REDIS_URL"]:
        redis = app.config["SESSION_REDIS"]
        assert [0 < redis.ttl(key) <= ttl for key in redis.scan_iter(PREFIX + "*")] == [True] * 3
    else:
        store = app.extensions["espace.captcha_spent"]
        past = time.time() - ttl - 1
        for name in os.listdir(store.directory):
            os.utime(os.path.join(store.directory, name), (past, past))
        store.sweep(ttl, force=True)
        assert store_size(app) == 0


def test_the_disk_store_sweeps_old_records_on_a_later_claim(tmp_path):
    store = DiskSpent(str(tmp_path / "spent"))
    assert store.claim("a1", 600) and not store.claim("a1", 600)  # single use
    past = time.time() - 601
    os.utime(tmp_path / "spent" / "a1", (past, past))
    store.swept = 0.0  # the last sweep was long ago
    assert store.claim("b2", 600)
    assert sorted(os.listdir(tmp_path / "spent")) == ["b2"]


def test_a_nonce_is_never_a_path(tmp_path):
    store = DiskSpent(str(tmp_path / "spent"))
    with pytest.raises(ValueError):
        store.claim("../escape", 600)

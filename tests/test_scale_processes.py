"""Two gunicorn app servers sharing PostgreSQL and Redis behave as one service."""
import json
import os

import pytest

from bench.client import VirtualUser, activate, expect, login, option
from bench.servers import AppServer, Outbox, app_environment
from conftest import BERNARD_PASSWORD, CAPTCHA, LILA, LILA_ANSWERS, PASSWORD, reset_shared_servers

DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")

pytestmark = [
    pytest.mark.scale,
    pytest.mark.skipif(not (DATABASE_URL and REDIS_URL), reason="needs TEST_DATABASE_URL and TEST_REDIS_URL"),
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    reset_shared_servers()
    tmp = tmp_path_factory.mktemp("servers")
    env = app_environment(DATABASE_URL, REDIS_URL, tmp / "instance",
                          RATELIMIT_ENABLED=1, RATE_LOGIN="3 per minute")
    pair = [AppServer(env, log_path=tmp / f"{name}.log") for name in ("a", "b")]
    try:
        # Both start on an empty database at once: migrations must take turns.
        for server in pair:
            server.launch()
        for server in pair:
            server.wait_ready()
        yield pair
    finally:
        for server in pair:
            if server.process:
                server.stop()


def test_a_procedure_started_on_one_server_finishes_on_the_other(servers):
    a, b = servers
    user = VirtualUser(a.url)
    option(user, LILA, LILA_ANSWERS.values(), "lila.pro@example.fr", PASSWORD)
    code = Outbox(DATABASE_URL).code_for("lila.pro@example.fr")
    user.switch_to(b.url)
    activate(user, code, "lila.pro@example.fr", captcha=CAPTCHA)
    login(user, "lila.pro@example.fr", PASSWORD, Outbox(DATABASE_URL).signin_code_for)
    assert "ROSEMONDE" in user.get("/espace/").text
    served_by_a = {json.loads(line).get("endpoint") for line in a.log_lines() if line.startswith("{")}
    served_by_b = {json.loads(line).get("endpoint") for line in b.log_lines() if line.startswith("{")}
    assert "option.question" in served_by_a and "option.question" not in served_by_b
    assert "activation.identifiers" in served_by_b and "space.home" in served_by_b


@pytest.fixture
def fresh_limits():
    """Counters live in the shared Redis: start from none, leave none to the next test."""
    import redis

    redis.from_url(REDIS_URL).flushdb()
    yield
    redis.from_url(REDIS_URL).flushdb()


def test_failed_logins_count_across_servers(servers, fresh_limits):
    a, b = servers
    user = VirtualUser(a.url)
    user.get("/connexion")
    wrong = {"email": "toto321@toto.toto", "password": "pas-le-bon-mot-de-passe"}
    for server in (a, b, a):
        user.switch_to(server.url)
        expect(user.post("/connexion", wrong), 422, "wrong password")
    user.switch_to(b.url)
    refused = user.post("/connexion", {"email": "toto321@toto.toto", "password": BERNARD_PASSWORD})
    assert refused.status == 429
    assert "Trop de tentatives" in refused.text


def test_request_id_is_echoed_and_logged_without_secrets(servers):
    a, _ = servers
    user = VirtualUser(a.url)
    user.get("/connexion")
    response = user.post("/connexion", {"email": "personne@example.fr", "password": "SecretQuiNeDoitPasSortir"},
                         headers={"X-Request-ID": "essai-42"})
    assert response.header("x-request-id") == "essai-42"
    generated = user.get("/").header("x-request-id")
    assert generated and generated != "essai-42"
    lines = [json.loads(line) for line in a.log_lines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == "essai-42"]
    assert [(line["method"], line["path"], line["status"]) for line in mine] == [("POST", "/connexion", 422)]
    # A visitor whose login failed has neither session cookie nor token (espace/sessions.py, forms.py);
    # the right password gives it both (the code's step), which no line may hold either.
    assert user.csrf is None and not user.cookies
    assert user.post("/connexion", {"email": "toto321@toto.toto", "password": BERNARD_PASSWORD}).status == 303
    user.get("/connexion/code")
    assert user.csrf and user.cookies
    everything = "\n".join(a.log_lines())
    for secret in ("SecretQuiNeDoitPasSortir", "personne@example.fr", BERNARD_PASSWORD, user.csrf,
                   *user.cookies.values()):
        assert secret not in everything

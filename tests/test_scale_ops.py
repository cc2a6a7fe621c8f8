"""Operations on either shape: /healthz, request ids, JSON-lines logs without secrets."""
import io
import json
import logging
import os

import pytest

from conftest import LILA, PASSWORD, log_in
from espace.logs import JsonLines


@pytest.fixture
def log_lines():
    """What the 'espace' loggers write, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("espace")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_healthz_reports_each_backing_service(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    redis = "ok" if os.environ.get("TEST_REDIS_URL") else "not configured"
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": redis}


def test_a_request_id_is_echoed_or_made(client):
    assert client.get("/", headers={"X-Request-ID": "lb-7f3a.1"}).headers["X-Request-ID"] == "lb-7f3a.1"
    made = client.get("/").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/").headers["X-Request-ID"]
    # An id that could forge log lines is replaced, not copied.
    forged = client.get("/", headers={"X-Request-ID": 'x", "status": 200'}).headers["X-Request-ID"]
    assert forged != 'x", "status": 200' and len(forged) == 32


def test_one_json_line_per_request_without_secrets(walk, log_lines):
    code = walk.option()
    walk.activate(code)
    log_in(walk.client, "lila.pro@example.fr", PASSWORD)
    response = walk.client.get("/espace/", headers={"X-Request-ID": "suivi-1"})
    assert response.status_code == 200  # the space itself, not a redirect to the login page
    lines = log_lines()
    requests = [line for line in lines if line["logger"] == "espace.request"]
    assert len(requests) >= 9
    assert {"time", "level", "request_id", "method", "path", "status", "duration_ms", "client"} <= set(requests[-1])
    assert requests[-1]["request_id"] == "suivi-1" and requests[-1]["status"] == response.status_code
    everything = json.dumps(lines, ensure_ascii=False)
    cookie = walk.client.get_cookie("espace_session").value
    for secret in (PASSWORD, code, "Laurence", "Équitation", "lila.pro@example.fr", LILA, cookie):
        assert secret not in everything


def test_nul_characters_are_refused_on_every_shape(client):
    # PostgreSQL cannot store them (SQLite can): refused before any query, the same everywhere.
    response = client.post("/connexion", data={"email": "a\x00@example.fr", "password": "x"})
    assert response.status_code == 400
    assert "Requête incorrecte" in response.get_data(as_text=True)

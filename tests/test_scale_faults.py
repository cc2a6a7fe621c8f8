"""Backing services fail: a clean French 503, then recovery. Redis here is our own, never the shared one."""
import os
import shutil
import time

import pytest

from bench.servers import RedisServer, free_port
from conftest import LILA
from espace.database import open_database
from espace.models import db

# In CI a missing redis-server is a failure, never a skip (.ci/run installs it).
needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None and os.environ.get("CI") != "true", reason="needs redis-server")


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    yield server
    server.stop()


def assert_clean_503(response):
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Service momentanément indisponible" in page
    assert "réessayer dans quelques minutes" in page
    assert "Traceback" not in page and "Error" not in page
    assert response.headers["Retry-After"] == "30"


@pytest.mark.scale
@needs_redis_server
def test_redis_stopped_gives_a_french_503_then_recovers(make_app, own_redis):
    app = make_app(TESTING=False, REDIS_URL=own_redis.url, RATELIMIT_STORAGE_URI=own_redis.url,
                   RATELIMIT_ENABLED=True)
    client = app.test_client()
    assert client.post("/opter/numero", data={"number": LILA}).status_code == 303

    own_redis.stop()
    started = time.monotonic()
    assert_clean_503(client.get("/opter/verification"))  # the session cannot be read
    assert_clean_503(client.post("/opter/numero", data={"number": LILA}))  # nor the rate limit counted
    assert time.monotonic() - started < 5, "an outage must be answered at once, not after long retries"
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "error", "database": "ok", "redis": "error"}

    restarted = RedisServer(own_redis.port).start()
    try:
        assert client.get("/healthz").status_code == 200
        # The session was in the stopped Redis: the wizard starts again, it does not fail.
        again = client.get("/opter/verification")
        assert again.status_code == 303 and again.headers["Location"].endswith("/opter/numero")
        assert client.post("/opter/numero", data={"number": LILA}).status_code == 303
        assert client.get("/opter/verification").status_code == 200
    finally:
        restarted.stop()


def test_database_unreachable_gives_a_french_503_and_healthz_says_so(make_app):
    app = make_app(TESTING=False)
    client = app.test_client()
    reachable = db.obj
    db.close()
    db.initialize(open_database(f"postgresql://postgres@127.0.0.1:{free_port()}/absent?connect_timeout=2"))
    try:
        # A page that reads nothing from the database is served; one that does says 503.
        assert client.get("/opter/numero").status_code == 200
        assert_clean_503(client.post("/opter/numero", data={"number": LILA}))
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["database"] == "error"
    finally:
        db.initialize(reachable)
    assert client.get("/opter/numero").status_code == 200


@pytest.mark.scale
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL")
def test_requests_work_after_the_database_drops_every_connection(make_app):
    app = make_app(TESTING=False)
    client = app.test_client()
    assert client.post("/opter/numero", data={"number": LILA}).status_code == 303
    with app.app_context():
        # Hold a connection as a request would, and have the server drop it.
        db.connect(reuse_if_open=True)
        pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        killer = open_database(os.environ["TEST_DATABASE_URL"])
        with killer.connection_context():
            assert killer.execute_sql("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
    assert client.get("/opter/verification").status_code == 200
    assert client.get("/healthz").get_json()["database"] == "ok"

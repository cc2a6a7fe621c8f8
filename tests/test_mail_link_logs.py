"""Issue 14, finding 6: the « Mot de passe oublié » token reaches no log.

The development server (`flask --app wsgi run`, what `make run` starts) writes werkzeug's request
lines: here without their query string. The deploy stack's nginx log is checked in
tests/test_deploy_proxy.py.
"""
import os
import re
import subprocess
import sys
import time

from conftest import BERNARD_EMAIL, CAPTCHA
from live_server import Browser, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLASK = os.path.join(os.path.dirname(sys.executable), "flask")


def test_the_development_server_logs_no_token(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env.update({"ESPACE_ENV": "development", "INSTANCE_PATH": str(tmp_path / "instance"), "BCRYPT_ROUNDS": "4",
                "CAPTCHA_TEST_TEXT": CAPTCHA, "PORT": str(port), "PYTHONUNBUFFERED": "1"})
    for name in ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "MAIL_BACKEND", "MAIL_SENDER"):
        env.pop(name, None)
    server = subprocess.Popen([FLASK, "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        while True:
            try:
                if browser.get("/mot-de-passe-oublie").status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        # Browsers send Origin with a form; the outbox viewer shows the link, as to a developer.
        browser.opener.addheaders = [("Origin", f"http://127.0.0.1:{port}")]
        assert browser.post("/mot-de-passe-oublie", {"email": BERNARD_EMAIL, "captcha": CAPTCHA}).status == 303
        link = None
        for _ in range(100):  # sent once the answer has left
            outbox = browser.get("/outbox/").text
            ids = re.findall(r'href="/outbox/(\d+)"', outbox)
            pages = [browser.get(f"/outbox/{n}").text for n in ids]
            found = [m for page in pages for m in re.findall(r"/mot-de-passe-oublie/lien\?jeton=[\w-]+", page)]
            if found:
                link = found[0]
                break
            time.sleep(0.1)
        assert link, "no reset link in the outbox"
        token = link.split("jeton=")[1]
        assert link.startswith("/mot-de-passe-oublie/lien?jeton=") and len(token) > 30
        assert browser.get(link).status == 303
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=20)
    log = re.sub(r"\x1b\[[0-9;]*m", "", log)  # werkzeug colours its lines on a terminal
    assert '"GET /mot-de-passe-oublie/lien HTTP/1.1" 303' in log, log  # werkzeug's line, path only
    assert token not in log
    assert "jeton" not in log

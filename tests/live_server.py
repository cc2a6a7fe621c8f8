"""Real HTTP servers in other processes, and a cookie-keeping client, for the attack tests.

A server is `create_app(settings)` behind werkzeug's threaded server, in its own
Python process: several of them on one database behave like several workers.
"""
import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SERVER_CODE = """
import json, os, sys
from werkzeug.serving import make_server
from espace import create_app
app = create_app(json.loads(os.environ["ESPACE_TEST_SETTINGS"]))
server = make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True)
print("ready", flush=True)
server.serve_forever()
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, ESPACE_TEST_SETTINGS=json.dumps(settings), PYTHONPATH=ROOT)
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER_CODE, str(self.port)], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.process.kill()
            raise RuntimeError("server did not start: " + self.process.stderr.read())

    def stop(self):
        """Stop the server; returns what it wrote on stderr (werkzeug's access log)."""
        self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.text = status, headers, body


class Browser:
    """One person: one cookie jar, redirects not followed (the tests look at each 303)."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=60) as r:
                return Response(r.status, r.headers, r.read().decode())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read().decode())

    def get(self, path):
        return self.request(path)

    def post(self, path, data):
        return self.request(path, data)

    def session_id(self):
        return next((c.value for c in self.cookies if c.name in ("espace_session", "__Host-espace_session")), None)


def all_at_once(calls):
    """Run the calls in threads released together; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results

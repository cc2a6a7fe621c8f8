"""Real processes for the scale tests and the load script: gunicorn app servers, a private Redis."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port} after {timeout} s")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RedisServer:
    """A throw-away redis-server on a free port (never the machine's shared one)."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)
        return self

    def stop(self):
        stop(self.process)


def app_environment(database_url, redis_url, instance_path, **extra):
    """The environment of an app process: the scriptable test captcha, no real mail."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env.update({
        "ESPACE_ENV": "testing",
        "SECRET_KEY": "scale-test-secret-shared-by-every-process",
        "CAPTCHA_TEST_TEXT": "KAWRTY",
        "MAIL_BACKEND": "outbox",
        "BCRYPT_ROUNDS": "4",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance_path),
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update({k: str(v) for k, v in extra.items()})
    return env


class AppServer:
    """gunicorn wsgi:app with gunicorn.conf.py, on a free port; its stderr (JSON lines) kept."""

    def __init__(self, env, workers=1, port=None, log_path=None):
        self.port = port or free_port()
        self.env = dict(env, PORT=str(self.port), WEB_CONCURRENCY=str(workers))
        self.log_path = log_path
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def launch(self):
        with open(self.log_path or os.devnull, "ab") as log:
            self.process = subprocess.Popen(
                [os.path.join(VENV_BIN, "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=log,
            )
        return self

    def wait_ready(self, timeout=60):
        wait_for_port(self.port, self.process, timeout)
        return self

    def start(self, timeout=60):
        return self.launch().wait_ready(timeout)

    def stop(self):
        stop(self.process)

    def log_lines(self):
        with open(self.log_path, encoding="utf-8") as f:
            return f.read().splitlines()


def flask_command(env, *args):
    """flask --app wsgi <args> in the given environment; returns its output."""
    done = subprocess.run([os.path.join(VENV_BIN, "flask"), "--app", "wsgi", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def with_database(url, name):
    """The same server URL, another database name."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def recreate_database(url):
    """Drop and create the database named by a postgresql:// URL (connecting to 'postgres')."""
    import psycopg2

    name = urlsplit(url).path.lstrip("/")
    connection = psycopg2.connect(with_database(url, "postgres"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


class Outbox:
    """Reads the codes the outbox mail backend stored, straight from the shared database."""

    def __init__(self, database_url):
        sys.path.insert(0, ROOT)
        from espace.database import open_database

        self.database = open_database(database_url)

    def code_for(self, email, timeout=10):
        import re

        deadline = time.monotonic() + timeout
        while True:
            with self.database.connection_context():
                row = self.database.execute_sql(
                    "SELECT text_body FROM outbox_message WHERE recipient = %s ORDER BY id DESC LIMIT 1"
                    .replace("%s", self.database.param), (email,)).fetchone()
            if row or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if not row:
            raise LookupError(f"no message for {email}")
        return re.search(r"code d'activation : (\w{12})", row[0]).group(1)


def prepare_scale_shape(database_url, redis_url):
    """Before the scale-out test pass: create the test database if missing, check Redis answers."""
    import psycopg2
    import redis

    name = urlsplit(database_url).path.lstrip("/")
    try:
        connection = psycopg2.connect(with_database(database_url, "postgres"), connect_timeout=5)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except (psycopg2.Error, redis.exceptions.RedisError) as exc:
        sys.exit(f"The scale-out pass needs PostgreSQL and Redis ({database_url}, {redis_url}): {exc}\n"
                 "Start them (see DEPLOY.md), or run only the embedded pass: make test-embedded")


if __name__ == "__main__":
    # python bench/servers.py DATABASE_URL REDIS_URL (used by make test-scale)
    prepare_scale_shape(sys.argv[1], sys.argv[2])

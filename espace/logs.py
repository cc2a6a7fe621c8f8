"""Logs: one JSON line per request, with a request id, and nothing the user typed."""
import json
import logging
import re
import time
import uuid
from datetime import datetime, timezone

from flask import g, has_request_context, request
from flask.logging import default_handler, wsgi_errors_stream

START = "espace.start"
# A caller's id ends up in the logs: short and plain, or we make our own.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

log = logging.getLogger("espace.request")


QUERY = re.compile(r"\?[^\s\"']*")


class PathsOnly(logging.Filter):
    """werkzeug's development server logs each request line: without its query string, which may
    hold a token (the « Mot de passe oublié » link's ?jeton=…)."""

    def filter(self, record):
        record.msg, record.args = QUERY.sub("", record.getMessage()), ()
        return True


def init_app(app):
    configure_logging(app.config["LOG_LEVEL"])
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, PathsOnly) for f in werkzeug.filters):
        werkzeug.addFilter(PathsOnly())
    # First of all: every later hook, and every error page, may log with this id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_log_request)


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

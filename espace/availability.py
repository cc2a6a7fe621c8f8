"""A clean French 503 while Redis or the database is down, sessions included."""
import logging

import peewee
import redis.exceptions
from flask import current_app, render_template, request
from flask.sessions import SecureCookieSession, SessionInterface


UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
               peewee.OperationalError, peewee.InterfaceError)
DOWN = "espace.unavailable"  # request.environ key: the session store could not be read
UNAVAILABLE_MESSAGE = ("Le service est momentanément indisponible. "
                       "Veuillez réessayer dans quelques minutes.")
RETRY_AFTER = "30"


def init_app(app):
    """After logs.init_app: the request id is set before an outage is reported."""
    if app.config["REDIS_URL"]:
        app.session_interface = ResilientSessions(app.session_interface)
    app.before_request_funcs.setdefault(None, []).insert(1, _raise_if_down)
    for exc in UNAVAILABLE:
        app.register_error_handler(exc, unavailable)


def _raise_if_down():
    if DOWN in request.environ and request.endpoint != "health.healthz":
        raise request.environ[DOWN]


def unavailable(exc):
    logging.getLogger("espace").error("backing service unavailable: %s", type(exc).__name__)
    if request.endpoint == "health.healthz":
        # /healthz says which service is down, itself (registered by the health blueprint).
        return current_app.view_functions["health.healthz"]()
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
            # Flask cannot show an error page from here: _raise_if_down() raises it in the request.
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
            page, status, headers = unavailable(exc)
            response.set_data(page)
            response.status_code = status
            response.mimetype = "text/html"
            response.headers.pop("Content-Disposition", None)
            response.headers.pop("Content-Encoding", None)  # the page replaced a compressed body
            response.headers.pop("Location", None)
            response.headers.update(headers)

"""Server-side sessions (Flask-Session), stored only for people who started something.

A visitor reading the public pages or the login form needs no session: a CSRF token is all
a form would put in one, and a visitor's forms carry none (espace/forms.py; a POST without a
session is checked by its origin instead, see espace/csrf.py). Storing one would let any
crawler fill the session store, one entry per request, for 20 hours each.

Two more things a page read can leave, and where they go instead (issue 14, finding 8):
- a notice for the next page (« Veuillez compléter les étapes dans l'ordre », « Connectez-vous »),
  the only content of a visitor's session: it rides in a small signed cookie, nothing stored;
- anything else begun by a GET (a link opened from an e-mail): stored for VISITOR_SECONDS
  only, and for the full session lifetime once the browser comes back with its cookie. A
  crawler that keeps no cookie leaves entries that die within 10 minutes.
The captcha keeps its challenge in a cookie of its own (espace/captcha/challenge.py).
"""
from datetime import timedelta

from flask import current_app, request, session
from flask.sessions import SessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

# What a page puts in the session merely by being rendered (Flask-Session adds `_permanent`
# when a session is cleared and reused, as sign_out does).
EPHEMERAL = frozenset({"csrf_token", "_permanent"})
# Set by the CSRF refusal page for a browser that sends no origin header: it is then
# checked by its token, which needs a stored session (see espace/csrf.py).
TOKEN_BOUND = "csrf_by_token"
NOTICES = "_flashes"  # Flask's own key for flashed messages
NOTICE_COOKIE = "espace_notice"
# How long a visitor's notice, or a session begun by a page read, waits for the browser.
VISITOR_SECONDS = 600
_FIRST_READ = "_begun_by_a_read"  # in the stored data until the browser comes back


def holds_something(session):
    """Whether the session is stored, or will be at the end of this request: a visitor's is not."""
    return getattr(session, "stored", False) or bool(session.keys() - EPHEMERAL - {NOTICES})


class VisitorSessions(SessionInterface):
    """Flask-Session's interface, except that a session holding nothing worth keeping is not stored."""

    def __init__(self, inner):
        self.inner = inner
        upsert = inner._upsert_session  # Flask-Session 0.8's one write of an entry (pinned)

        def upsert_for(lifetime, session, store_id):
            short = timedelta(seconds=VISITOR_SECONDS) if session.get(_FIRST_READ) else lifetime
            upsert(short, session, store_id)

        inner._upsert_session = upsert_for

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _notices(self, app):
        return URLSafeTimedSerializer(app.secret_key, salt="espace.notice")

    def open_session(self, app, request):
        session = self.inner.open_session(app, request)
        # An empty session is never stored: a non-empty one came from the store.
        session.stored = bool(session)
        # The browser came back with its cookie: from now on the session is kept its full lifetime.
        session.pop(_FIRST_READ, None)
        session.had_notice = NOTICE_COOKIE in request.cookies
        if not session.stored and session.had_notice:
            try:
                notices = self._notices(app).loads(request.cookies[NOTICE_COOKIE], max_age=VISITOR_SECONDS)
                session[NOTICES] = [tuple(notice) for notice in notices]
            except (BadSignature, TypeError, ValueError):
                pass  # forged or stale: no notice
        return session

    def save_session(self, app, session, response):
        stored = getattr(session, "stored", False)
        if not holds_something(session):
            self._save_notices(app, session.get(NOTICES), response, getattr(session, "had_notice", False))
            return  # a visitor: nothing stored, no session cookie
        if getattr(session, "had_notice", False):
            response.delete_cookie(NOTICE_COOKIE, path="/")  # the notices are in the store now
        if stored and session.keys() <= EPHEMERAL:
            session.clear()  # back to a visitor (left the procedure): the store forgets it
        elif not stored and request.method in ("GET", "HEAD"):
            session[_FIRST_READ] = True  # kept VISITOR_SECONDS unless the browser comes back
        self.inner.save_session(app, session, response)

    def _save_notices(self, app, notices, response, had_notice):
        if notices:
            response.set_cookie(NOTICE_COOKIE, self._notices(app).dumps(notices), max_age=VISITOR_SECONDS,
                                path="/", httponly=True, samesite="Lax",
                                secure=app.config["SESSION_COOKIE_SECURE"])
        elif had_notice:
            response.delete_cookie(NOTICE_COOKIE, path="/")


def rotate_session_id():
    """A new session id once the user is identified (no session fixation)."""
    # regenerate() skips an empty session; a stored session is what could be fixated.
    session["identified"] = True
    current_app.session_interface.regenerate(session)

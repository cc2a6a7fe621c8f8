"""Server-side sessions (Flask-Session), stored only for people who started something.

A visitor reading the public pages or the login form needs no session: the only thing
those pages put in one is the CSRF token, which a visitor has no use for (a POST without a
session is checked by its origin instead, see espace/csrf.py). Storing it would let any
crawler fill the session store, one entry per request, for 20 hours each.
"""
from flask.sessions import SessionInterface

# What a page puts in the session merely by being rendered.
EPHEMERAL = frozenset({"csrf_token"})
# Set by the CSRF refusal page for a browser that sends no origin header: it is then
# checked by its token, which needs a stored session (see espace/csrf.py).
TOKEN_BOUND = "csrf_by_token"


class VisitorSessions(SessionInterface):
    """Flask-Session's interface, except that a session holding nothing worth keeping is not stored."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def open_session(self, app, request):
        session = self.inner.open_session(app, request)
        # An empty session is never stored: a non-empty one came from the store.
        session.stored = bool(session)
        return session

    def save_session(self, app, session, response):
        if session.keys() <= EPHEMERAL:
            if not getattr(session, "stored", False):
                return  # a visitor: nothing stored, no cookie
            session.clear()  # back to a visitor (left the procedure): the store forgets it
        self.inner.save_session(app, session, response)

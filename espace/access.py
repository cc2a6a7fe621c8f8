"""Who is signed in: the session of a space, its guard, and the end of its other sessions.

A signed-in session holds the space's id and its `session_epoch`; raising the epoch in
the database (password changed or reset) ends every other session at its next request,
on every worker and host, while the session that made the change takes the new value.
"""
from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import current_app, flash, g, request, session, url_for
from werkzeug.exceptions import HTTPException

from .models import Space
from .web import rotate_session_id, see_other

SIGN_IN_FIRST = "Connectez-vous pour accéder à votre espace professionnel."
ENDED = ("Votre session a pris fin : le mot de passe de cet espace a été changé. "
         "Connectez-vous avec le nouveau mot de passe.")


def sign_in(space):
    """A new session id, then the space's; whatever the visitor had started is forgotten."""
    rotate_session_id()
    session.clear()
    session["space_id"] = space.id
    session["epoch"] = space.session_epoch


def sign_out():
    rotate_session_id()
    session.clear()


def signed_in_space():
    """The space of this session, or None (never signed in, or ended elsewhere)."""
    if "space_id" not in session:
        return None
    space = Space.get_or_none(Space.id == session["space_id"])
    if space is None or not space.uses_password or space.session_epoch != session.get("epoch"):
        return None
    return space


def safe_return_path(path):
    """`path` if it is a page of this site to come back to after sign-in, else None.

    Only a local path that the app routes to a GET page: no scheme, no host, no
    « //host » or « /\\host » (browsers read both as another host), whether encoded or not.
    """
    if not path or not isinstance(path, str) or len(path) > 500:
        return None
    decoded = unquote(unquote(path))
    if not path.startswith("/") or any(c in decoded for c in "\\\r\n\t") or decoded.startswith("//"):
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return None
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    return path if endpoint not in ("auth.login", "auth.confirm", "static") else None


def login_required(view):
    @wraps(view)
    def wrapped(**kwargs):
        space = signed_in_space()
        if space is None:
            ended = "space_id" in session
            if ended:
                sign_out()  # a sign-in still waiting for its code is kept: it may be another tab's
            flash(ENDED if ended else SIGN_IN_FIRST, "info")
            # The page asked for comes back after sign-in (a GET only: a form's POST is not replayed).
            suite = request.full_path.rstrip("?") if request.method == "GET" else None
            if suite == url_for("space.home"):
                suite = None  # where a sign-in leads anyway
            return see_other(url_for("auth.login", suite=suite))
        g.space = space
        return view(**kwargs)

    return wrapped


def credentials_changed(space):
    """After a change of credentials in this session: a new session id (a copy of the old one
    opens nothing) that keeps the space's new epoch (the other sessions have ended)."""
    rotate_session_id()
    session["epoch"] = space.session_epoch

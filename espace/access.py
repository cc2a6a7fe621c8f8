"""Who is signed in: the session of a space, its guard, and the end of its other sessions.

A signed-in session holds the space's id and its `session_epoch`; raising the epoch in
the database (password changed or reset) ends every other session at its next request,
on every worker and host, while the session that made the change takes the new value.
"""
from functools import wraps

from flask import flash, g, session, url_for

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


def login_required(view):
    @wraps(view)
    def wrapped(**kwargs):
        space = signed_in_space()
        if space is None:
            ended = "space_id" in session
            sign_out()
            flash(ENDED if ended else SIGN_IN_FIRST, "info")
            return see_other(url_for("auth.login"))
        g.space = space
        return view(**kwargs)

    return wrapped


def end_other_sessions(space):
    """Every other session of this space ends; this one stays signed in."""
    Space.update(session_epoch=Space.session_epoch + 1).where(Space.id == space.id).execute()
    session["epoch"] = Space.get_by_id(space.id).session_epoch

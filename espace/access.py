"""Who is signed in: the session of a space, its guard, its time limits, and its end.

A signed-in session holds the space's id and the public id of its row in the registry of
open sessions (espace/domain/security.py). Every request of the space checks that row in
the shared database, so a session ended from « Sécurité de mon espace », by a password
change, by the assistance or by inactivity is refused at its next request on every worker
and host. The row's last use is written at most once a minute.
"""
import math
from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import current_app, flash, g, request, session, url_for
from werkzeug.exceptions import HTTPException

from .domain import security
from .domain.clock import now
from .domain.errors import Refused
from .sessions import rotate_session_id
from .web import is_fragment_request, see_other

SESSION_KEY = "open_session"
SIGN_IN_FIRST = "Connectez-vous pour accéder à votre espace professionnel."
ENDED = security.ended_message(security.PASSWORD_CHANGED)  # what the other browsers read after a new password


def idle_limit():
    """security.IDLE_LIMIT; tests may shorten it (SESSION_IDLE_LIMIT, a timedelta)."""
    return current_app.config.get("SESSION_IDLE_LIMIT", security.IDLE_LIMIT)


def absolute_limit():
    """security.ABSOLUTE_LIMIT; tests may shorten it too (SESSION_ABSOLUTE_LIMIT, a timedelta)."""
    return current_app.config.get("SESSION_ABSOLUTE_LIMIT", security.ABSOLUTE_LIMIT)


def warn_before():
    return current_app.config.get("SESSION_WARN_BEFORE", security.WARN_BEFORE)


def sign_in(space):
    """A new session id and a new row in the registry; whatever the visitor had started is forgotten.

    A browser recognised as remembered (espace/signin/devices.py) is noted on the row.
    """
    device_id = g.pop("remembered_device", None)
    _end_current(security.SIGNED_OUT)
    rotate_session_id()
    session.clear()
    session["space_id"] = space.id
    session[SESSION_KEY] = security.open_session(space.id, now(), request.headers.get("User-Agent", ""),
                                                 request.remote_addr, device_id)


def current_session_id():
    """The public id of this session's row (what « Sécurité de mon espace » marks as this one)."""
    return session.get(SESSION_KEY)


def sign_out(reason=security.SIGNED_OUT):
    _end_current(reason)
    rotate_session_id()
    session.clear()


def _end_current(reason):
    if "space_id" in session and session.get(SESSION_KEY):
        try:
            security.end_session(session["space_id"], session[SESSION_KEY], now(), reason)
        except Refused:
            pass  # already ended elsewhere


def signed_in_space(touch=True):
    """The space of this session, or None (never signed in, ended elsewhere, timed out).

    `touch=False` reads without counting as activity (the time-out warning asks how long is left).
    """
    if "space_id" not in session:
        return None
    try:
        row = security.check_session(session["space_id"], session.get(SESSION_KEY), now(), idle_limit(), touch,
                                     absolute_limit())
    except security.SessionEnded as ended:
        g.session_ended = ended.reason
        return None
    if not row.space.uses_password:
        return None
    g.open_session = row
    return row.space


def seconds_left():
    """Seconds before this request's session ends if nothing happens (after signed_in_space)."""
    row = g.get("open_session")
    if row is None or session.get(SESSION_KEY) != row.public_id:
        return None
    # Rounded up: a page told « 0 s » must find its session ended (rounded down, the browser announced
    # the end up to a second early, and a click then found the session still open).
    return max(0, math.ceil(security.remaining(row, now(), idle_limit(), absolute_limit()).total_seconds()))


def session_capped():
    """Whether this request's session ends at its overall limit, whatever is done (after signed_in_space)."""
    row = g.get("open_session")
    return row is not None and security.capped(row, idle_limit(), absolute_limit())


def login_required(view):
    @wraps(view)
    def wrapped(**kwargs):
        space = signed_in_space()
        if space is None:
            return send_to_login()
        g.space = space
        return view(**kwargs)

    return wrapped


def send_to_login():
    """Not (or no longer) signed in: to the login page, told why, with the page asked (`suite`) to
    come back to after sign-in. Nothing is stored for a visitor: the page travels in the URL."""
    ended = "space_id" in session
    reason = g.get("session_ended")
    if ended:
        sign_out()  # a sign-in still waiting for its code is kept: it may be another tab's
    flash(security.ended_message(reason, idle_limit(), absolute_limit()) if ended else SIGN_IN_FIRST, "info")
    return see_other(url_for("signin.login", suite=requested_page()))


def requested_page():
    """The page to come back to: the one asked (a GET), or for a form sent after the end, the page
    it was on; None for the space's home, where a sign-in leads anyway."""
    if request.method == "GET" and not is_fragment_request():
        page = request.full_path.rstrip("?")
    else:
        referrer = urlsplit(request.referrer or "")
        if referrer.netloc != request.host:
            return None
        page = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    page = safe_return_path(page)
    return None if page == url_for("space.home") else page


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
    if not decoded.isprintable():
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return None
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    return path if endpoint not in ("signin.login", "signin.confirm", "static") else None


def local_path(path):
    """A path of this site only (safe_return_path, as a yes or no)."""
    return safe_return_path(path) is not None


def credentials_changed(space):
    """After a change of credentials in this session: a new session id, so that a copy of the old
    one opens nothing (the registry's row, and so this session, stay)."""
    rotate_session_id()

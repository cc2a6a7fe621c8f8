"""Login with e-mail + password: one generic answer, attempts limited per space."""
from datetime import timedelta

from ..models import ACCESS_PASSWORD, Space
from . import history
from .credentials import normalise_email
from .errors import Refused
from .throttle import Locked, Throttle

MAX_LOGIN_FAILURES = 10
LOGIN_LOCK = timedelta(minutes=15)
LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."


LOGIN_THROTTLE = Throttle(Space.failed_login_count, Space.login_locked_until, MAX_LOGIN_FAILURES, LOGIN_LOCK)


def authenticate(email, password, hasher, now, client=None):
    """The space these credentials open, or the one generic refusal.

    An unknown address, a wrong password and a locked space answer alike, and
    cost one bcrypt check each, so nobody learns which addresses exist. A wrong
    password for a known address goes into that space's « Historique » (from `client`).
    """
    space = Space.by_login_email(normalise_email(email))
    if space is None or space.access_mode != ACCESS_PASSWORD:
        hasher.waste_time()
        raise Refused(LOGIN_FAILED)
    try:
        LOGIN_THROTTLE.spend(space.id, now)
    except Locked:
        hasher.waste_time()
        raise Refused(LOGIN_FAILED)
    if hasher.check(password or "", space.password_hash):
        LOGIN_THROTTLE.reset(space.id)
        return space
    history.record(space.id, "signin_failed", now, client)
    raise Refused(LOGIN_FAILED)

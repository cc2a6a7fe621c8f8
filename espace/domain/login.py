"""Login with e-mail + password: one generic answer, attempts limited per space."""
from datetime import timedelta

from ..models import ACCESS_PASSWORD, Space
from .credentials import normalise_email
from .errors import Refused
from .throttle import Locked, Throttle

MAX_LOGIN_FAILURES = 10
LOGIN_LOCK = timedelta(minutes=15)
LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."


class LoginRefused(Refused):
    """The one generic refusal; for a known address it also names the space, for its history."""

    def __init__(self, space_id=None):
        super().__init__(LOGIN_FAILED, event="signin_failed" if space_id else None)
        self.space_id = space_id


LOGIN_THROTTLE = Throttle(Space.failed_login_count, Space.login_locked_until, MAX_LOGIN_FAILURES, LOGIN_LOCK)


def authenticate(email, password, hasher, now):
    """The space these credentials open, or the one generic refusal.

    An unknown address, a wrong password and a locked space answer alike, and
    cost one bcrypt check each, so nobody learns which addresses exist.
    """
    space = Space.by_login_email(normalise_email(email))
    if space is None or space.access_mode != ACCESS_PASSWORD:
        hasher.waste_time()
        raise LoginRefused()
    try:
        LOGIN_THROTTLE.spend(space.id, now)
    except Locked:
        # No password was checked: nothing for the history (at most 10 lines per lock).
        hasher.waste_time()
        raise LoginRefused()
    if hasher.check(password or "", space.password_hash):
        LOGIN_THROTTLE.reset(space.id)
        return space
    raise LoginRefused(space.id)

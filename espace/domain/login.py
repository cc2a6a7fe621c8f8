"""Login with e-mail + password: one generic answer, attempts limited per space."""
from datetime import timedelta

from ..models import ACCESS_PASSWORD, Space, db
from .credentials import normalise_email
from .errors import Refused

MAX_LOGIN_FAILURES = 10
LOGIN_LOCK = timedelta(minutes=15)
LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."


def authenticate(email, password, hasher, now):
    """The space these credentials open, or the one generic refusal.

    An unknown address, a wrong password and a locked space answer alike, and
    cost one bcrypt check each, so nobody learns which addresses exist.
    """
    space = Space.by_login_email(normalise_email(email))
    if space is None or space.access_mode != ACCESS_PASSWORD:
        hasher.waste_time()
        raise Refused(LOGIN_FAILED)
    if space.login_locked_until and space.login_locked_until > now:
        hasher.waste_time()
        raise Refused(LOGIN_FAILED)
    if hasher.check(password or "", space.password_hash):
        Space.update(failed_login_count=0, login_locked_until=None).where(
            Space.id == space.id
        ).execute()
        return space
    with db.atomic():
        Space.update(failed_login_count=Space.failed_login_count + 1).where(
            Space.id == space.id
        ).execute()
        if Space.get_by_id(space.id).failed_login_count >= MAX_LOGIN_FAILURES:
            Space.update(failed_login_count=0, login_locked_until=now + LOGIN_LOCK).where(
                Space.id == space.id
            ).execute()
    raise Refused(LOGIN_FAILED)

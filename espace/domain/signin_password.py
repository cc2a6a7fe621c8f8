"""The sign-in's password step (« Connexion »): one generic answer; past a threshold, the captcha too.

Nobody can lock a holder out (SECURITY.md « Connexion »): wrong passwords are counted per
typed address, known or not, and past MAX_LOGIN_FAILURES within LOGIN_WINDOW that address
needs the captcha as well for CAPTCHA_PERIOD — never a hard refusal of the right password.
A browser the holder chose to remember is not asked for it: failures from elsewhere do not
reach it. The per-client-address limits (Flask-Limiter) are the hard stop, and they stop the
attacker's address only.
"""
from datetime import timedelta

from ..models import ACCESS_PASSWORD, LoginFailure, Space, db
from .clock import french_datetime
from .credentials import normalise_email
from .errors import Refused
from .events import emit
from .hashing import sha256_hex

MAX_LOGIN_FAILURES = 10
LOGIN_WINDOW = timedelta(minutes=15)
CAPTCHA_PERIOD = timedelta(minutes=15)
LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."
CAPTCHA_NEEDED = (
    "Trop de tentatives de connexion avec cette adresse électronique. Par sécurité, recopiez aussi "
    "les caractères de l'image (ou écoutez l'extrait sonore) ; cette mesure prend fin {when} (heure de Paris). "
    "Si vous avez oublié votre mot de passe, utilisez « Mot de passe oublié »."
)


class LoginRefused(Refused):
    """The one generic refusal; for a known address it also names the space, for its history."""

    def __init__(self, space_id=None, message=LOGIN_FAILED, event=None):
        super().__init__(message, event=event or ("signin_failed" if space_id else None))
        self.space_id = space_id


class CaptchaNeeded(LoginRefused):
    """This address reached the threshold: the captcha must be solved with the password.

    `started` is true for the failure that crossed the threshold (the holder is told once)."""

    def __init__(self, until, space_id=None, started=False):
        super().__init__(space_id, CAPTCHA_NEEDED.format(when=french_datetime(until)),
                         event="signin_throttled" if started else None)
        self.until, self.started = until, started


def address_key(email):
    return sha256_hex("login:" + normalise_email(email or ""))


def captcha_needed_until(email, now):
    """Until when this address needs the captcha, or None."""
    until = (LoginFailure.select(LoginFailure.captcha_until)
             .where(LoginFailure.address_hash == address_key(email)).scalar())
    return until if until and until > now else None


def count_failure(email, now):
    """One more wrong password for this address; returns the captcha's end if this one crossed the threshold."""
    key = address_key(email)
    with db.atomic():
        row = LoginFailure.get_or_none(LoginFailure.address_hash == key)
        if row is None:
            LoginFailure.insert(address_hash=key, failures=1, window_start=now).on_conflict(
                conflict_target=[LoginFailure.address_hash],
                update={LoginFailure.failures: LoginFailure.failures + 1}).execute()
        elif row.window_start + LOGIN_WINDOW <= now:
            LoginFailure.update(failures=1, window_start=now).where(LoginFailure.id == row.id).execute()
        else:
            LoginFailure.update(failures=LoginFailure.failures + 1).where(LoginFailure.id == row.id).execute()
        failures = LoginFailure.select(LoginFailure.failures).where(LoginFailure.address_hash == key).scalar()
        if failures < MAX_LOGIN_FAILURES:
            return None
        until = now + CAPTCHA_PERIOD
        LoginFailure.update(failures=0, window_start=now, captcha_until=until).where(
            LoginFailure.address_hash == key).execute()
        return until


def failures_counted(email, now):
    """Whether this address has wrong passwords counted in its window, or the captcha asked now."""
    row = LoginFailure.get_or_none(LoginFailure.address_hash == address_key(email))
    return row is not None and ((row.captcha_until is not None and row.captcha_until > now)
                                or (row.failures > 0 and row.window_start + LOGIN_WINDOW > now))


def forget_failures(email):
    return LoginFailure.delete().where(LoginFailure.address_hash == address_key(email)).execute()


def authenticate(email, password, hasher, now, remembered=lambda space: False, captcha_passed=False):
    """The space these credentials open, or a refusal that is the same for any address.

    An unknown address, a wrong password and an address that needs the captcha answer
    alike whether the address opens a space or not, and cost one bcrypt check each.
    `remembered(space)`: whether this browser was remembered for the space (it skips the captcha).
    `captcha_passed`: the captcha sent with this attempt was solved.
    """
    space = Space.by_login_email(normalise_email(email))
    if space is not None and space.access_mode != ACCESS_PASSWORD:
        space = None
    trusted_browser = space is not None and remembered(space)
    needed = None if trusted_browser else captcha_needed_until(email, now)
    if needed and not captcha_passed:
        # No password was checked: nothing counted, nothing for the history.
        hasher.waste_time()
        raise CaptchaNeeded(needed)
    if space is not None and hasher.check(password or "", space.password_hash):
        if not trusted_browser:
            # Past the captcha (or before any): the holder proved the address. A remembered
            # browser proves nothing of the guesses elsewhere: the stranger's count stays.
            forget_failures(email)
        return space
    if space is None:
        hasher.waste_time()
    space_id = space.id if space else None
    until = count_failure(email, now)
    if until:
        refusal = CaptchaNeeded(until, space_id, started=needed is None)
    elif needed:
        refusal = CaptchaNeeded(needed, space_id)
    else:
        refusal = LoginRefused(space_id)
    if refusal.event and space_id:
        # A failure (or the one that made the captcha needed) of a known space: its history, its notice.
        emit(refusal.event, space_id, now)
    raise refusal


def signed_in(space_id, now, new_browser):
    """One history line per sign-in; `new_browser`: from a browser never seen on this space (its notice)."""
    emit("signin", space_id, now, new_browser=new_browser)


def signed_out(space_id, now):
    emit("signout", space_id, now)


def spaces_needing_captcha(now):
    """How many addresses need the captcha now (known or not: the hashes do not tell)."""
    return LoginFailure.select().where(LoginFailure.captcha_until > now).count()


def unlock(space):
    """The assistance clears the captcha requirement and the failures of the space's address."""
    return forget_failures(space.login_email) if space.login_email else 0


def purge_expired(now):
    """Counters whose window and captcha period are both over; returns how many went."""
    return (LoginFailure.delete()
            .where((LoginFailure.window_start <= now - LOGIN_WINDOW)
                   & (LoginFailure.captcha_until.is_null() | (LoginFailure.captcha_until <= now)))
            .execute())

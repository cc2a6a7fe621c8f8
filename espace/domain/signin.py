"""Sign-in confirmation: a 6-digit code e-mailed after the password, and remembered browsers.

After a correct password the session holds only the pending space; the space opens once
the code is right. A browser the holder chose to remember skips the code for six months,
as long as its row exists and has not expired (« Oublier ce navigateur » and a new password
delete rows: espace/domain/security.py).
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from itsdangerous import BadData, URLSafeTimedSerializer
from peewee import fn

from ..models import PENDING, SUPERSEDED, Device, Prepared, SigninCode, Space, db
from .clock import french_datetime
from .credentials import clean_code
from .errors import DeliveryFailed, Refused
from .events import emit
from .hashing import sha256_hex
from .history import truncate_client
# forget_devices: kept importable from here for its callers.
from .security import attach_device, describe_agent, forget_devices, new_public_id  # noqa: F401

CODE_DIGITS = 6
CODE_VALIDITY = timedelta(minutes=10)
CODE_VALIDITY_MINUTES = int(CODE_VALIDITY.total_seconds() // 60)
MAX_TRIES = 5  # per code; then a new code is needed
# A pending sign-in gets its first code and at most MAX_RESENDS more (« Renvoyer un code »).
MAX_RESENDS = 3
# A ceiling per space, far above normal use (ten sign-ins an hour from new browsers each get
# their code, and resends besides): it only bounds someone who has the password and floods the box.
MAX_CODES = 30
CODE_WINDOW = timedelta(hours=1)
DEVICE_LIFETIME = timedelta(days=183)  # six months
DEVICE_LIFETIME_MONTHS = 6

CODE_WRONG = "Le code de confirmation est incorrect. Il vous reste {left} essai{s}."
CODE_WRONG_LAST = (
    f"Le code de confirmation est incorrect. Après {MAX_TRIES} essais, ce code n'est plus valable : "
    "cliquez sur « Renvoyer un code » pour en recevoir un nouveau."
)
CODE_DEAD = (
    f"Ce code de confirmation n'est plus valable (délai de {CODE_VALIDITY_MINUTES} minutes dépassé "
    f"ou {MAX_TRIES} essais atteints) : cliquez sur « Renvoyer un code » pour en recevoir un nouveau."
)
CODE_REPLACED = (
    "Ce code a été remplacé par un nouveau : saisissez le code du dernier courriel reçu. "
    "Cet essai n'a pas été compté."
)
TOO_MANY_CODES = (
    "Trop de codes de confirmation ont été envoyés pour cet espace en moins d'une heure : "
    "vous pourrez vous connecter de nouveau {when} (heure de Paris)."
)
TOO_MANY_RESENDS = (
    f"{MAX_RESENDS + 1} codes ont été envoyés pour cette connexion : aucun autre ne peut l'être. "
    "Saisissez le dernier code reçu, ou recommencez la connexion avec votre mot de passe."
)
MAIL_FAILED = (
    "Le courriel contenant le code de confirmation n'a pas pu être envoyé : "
    "réessayez dans quelques minutes avec « Renvoyer un code »."
)


def new_code():
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(code, key):
    """A keyed hash: a million codes are hashed in a second, so a plain hash would not hide one."""
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"signin-code:" + code.encode(), hashlib.sha256).hexdigest()


# Asked on every display of the code step: their SQL is built once (models.Prepared).
_RECENT_CODES = Prepared(lambda param: SigninCode.select(SigninCode.created_at)
                         .where((SigninCode.space == param) & (SigninCode.created_at > param))
                         .order_by(SigninCode.created_at))
_LIVE_CODE = Prepared(lambda param: SigninCode.select(SigninCode.id)
                      .where((SigninCode.id == param) & (SigninCode.expires_at > param)))


def codes_blocked_until(space_id, now):
    """When this space may be sent a sign-in code again, or None if it may now."""
    recent = _RECENT_CODES(space_id, now - CODE_WINDOW)
    if len(recent) < MAX_CODES:
        return None
    return recent[len(recent) - MAX_CODES].created_at + CODE_WINDOW


def send_code(space, now, key, send, earlier=()):
    """A new code for one pending sign-in, e-mailed by `send(space, code, row)`.

    `earlier`: the ids of the codes this sign-in was sent before; the new code replaces them
    (and only them: another browser's sign-in keeps its own code). In one transaction: if
    sending fails, nothing is kept. At most MAX_RESENDS resends per sign-in, MAX_CODES per
    space per CODE_WINDOW.
    """
    if len(earlier) > MAX_RESENDS:
        raise Refused(TOO_MANY_RESENDS, "code")
    code = new_code()
    try:
        with db.atomic():
            # A write first: concurrent sends for one space queue here, so the count below holds.
            Space.update({Space.id: Space.id}).where(Space.id == space.id).execute()
            again = codes_blocked_until(space.id, now)
            if again is None:
                if earlier:
                    SigninCode.update(state=SUPERSEDED).where(
                        SigninCode.id.in_(list(earlier)) & (SigninCode.state == PENDING)).execute()
                row = SigninCode.create(space=space.id, code_hash=code_digest(code, key),
                                        created_at=now, expires_at=now + CODE_VALIDITY)
                send(space, code, row)
    except DeliveryFailed:
        raise Refused(MAIL_FAILED, "code")
    if again is not None:
        emit("signin_codes_blocked", space.id, now)  # outside the transaction: the line is kept
        raise Refused(TOO_MANY_CODES.format(when=french_datetime(again)), "code", event="signin_codes_blocked")
    return row


def space_of_pending_signin(space_id, epoch):
    """The space a pending sign-in is for, or None if it is gone or its password changed since
    (`epoch`: the space's session epoch when the password was accepted)."""
    space = Space.find(space_id)
    return space if space is not None and space.session_epoch == epoch else None


def pending_signin_alive(code_ids, now):
    """A pending sign-in ends with its latest code: alive while that code's ten minutes run."""
    if not code_ids:
        return False
    return _LIVE_CODE.first(code_ids[-1], now) is not None


def confirm(space_id, code_ids, code, now, key):
    """The space, if `code` is the current code of this pending sign-in (`code_ids`, oldest first).

    A code this sign-in was sent earlier and that a resend replaced is said so, and not
    counted as a try. Each try of the current code is spent before the comparison.
    Refusals carry the field `code`; a wrong code is told as the event `signin_code_failed`.
    """
    digest = code_digest(clean_code(code), key)
    codes = {row.id: row for row in SigninCode.select().where(
        SigninCode.id.in_(list(code_ids)) & (SigninCode.space == space_id))}
    current = codes.get(code_ids[-1]) if code_ids else None
    if current is None:
        raise Refused(CODE_DEAD, "code")
    for earlier in code_ids[:-1]:
        if earlier in codes and hmac.compare_digest(codes[earlier].code_hash, digest):
            raise Refused(CODE_REPLACED, "code")
    with db.atomic():
        # Conditional: parallel guesses cannot take more than MAX_TRIES between them.
        spent = (SigninCode.update(tries=SigninCode.tries + 1)
                 .where((SigninCode.id == current.id) & (SigninCode.state == PENDING)
                        & (SigninCode.tries < MAX_TRIES) & (SigninCode.expires_at > now))
                 .execute())
        rank = SigninCode.select(SigninCode.tries).where(SigninCode.id == current.id).scalar()
    if not spent:
        raise Refused(CODE_DEAD, "code")
    if not hmac.compare_digest(current.code_hash, digest):
        left = MAX_TRIES - rank
        message = CODE_WRONG.format(left=left, s="s" if left > 1 else "") if left else CODE_WRONG_LAST
        emit("signin_code_failed", space_id, now)
        raise Refused(message, "code", event="signin_code_failed")
    if not current.claim(now):  # the same code, confirmed at the same moment by another request
        raise Refused(CODE_DEAD, "code")
    return Space.get_by_id(space_id)


def clear_code_block(space_id, now):
    """The assistance lifts the ceiling, if reached: the codes of the window stop counting.
    Returns how many were forgotten (0: there was no block)."""
    if codes_blocked_until(space_id, now) is None:
        return 0
    # Codes still waiting go too: a sign-in under way asks for a new one.
    return (SigninCode.delete()
            .where((SigninCode.space == space_id) & (SigninCode.created_at > now - CODE_WINDOW)).execute())


def spaces_with_codes_blocked(now):
    """How many spaces have reached the ceiling of codes this hour."""
    return (SigninCode.select(SigninCode.space).where(SigninCode.created_at > now - CODE_WINDOW)
            .group_by(SigninCode.space).having(fn.COUNT(SigninCode.id) >= MAX_CODES).count())


def remember_device(space, now, user_agent="", client=None, session=None):
    """« Se souvenir de ce navigateur »: a new random device id (for the cookie); its hash is kept.

    `session`: the public id of the open session signed in from this browser.
    """
    token = secrets.token_urlsafe(32)
    browser, system = describe_agent(user_agent)
    device = Device.create(space=space.id, token_hash=sha256_hex(token), public_id=new_public_id(),
                           browser=browser, system=system, client=truncate_client(client), created_at=now,
                           last_used_at=now, expires_at=now + DEVICE_LIFETIME)
    if session:
        attach_device(session, device.id)
    return token


def find_device(space, token, now, user_agent=None, client=None):
    """The remembered browser of this device id for this space, its use noted; None if not (or no more).

    A dead one is forgotten.
    """
    if not token:
        return None
    device = Device.get_or_none(Device.token_hash == sha256_hex(token))
    if device is None or device.space_id != space.id:
        return None
    if device.expires_at <= now:
        device.delete_instance()
        return None
    seen = {Device.last_used_at: now}
    if client is not None:
        seen[Device.client] = truncate_client(client)
    if user_agent is not None:  # a browser updated since: say what it is now
        seen[Device.browser], seen[Device.system] = describe_agent(user_agent)
    Device.update(seen).where(Device.id == device.id).execute()
    return device


def recognised_device(space, token, now):
    """Whether this device id was remembered for this space and still holds."""
    return find_device(space, token, now) is not None


def purge_expired(now):
    """Codes past the sending window (all expired by then) and dead devices; returns how many went."""
    codes = SigninCode.delete().where(SigninCode.created_at <= now - CODE_WINDOW).execute()
    devices = Device.delete().where(Device.expires_at <= now).execute()
    return codes + devices


class DeviceSeal:
    """The device cookie's value: the device id, signed with the app's secret (itsdangerous)."""

    def __init__(self, secret):
        self._serializer = URLSafeTimedSerializer(secret, salt="espace.device")

    def seal(self, token):
        return self._serializer.dumps(token)

    def open(self, value):
        """The device id, or None for a missing, forged, tampered or too old cookie."""
        if not value:
            return None
        try:
            token = self._serializer.loads(value, max_age=int(DEVICE_LIFETIME.total_seconds()))
        except BadData:
            return None
        return token if isinstance(token, str) else None

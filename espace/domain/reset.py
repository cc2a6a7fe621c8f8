"""EP 6 « Mot de passe oublié »: an e-mailed single-use link, the trust question, a new password.

Nothing here tells whether an address opens a space: `request_link` answers None for an
unknown address as for a known one that asked too often, and the caller shows the same page.
"""
import hmac
import secrets
from datetime import timedelta

from peewee import IntegrityError

from ..models import PENDING, PasswordReset, Space, db
from . import security
from .credentials import SAME_PASSWORD, new_password_problem, normalise_email  # noqa: F401
from .errors import Refused
from . import signin_password
from .events import emit
from .hashing import sha256_hex
from .pending import check_usable, end_pending
from .identity import fold_trust_answer
from .trust import check_under_lock

TOKEN_BYTES = 32  # 256 bits from `secrets`: stored as SHA-256, a slow hash adds nothing
LINK_VALIDITY = timedelta(hours=1)
# Links sent per space and per hour; beyond, a request sends nothing (and says the same).
MAX_LINKS_PER_HOUR = 3

LINK_UNKNOWN = (
    "Ce lien n'est pas valable. Vérifiez que vous avez ouvert l'adresse complète reçue par "
    "courriel, ou faites une nouvelle demande."
)
LINK_USED = (
    "Ce lien a déjà été utilisé : le mot de passe de votre espace a été changé. "
    "Si vous ne le connaissez pas, faites une nouvelle demande."
)
LINK_EXPIRED = (
    "Ce lien n'est plus valable : il a dépassé son délai d'une heure, ou une demande plus "
    "récente l'a remplacé. Faites une nouvelle demande pour recevoir un nouveau lien."
)
NO_QUESTION = (
    "Cet espace n'a pas de question de confiance : le mot de passe ne peut pas être changé en "
    "ligne. Contactez l'assistance."
)


def new_token():
    return secrets.token_urlsafe(TOKEN_BYTES)


def links_sent_within_the_hour(space_id, now):
    return (PasswordReset.select()
            .where((PasswordReset.space == space_id) & (PasswordReset.created_at > now - LINK_VALIDITY))
            .count())


def request_link(email, now, send):
    """A new link for the space this login address opens, sent by `send(space, token, reset)`.

    Returns the stored reset, or None: no password space with this address, or too many
    links this hour, or a simultaneous request stored its own. The older link stops working.
    A failed `send` (DeliveryFailed) leaves nothing stored.
    """
    space = Space.by_login_email(normalise_email(email))
    if space is None or not space.uses_password:
        return None
    token = new_token()
    try:
        with db.atomic() as transaction:
            # A write first: concurrent requests queue here instead of counting a stale snapshot.
            PasswordReset.supersede_pending(space.id)
            if links_sent_within_the_hour(space.id, now) >= MAX_LINKS_PER_HOUR:
                transaction.rollback()  # the older link stays valid
                return None
            reset = PasswordReset.create(space=space.id, token_hash=sha256_hex(token), state=PENDING,
                                         created_at=now, expires_at=now + LINK_VALIDITY)
            send(space, token, reset)
    except IntegrityError:
        return None  # the partial unique index: another request of this space won
    return reset


def find_reset(token_hash, now):
    """The pending, unexpired reset this link opens, or a refusal saying why not."""
    reset = PasswordReset.get_or_none(PasswordReset.token_hash == token_hash)
    if reset is None:
        raise Refused(LINK_UNKNOWN)
    return check_usable(reset, now, LINK_USED, LINK_EXPIRED, field=None)


def verify_answer(space, answer, encryptor, now):
    """The space's trust answer, under the per-space lock shared with the three trust answers."""
    if not space.trust_question or space.trust_answer_encrypted is None:
        raise Refused(NO_QUESTION)
    expected = fold_trust_answer(encryptor.decrypt(space.trust_answer_encrypted)).encode()
    return check_under_lock(space.id, now, lambda: hmac.compare_digest(fold_trust_answer(answer).encode(), expected),
                            one_question=True, field="answer", failed_event="reset_answer_failed")


def complete_reset(token_hash, password, hasher, now):
    """Spend the link and set the new password, all or nothing. Returns the space.

    The password follows EP 4's rules (checked by the form) and must differ from the
    current one. The conditional update is the lock: of two submissions with one link,
    exactly one sees a pending row to change. Every session of the space ends (on every
    worker and host) and every remembered browser is forgotten (security.password_changed).
    """
    reset = find_reset(token_hash, now)
    problem = new_password_problem(password, reset.space.password_hash, hasher)
    if problem:
        raise Refused(problem, "password")
    password_hash = hasher.hash(password)
    with db.atomic():
        if not reset.claim(now):
            find_reset(token_hash, now)  # says why: used, superseded or expired meanwhile
            raise Refused(LINK_USED)
        Space.update(password_hash=password_hash, failed_login_count=0,
                     login_locked_until=None).where(Space.id == reset.space_id).execute()
        security.password_changed(reset.space_id, now)
        end_pending(reset.space_id)
        space = Space.get_by_id(reset.space_id)
        # The holder proved the mailbox and the trust answer: the login asks no more captcha.
        signin_password.forget_failures(space.login_email)
    emit("password_reset", space.id, now)
    return space


def purge_expired(now):
    """Forget links past their hour, whatever their state; returns how many went."""
    return PasswordReset.delete().where(PasswordReset.expires_at <= now).execute()

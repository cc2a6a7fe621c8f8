"""EP 5 « Changer d'adresse électronique ou de mot de passe », from the signed-in space.

Both need the current password, checked under the login's per-space throttle, so a
session left open cannot be used to guess it. A new login address takes effect only
once the code sent to it is typed back; until then the old one keeps working.
"""
import secrets
from datetime import timedelta

from peewee import IntegrityError

from ..models import EXPIRED, PENDING, SUPERSEDED, EmailChange, Space, db
from . import activation, security
from .clock import french_datetime
from .credentials import SAME_PASSWORD, new_password_problem, normalise_email, password_problem  # noqa: F401
from .errors import DeliveryFailed, Refused
from .events import emit
from .hashing import sha256_hex
from .pending import check_usable, end_pending
from .throttle import Locked, Throttle

# Shorter than the activation's 48 h: the holder is signed in and waiting for the message;
# a day still covers a delayed mail or finishing the next morning.
CHANGE_VALIDITY = timedelta(hours=24)
CHANGE_VALIDITY_HOURS = int(CHANGE_VALIDITY.total_seconds() // 3600)

WRONG_PASSWORD = "Le mot de passe actuel est incorrect."
SAME_EMAIL = "Cette adresse électronique est déjà celle de votre espace : saisissez-en une autre."
MAIL_FAILED = (
    "Le courriel contenant le code de changement d'adresse n'a pas pu être envoyé à la nouvelle adresse. "
    "Rien n'a été modifié : réessayez dans quelques minutes."
)
CODE_UNKNOWN = ("Le code de changement d'adresse est incorrect. Vérifiez le code reçu à la nouvelle adresse, "
                "en respectant les majuscules et les minuscules.")
CODE_USED = "Ce code de changement d'adresse a déjà été utilisé : votre adresse électronique est déjà modifiée."
CODE_EXPIRED = (
    f"Ce code de changement d'adresse n'est plus valable (délai de {CHANGE_VALIDITY_HOURS} h dépassé ou nouvelle demande) : "
    "saisissez de nouveau la nouvelle adresse pour recevoir un nouveau code."
)
TAKEN_MEANWHILE = (
    "Cette adresse électronique vient d'être associée à un autre espace professionnel : "
    "votre adresse n'a pas été modifiée. Choisissez-en une autre."
)


# The current password asked by EP 5 and EP 3. Only a signed-in session reaches these forms, so
# only the holder (or whoever holds their session) spends this budget; the login has its own.
MAX_PASSWORD_CHECK_FAILURES = 10
PASSWORD_CHECK_LOCK = timedelta(minutes=15)
PASSWORD_CHECK_THROTTLE = Throttle(Space.failed_login_count, Space.login_locked_until,
                                   MAX_PASSWORD_CHECK_FAILURES, PASSWORD_CHECK_LOCK)


def lock_message(until):
    return (
        f"Par sécurité, après {MAX_PASSWORD_CHECK_FAILURES} essais infructueux, votre mot de passe ne peut "
        f"plus être vérifié pour le moment. Vous pourrez réessayer {french_datetime(until)} (heure de Paris)."
    )


def check_current_password(space_id, password, hasher, now):
    """The space, if `password` is its current one; failures counted per space (not with the login's)."""
    try:
        PASSWORD_CHECK_THROTTLE.spend(space_id, now)
    except Locked as locked:
        hasher.waste_time()
        raise Refused(lock_message(locked.until), "current_password")
    space = Space.get_by_id(space_id)
    if not hasher.check(password or "", space.password_hash):
        raise Refused(WRONG_PASSWORD, "current_password")
    PASSWORD_CHECK_THROTTLE.reset(space_id)
    return space


def change_password(space_id, current, new, hasher, now, keep_session=None):
    """A new password under the EP 4 rules, not the current one; the whole change. Returns the space.

    Every other session ends and every other remembered browser is forgotten (`keep_session`, the
    public id of the session making the change, stays signed in and remembered), every pending
    link and code dies, and the event is told.
    """
    rules = password_problem(new)  # before the current password is checked (and counted)
    if rules:
        raise Refused(rules, "password")
    space = check_current_password(space_id, current, hasher, now)
    problem = new_password_problem(new, space.password_hash, hasher)
    if problem:
        raise Refused(problem, "password")
    password_hash = hasher.hash(new)
    with db.atomic():
        Space.update(password_hash=password_hash).where(Space.id == space_id).execute()
        security.password_changed(space_id, now, keep_session=keep_session)
        end_pending(space_id)
    emit("password_changed", space_id, now)
    return Space.get_by_id(space_id)


def expire_stale_changes(now):
    return (EmailChange.update(state=EXPIRED)
            .where((EmailChange.state == PENDING) & (EmailChange.expires_at <= now)).execute())


def email_change_refusal(space, email, now):
    """Why this space cannot take this login address now, or None (the EP 4 rule, plus changes)."""
    email = normalise_email(email)
    if email == space.login_email:
        return SAME_EMAIL
    return activation.email_refusal(space.id, email, now)


def request_email_change(space_id, email, password, hasher, now, send):
    """Check the password, store the change and send its code to the new address, all or nothing.

    `send(change, code)` delivers the code (raises DeliveryFailed). A new request for the
    same space replaces the earlier one. Returns the change.
    """
    space = check_current_password(space_id, password, hasher, now)
    email = normalise_email(email)
    code = activation.new_code()
    cancel_token = secrets.token_urlsafe(32)
    try:
        with db.atomic():
            expire_stale_changes(now)
            refusal = email_change_refusal(space, email, now)
            if refusal:
                raise Refused(refusal, "email")
            EmailChange.supersede_pending(space_id)
            change = EmailChange.create(space=space_id, email=email, code_hash=sha256_hex(code),
                                        cancel_token_hash=sha256_hex(cancel_token),
                                        state=PENDING, created_at=now, expires_at=now + CHANGE_VALIDITY)
            send(change, code)
    except IntegrityError:
        # Another space asked for this address at the same moment: the database said no.
        raise Refused(activation.EMAIL_TAKEN, "email")
    except DeliveryFailed:
        raise Refused(MAIL_FAILED, "email")
    emit("email_change_requested", space_id, now, email=email, cancel_token=cancel_token)
    return change


def pending_change(space_id, now):
    """The change this space is waiting to confirm, or None."""
    return EmailChange.pending(now).where(EmailChange.space == space_id).first()


def check_change_usable(change, now):
    return check_usable(change, now, CODE_USED, CODE_EXPIRED)


def confirm_email_change(space_id, code, now):
    """The code typed back switches the login address, once. Returns (old address, space)."""
    change = EmailChange.get_or_none((EmailChange.code_hash == sha256_hex(activation.clean_code(code)))
                                     & (EmailChange.space == space_id))
    if change is None:
        raise Refused(CODE_UNKNOWN, "code")
    check_change_usable(change, now)
    old = Space.get_by_id(space_id).login_email
    try:
        with db.atomic():
            # Of two confirmations at once, exactly one claims the change (Expiring.claim).
            if not change.claim(now):
                check_change_usable(EmailChange.get_by_id(change.id), now)
                raise Refused(CODE_USED, "code")
            if activation.email_refusal(space_id, change.email, now):
                raise Refused(TAKEN_MEANWHILE, "code")
            Space.update(login_email=change.email).where(Space.id == space_id).execute()
            end_pending(space_id)
    except IntegrityError:
        raise Refused(TAKEN_MEANWHILE, "code")
    emit("email_changed", space_id, now, email=change.email, old_email=old)
    return old, Space.get_by_id(space_id)


def purge_expired(now):
    """Forget the changes that can no longer be confirmed (used, replaced or past 24 h); returns how many."""
    return (EmailChange.delete()
            .where((EmailChange.state != PENDING) | (EmailChange.expires_at <= now)).execute())


def cancel_email_change(space_id, now):
    """« Quitter »: the change waiting for its code will not happen. Returns how many were cancelled."""
    cancelled = (EmailChange.update(state=SUPERSEDED)
                 .where((EmailChange.space == space_id) & (EmailChange.state == PENDING)).execute())
    if cancelled:
        emit("email_change_cancelled", space_id, now)
    return cancelled


CANCEL_LINK_DEAD = (
    "Ce lien d'annulation n'est plus valable : le changement d'adresse a déjà été confirmé, annulé "
    "ou remplacé, ou son délai est dépassé. Si vous n'êtes pas à l'origine de la demande, contactez l'assistance."
)


def cancel_by_link(token, now):
    """The single-use link of the notice sent to the current address cancels the change. Returns the space id."""
    change = EmailChange.get_or_none(EmailChange.cancel_token_hash == sha256_hex(token or ""))
    if change is None or not change.usable(now):
        raise Refused(CANCEL_LINK_DEAD)
    claimed = (EmailChange.update(state=SUPERSEDED, cancel_token_hash=None)
               .where((EmailChange.id == change.id) & (EmailChange.state == PENDING)).execute())
    if claimed != 1:
        raise Refused(CANCEL_LINK_DEAD)
    emit("email_change_cancelled", change.space_id, now)
    return change.space_id

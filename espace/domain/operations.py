"""What the operators' commands do (espace/cli.py only prints): figures, unlocking,
a space's journal, the purge of what has expired, the rotation of the encryption key.

Each list below is where a new procedure adds its line: a figure to `STATS`, a purge
to `PURGES` (every table that grows has one: docs/rules.md, « Conservation des données »),
a per-space block to `LOCKS`, an encrypted column to `ENCRYPTED`.
"""
from datetime import timedelta
from functools import partial

from ..models import (ACCESS_CERTIFICATE, ACCESS_PASSWORD, EXPIRED, PENDING, USED, ActivationRequest, Device,
                      EmailChange, OutboxMessage, PasswordReset, SigninCode, Space, db)
from . import activation, credentials_change, history, reset, security, signin, signin_password
from .credentials_change import PASSWORD_CHECK_THROTTLE
from .errors import Refused
from . import mail_queue
from .identity import ANSWER_THROTTLE, NUMBER_DIGITS, clean_number, is_valid_number

# A finished activation request (used, replaced or expired) holds a password hash and an
# encrypted answer: kept this long after its 48 h, for the assistance, then deleted.
FINISHED_REQUESTS_KEPT = timedelta(days=7)
# The development outbox (never used in production): what a developer may still want to read.
OUTBOX_KEPT = timedelta(days=7)

UNKNOWN_SPACE = f"aucun espace professionnel ne porte ce numéro d'abonné ({NUMBER_DIGITS} chiffres)"


def _pending(now):
    return ActivationRequest.select().where(
        (ActivationRequest.state == PENDING) & (ActivationRequest.expires_at > now)).count()


def _expired(now):
    """Marked expired by the purge, or past their 48 h and not yet marked."""
    return ActivationRequest.select().where(
        (ActivationRequest.state == EXPIRED)
        | ((ActivationRequest.state == PENDING) & (ActivationRequest.expires_at <= now))).count()


def _used(now):
    return ActivationRequest.select().where(ActivationRequest.state == USED).count()


def _locked(throttle, now):
    return Space.select().where(throttle.until > now).count()


def _spaces(mode, now):
    return Space.select().where(Space.access_mode == mode).count()


def _valid(model, now):
    """Pending codes or links that can still be used."""
    return model.select().where((model.state == PENDING) & (model.expires_at > now)).count()


def _devices(now):
    return Device.select().where(Device.expires_at > now).count()


def _outbox(now):
    return OutboxMessage.select().count()


# (label, count(now)): `flask stats` prints them in this order.
STATS = (
    ("espaces à certificat (à convertir)", partial(_spaces, ACCESS_CERTIFICATE)),
    ("espaces activés (adresse électronique et mot de passe)", partial(_spaces, ACCESS_PASSWORD)),
    ("demandes d'activation en attente (code valable)", _pending),
    ("codes d'activation expirés", _expired),
    ("codes d'activation utilisés", _used),
    ("liens « Mot de passe oublié » en attente (valables)", partial(_valid, PasswordReset)),
    ("changements d'adresse électronique en attente (code valable)", partial(_valid, EmailChange)),
    ("codes de connexion en attente (valables)", partial(_valid, SigninCode)),
    ("navigateurs mémorisés", _devices),
    ("messages de la boîte d'envoi de développement", _outbox),
    ("espaces bloqués : questions de confiance", partial(_locked, ANSWER_THROTTLE)),
    ("espaces bloqués : vérification du mot de passe actuel", partial(_locked, PASSWORD_CHECK_THROTTLE)),
    ("adresses de connexion soumises à l'image (trop d'échecs)", signin_password.spaces_needing_captcha),
    ("espaces bloqués : codes de connexion", signin.spaces_with_codes_blocked),
)


def purge_finished_requests(now):
    """Activation requests used, replaced or expired more than FINISHED_REQUESTS_KEPT ago."""
    return (ActivationRequest.delete().where(
        (ActivationRequest.state != PENDING) & (ActivationRequest.expires_at <= now - FINISHED_REQUESTS_KEPT))
        .execute())


def purge_outbox(now):
    return OutboxMessage.delete().where(OutboxMessage.created_at <= now - OUTBOX_KEPT).execute()


# (what, purge(now) -> how many): `flask purge-expired` runs each, in its own transaction.
PURGES = (
    ("demande(s) d'activation expirée(s)", activation.expire_stale_requests),
    (f"demande(s) d'activation terminée(s) depuis plus de {FINISHED_REQUESTS_KEPT.days} jours supprimée(s)",
     purge_finished_requests),
    ("événement(s) de l'historique de plus d'un an supprimé(s)", history.purge),
    ("lien(s) « Mot de passe oublié » expiré(s) supprimé(s)", reset.purge_expired),
    ("changement(s) d'adresse électronique périmé(s) supprimé(s)", credentials_change.purge_expired),
    ("code(s) de connexion et navigateur(s) mémorisé(s) périmés supprimés", signin.purge_expired),
    (f"message(s) de la boîte d'envoi de plus de {OUTBOX_KEPT.days} jours supprimé(s)", purge_outbox),
    ("compteur(s) d'échecs de connexion périmé(s) supprimé(s)", signin_password.purge_expired),
    ("session(s) terminée(s) depuis plus d'un jour supprimée(s)", security.purge_expired),
    ("message(s) en échec depuis plus de 30 jours supprimé(s) de la file d'envoi", mail_queue.purge_failed),
)


class ThrottleLock:
    """A per-space throttle (failures counted, then a lock): held while counted or locked."""

    def __init__(self, throttle):
        self.throttle = throttle

    def held(self, space, now):
        count, until = getattr(space, self.throttle.count.name), getattr(space, self.throttle.until.name)
        return bool(count or (until and until > now))

    def clear(self, space, now):
        self.throttle.reset(space.id)


class CodeCeiling:
    """At most signin.MAX_CODES sign-in codes per space per hour (signin.py)."""

    def held(self, space, now):
        return signin.codes_blocked_until(space.id, now) is not None

    def clear(self, space, now):
        signin.clear_code_block(space.id, now)


class LoginCaptcha:
    """The captcha asked at the login of the space's address after too many wrong passwords (signin_password.py)."""

    def held(self, space, now):
        """Asked now, or failures counted towards it."""
        return bool(space.login_email) and signin_password.failures_counted(space.login_email, now)

    def clear(self, space, now):
        signin_password.unlock(space)


# (what the holder could not do, its block): `flask unlock` clears them all; `stats` counts them.
LOCKS = (
    ("questions de confiance", ThrottleLock(ANSWER_THROTTLE)),
    ("vérification du mot de passe actuel", ThrottleLock(PASSWORD_CHECK_THROTTLE)),
    ("connexion (image demandée après trop d'échecs)", LoginCaptcha()),
    ("codes de connexion", CodeCeiling()),
)

# (model, encrypted column): `flask rotate-keys` re-encrypts each with the newest key.
ENCRYPTED = (
    (Space, Space.trust_answer_encrypted),
    (ActivationRequest, ActivationRequest.trust_answer_encrypted),
)


def stats(now):
    return [(label, count(now)) for label, count in STATS]


def purge_expired(now):
    results = []
    for label, purge in PURGES:
        with db.atomic():
            results.append((label, purge(now)))
    return results


def space_of(number):
    """The space an operator names by its subscriber number, or a refusal."""
    number = clean_number(number)
    space = Space.by_number(number) if is_valid_number(number) else None
    if space is None:
        raise Refused(UNKNOWN_SPACE)
    return space


def unlock(number, now):
    """Clear every lock and failure count of the space; returns what was cleared.

    The holder's « Historique » says so, when there was something to clear.
    """
    space = space_of(number)
    cleared = []
    with db.atomic():
        for label, lock in LOCKS:
            if lock.held(space, now):
                lock.clear(space, now)
                cleared.append(label)
        if cleared:
            history.record(space.id, "unlocked", now)
    return cleared


def journal(number, now):
    """The space's events of the last year, newest first, as (date, time, label, client)."""
    space = space_of(number)
    return [(*history.local_date_time(e.created_at), history.label(e.kind), e.client)
            for e in history.events_of(space.id, now)]


def rotate_encryption(encryptor):
    """Re-encrypt every encrypted value with the newest key; returns how many."""
    rotated = 0
    with db.atomic():
        for model, column in ENCRYPTED:
            for row in model.select(model.id, column).where(column.is_null(False)):
                model.update({column: encryptor.rotate(getattr(row, column.name))}).where(
                    model.id == row.id).execute()
                rotated += 1
    return rotated

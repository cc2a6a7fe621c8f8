"""What the operators' commands do (espace/cli.py only prints): figures, unlocking,
a space's journal, the purge of what has expired, the rotation of the encryption key.

Each list below is where a new procedure adds its line: a figure to `STATS`, a purge
to `PURGES`, a per-space lock to `LOCKS`, an encrypted column to `ENCRYPTED`.
"""
from functools import partial

from ..models import ACCESS_CERTIFICATE, ACCESS_PASSWORD, EXPIRED, PENDING, USED, ActivationRequest, Space, db
from . import activation, credentials_change, history, reset, security
from .errors import Refused
from .identity import ANSWER_THROTTLE, NUMBER_DIGITS, clean_number, is_valid_number
from . import login, signin
from .credentials_change import PASSWORD_CHECK_THROTTLE

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


# (label, count(now)): `flask stats` prints them in this order.
STATS = (
    ("espaces à certificat (à convertir)", partial(_spaces, ACCESS_CERTIFICATE)),
    ("espaces activés (adresse électronique et mot de passe)", partial(_spaces, ACCESS_PASSWORD)),
    ("demandes d'activation en attente (code valable)", _pending),
    ("codes d'activation expirés", _expired),
    ("codes d'activation utilisés", _used),
    ("espaces bloqués : questions de confiance", partial(_locked, ANSWER_THROTTLE)),
    ("espaces bloqués : vérification du mot de passe actuel", partial(_locked, PASSWORD_CHECK_THROTTLE)),
    ("adresses de connexion soumises à l'image (trop d'échecs)", login.spaces_needing_captcha),
    ("espaces bloqués : codes de connexion", signin.spaces_with_codes_blocked),
)

# (what, purge(now) -> how many): `flask purge-expired` runs each, in its own transaction.
PURGES = (
    ("demande(s) d'activation expirée(s)", activation.expire_stale_requests),
    ("événement(s) de l'historique de plus d'un an supprimé(s)", history.purge),
    ("lien(s) « Mot de passe oublié » expiré(s) supprimé(s)", reset.purge_expired),
    ("changement(s) d'adresse électronique périmé(s) supprimé(s)", credentials_change.purge_expired),
    ("compteur(s) d'échecs de connexion périmé(s) supprimé(s)", login.purge_expired),
    ("session(s) terminée(s) depuis plus d'un jour supprimée(s)", security.purge_expired),
)

# (what the holder could not do, its per-space throttle): `flask unlock` clears them all.
LOCKS = (
    ("questions de confiance", ANSWER_THROTTLE),
    ("vérification du mot de passe actuel", PASSWORD_CHECK_THROTTLE),
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
        for label, throttle in LOCKS:
            count, until = getattr(space, throttle.count.name), getattr(space, throttle.until.name)
            if count or (until and until > now):
                throttle.reset(space.id)
                cleared.append(label)
        if login.unlock(space):
            cleared.append("connexion (image demandée après trop d'échecs)")
        if signin.clear_code_block(space.id, now):
            cleared.append("codes de connexion")
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

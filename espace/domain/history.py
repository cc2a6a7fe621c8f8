"""« Historique »: the space's events, with a truncated client address, kept a year.

Nothing secret is ever recorded: an event is a kind, a time and a partial address.
"""
import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from ..models import Event
from .clock import to_paris

KEPT = timedelta(days=365)
KEPT_MONTHS = 12
PER_PAGE = 20

# Every kind of event, with the wording the holder reads.
KINDS = {
    "procedure_started": "Procédure « Opter pour l'accès avec une adresse électronique » commencée",
    "identified": "Réponses aux questions de confiance vérifiées",
    "answers_failed": "Réponses aux questions de confiance incorrectes",
    "answers_locked": "Questions de confiance bloquées après plusieurs essais infructueux",
    "code_sent": "Code d'activation envoyé",
    "activated": "Accès par adresse électronique et mot de passe activé",
    "signin": "Connexion",
    "signin_failed": "Échec de connexion",
    "signin_new_browser": "Connexion confirmée par code (navigateur non mémorisé)",
    "signin_code_sent": "Code de confirmation de connexion envoyé",
    "signin_throttled": "Trop d'échecs de connexion : image de vérification demandée",
    "signin_codes_blocked": "Trop de codes de connexion envoyés : envoi suspendu",
    "signin_code_failed": "Code de confirmation de connexion incorrect",
    "signout": "Déconnexion",
    "reset_requested": "Demande de réinitialisation du mot de passe",
    "reset_answer_failed": "Réponse à la question de confiance incorrecte (mot de passe oublié)",
    "password_reset": "Mot de passe réinitialisé (mot de passe oublié)",
    "password_changed": "Mot de passe modifié",
    "email_change_requested": "Changement d'adresse électronique demandé",
    "email_changed": "Adresse électronique de connexion modifiée",
    "email_change_cancelled": "Changement d'adresse électronique annulé",
    "coordinates_changed": "Coordonnées modifiées",
    "trust_question_changed": "Question de confiance modifiée",
    "unlocked": "Espace débloqué par l'assistance",
    "browser_forgotten": "Navigateur mémorisé oublié",
    "session_closed": "Session fermée sur un autre appareil",
    "other_sessions_closed": "Déconnexion de tous les autres appareils",
    "session_closed_by_assistance": "Session fermée par l'assistance",
    "browser_forgotten_by_assistance": "Navigateur mémorisé oublié par l'assistance",
    "all_sessions_closed_by_assistance": "Sessions fermées et navigateurs oubliés par l'assistance",
}


def truncate_client(address):
    """Enough to recognise a network, not a machine: 203.0.113.x, 2001:db8:1:2:x."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    ip = getattr(ip, "ipv4_mapped", None) or ip  # ::ffff:203.0.113.7 is an IPv4 client
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".x"
    return ":".join(group.lstrip("0") or "0" for group in ip.exploded.split(":")[:4]) + ":x"


def record(space_id, kind, now, client=None):
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    return Event.create(space=space_id, kind=kind, created_at=now, client=truncate_client(client))


def _recent(space_id, now):
    return (Event.select()
            .where((Event.space == space_id) & (Event.created_at > now - KEPT))
            .order_by(Event.created_at.desc(), Event.id.desc()))


def events_of(space_id, now, limit=None):
    """The space's events of the last year, newest first."""
    query = _recent(space_id, now)
    return list(query.limit(limit) if limit else query)


@dataclass(frozen=True)
class Page:
    events: list
    number: int
    pages: int

    @property
    def newer(self):
        """The page of more recent events, or None."""
        return self.number - 1 if self.number > 1 else None

    @property
    def older(self):
        return self.number + 1 if self.number < self.pages else None


def page_of_events(space_id, now, number=1, per_page=PER_PAGE):
    """One page of the last year's events, newest first; a page out of range gives the nearest."""
    query = _recent(space_id, now)
    pages = max(1, -(-query.count() // per_page))
    number = min(max(1, number), pages)
    return Page(list(query.paginate(number, per_page)), number, pages)


def local_date_time(moment):
    """(« 27/11/2026 », « 17h05 »): the day and time in Paris."""
    local = to_paris(moment)
    return f"{local:%d/%m/%Y}", f"{local:%H}h{local:%M}"


def label(kind):
    return KINDS.get(kind, kind)


def purge(now):
    """Forget what is older than a year; returns how many events went."""
    return Event.delete().where(Event.created_at <= now - KEPT).execute()

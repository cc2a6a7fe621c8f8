"""« Sécurité de mon espace »: open sessions, remembered browsers, and the session's time limits.

Every signed-in session has a row (OpenSession) named by a random public id; the session
store keeps only that id. Each request checks the row, so ending a session is one update,
seen by every worker and host at the session's next request. The space's `session_epoch`
is no longer what ends sessions: it stays the password's generation, which refuses a
sign-in left between the password and the code when the password changes meanwhile.
"""
import secrets
from dataclasses import dataclass
from datetime import timedelta

from ua_parser import parse

from ..models import Device, OpenSession, Prepared, Space, db
from .errors import Refused
from .events import emit
from .history import truncate_client

# ASVS 4.0.3 V3.3.2 and NIST SP 800-63B (AAL2): re-authenticate after 30 minutes idle, 12 hours at most.
IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)
# The last use is written at most this often: one write a minute, not one per request.
TOUCH_EVERY = timedelta(minutes=1)
# WCAG 2.2.1 asks for at least 20 seconds to extend: the warning comes 2 minutes before the end.
WARN_BEFORE = timedelta(minutes=2)
# Ended rows are kept a day, so a session ended elsewhere is told why at its next request.
ENDED_KEPT = timedelta(days=1)

# Why a session ended (OpenSession.end_reason).
SIGNED_OUT = "signout"
CLOSED = "closed"  # « Fermer » on another session
OTHERS_CLOSED = "others"  # « Me déconnecter de tous les autres appareils »
PASSWORD_CHANGED = "password"
PASSWORD_RESET = "reset"
IDLE = "idle"
TOO_LONG = "too_long"
ASSISTANCE = "assistance"  # flask sessions N --fermer / --tout

UNKNOWN_SESSION = "Cette session n'est pas (ou plus) ouverte sur votre espace : rien n'a été fermé."
UNKNOWN_BROWSER = "Ce navigateur n'est pas (ou plus) mémorisé pour votre espace : rien n'a été oublié."
NO_OTHER_SESSION = "Aucune autre session n'était ouverte sur votre espace : rien n'a été modifié."
CURRENT_SESSION = "Pour fermer la session de ce navigateur, utilisez « Se déconnecter »."
UNKNOWN_AGENT = "Navigateur inconnu"
# What the page confirming a new password says (EP 5, then EP 6).
AFTER_PASSWORD_CHANGE = ("Les sessions ouvertes sur d'autres appareils ont été fermées, et les navigateurs "
                         "mémorisés, sauf celui où le changement a été fait, ont été oubliés : ils demanderont "
                         "de nouveau le code de confirmation.")
AFTER_PASSWORD_RESET = ("Toutes les sessions ouvertes sur cet espace ont été fermées et tous les navigateurs "
                        "mémorisés ont été oubliés : le code de confirmation sera demandé à la prochaine connexion.")


def french_duration(delta):
    """« 30 minutes », « 12 heures », « 1 minute », « 45 secondes »."""
    seconds = int(delta.total_seconds())
    for size, unit in ((3600, "heure"), (60, "minute"), (1, "seconde")):
        if seconds >= size and seconds % size == 0 or size == 1:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''}"


def ended_message(reason, idle_limit=IDLE_LIMIT, absolute_limit=ABSOLUTE_LIMIT):
    """What the login page says to a session that ended, by reason (None: ended, reason unknown)."""
    if reason == IDLE:
        return (f"Votre session a pris fin après {french_duration(idle_limit)} d'inactivité. "
                "Connectez-vous pour reprendre là où vous étiez.")
    if reason == TOO_LONG:
        return (f"Votre session a pris fin : elle était ouverte depuis {french_duration(absolute_limit)}. "
                "Connectez-vous pour reprendre là où vous étiez.")
    if reason in (PASSWORD_CHANGED, PASSWORD_RESET):
        return ("Votre session a pris fin : le mot de passe de cet espace a été changé. "
                "Connectez-vous avec le nouveau mot de passe.")
    if reason in (CLOSED, OTHERS_CLOSED):
        return ("Votre session a été fermée depuis la page « Sécurité de mon espace » d'un autre appareil. "
                "Connectez-vous de nouveau si c'est bien vous.")
    if reason == ASSISTANCE:
        return "Votre session a été fermée par l'assistance. Connectez-vous de nouveau."
    return "Votre session a pris fin. Connectez-vous de nouveau."


class SessionEnded(Exception):
    """The session's row says it is over; `reason` is one of the constants above, or None."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def describe_agent(user_agent):
    """(browser, system) from a User-Agent: (« Firefox », « Windows »); empty when unknown."""
    result = parse((user_agent or "")[:1000])
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    browser = "" if browser == "Other" else browser
    system = "" if system == "Other" else system
    return browser[:60], system[:60]


def warm_up():
    """Load ua-parser's patterns now: it compiles its ~600 expressions on first use (half a second
    of CPU, measured), which would fall on a holder's sign-in. gunicorn calls this as each worker
    starts (gunicorn.conf.py), workers being recycled every few thousand requests."""
    import ua_parser

    return ua_parser.parser  # reading it initialises it (ua-parser's documented way)


def agent_label(browser, system):
    """« Firefox sur Windows », « Firefox », or « Navigateur inconnu »."""
    if browser and system:
        return f"{browser} sur {system}"
    return browser or (f"{UNKNOWN_AGENT} sur {system}" if system else UNKNOWN_AGENT)


def new_public_id():
    return secrets.token_urlsafe(16)


def open_session(space_id, now, user_agent, client, device_id=None):
    """A new row for a session that just signed in; returns its public id."""
    browser, system = describe_agent(user_agent)
    row = OpenSession.create(space=space_id, public_id=new_public_id(), device=device_id, browser=browser,
                             system=system, client=truncate_client(client), created_at=now, last_used_at=now)
    return row.public_id


def attach_device(public_id, device_id):
    """The session was remembered as this browser (« Se souvenir de ce navigateur » at its sign-in)."""
    OpenSession.update(device=device_id).where(OpenSession.public_id == public_id).execute()


def remaining(row, now, idle_limit=IDLE_LIMIT, absolute_limit=ABSOLUTE_LIMIT):
    """Time before the session ends if nothing happens: idle limit or overall limit, the sooner."""
    return min(row.last_used_at + idle_limit, row.created_at + absolute_limit) - now


def capped(row, idle_limit=IDLE_LIMIT, absolute_limit=ABSOLUTE_LIMIT):
    """The end that comes is the overall limit: activity, or « Prolonger ma session », would not
    push it back (the warning then says so, and offers nothing to press)."""
    return row.created_at + absolute_limit <= row.last_used_at + idle_limit


def _touch_every(idle_limit):
    return min(TOUCH_EVERY, idle_limit / 4)


# Every signed-in request runs it: its SQL is built once (models.Prepared).
_SESSION_WITH_SPACE = Prepared(lambda param: OpenSession.select(OpenSession, Space).join(Space)
                               .where((OpenSession.public_id == param) & (OpenSession.space == param)))


def check_session(space_id, public_id, now, idle_limit=IDLE_LIMIT, touch=True, absolute_limit=ABSOLUTE_LIMIT):
    """The open row of this session (its space loaded), its last use noted; or SessionEnded.

    A session idle past the limit, or open past ABSOLUTE_LIMIT, is ended here, by whichever
    request meets it first.
    """
    row = _SESSION_WITH_SPACE.first(public_id, space_id) if public_id else None
    if row is None:
        raise SessionEnded(None)
    if row.ended_at is not None:
        raise SessionEnded(row.end_reason)
    if now >= row.created_at + absolute_limit or now >= row.last_used_at + idle_limit:
        reason = IDLE if now >= row.last_used_at + idle_limit else TOO_LONG
        OpenSession.update(ended_at=now, end_reason=reason).where(
            (OpenSession.id == row.id) & OpenSession.ended_at.is_null()).execute()
        raise SessionEnded(reason)
    if touch and now - row.last_used_at >= _touch_every(idle_limit):
        _touch(row, now)
    return row


def extend_session(space_id, public_id, now, idle_limit=IDLE_LIMIT, absolute_limit=ABSOLUTE_LIMIT):
    """« Prolonger ma session »: the idle time starts again now (never past the overall limit)."""
    row = check_session(space_id, public_id, now, idle_limit, touch=False, absolute_limit=absolute_limit)
    _touch(row, now)
    return row


def _touch(row, now):
    # Conditional: a session ended meanwhile stays ended.
    OpenSession.update(last_used_at=now).where(
        (OpenSession.id == row.id) & OpenSession.ended_at.is_null()).execute()
    row.last_used_at = now


def _open(space_id, now, idle_limit):
    return ((OpenSession.space == space_id) & OpenSession.ended_at.is_null()
            & (OpenSession.last_used_at > now - idle_limit) & (OpenSession.created_at > now - ABSOLUTE_LIMIT))


def open_sessions(space_id, now, idle_limit=IDLE_LIMIT):
    """The space's sessions still open, most recently used first."""
    return list(OpenSession.select().where(_open(space_id, now, idle_limit))
                .order_by(OpenSession.last_used_at.desc(), OpenSession.id.desc()))


def end_session(space_id, public_id, now, reason=CLOSED, current=None):
    """« Fermer »: one session of this space (not `current`, which signs out instead). Returns its row."""
    if public_id and public_id == current:
        raise Refused(CURRENT_SESSION)
    row = OpenSession.get_or_none((OpenSession.public_id == (public_id or "")) & (OpenSession.space == space_id))
    ended = (OpenSession.update(ended_at=now, end_reason=reason)
             .where((OpenSession.id == (row.id if row else 0)) & OpenSession.ended_at.is_null()).execute())
    if not ended:
        raise Refused(UNKNOWN_SESSION)
    return row


def end_sessions(space_id, now, reason, except_session=None):
    """End every open session of the space but `except_session` (a public id); returns how many."""
    query = OpenSession.update(ended_at=now, end_reason=reason).where(
        (OpenSession.space == space_id) & OpenSession.ended_at.is_null())
    if except_session:
        query = query.where(OpenSession.public_id != except_session)
    return query.execute()


def device_of_session(public_id):
    """The remembered browser a session belongs to, or None."""
    row = OpenSession.get_or_none(OpenSession.public_id == (public_id or ""))
    return row.device_id if row else None


def remembered_browsers(space_id, now):
    """The space's remembered browsers still valid, most recently used first."""
    return list(Device.select().where((Device.space == space_id) & (Device.expires_at > now))
                .order_by(Device.last_used_at.desc(), Device.id.desc()))


def forget_device(space_id, public_id):
    """« Oublier ce navigateur »: its next sign-in asks for the code again. Returns the row."""
    device = Device.get_or_none((Device.public_id == (public_id or "")) & (Device.space == space_id))
    if device is None or not Device.delete().where(Device.id == device.id).execute():
        raise Refused(UNKNOWN_BROWSER)
    return device


def forget_devices(space_id, except_device=None):
    """Every remembered browser of the space but `except_device` (a row id) needs the code again."""
    query = Device.delete().where(Device.space == space_id)
    if except_device:
        query = query.where(Device.id != except_device)
    return query.execute()


@dataclass(frozen=True)
class Ended:
    sessions: int
    browsers: int


def sign_out_everywhere_else(space_id, now, current, reason=OTHERS_CLOSED):
    """« Me déconnecter de tous les autres appareils »: the password stays; remembered browsers too."""
    ended = end_sessions(space_id, now, reason, except_session=current)
    if not ended:
        raise Refused(NO_OTHER_SESSION)
    return Ended(ended, 0)


def password_changed(space_id, now, keep_session=None):
    """After a new password: end every other session, forget every other remembered browser.

    `keep_session`: the public id of the session that changed it (EP 5), which stays signed in
    and keeps its remembered browser; None (EP 6, signed out) ends and forgets them all. The
    epoch is raised too: a sign-in waiting for its code under the old password is refused.
    """
    keep_device = device_of_session(keep_session) if keep_session else None
    with db.atomic():
        Space.update(session_epoch=Space.session_epoch + 1).where(Space.id == space_id).execute()
        reason = PASSWORD_CHANGED if keep_session else PASSWORD_RESET
        return Ended(end_sessions(space_id, now, reason, except_session=keep_session),
                     forget_devices(space_id, except_device=keep_device))


def end_all(space_id, now, reason=ASSISTANCE):
    """Every session ended and every remembered browser forgotten (the assistance's `--tout`)."""
    with db.atomic():
        return Ended(end_sessions(space_id, now, reason), forget_devices(space_id))


def find_for_operator(space_id, public_id, now):
    """A session or a remembered browser of the space, by public id: ('session'|'device', row)."""
    row = OpenSession.get_or_none((OpenSession.public_id == (public_id or "")) & _open(space_id, now, IDLE_LIMIT))
    if row is not None:
        return "session", row
    device = Device.get_or_none((Device.public_id == (public_id or "")) & (Device.space == space_id))
    if device is not None:
        return "device", device
    raise Refused(f"Aucune session ouverte ni navigateur mémorisé « {public_id} » pour cet espace.")


def purge_expired(now, idle_limit=IDLE_LIMIT):
    """Forget sessions ended or timed out more than a day ago; returns how many went."""
    return OpenSession.delete().where(
        (OpenSession.ended_at <= now - ENDED_KEPT)
        | (OpenSession.ended_at.is_null() & ((OpenSession.last_used_at <= now - idle_limit - ENDED_KEPT)
                                             | (OpenSession.created_at <= now - ABSOLUTE_LIMIT - ENDED_KEPT)))
    ).execute()


# The holder's actions on « Sécurité de mon espace »: each is told (history, e-mail) as an event
# whose `what` is the sentence the page shows. Each returns that sentence.
def holder_forgets_browser(space_id, public_id, now):
    return _told("browser_forgotten", space_id, now, browser_forgotten_text(forget_device(space_id, public_id)))


def holder_closes_session(space_id, public_id, now, current):
    return _told("session_closed", space_id, now,
                 session_closed_text(end_session(space_id, public_id, now, current=current)))


def holder_closes_other_sessions(space_id, now, current):
    return _told("other_sessions_closed", space_id, now,
                 others_closed_text(sign_out_everywhere_else(space_id, now, current).sessions))


# The assistance's actions (`flask … sessions`): the holder is told of them as of their own.
def assistance_ends_everything(space_id, now):
    return _told("all_sessions_closed_by_assistance", space_id, now, all_ended_text(end_all(space_id, now)))


def assistance_ends(space_id, public_id, now):
    """Close the session or forget the remembered browser of that public id."""
    kind, row = find_for_operator(space_id, public_id, now)
    if kind == "session":
        end_session(space_id, public_id, now, ASSISTANCE)
        return _told("session_closed_by_assistance", space_id, now, session_closed_text(row))
    forget_device(space_id, public_id)
    return _told("browser_forgotten_by_assistance", space_id, now, browser_forgotten_text(row))


def _told(kind, space_id, now, what):
    emit(kind, space_id, now, what=what)
    return what


# What the holder is told (page, e-mail) after each action; the operator's command says the same.
def browser_forgotten_text(device):
    return (f"Le navigateur mémorisé « {agent_label(device.browser, device.system)} » a été oublié : "
            "le code de confirmation sera demandé à sa prochaine connexion.")


def session_closed_text(row):
    return (f"La session ouverte sur « {agent_label(row.browser, row.system)} » a été fermée : "
            "ce navigateur devra se connecter de nouveau.")


def others_closed_text(count):
    return (f"{count} autre{'s' if count > 1 else ''} session{'s' if count > 1 else ''} "
            f"{'ont' if count > 1 else 'a'} été fermée{'s' if count > 1 else ''} : seule celle-ci reste "
            "ouverte. Votre mot de passe et vos navigateurs mémorisés n'ont pas changé.")


def all_ended_text(ended):
    return (f"L'assistance a fermé toutes les sessions de votre espace ({ended.sessions}) et oublié tous "
            f"ses navigateurs mémorisés ({ended.browsers}).")

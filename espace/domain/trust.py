"""The trust answers' per-space lock, shared by every procedure that asks them.

EP 4 asks the certificate space's three answers, EP 6 the space's one question: both spend
the same budget (MAX_ANSWER_FAILURES, then ANSWER_LOCK), counted in the database, and say
the same things in the same words, singular or plural.
"""
from datetime import timedelta

from ..models import Space
from .clock import french_datetime
from .errors import Refused
from .events import emit
from .throttle import Locked, Throttle

MAX_ANSWER_FAILURES = 5
ANSWER_LOCK = timedelta(hours=1)
ANSWER_THROTTLE = Throttle(Space.failed_answer_count, Space.answers_locked_until,
                           MAX_ANSWER_FAILURES, ANSWER_LOCK)


def lock_message(until, one_question=False):
    what = ("la réponse à la question de confiance de cet espace ne peut plus être vérifiée"
            if one_question else
            "les réponses aux questions de confiance de cet espace ne peuvent plus être vérifiées")
    return (f"Par sécurité, {what} pour le moment, après {MAX_ANSWER_FAILURES} essais infructueux. "
            f"Vous pourrez réessayer {french_datetime(until)} (heure de Paris).")


def wrong_message(left, one_question=False):
    what = ("La réponse saisie ne correspond pas à celle enregistrée" if one_question else
            "Les réponses saisies ne correspondent pas à celles enregistrées")
    return (f"{what} pour cet espace. Il vous reste {left} essai{'s' if left > 1 else ''} "
            "avant un blocage temporaire.")


def check_under_lock(space_id, now, matches, one_question=False, field=None, failed_event="answers_failed"):
    """Spend one try, then `matches()`; True, or the refusal: tries left, or the lock and its end.

    The try is taken before the check, so parallel guesses cannot all slip in. The history gets
    each wrong answer (the fifth included) and one line when the lock starts; attempts refused
    during the lock check nothing and add nothing.
    """
    try:
        attempt = ANSWER_THROTTLE.spend(space_id, now)
    except Locked as locked:
        raise Refused(lock_message(locked.until, one_question), field)
    if matches():
        ANSWER_THROTTLE.reset(space_id)
        return True
    emit(failed_event, space_id, now)
    if attempt >= MAX_ANSWER_FAILURES:
        until = ANSWER_THROTTLE.lock_now(space_id, now)
        emit("answers_locked", space_id, now)
        raise Refused(lock_message(until, one_question), field, event="answers_locked")
    raise Refused(wrong_message(MAX_ANSWER_FAILURES - attempt, one_question), field, event=failed_event)

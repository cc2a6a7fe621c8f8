"""Step 1 and 2: recognise a certificate space by its number and three trust answers."""
import json
import re
import unicodedata
from datetime import date, timedelta

from ..models import ACCESS_PASSWORD, LegacyTrustAnswer, Prepared, Space, db
from .errors import Refused
from .events import emit
from .trust import ANSWER_LOCK, ANSWER_THROTTLE, MAX_ANSWER_FAILURES, check_under_lock, lock_message  # noqa: F401

NUMBER_DIGITS = 14
NUMBER_RE = re.compile(f"[0-9]{{{NUMBER_DIGITS}}}")  # ASCII digits only: \d also matches other scripts
NUMBER_UNKNOWN = "Aucun espace professionnel ne correspond à ce numéro d'abonné. Vérifiez votre saisie."
ALREADY_PASSWORD = (
    "Cet espace est déjà accessible avec une adresse électronique et un mot de passe : "
    "connectez-vous depuis la page « Connexion à mon espace professionnel »."
)


def clean_number(raw):
    """Spaces are tolerated (people copy '2010 167 0101919'); anything else is not."""
    return re.sub(r"\s+", "", raw or "")


def is_valid_number(number):
    return bool(NUMBER_RE.fullmatch(number))


def creation_date_of(number):
    """Year (4) + day of year (3) + sequence (7): 20101670101919 → 16 June 2010."""
    year, day = int(number[:4]), int(number[4:7])
    return date(year, 1, 1) + timedelta(days=day - 1)


def find_certificate_space(number):
    """The certificate space to convert, or a refusal saying why not."""
    space = Space.by_number(number)
    if space is None:
        raise Refused(NUMBER_UNKNOWN, "number")
    if space.access_mode == ACCESS_PASSWORD:
        raise Refused(ALREADY_PASSWORD, "number")
    return space


def candidate(space_id):
    """The space EP 4 identifies, by the id its first step kept (its questions, its answers)."""
    return Space.get_by_id(space_id)


def start_conversion(number, now):
    """Step 1 of EP 4: the certificate space of this number, its history told the procedure began."""
    space = find_certificate_space(number)
    emit("procedure_started", space.id, now)
    return space


# Asked on every request of a step of EP 4: only what it needs, its SQL built once.
_ACCESS_MODE = Prepared(lambda param: Space.select(Space.id, Space.access_mode).where(Space.id == param))


def conversion_refusal(space_id):
    """Why the procedure can no longer convert this space (read again from the database), or None."""
    space = _ACCESS_MODE.first(space_id)
    if space is None:
        return NUMBER_UNKNOWN
    if space.access_mode == ACCESS_PASSWORD:
        return ALREADY_PASSWORD
    return None


def fold_trust_answer(text):
    """The form a trust answer is hashed and compared in: « Pêche » = « peche » = « PECHE »
    (no case, no accents, single spaces)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def joined_answers(answers):
    """The three normalised answers as one secret; JSON, so no answer can run into the next."""
    return json.dumps([fold_trust_answer(a) for a in answers], ensure_ascii=False)


def hash_answers(answers, hasher):
    """One bcrypt hash of the three answers, in the order of their questions."""
    return hasher.hash_long(joined_answers(answers))


def legacy_answers_of(space):
    """The certificate space's three trust questions and their hashes, in the order asked."""
    return space.legacy_answers_in_order()


def questions_of(space):
    return [a.question for a in legacy_answers_of(space)]


def verify_trust_answers(space, answers, hasher, now):
    """All three must match; never say which one was wrong; attempts counted in the database.

    A space converted meanwhile (another browser) has no answers left to check: said, not counted."""
    if space.access_mode == ACCESS_PASSWORD:
        raise Refused(ALREADY_PASSWORD)

    def matches():
        if space.legacy_answers_hash:
            # One hash for the three: nothing can tell which answer was wrong.
            return hasher.check_long(joined_answers(answers), space.legacy_answers_hash)
        return _check_each_answer(space, answers, hasher)

    check_under_lock(space.id, now, matches)
    if not space.legacy_answers_hash:
        _hash_together(space, answers, hasher)
    emit("identified", space.id, now)
    return True


def _check_each_answer(space, answers, hasher):
    """Spaces imported before migration 0003: one hash per answer."""
    stored = legacy_answers_of(space)
    # Check all of them, always: the time taken does not tell which one failed.
    results = [hasher.check(fold_trust_answer(given), a.answer_hash) for a, given in zip(stored, answers)]
    return len(results) == 3 and all(results)


def _hash_together(space, answers, hasher):
    """After a success with per-answer hashes (the only time the clear answers are known):
    store the combined hash and forget the separate ones, which are easier to guess one by one."""
    with db.atomic():
        Space.update(legacy_answers_hash=hash_answers(answers, hasher)).where(Space.id == space.id).execute()
        LegacyTrustAnswer.update(answer_hash=None).where(LegacyTrustAnswer.space == space.id).execute()

"""Rules of steps 1 and 2: the subscriber number and the three trust answers."""
from datetime import date, datetime, timedelta

import pytest

from conftest import BERNARD, LILA
from espace.domain import identity
from espace.domain.errors import Refused
from espace.domain.hashing import Hasher
from espace.domain.identity import (
    MAX_ANSWER_FAILURES,
    clean_number,
    creation_date_of,
    find_certificate_space,
    is_valid_number,
    fold_trust_answer,
    verify_trust_answers,
)
from espace.domain.legacy import import_spaces
from espace.models import LegacyTrustAnswer, Space


@pytest.mark.parametrize("raw, valid", [
    ("20101670101919", True),
    ("2010 167 0101919", True),
    ("2010167010191", False),
    ("201016701019190", False),
    ("2010167010191a", False),
    ("２０１０１６７０１０１９１９", False),  # full-width digits are not digits here
    ("", False),
])
def test_subscriber_number_is_exactly_14_digits(raw, valid):
    assert is_valid_number(clean_number(raw)) is valid


@pytest.mark.parametrize("number, created", [
    ("20101670101919", date(2010, 6, 16)),
    ("20232330000101", date(2023, 8, 21)),
])
def test_subscriber_number_tells_its_creation_date(number, created):
    assert creation_date_of(number) == created


@pytest.mark.parametrize("given", ["Pêche", "peche", "PECHE", "  pêche ", "PÊCHE"])
def test_answers_ignore_case_accents_and_surplus_spaces(given):
    assert fold_trust_answer(given) == "peche"


def test_answers_collapse_inner_spaces():
    assert fold_trust_answer("Saint   Étienne") == fold_trust_answer("saint etienne")


def test_unknown_number_is_refused(dbc):
    with pytest.raises(Refused, match="Aucun espace professionnel"):
        find_certificate_space("20990010000000")


def test_the_candidate_is_the_space_its_first_step_found(dbc):
    found = find_certificate_space(LILA)
    candidate = identity.candidate(found.id)
    assert (candidate.id, candidate.subscriber_number) == (found.id, LILA)


def test_space_already_on_password_is_refused(dbc):
    with pytest.raises(Refused, match="déjà accessible"):
        find_certificate_space(BERNARD)


@pytest.fixture
def lila(dbc):
    return Space.by_number(LILA)


NOW = datetime(2026, 11, 27, 10, 0, 0)


def test_all_three_answers_must_match(lila):
    hasher = Hasher(4)
    assert verify_trust_answers(lila, ["laurence", "RUGBY", "Rénault"], hasher, NOW)
    with pytest.raises(Refused) as refused:
        verify_trust_answers(lila, ["Laurence", "Rugby", "Peugeot"], hasher, NOW)
    # The message never says which one was wrong.
    assert "n° 3" not in refused.value.message and "Peugeot" not in refused.value.message


def test_failures_are_counted_in_the_database_then_locked(lila):
    hasher = Hasher(4)
    for attempt in range(1, MAX_ANSWER_FAILURES):
        with pytest.raises(Refused, match="Il vous reste"):
            verify_trust_answers(lila, ["x", "y", "z"], hasher, NOW)
        assert Space.get_by_id(lila.id).failed_answer_count == attempt
    with pytest.raises(Refused, match="réessayer le 27/11/2026 à 12h00"):
        verify_trust_answers(lila, ["x", "y", "z"], hasher, NOW)
    # Even the right answers wait for the end of the lock…
    with pytest.raises(Refused, match="réessayer"):
        verify_trust_answers(lila, ["Laurence", "Rugby", "Renault"], hasher, NOW + timedelta(minutes=59))
    # …and are accepted after it.
    assert verify_trust_answers(lila, ["Laurence", "Rugby", "Renault"], hasher, NOW + timedelta(hours=1, seconds=1))
    assert Space.get_by_id(lila.id).failed_answer_count == 0


def test_success_resets_the_failure_count(lila):
    hasher = Hasher(4)
    with pytest.raises(Refused):
        verify_trust_answers(lila, ["x", "y", "z"], hasher, NOW)
    verify_trust_answers(lila, ["Laurence", "Rugby", "Renault"], hasher, NOW)
    assert Space.get_by_id(lila.id).failed_answer_count == 0


def test_trust_answers_are_never_stored_in_clear(lila):
    assert lila.legacy_answers_hash.startswith("$2b$")
    assert "laurence" not in lila.legacy_answers_hash.lower()
    assert all(stored.answer_hash is None for stored in lila.legacy_answers)


class CountingBcrypt:
    """Counts bcrypt operations (hashes and checks) made by espace.domain.hashing."""

    def __init__(self, monkeypatch):
        import bcrypt

        from espace.domain import hashing

        self.count = 0
        for name in ("hashpw", "checkpw"):
            monkeypatch.setattr(hashing.bcrypt, name, self.counting(getattr(bcrypt, name)))

    def counting(self, real):
        def counted(*args):
            self.count += 1
            return real(*args)
        return counted


@pytest.mark.parametrize("answers, accepted", [
    (["Laurence", "Rugby", "Renault"], True),
    (["Laurence", "Rugby", "Peugeot"], False),
    (["x", "y", "z"], False),
])
def test_the_three_answers_cost_one_bcrypt_operation(lila, monkeypatch, answers, accepted):
    hasher = Hasher(4)
    bcrypt_operations = CountingBcrypt(monkeypatch)
    if accepted:
        assert verify_trust_answers(lila, answers, hasher, NOW)
    else:
        with pytest.raises(Refused, match="ne correspondent pas"):
            verify_trust_answers(lila, answers, hasher, NOW)
    assert bcrypt_operations.count == 1


def long_answers_space(hasher, third):
    """Answers whose normalised total is far beyond bcrypt's 72 bytes."""
    import_spaces([{"subscriber_number": "20200010000099", "last_name": "LONG", "first_name": "Réponses",
                    "answers": [{"question": "Q1 ?", "answer": "a" * 60}, {"question": "Q2 ?", "answer": "b" * 60},
                                {"question": "Q3 ?", "answer": third}]}], hasher)
    return Space.by_number("20200010000099")


def test_long_answers_are_never_truncated(dbc):
    """bcrypt ignores what lies beyond 72 bytes: the third answer would not count without the pre-hash."""
    hasher = Hasher(4)
    space = long_answers_space(hasher, "Renault")
    with pytest.raises(Refused):
        verify_trust_answers(space, ["a" * 60, "b" * 60, "Peugeot"], hasher, NOW)
    assert verify_trust_answers(space, ["a" * 60, "b" * 60, "renault"], hasher, NOW)


def test_answers_do_not_run_into_each_other(dbc):
    hasher = Hasher(4)
    space = long_answers_space(hasher, "c")
    with pytest.raises(Refused):
        verify_trust_answers(space, ["a" * 60, "b" * 59, "bc"], hasher, NOW)


def per_answer_space(dbc, hasher):
    """Lila as imported before migration 0003: one bcrypt hash per answer, no combined hash."""
    lila = Space.by_number(LILA)
    Space.update(legacy_answers_hash=None).where(Space.id == lila.id).execute()
    for stored, answer in zip(sorted(lila.legacy_answers, key=lambda a: a.position), ["laurence", "rugby", "renault"]):
        LegacyTrustAnswer.update(answer_hash=hasher.hash(answer)).where(LegacyTrustAnswer.id == stored.id).execute()
    return Space.get_by_id(lila.id)


def test_per_answer_hashes_still_open_the_space_then_are_hashed_together(dbc, monkeypatch):
    hasher = Hasher(4)
    lila = per_answer_space(dbc, hasher)
    with pytest.raises(Refused, match="ne correspondent pas"):
        verify_trust_answers(lila, ["Laurence", "Rugby", "Peugeot"], hasher, NOW)
    assert Space.get_by_id(lila.id).legacy_answers_hash is None  # a failure changes nothing

    assert verify_trust_answers(lila, ["Laurence", "Rugby", "Renault"], hasher, NOW)
    migrated = Space.get_by_id(lila.id)
    assert migrated.legacy_answers_hash.startswith("$2b$")
    assert all(stored.answer_hash is None for stored in migrated.legacy_answers)

    bcrypt_operations = CountingBcrypt(monkeypatch)
    assert verify_trust_answers(migrated, ["LAURENCE", "rugby ", "Renault"], hasher, NOW)
    with pytest.raises(Refused, match="ne correspondent pas"):
        verify_trust_answers(migrated, ["Laurence", "Rugby", "Peugeot"], hasher, NOW)
    assert bcrypt_operations.count == 2


def test_parallel_guesses_cannot_exceed_the_limit(lila):
    """Attempts are taken before checking: 20 guesses at once get at most 5 checks."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from espace.models import db

    checks = []
    lock = threading.Lock()

    class CountingHasher(Hasher):
        def check_long(self, secret, hashed):
            with lock:
                checks.append(secret)
            return super().check_long(secret, hashed)

    hasher = CountingHasher(4)
    barrier = threading.Barrier(20)

    def guess(i):
        barrier.wait()
        with db.connection_context():
            try:
                verify_trust_answers(lila, [f"guess{i}", "y", "z"], hasher, NOW)
            except Refused as refused:
                return refused.message

    with ThreadPoolExecutor(20) as pool:
        messages = list(pool.map(guess, range(20)))
    assert len(checks) <= MAX_ANSWER_FAILURES
    assert sum("réessayer" in m for m in messages) >= 20 - MAX_ANSWER_FAILURES
    assert Space.get_by_id(lila.id).answers_locked_until is not None


@pytest.mark.parametrize("number, message", [
    ("20990010000000", "Aucun espace professionnel ne correspond à ce numéro d'abonné. Vérifiez votre saisie."),
    (BERNARD, "Cet espace est déjà accessible avec une adresse électronique et un mot de passe : "
              "connectez-vous depuis la page « Connexion à mon espace professionnel »."),
])
def test_refusals_of_the_number_say_why_next_to_the_field(dbc, number, message):
    with pytest.raises(Refused) as refusal:
        find_certificate_space(number)
    assert refusal.value.message == message and refusal.value.field == "number"


def test_the_certificate_space_is_found_by_its_number(dbc):
    assert find_certificate_space(LILA).last_name == "ROSEMONDE"


@pytest.mark.parametrize("raw, cleaned", [("2010 167\t0101919\n", "20101670101919"), (None, ""), ("a-b", "a-b")])
def test_only_spaces_are_taken_out_of_a_number(raw, cleaned):
    assert clean_number(raw) == cleaned


@pytest.mark.parametrize("raw, folded", [("Saint   Étienne ", "saint etienne"), (None, ""), ("Straße", "strasse"),
                                         ("ﬁlle", "fille")])
def test_the_folded_form_of_an_answer(raw, folded):
    assert fold_trust_answer(raw) == folded


def test_the_messages_count_the_attempts_left_then_say_when_to_retry(lila):
    hasher = Hasher(4)
    messages = []
    for _ in range(MAX_ANSWER_FAILURES):
        with pytest.raises(Refused) as refusal:
            verify_trust_answers(lila, ["Laurence", "Rugby", "Peugeot"], hasher, NOW)
        assert refusal.value.field is None
        messages.append(refusal.value.message)
    wrong = "Les réponses saisies ne correspondent pas à celles enregistrées pour cet espace. "
    assert messages[:4] == [wrong + f"Il vous reste {n} essai{'s' if n > 1 else ''} avant un blocage temporaire."
                            for n in (4, 3, 2, 1)]
    assert messages[4] == (
        "Par sécurité, les réponses aux questions de confiance de cet espace ne peuvent plus être vérifiées "
        "pour le moment, après 5 essais infructueux. Vous pourrez réessayer le 27/11/2026 à 12h00 (heure de Paris).")
    space = Space.get_by_id(lila.id)
    assert space.failed_answer_count == 0 and space.answers_locked_until == NOW + timedelta(hours=1)
    assert MAX_ANSWER_FAILURES == 5


def test_two_answers_are_not_enough(lila):
    with pytest.raises(Refused):
        verify_trust_answers(lila, ["Laurence", "Rugby"], Hasher(4), NOW)


def test_starting_the_procedure_finds_the_space_and_tells_its_history(dbc, told):
    from espace.domain.identity import start_conversion

    space = start_conversion(LILA, NOW)
    assert space.subscriber_number == LILA
    assert [(e.kind, e.space_id, e.at) for e in told] == [("procedure_started", space.id, NOW)]
    for number in ("20990010000000", BERNARD):
        with pytest.raises(Refused):
            start_conversion(number, NOW)
    assert len(told) == 1  # a refused number has no space to tell


def test_the_precondition_of_each_step_is_read_again(lila):
    from espace.domain.identity import ALREADY_PASSWORD, NUMBER_UNKNOWN, conversion_refusal

    assert conversion_refusal(lila.id) is None
    assert conversion_refusal(Space.by_number(BERNARD).id) == ALREADY_PASSWORD
    assert conversion_refusal(10 ** 9) == NUMBER_UNKNOWN


def test_the_questions_are_asked_in_their_order(lila):
    from espace.domain.identity import questions_of

    positions = {a.question: a.position for a in LegacyTrustAnswer.select().where(LegacyTrustAnswer.space == lila.id)}
    asked = questions_of(lila)
    assert len(asked) == 3 and [positions[q] for q in asked] == sorted(positions.values())
    # Stored in another order, still asked by position.
    mine = LegacyTrustAnswer.space == lila.id
    LegacyTrustAnswer.update(position=LegacyTrustAnswer.position + 10).where(mine).execute()  # (space, position) is unique
    LegacyTrustAnswer.update(position=14 - LegacyTrustAnswer.position).where(mine).execute()
    assert questions_of(Space.by_number(LILA)) == list(reversed(asked))

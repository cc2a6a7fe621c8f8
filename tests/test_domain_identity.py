"""Rules of steps 1 and 2: the subscriber number and the three trust answers."""
from datetime import date, datetime, timedelta

import pytest

from conftest import BERNARD, LILA
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
from espace.models import Space


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
    for stored in lila.legacy_answers:
        assert stored.answer_hash.startswith("$2b$")
        assert "laurence" not in stored.answer_hash.lower()


def test_parallel_guesses_cannot_exceed_the_limit(lila):
    """Attempts are taken before checking: 20 guesses at once get at most 5 checks."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from espace.models import db

    checks = []
    lock = threading.Lock()

    class CountingHasher(Hasher):
        def check(self, secret, hashed):
            with lock:
                checks.append(secret)
            return super().check(secret, hashed)

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
    assert len(checks) // 3 <= MAX_ANSWER_FAILURES
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

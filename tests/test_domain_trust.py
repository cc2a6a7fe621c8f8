"""espace.domain.trust: one lock for the trust answers of EP 4 and the question of EP 6, said in
the words of each (one question, or three answers)."""
from datetime import datetime, timedelta

import pytest

from espace.domain import trust
from espace.domain.errors import Refused
from espace.models import Space

NOW = datetime(2026, 11, 27, 10, 0, 0)  # 11h00 in Paris


def refusal(space_id, matches, **kwargs):
    with pytest.raises(Refused) as caught:
        trust.check_under_lock(space_id, NOW, lambda: matches, **kwargs)
    return caught.value


def test_one_question_is_spoken_of_in_the_singular(dbc):
    space = Space.by_number("20150830040707")
    first = refusal(space.id, False, one_question=True, field="answer", failed_event="reset_answer_failed")
    assert first.message == ("La réponse saisie ne correspond pas à celle enregistrée pour cet espace. "
                             "Il vous reste 4 essais avant un blocage temporaire.")
    assert (first.field, first.event) == ("answer", "reset_answer_failed")
    for _ in range(trust.MAX_ANSWER_FAILURES - 2):
        refusal(space.id, False, one_question=True)
    locked = refusal(space.id, False, one_question=True)
    assert locked.message.startswith("Par sécurité, la réponse à la question de confiance de cet espace ne peut "
                                     "plus être vérifiée pour le moment")
    assert "le 27/11/2026 à 12h00" in locked.message and locked.event == "answers_locked"


def test_three_answers_in_the_plural_and_the_same_budget(dbc):
    space = Space.by_number("20101670101919")
    assert refusal(space.id, False, one_question=True).message.endswith("Il vous reste 4 essais avant un blocage temporaire.")
    plural = refusal(space.id, False)
    assert plural.message.startswith("Les réponses saisies ne correspondent pas à celles enregistrées")
    assert plural.message.endswith("Il vous reste 3 essais avant un blocage temporaire.")
    assert trust.check_under_lock(space.id, NOW, lambda: True) is True
    assert Space.get_by_id(space.id).failed_answer_count == 0
    assert (trust.MAX_ANSWER_FAILURES, trust.ANSWER_LOCK) == (5, timedelta(hours=1))


def test_a_locked_space_is_refused_before_the_check(dbc):
    space = Space.by_number("20101670101919")
    Space.update(answers_locked_until=NOW + timedelta(minutes=5)).where(Space.id == space.id).execute()
    checked = []
    with pytest.raises(Refused) as caught:
        trust.check_under_lock(space.id, NOW, lambda: checked.append(1) or True)
    assert checked == [] and caught.value.event is None  # the lock's line is written once, when it starts
    assert "les réponses aux questions de confiance de cet espace ne peuvent plus" in caught.value.message

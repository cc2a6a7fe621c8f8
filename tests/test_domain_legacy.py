"""Import of certificate spaces from the legacy system: every record checked, all or nothing."""
from datetime import date

import pytest

from espace.domain.errors import Refused
from espace.domain.hashing import Hasher
from espace.domain.identity import fold_trust_answer, joined_answers
from espace.domain.legacy import check_record, import_spaces
from espace.models import ACCESS_CERTIFICATE, Dossier, LegacyTrustAnswer, Service, Space

ANSWERS = [{"question": "Votre hobby ?", "answer": "Pêche"},
           {"question": "Votre sport préféré ?", "answer": "Rugby"},
           {"question": "La marque de votre première voiture ?", "answer": "Renault"}]


def record(**changes):
    base = {"subscriber_number": "2020 001 0000001", "last_name": "MARTIN", "first_name": "Anne",
            "answers": ANSWERS}
    return {**base, **changes}


@pytest.mark.parametrize("changes, reason", [
    ({}, None),
    ({"last_name": ""}, "fiche 2 : champ(s) manquant(s) last_name"),
    ({"first_name": None, "answers": []}, "fiche 2 : champ(s) manquant(s) first_name, answers"),
    ({"subscriber_number": 2020001000000}, "fiche 2 : le numéro d'abonné doit comporter 14 chiffres"),
    ({"answers": ANSWERS[:2]}, "fiche 2 : il faut exactement 3 questions de confiance avec leur réponse"),
    ({"answers": ANSWERS + ANSWERS[:1]}, "fiche 2 : il faut exactement 3 questions de confiance avec leur réponse"),
    ({"answers": ANSWERS[:2] + [{"question": "Q ?", "answer": ""}]},
     "fiche 2 : il faut exactement 3 questions de confiance avec leur réponse"),
    ({"answers": ANSWERS[:2] + [{"question": "", "answer": "x"}]},
     "fiche 2 : il faut exactement 3 questions de confiance avec leur réponse"),
])
def test_each_record_is_checked(changes, reason):
    assert check_record(2, record(**changes)) == reason


def test_a_bad_record_refuses_the_whole_file(dbc):
    with pytest.raises(Refused) as refusal:
        import_spaces([record(), record(last_name=""), record(answers=[])], Hasher(4))
    assert refusal.value.message == ("fiche 2 : champ(s) manquant(s) last_name; "
                                     "fiche 3 : champ(s) manquant(s) answers")
    assert Space.by_number("20200010000001") is None


def test_new_spaces_are_created_with_hashed_answers_and_known_ones_skipped(dbc):
    hasher = Hasher(4)
    full = record(phone="0123456789", contact_email="anne@example.fr", address="1 rue A\n75001 PARIS",
                  certificate_number="C1", certificate_authority="CN=IGC", certificate_expires_on="2016-11-26",
                  dossiers=[{"siren": "412345670", "name": "MARTIN SARL"}], services=["Payer TVA", "Déclarer TVA"])
    known = record(subscriber_number="20101670101919")
    bare = record(subscriber_number="20200010000002")
    assert import_spaces([full, known, bare], hasher) == (2, 1)
    space = Space.by_number("20200010000001")
    assert (space.last_name, space.first_name, space.phone, space.contact_email) == (
        "MARTIN", "Anne", "0123456789", "anne@example.fr")
    assert (space.address, space.postcode, space.city) == ("1 rue A", "75001", "PARIS")
    assert space.access_mode == ACCESS_CERTIFICATE and space.certificate_number == "C1"
    assert space.certificate_authority == "CN=IGC" and space.certificate_expires_on == date(2016, 11, 26)
    answers = sorted(space.legacy_answers, key=lambda a: a.position)
    assert [(a.position, a.question) for a in answers] == [(1, "Votre hobby ?"), (2, "Votre sport préféré ?"),
                                                          (3, "La marque de votre première voiture ?")]
    # One hash of the three answers, none per answer.
    assert all(a.answer_hash is None for a in answers)
    assert hasher.check_long(joined_answers([a["answer"] for a in full["answers"]]), space.legacy_answers_hash)
    assert [(d.siren, d.name) for d in Dossier.select().where(Dossier.space == space)] == [("412345670", "MARTIN SARL")]
    assert sorted(s.name for s in Service.select().where(Service.space == space)) == ["Déclarer TVA", "Payer TVA"]
    other = Space.by_number("20200010000002")
    assert (other.phone, other.contact_email, other.address, other.certificate_expires_on) == ("", "", "", None)
    assert Space.by_number("20101670101919").last_name == "ROSEMONDE"  # the known one untouched
    assert LegacyTrustAnswer.select().where(LegacyTrustAnswer.space == other).count() == 3

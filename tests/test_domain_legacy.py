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


def test_every_bad_record_is_named_with_every_reason(dbc):
    with pytest.raises(Refused) as refusal:
        import_spaces([record(), record(last_name="", subscriber_number="1"), record(answers=[])], Hasher(4))
    assert refusal.value.message == ("fiche 2 : champ(s) manquant(s) last_name ; "
                                     "le numéro d'abonné doit comporter 14 chiffres; "
                                     "fiche 3 : champ(s) manquant(s) answers")


def test_a_bad_record_after_many_batches_rolls_everything_back(dbc, monkeypatch):
    import espace.domain.legacy as legacy

    monkeypatch.setattr(legacy, "BATCH", 7)
    good = [record(subscriber_number=f"2020001{i:07d}") for i in range(30)]
    with pytest.raises(Refused, match="^fiche 31 : "):
        import_spaces(iter(good + [record(first_name="")]), Hasher(4))
    assert Space.select().count() == 3  # the demo spaces only
    assert import_spaces(iter(good), Hasher(4)) == (30, 0)
    assert LegacyTrustAnswer.select().count() == 3 * 30 + 3 * 2


def test_the_same_number_twice_in_one_import_is_created_once(dbc, monkeypatch):
    import espace.domain.legacy as legacy

    monkeypatch.setattr(legacy, "BATCH", 2)
    numbers = ["20200010000001", "2020 0010000001", "20200010000002", "20200010000001", "20101670101919"]
    assert import_spaces([record(subscriber_number=n) for n in numbers], Hasher(4)) == (2, 3)


def test_a_record_with_many_dossiers_is_written_in_batches(dbc, monkeypatch):
    import espace.domain.legacy as legacy

    monkeypatch.setattr(legacy, "BATCH", 3)
    dossiers = [{"siren": f"{i:09d}", "name": f"SOCIETE {i}"} for i in range(10)]
    assert import_spaces([record(dossiers=dossiers, services=[f"S{i}" for i in range(7)])], Hasher(4)) == (1, 0)
    space = Space.by_number("20200010000001")
    assert space.dossiers.count() == 10 and space.services.count() == 7


def test_more_bad_records_than_can_be_named_are_counted(dbc):
    from espace.domain.legacy import SHOWN_PROBLEMS

    with pytest.raises(Refused) as refusal:
        import_spaces([record(last_name="")] * (SHOWN_PROBLEMS + 5), Hasher(4))
    assert refusal.value.message.count("fiche ") == SHOWN_PROBLEMS
    assert refusal.value.message.endswith("; et 5 autre(s)")


# Whatever the file holds: the record is refused with reasons, or it is stored as it was read.
# On PostgreSQL (TEST_DATABASE_URL) this also proves that no accepted value overflows a column.
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

KNOWN_HOSTILE = ["\ud800", "a\x00b", "\x1b[2J", "1 rue A 75001 " + "B" * 40, "1 rue A\n75001 " + "ﬀ" * 20,
                 "x" * 101, "Ǆ" * 100, "2021-02-30", "é" * 100, "\u202e", "", "1 rue A 75001 " + "ǅ" * 32]
HOSTILE = st.one_of(
    st.text(max_size=120),
    st.text(st.characters(codec=None, categories=["Cc", "Cf", "Cs", "Zl", "Zp", "Co"]), max_size=5),
    st.sampled_from(KNOWN_HOSTILE))
FIELDS = ["last_name", "first_name", "phone", "contact_email", "address", "certificate_number",
          "certificate_authority", "certificate_expires_on", "question", "answer", "dossier", "service"]


def hostile_examples(test):
    """Every known hostile value in the address (split into columns), the worst two in every field."""
    from hypothesis import example

    for field, value in [("address", v) for v in KNOWN_HOSTILE] + [
            (f, v) for f in FIELDS for v in ("\ud800", "Ǆ" * 101)]:
        test = example(field=field, value=value)(test)
    return test


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=HOSTILE)
@hostile_examples
def test_a_record_is_refused_with_reasons_or_stored_as_read(dbc, field, value):
    from espace.domain.legacy_files import row_problems
    from espace.models import db

    answers = [dict(a) for a in ANSWERS]
    candidate = record(answers=answers)
    if field in ("question", "answer"):
        answers[0][field] = value
    elif field == "dossier":
        candidate["dossiers"] = [{"siren": "412345670", "name": value}]
    elif field == "service":
        candidate["services"] = [value]
    else:
        candidate[field] = value
    problems = row_problems(candidate)
    with db.atomic() as transaction:
        if problems:
            with pytest.raises(Refused):
                import_spaces([candidate], Hasher(4))
        else:
            assert import_spaces([candidate], Hasher(4)) == (1, 0)
            space = Space.by_number("20200010000001")
            assert (space.last_name, space.first_name) == (candidate["last_name"], candidate["first_name"])
            assert [a.question for a in space.legacy_answers.order_by(LegacyTrustAnswer.position)] == \
                [a["question"] for a in answers]
        transaction.rollback()

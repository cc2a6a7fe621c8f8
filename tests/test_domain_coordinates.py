"""EP 3 rules: French telephone numbers, the postal address (AFNOR), its split, the trust question."""
from datetime import datetime, timedelta

import pytest
from conftest import BERNARD, BERNARD_PASSWORD, LILA

from espace.config import DEV_ENCRYPTION_KEY
from espace.domain import coordinates
from espace.domain.activation import TRUST_QUESTIONS
from espace.domain.crypto import Encryptor
from espace.domain.errors import Refused
from espace.domain.hashing import Hasher
from espace.domain.signin_password import MAX_LOGIN_FAILURES
from espace.models import Space

NOW = datetime(2030, 1, 15, 10, 0)


@pytest.mark.parametrize("raw, stored", [
    ("01 23 45 67 89", "0123456789"),
    ("0123456789", "0123456789"),
    ("01.23.45.67.89", "0123456789"),
    ("01-23-45-67-89", "0123456789"),
    ("+33 1 23 45 67 89", "0123456789"),
    ("+33123456789", "0123456789"),
    ("+33 (0)1 23 45 67 89", "0123456789"),
    ("+33(0)123456789", "0123456789"),
    ("0033 6 12 34 56 78", "0612345678"),
    ("+33.9.87.65.43.21", "0987654321"),
    ("  02 33 47 67 96  ", "0233476796"),
    ("", ""),
    ("   ", ""),
    (None, ""),
])
def test_french_numbers_are_stored_as_ten_digits(raw, stored):
    assert coordinates.normalise_phone(raw) == stored
    assert coordinates.phone_problem(raw) is None


@pytest.mark.parametrize("raw", [
    "01 23 45 67", "01234567890", "1234567890", "0023456789", "+33 0 12 34 56 78", "+33 01 23 45 67 89",
    "+44 20 7946 0958", "+331234567", "01  23 45 67 89", "01 23 45 67 89-", "01/23/45/67/89",
    "0800-FLEURS", "٠١٢٣٤٥٦٧٨٩", "(01) 23 45 67 89", "+33 (0) 1 23 45 67 89 x", "33 1 23 45 67 89",
])
def test_anything_else_is_refused_with_the_formats_to_use(raw):
    assert coordinates.normalise_phone(raw) is None
    assert coordinates.phone_problem(raw) == coordinates.PHONE_PROBLEM


def test_refused_numbers_and_the_length_limit():
    assert coordinates.phone_problem("01 23 45 67") == coordinates.PHONE_PROBLEM
    assert "01 23 45 67 89 ou +33 1 23 45 67 89" in coordinates.PHONE_PROBLEM
    padded = "+33 (0)1 23 45 67 89"
    assert coordinates.phone_problem(padded) is None
    # Within the pattern but over 30 characters: refused before any parsing.
    assert coordinates.phone_problem(" " * 11 + padded) == coordinates.PHONE_PROBLEM
    assert coordinates.phone_problem(" " * 10 + padded) is None


@pytest.mark.parametrize("phone, shown", [
    ("0123456789", "01 23 45 67 89"), ("", ""), (None, ""), ("012345678", "012345678"), ("01234567890", "01234567890"),
])
def test_numbers_are_shown_in_pairs(phone, shown):
    assert coordinates.display_phone(phone) == shown


def test_address_lines_are_tidied():
    assert coordinates.address_lines("  12,  rue de Longchamp \n\n  Bât. B  \n") == ["12, rue de Longchamp", "Bât. B"]
    assert coordinates.address_lines(None) == []


@pytest.mark.parametrize("lines, message", [
    ("12, rue de Longchamp", None),
    ("x" * 38, None),
    ("a\nb\nc\nd", None),
    ("a\n\n\n\nb\nc\nd\n", None),  # empty lines do not count
    ("", "Saisissez le numéro et la voie de votre adresse professionnelle."),
    (" \n ", "Saisissez le numéro et la voie de votre adresse professionnelle."),
    ("x" * 39, f"La ligne 1 de l'adresse (« {'x' * 38}… ») compte 39 caractères : chaque ligne ne doit pas dépasser 38 caractères."),
    ("ok\n" + "x" * 39, f"La ligne 2 de l'adresse (« {'x' * 38}… ») compte 39 caractères : chaque ligne ne doit pas dépasser 38 caractères."),
    ("a\nb\nc\nd\ne", "L'adresse ne doit pas dépasser 4 lignes (hors code postal et ville)."),
    ("12 rue\x07 de Longchamp", "L'adresse contient un caractère non imprimable."),
    ("ok\n12 rue\u200b", "L'adresse contient un caractère non imprimable."),
])
def test_address_lines_rules(lines, message):
    assert coordinates.lines_problem(lines) == message


@pytest.mark.parametrize("postcode, ok", [
    ("75016", True), (" 75016 ", True), ("2A004", False), ("7501", False), ("750166", False), ("", False),
    (None, False), ("７５０１６", False), ("75 016", False),
])
def test_postcode_is_five_digits(postcode, ok):
    problem = coordinates.postcode_problem(postcode)
    assert (problem is None) is ok
    if not ok:
        assert problem == "Le code postal doit comporter exactement 5 chiffres, par exemple 75016."


@pytest.mark.parametrize("city, normalised", [
    ("Paris", "PARIS"), ("  saint-étienne ", "SAINT-ETIENNE"), ("L'Haÿ-les-Roses", "L'HAY-LES-ROSES"),
    ("Cœuvres-et-Valsery", "COEUVRES-ET-VALSERY"), ("Cæsar", "CAESAR"), ("paris   cedex  16", "PARIS CEDEX 16"),
    (None, ""),
])
def test_city_in_capitals_without_accents(city, normalised):
    assert coordinates.normalise_city(city) == normalised


@pytest.mark.parametrize("city, message", [
    ("Paris", None),
    ("X" * 32, None),
    ("", "Saisissez la ville."),
    ("  ", "Saisissez la ville."),
    ("X" * 33, "La ville ne doit pas dépasser 32 caractères."),
    ("Paris <b>", "La ville ne peut contenir que des lettres, des chiffres, des espaces, des traits d'union et des apostrophes."),
    ("-Paris", "La ville ne peut contenir que des lettres, des chiffres, des espaces, des traits d'union et des apostrophes."),
    ("Paris--Nord", "La ville ne peut contenir que des lettres, des chiffres, des espaces, des traits d'union et des apostrophes."),
])
def test_city_rules(city, message):
    assert coordinates.city_problem(city) == message


@pytest.mark.parametrize("text, lines, postcode, city", [
    ("12, rue de Longchamp 75016 PARIS FRANCE", "12, rue de Longchamp", "75016", "PARIS"),
    ("12, rue de Longchamp\n75016 PARIS\nFRANCE", "12, rue de Longchamp", "75016", "PARIS"),
    ("12, rue de Longchamp, 75016 Paris", "12, rue de Longchamp", "75016", "PARIS"),
    ("Impasse X, 75016 PARIS", "Impasse X", "75016", "PARIS"),
    ("Boulevard Eugène Cornuché\n14800 DEAUVILLE\nFrance", "Boulevard Eugène Cornuché", "14800", "DEAUVILLE"),
    ("BP 12345 75016 Paris cedex 16", "BP 12345", "75016", "PARIS CEDEX 16"),
    ("75016 PARIS", "", "75016", "PARIS"),
    ("3 rue X\nBât B\n42000 Saint-Étienne", "3 rue X\nBât B", "42000", "SAINT-ETIENNE"),
    ("12 rue X 7501 PARIS", "12 rue X 7501 PARIS", "", ""),  # no 5-digit postcode: kept whole
    ("Lieu-dit Le Bourg", "Lieu-dit Le Bourg", "", ""),
    ("12 rue X\n75016 PARIS\nCEDEX", "12 rue X\n75016 PARIS\nCEDEX", "", ""),
    ("12 rue X 123456 PARIS", "12 rue X 123456 PARIS", "", ""),
    ("12 rue X 75016", "12 rue X 75016", "", ""),
    ("  \n ", "", "", ""),
    (None, "", "", ""),
])
def test_one_block_addresses_are_split_keeping_what_cannot_be_parsed(text, lines, postcode, city):
    assert coordinates.split_address(text) == {"address": lines, "postcode": postcode, "city": city}


def test_the_address_block_ends_with_postcode_city_and_france(dbc):
    space = Space(address="12, rue de Longchamp\n\nBât. B", postcode="75016", city="PARIS")
    assert space.address_block == ["12, rue de Longchamp", "Bât. B", "75016 PARIS", "FRANCE"]
    assert Space(address="", postcode="", city="").address_block == []
    assert Space(address="Lieu-dit", postcode="", city="").address_block == ["Lieu-dit"]


def bernard():
    return Space.by_number(BERNARD)


def test_change_coordinates_stores_normalised_values(dbc):
    lila = Space.by_number(LILA)
    assert coordinates.change_coordinates(bernard().id, "+33 2 33 47 67 96", " 4, quai de la Marine \n\n Bât. B",
                                          " 50100 ", "cherbourg-en-cotentin") is True
    space = bernard()
    assert (space.phone, space.address, space.postcode, space.city) == (
        "0233476796", "4, quai de la Marine\nBât. B", "50100", "CHERBOURG-EN-COTENTIN")
    after = Space.by_number(LILA)
    assert (after.phone, after.address, after.city) == (lila.phone, lila.address, lila.city)  # only this space
    # The same values again, typed differently: nothing changes.
    assert coordinates.change_coordinates(space.id, "02.33.47.67.96", "4, quai de la Marine\nBât. B",
                                          "50100", "Cherbourg-en-Cotentin") is False
    assert coordinates.change_coordinates(space.id, "", "4, quai de la Marine\nBât. B", "50100",
                                          "CHERBOURG-EN-COTENTIN") is True
    assert bernard().phone == ""


@pytest.mark.parametrize("field, values", [
    ("phone", ("01 23", "1 rue A", "75016", "PARIS")),
    ("address", ("0123456789", "", "75016", "PARIS")),
    ("postcode", ("0123456789", "1 rue A", "7501", "PARIS")),
    ("city", ("0123456789", "1 rue A", "75016", "")),
])
def test_change_coordinates_checks_every_rule_again(dbc, field, values):
    before = bernard()
    with pytest.raises(Refused) as refused:
        coordinates.change_coordinates(before.id, *values)
    assert refused.value.field == field and refused.value.message
    after = bernard()
    assert (after.phone, after.address, after.postcode, after.city) == (
        before.phone, before.address, before.postcode, before.city)


HASHER = Hasher(4)
ENCRYPTOR = Encryptor([DEV_ENCRYPTION_KEY])


def test_trust_question_change_encrypts_the_answer(dbc):
    coordinates.change_trust_question(bernard().id, "Votre sport préféré ?", "  Voile  ", BERNARD_PASSWORD,
                                      HASHER, ENCRYPTOR, NOW)
    space = bernard()
    assert space.trust_question == "Votre sport préféré ?"
    assert ENCRYPTOR.decrypt(space.trust_answer_encrypted) == "Voile"
    assert Space.by_number(LILA).trust_question is None  # only this space
    assert b"Voile" not in bytes(space.trust_answer_encrypted)


@pytest.mark.parametrize("question, answer, password, field, message", [
    ("Quel est votre film ?", "Voile", BERNARD_PASSWORD, "question", "Choisissez une question de confiance dans la liste."),
    (TRUST_QUESTIONS[0], "   ", BERNARD_PASSWORD, "answer", "Saisissez la réponse à la question de confiance."),
    (TRUST_QUESTIONS[0], None, BERNARD_PASSWORD, "answer", "Saisissez la réponse à la question de confiance."),
    (TRUST_QUESTIONS[0], "x" * 101, BERNARD_PASSWORD, "answer", "La réponse ne doit pas dépasser 100 caractères."),
    (TRUST_QUESTIONS[0], "Voile", "Mauvais2026MotDePasseXX", "current_password", "Le mot de passe actuel est incorrect."),
])
def test_trust_question_refusals_change_nothing(dbc, question, answer, password, field, message):
    with pytest.raises(Refused) as refused:
        coordinates.change_trust_question(bernard().id, question, answer, password, HASHER, ENCRYPTOR, NOW)
    assert (refused.value.field, refused.value.message) == (field, message)
    space = bernard()
    assert space.trust_question == "Votre hobby ?" and ENCRYPTOR.decrypt(space.trust_answer_encrypted) == "pêche"


def test_a_locked_space_keeps_its_question(dbc):
    Space.update(login_locked_until=NOW + timedelta(minutes=1)).where(Space.id == bernard().id).execute()
    with pytest.raises(Refused, match="réessayer"):
        coordinates.change_trust_question(bernard().id, TRUST_QUESTIONS[0], "Voile", BERNARD_PASSWORD,
                                          HASHER, ENCRYPTOR, NOW)
    assert bernard().trust_question == "Votre hobby ?"


def test_an_answer_of_exactly_100_characters_is_accepted(dbc):
    coordinates.change_trust_question(bernard().id, TRUST_QUESTIONS[0], "x" * 100, BERNARD_PASSWORD,
                                      HASHER, ENCRYPTOR, NOW)
    assert ENCRYPTOR.decrypt(bernard().trust_answer_encrypted) == "x" * 100


def test_a_rule_refused_before_the_password_spends_no_attempt(dbc):
    with pytest.raises(Refused):
        coordinates.change_trust_question(bernard().id, "?", "Voile", "faux", HASHER, ENCRYPTOR, NOW)
    assert bernard().failed_login_count == 0
    with pytest.raises(Refused):
        coordinates.change_trust_question(bernard().id, TRUST_QUESTIONS[0], "Voile", "faux", HASHER, ENCRYPTOR, NOW)
    assert bernard().failed_login_count == 1
    assert MAX_LOGIN_FAILURES == 10

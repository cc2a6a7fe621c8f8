"""Rules of step 3: the connection address and the password."""
import pytest

from espace.domain.credentials import email_problem, normalise_email, password_problem, password_strength
from espace.domain.hashing import Hasher

GOOD = "Longchamp2023Rosemonde"
INVALID = "Saisissez une adresse électronique valide, au format utilisateur@domaine.fr."
NO_DIGIT_OR_LETTER = "Le mot de passe doit comporter au moins une lettre et au moins un chiffre."
NOT_PRINTABLE = "Le mot de passe ne doit contenir ni caractère accentué ni caractère spécial non imprimable."


@pytest.mark.parametrize("email, message", [
    ("lila.rosemonde@orange.fr", None),
    ("LILA.Rosemonde@Orange.FR", None),
    ("", "Saisissez votre adresse électronique."),
    ("lila.rosemonde", INVALID),
    ("lila@", INVALID),
    ("lila rosemonde@orange.fr", INVALID),
    ("  LILA@orange.fr  ", None),  # compared without case or surrounding spaces
    ("a" * 91 + "@orange.fr", "L'adresse électronique ne doit pas dépasser 100 caractères."),
    ("<script>@x.fr", INVALID),
    (None, "Saisissez votre adresse électronique."),
])
def test_email_must_be_valid_and_at_most_100_characters(email, message):
    problem = email_problem(email)
    if message is None:
        assert problem is None
    else:
        assert problem == message


def test_email_of_exactly_100_characters_is_accepted():
    email = "a" * 64 + "@" + "b" * 32 + ".fr"
    assert len(email) == 100
    assert email_problem(email) is None


@pytest.mark.parametrize("password, message", [
    (GOOD, None),
    ("1tvmq2t1'A1tvmq2t1'A", None),  # the seed's own technique, punctuation allowed
    ("", "Saisissez un mot de passe."),
    ("Longchamp2023Rosemond", None),  # 21
    ("Longchamp2023Rosemo", "Le mot de passe doit comporter 20 caractères au minimum."),  # 19
    ("Longchamp2023Rosemon", None),  # exactly 20
    ("LongchampRosemondeLongchamp", NO_DIGIT_OR_LETTER),
    ("longchamprosemondelongchamp", NO_DIGIT_OR_LETTER),
    ("LONGCHAMPROSEMONDE2023", None),
    ("20232023202320232023", NO_DIGIT_OR_LETTER),
    ("2023202320232023202!", NO_DIGIT_OR_LETTER),
    ("Longchamp 2023 Rosemonde", "Le mot de passe ne doit pas contenir d'espace."),
    ("Longchamp2023Rosémonde", NOT_PRINTABLE),
    ("Longchamp2023Rosemonde\x00", NOT_PRINTABLE),
    ("Longchamp2023Rosemonde\t", "Le mot de passe ne doit pas contenir d'espace."),
    ("a1" * 36, None),  # 72 bytes: bcrypt's limit, accepted
    ("a1" * 36 + "b", "Le mot de passe ne doit pas dépasser 72 caractères."),  # refused, never truncated
])
def test_password_rules(password, message):
    problem = password_problem(password)
    if message is None:
        assert problem is None
    else:
        assert problem == message


def test_bcrypt_never_truncates_silently():
    hasher = Hasher(4)
    with pytest.raises(ValueError):
        hasher.hash("a1" * 36 + "b")
    hashed = hasher.hash("a1" * 36)
    assert hasher.check("a1" * 36, hashed)
    # A longer secret sharing the first 72 bytes must not pass.
    assert not hasher.check("a1" * 36 + "zz", hashed)


def test_password_is_stored_as_a_bcrypt_hash():
    hashed = Hasher(4).hash(GOOD)
    assert hashed.startswith("$2b$04$") and GOOD not in hashed


def test_strength_grows_with_variety_and_length():
    assert password_strength("short1") == 0
    weak = password_strength("abcdefghijklmnopqrs1")
    strong = password_strength("Abcdefghijklmnopqrs1!xyzABCDEF123")
    assert 1 <= weak < strong <= 4


@pytest.mark.parametrize("password, level", [
    ("court1", 0), (None, 0),
    ("abcdefghijklmnopqrs1", 1),  # 20, two kinds
    ("ABCDEFGHIJKLMNOPQRS1", 1),
    ("Abcdefghijklmnopqrs1", 2),  # three kinds
    ("abcdefghijklmnopqr1!", 2),  # lower, digit, punctuation
    ("ABCDEFGHIJKLMNOPQR1!", 2),
    ("abcdefghijklmnopqrstuv12", 2),  # 24, two kinds
    ("abcdefghijklmnopqrstu12", 1),  # 23
    ("Abcdefghijklmnopqrstuv12", 3),  # 24, three kinds
    ("Abcdefghijklmnopqrstuvwxyz12xx", 3),  # 30, three kinds
    ("Abcdefghijklmnopqrstuvwxyz1!x", 3),  # 29, four kinds
    ("Abcdefghijklmnopqrstuvwxyz12!x", 4),  # 30, four kinds
    ("Abcdefghijklmnopqrstuvwxyz12!xAbcdefghij", 4),  # never above 4
])
def test_strength_levels(password, level):
    assert password_strength(password) == level


@pytest.mark.parametrize("raw, email", [("  Lila@Orange.FR ", "lila@orange.fr"), (None, ""), ("", "")])
def test_addresses_are_compared_without_case_or_surrounding_spaces(raw, email):
    assert normalise_email(raw) == email

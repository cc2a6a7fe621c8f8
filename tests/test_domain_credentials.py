"""Rules of step 3: the connection address and the password."""
import pytest

from espace.domain.credentials import email_problem, password_problem, password_strength
from espace.domain.hashing import Hasher

GOOD = "Longchamp2023Rosemonde"


@pytest.mark.parametrize("email, message", [
    ("lila.rosemonde@orange.fr", None),
    ("LILA.Rosemonde@Orange.FR", None),
    ("", "Saisissez votre adresse électronique."),
    ("lila.rosemonde", "Saisissez une adresse électronique valide"),
    ("lila@", "Saisissez une adresse électronique valide"),
    ("lila rosemonde@orange.fr", "Saisissez une adresse électronique valide"),
    ("a" * 91 + "@orange.fr", "ne doit pas dépasser 100 caractères"),
    ("<script>@x.fr", "Saisissez une adresse électronique valide"),
])
def test_email_must_be_valid_and_at_most_100_characters(email, message):
    problem = email_problem(email)
    if message is None:
        assert problem is None
    else:
        assert message in problem


def test_email_of_exactly_100_characters_is_accepted():
    email = "a" * 64 + "@" + "b" * 32 + ".fr"
    assert len(email) == 100
    assert email_problem(email) is None


@pytest.mark.parametrize("password, message", [
    (GOOD, None),
    ("1tvmq2t1'A1tvmq2t1'A", None),  # the seed's own technique, punctuation allowed
    ("", "Saisissez un mot de passe."),
    ("Longchamp2023Rosemond", None),  # 21
    ("Longchamp2023Rosemo", "20 caractères au minimum"),  # 19
    ("Longchamp2023Rosemon", None),  # exactly 20
    ("LongchampRosemondeLongchamp", "au moins une lettre et au moins un chiffre"),
    ("20232023202320232023", "au moins une lettre et au moins un chiffre"),
    ("Longchamp 2023 Rosemonde", "ne doit pas contenir d'espace"),
    ("Longchamp2023Rosémonde", "ni caractère accentué"),
    ("Longchamp2023Rosemonde\x00", "ni caractère accentué"),
    ("Longchamp2023Rosemonde\t", "ne doit pas contenir d'espace"),
    ("a1" * 36, None),  # 72 bytes: bcrypt's limit, accepted
    ("a1" * 36 + "b", "ne doit pas dépasser 72 caractères"),  # refused, never truncated
])
def test_password_rules(password, message):
    problem = password_problem(password)
    if message is None:
        assert problem is None
    else:
        assert message in problem


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

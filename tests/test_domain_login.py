"""Login: the space these credentials open, or one generic refusal that costs the same."""
from datetime import datetime, timedelta

import pytest

from conftest import BERNARD, BERNARD_PASSWORD
from espace.domain.errors import Refused
from espace.domain.hashing import Hasher
from espace.domain.login import LOGIN_FAILED, LOGIN_LOCK, MAX_LOGIN_FAILURES, authenticate
from espace.models import Space

NOW = datetime(2026, 11, 27, 10, 0, 0)


class CountingHasher(Hasher):
    """A real hasher that counts the bcrypt checks it makes."""

    def __init__(self):
        super().__init__(4)
        self.checks = 0

    def check(self, secret, hashed):
        self.checks += 1
        return super().check(secret, hashed)

    def waste_time(self):
        self.checks += 1
        super().waste_time()


def refused(email, password, hasher, now=NOW):
    with pytest.raises(Refused) as refusal:
        authenticate(email, password, hasher, now)
    return refusal.value


def test_the_right_credentials_open_the_space(dbc):
    space = authenticate(" TOTO321@toto.toto ", BERNARD_PASSWORD, Hasher(4), NOW)
    assert space.subscriber_number == BERNARD


@pytest.mark.parametrize("email, password", [
    ("toto321@toto.toto", "Mauvais2015PecheEnMer"),
    ("inconnu@example.fr", BERNARD_PASSWORD),
    ("lila.rosemonde@orange.fr", BERNARD_PASSWORD),  # a certificate space has no login
    ("toto321@toto.toto", None),
])
def test_any_failure_is_the_one_refusal_at_the_cost_of_one_check(dbc, email, password):
    hasher = CountingHasher()
    refusal = refused(email, password, hasher)
    assert refusal.message == LOGIN_FAILED == "Adresse électronique ou mot de passe incorrect."
    assert refusal.field is None and hasher.checks == 1


def test_a_certificate_space_with_a_login_address_cannot_log_in(dbc):
    Space.update(login_email="lila.pro@example.fr", password_hash=Hasher(4).hash(BERNARD_PASSWORD)).where(
        Space.subscriber_number == "20101670101919").execute()
    assert refused("lila.pro@example.fr", BERNARD_PASSWORD, CountingHasher()).message == LOGIN_FAILED


def test_failures_lock_the_space_then_the_lock_ends(dbc):
    hasher = CountingHasher()
    for _ in range(MAX_LOGIN_FAILURES):
        refused("toto321@toto.toto", "Mauvais2015PecheEnMer", hasher)
    assert Space.by_number(BERNARD).failed_login_count == MAX_LOGIN_FAILURES
    hasher.checks = 0
    assert refused("toto321@toto.toto", BERNARD_PASSWORD, hasher).message == LOGIN_FAILED
    assert hasher.checks == 1  # locked: one wasted check, the same cost as a wrong password
    assert Space.by_number(BERNARD).login_locked_until == NOW + LOGIN_LOCK
    assert LOGIN_LOCK == timedelta(minutes=15) and MAX_LOGIN_FAILURES == 10
    later = NOW + LOGIN_LOCK + timedelta(seconds=1)
    assert authenticate("toto321@toto.toto", BERNARD_PASSWORD, hasher, later).subscriber_number == BERNARD
    space = Space.by_number(BERNARD)
    assert space.failed_login_count == 0 and space.login_locked_until is None


def test_failures_and_locks_touch_only_their_own_space(dbc):
    hasher = Hasher(4)
    other = Space.by_number("20101670101919")
    Space.update(failed_login_count=3).where(Space.id == other.id).execute()
    for _ in range(MAX_LOGIN_FAILURES + 1):
        refused("toto321@toto.toto", "Mauvais2015PecheEnMer", hasher)
    authenticate("toto321@toto.toto", BERNARD_PASSWORD, hasher, NOW + LOGIN_LOCK + timedelta(seconds=1))
    untouched = Space.get_by_id(other.id)
    assert (untouched.failed_login_count, untouched.login_locked_until) == (3, None)
    assert Space.select().where(Space.login_locked_until.is_null(False)).count() == 0

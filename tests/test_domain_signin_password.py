"""Login: the space these credentials open, or one generic refusal that costs the same."""
from datetime import datetime, timedelta

import pytest

from conftest import BERNARD, BERNARD_PASSWORD
from espace.domain.errors import Refused
from espace.domain.hashing import Hasher
from espace.domain.signin_password import (CAPTCHA_NEEDED, CAPTCHA_PERIOD, LOGIN_FAILED, LOGIN_WINDOW, MAX_LOGIN_FAILURES,
                                 CaptchaNeeded, authenticate, captcha_needed_until, purge_expired)
from espace.models import LoginFailure, Space

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


def fail(email, hasher, now=NOW, **kwargs):
    with pytest.raises(Refused) as refusal:
        authenticate(email, "Mauvais2015PecheEnMer", hasher, now, **kwargs)
    return refusal.value


@pytest.mark.parametrize("email", ["toto321@toto.toto", "inconnu@example.fr"])
def test_past_the_threshold_the_captcha_is_asked_for_a_known_or_unknown_address_alike(dbc, email):
    hasher = CountingHasher()
    for attempt in range(1, MAX_LOGIN_FAILURES):
        assert fail(email, hasher).message == LOGIN_FAILED
    crossing = fail(email, hasher)
    assert isinstance(crossing, CaptchaNeeded) and crossing.until == NOW + CAPTCHA_PERIOD
    assert crossing.message == CAPTCHA_NEEDED.format(when="le 27/11/2026 à 11h15")
    # The same words for either address: nothing tells whether it opens a space.
    hasher.checks = 0
    without = refused(email, BERNARD_PASSWORD, hasher, NOW + timedelta(minutes=1))
    assert isinstance(without, CaptchaNeeded) and without.message == crossing.message
    assert hasher.checks == 1  # one wasted check: the same cost as a wrong password
    assert (MAX_LOGIN_FAILURES, LOGIN_WINDOW, CAPTCHA_PERIOD) == (10, timedelta(minutes=15), timedelta(minutes=15))


def test_the_holder_signs_in_with_the_captcha_during_the_period_and_the_counter_goes(dbc):
    hasher = Hasher(4)
    for _ in range(MAX_LOGIN_FAILURES):
        fail("toto321@toto.toto", hasher)
    assert captcha_needed_until("toto321@toto.toto", NOW) == NOW + CAPTCHA_PERIOD
    space = authenticate("toto321@toto.toto", BERNARD_PASSWORD, hasher, NOW, captcha_passed=True)
    assert space.subscriber_number == BERNARD
    assert captcha_needed_until("toto321@toto.toto", NOW) is None and LoginFailure.select().count() == 0


def test_a_strangers_hundred_failures_never_lock_out_the_holder(dbc):
    hasher = Hasher(4)
    for _ in range(100):
        fail("toto321@toto.toto", hasher, captcha_passed=True)  # even a stranger who solves every captcha
    assert captcha_needed_until("toto321@toto.toto", NOW) is not None
    # A browser the holder remembered is not even asked for the captcha…
    space = authenticate("toto321@toto.toto", BERNARD_PASSWORD, hasher, NOW, remembered=lambda s: s.id == space_id())
    assert space.subscriber_number == BERNARD


def test_a_remembered_browser_signing_in_leaves_the_strangers_captcha_in_place(dbc):
    """Found by the three-day browser walk: the holder's remembered office signing in wiped the
    address's counter, so the stranger beside him had ten fresh guesses without the captcha."""
    hasher = Hasher(4)
    for _ in range(MAX_LOGIN_FAILURES):
        fail("toto321@toto.toto", hasher)
    until = captcha_needed_until("toto321@toto.toto", NOW)
    assert until == NOW + CAPTCHA_PERIOD
    authenticate("toto321@toto.toto", BERNARD_PASSWORD, hasher, NOW, remembered=lambda s: s.id == space_id())
    assert captcha_needed_until("toto321@toto.toto", NOW) == until
    with pytest.raises(CaptchaNeeded):
        authenticate("toto321@toto.toto", "Devine2026Devine2026", hasher, NOW)


def test_another_browser_of_the_holder_gets_in_with_the_captcha_after_a_hundred_failures(dbc):
    hasher = Hasher(4)
    for _ in range(100):
        fail("toto321@toto.toto", hasher, captcha_passed=True)
    assert authenticate("toto321@toto.toto", BERNARD_PASSWORD, hasher, NOW, captcha_passed=True).id == space_id()


def test_a_remembered_browser_of_another_space_gets_no_pass(dbc):
    hasher = Hasher(4)
    for _ in range(MAX_LOGIN_FAILURES):
        fail("toto321@toto.toto", hasher)
    with pytest.raises(CaptchaNeeded):
        authenticate("toto321@toto.toto", BERNARD_PASSWORD, hasher, NOW, remembered=lambda s: s.id != space_id())


def test_without_the_captcha_nothing_is_counted_and_the_crossing_is_told_once(dbc):
    hasher = Hasher(4)
    for _ in range(MAX_LOGIN_FAILURES - 1):
        fail("toto321@toto.toto", hasher)
    crossing = fail("toto321@toto.toto", hasher)
    assert crossing.started and crossing.event == "signin_throttled" and crossing.space_id == space_id()
    for _ in range(3):
        assert not fail("toto321@toto.toto", hasher).started  # refused before any password check
    assert LoginFailure.get().failures == 0
    later = fail("toto321@toto.toto", hasher, captcha_passed=True)  # a wrong password with the captcha
    assert isinstance(later, CaptchaNeeded) and not later.started and later.event == "signin_failed"
    assert LoginFailure.get().failures == 1


def test_the_captcha_period_ends(dbc):
    hasher = Hasher(4)
    for _ in range(MAX_LOGIN_FAILURES):
        fail("toto321@toto.toto", hasher)
    end = NOW + CAPTCHA_PERIOD
    assert captcha_needed_until("toto321@toto.toto", end - timedelta(seconds=1)) == end
    assert captcha_needed_until("toto321@toto.toto", end) is None
    assert authenticate("toto321@toto.toto", BERNARD_PASSWORD, hasher, end).id == space_id()


def test_failures_are_counted_within_the_window(dbc):
    hasher = Hasher(4)
    for _ in range(MAX_LOGIN_FAILURES - 1):
        fail("toto321@toto.toto", hasher)
    after = NOW + LOGIN_WINDOW
    assert fail("toto321@toto.toto", hasher, after).message == LOGIN_FAILED  # a new window: 1 failure
    assert LoginFailure.get().failures == 1


def test_failures_touch_only_their_own_address_and_keep_no_address(dbc):
    hasher = Hasher(4)
    for _ in range(MAX_LOGIN_FAILURES):
        fail("toto321@toto.toto", hasher)
    assert captcha_needed_until("autre@example.fr", NOW) is None
    assert captcha_needed_until(" TOTO321@toto.toto ", NOW) is not None  # as addresses are compared
    assert "toto" not in LoginFailure.get().address_hash
    assert authenticate("toto321@toto.toto", BERNARD_PASSWORD, hasher, NOW, captcha_passed=True)


def test_purge_forgets_counters_whose_window_and_captcha_are_over(dbc):
    hasher = Hasher(4)
    fail("a@example.fr", hasher)
    for _ in range(MAX_LOGIN_FAILURES):
        fail("b@example.fr", hasher, NOW + timedelta(minutes=5))  # its captcha runs to 10h20
    assert purge_expired(NOW + LOGIN_WINDOW - timedelta(seconds=1)) == 0
    assert purge_expired(NOW + LOGIN_WINDOW) == 1
    assert purge_expired(NOW + timedelta(minutes=5) + CAPTCHA_PERIOD) == 1 and LoginFailure.select().count() == 0


def space_id():
    return Space.by_number(BERNARD).id


def test_the_domain_tells_each_failure_of_a_known_space_itself(dbc):
    """No view writes the history: authenticate emits the events its subscribers record
    (espace/events.py), once per failure, and the crossing of the threshold once."""
    from espace.domain.events import space_event

    told = []
    space_event.connect(told.append, weak=False)
    try:
        hasher = Hasher(4)
        fail("inconnu@example.fr", hasher)  # an unknown address has no space to tell
        for _ in range(MAX_LOGIN_FAILURES):
            fail("toto321@toto.toto", hasher)
        fail("toto321@toto.toto", hasher)  # refused before any check: nothing happened to tell
    finally:
        space_event.disconnect(told.append)
    assert [(e.kind, e.space_id) for e in told] == \
        [("signin_failed", space_id())] * (MAX_LOGIN_FAILURES - 1) + [("signin_throttled", space_id())]


def test_no_view_nor_operator_command_writes_the_history_or_sends_a_notice_itself():
    """Each change is owned by one domain function, which emits its event (issue 16, item 2)."""
    import pathlib
    import re

    package = pathlib.Path(__file__).parent.parent.joinpath("espace")
    views = sorted(package.glob("*/routes.py")) + sorted(package.glob("*/cli.py")) + [package / "cli.py"]
    assert len(views) > 10
    for view in views:
        found = re.findall(r"\b(?:history\.record|notify_event|notify)\(|(?<![\w.])journal\(", view.read_text())
        assert not found, f"{view}: {found}"


def test_a_sign_in_and_a_sign_out_are_told_once_each(dbc, told):
    from espace.domain.signin_password import signed_in, signed_out

    signed_in(space_id(), NOW, new_browser=True)
    signed_in(space_id(), NOW, new_browser=False)
    signed_out(space_id(), NOW)
    assert [(e.kind, e.space_id, e.at, e.details) for e in told] == [
        ("signin", space_id(), NOW, {"new_browser": True}), ("signin", space_id(), NOW, {"new_browser": False}),
        ("signout", space_id(), NOW, {})]


def test_unlock_forgets_the_failures_of_the_spaces_address_only(dbc):
    from espace.domain.signin_password import unlock

    hasher = Hasher(4)
    for _ in range(MAX_LOGIN_FAILURES):
        fail("toto321@toto.toto", hasher)
    fail("inconnu@example.fr", hasher)
    assert unlock(Space.by_number(BERNARD)) == 1
    assert captcha_needed_until("toto321@toto.toto", NOW) is None and LoginFailure.select().count() == 1
    assert unlock(Space.by_number("20101670101919")) == 0  # a certificate space has no login address


def test_failures_counted_while_in_their_window_or_while_the_captcha_is_asked(dbc):
    from espace.domain.signin_password import failures_counted

    hasher = Hasher(4)
    assert not failures_counted("toto321@toto.toto", NOW)
    fail("toto321@toto.toto", hasher)
    assert failures_counted("toto321@toto.toto", NOW)
    assert failures_counted("toto321@toto.toto", NOW + LOGIN_WINDOW - timedelta(seconds=1))
    assert not failures_counted("toto321@toto.toto", NOW + LOGIN_WINDOW)
    assert not failures_counted("inconnu@example.fr", NOW)  # another address counts apart
    for _ in range(MAX_LOGIN_FAILURES - 1):
        fail("toto321@toto.toto", hasher)
    # The crossing empties the counter; the captcha period alone keeps it counted.
    assert LoginFailure.get().failures == 0
    assert failures_counted("toto321@toto.toto", NOW + CAPTCHA_PERIOD - timedelta(seconds=1))
    assert not failures_counted("toto321@toto.toto", NOW + CAPTCHA_PERIOD)


def test_a_failure_after_the_window_starts_a_new_one(dbc):
    hasher = Hasher(4)
    for _ in range(MAX_LOGIN_FAILURES - 1):
        fail("toto321@toto.toto", hasher)
    later = NOW + LOGIN_WINDOW
    assert fail("toto321@toto.toto", hasher, later).message == LOGIN_FAILED  # not the tenth: a new window
    row = LoginFailure.get()
    assert (row.failures, row.window_start, row.captcha_until) == (1, later, None)
    fail("toto321@toto.toto", hasher, later + LOGIN_WINDOW - timedelta(seconds=1))
    assert LoginFailure.get().failures == 2

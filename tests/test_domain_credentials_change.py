"""EP 5 rules: the current password under the login throttle; a new address only once confirmed."""
from datetime import datetime, timedelta

import pytest
from conftest import BERNARD, BERNARD_PASSWORD, LILA

from espace.domain import credentials_change as cc
from espace.domain.activation import CODE_LENGTH, EMAIL_TAKEN
from espace.domain.errors import DeliveryFailed, Refused
from espace.domain.hashing import Hasher, sha256_hex
from espace.domain.credentials_change import MAX_PASSWORD_CHECK_FAILURES as MAX_LOGIN_FAILURES
from espace.domain.credentials_change import PASSWORD_CHECK_LOCK as LOGIN_LOCK
from espace.models import ACCESS_PASSWORD, EXPIRED, PENDING, SUPERSEDED, USED, ActivationRequest, EmailChange, Space

NOW = datetime(2030, 1, 15, 10, 0)
HASHER = Hasher(4)
NEW = "bernard.douasbin@example.fr"
NEW_PASSWORD = "Douasbin2026PecheAuLancer"
WRONG = "Mauvais2026MotDePasseXX"


def bernard():
    return Space.by_number(BERNARD)


class Outbox:
    """`send` for the domain: remembers each (change, code)."""

    def __init__(self):
        self.sent = []

    def __call__(self, change, code):
        self.sent.append((change, code))

    @property
    def code(self):
        return self.sent[-1][1]


def request(email=NEW, password=BERNARD_PASSWORD, now=NOW, space_id=None, send=None):
    send = send or Outbox()
    change = cc.request_email_change(space_id or bernard().id, email, password, HASHER, now, send)
    return change, send.code


def second_password_space():
    """Lila, converted to e-mail + password, as a second space of the same kind."""
    Space.update(access_mode=ACCESS_PASSWORD, login_email="lila.pro@example.fr",
                 password_hash=HASHER.hash(BERNARD_PASSWORD)).where(Space.subscriber_number == LILA).execute()
    return Space.by_number(LILA)


# --- current password ---------------------------------------------------------------

def test_the_current_password_opens_and_resets_the_counter(dbc):
    Space.update(failed_login_count=3).where(Space.id == bernard().id).execute()
    assert cc.check_current_password(bernard().id, BERNARD_PASSWORD, HASHER, NOW).id == bernard().id
    assert bernard().failed_login_count == 0


@pytest.mark.parametrize("password", [WRONG, "", None, "x" * 80])
def test_a_wrong_current_password_is_counted_with_the_logins(dbc, password):
    with pytest.raises(Refused) as refused:
        cc.check_current_password(bernard().id, password, HASHER, NOW)
    assert (refused.value.message, refused.value.field) == (cc.WRONG_PASSWORD, "current_password")
    assert bernard().failed_login_count == 1


def test_past_the_login_limit_the_password_is_not_checked_and_the_time_is_said(dbc):
    for _ in range(MAX_LOGIN_FAILURES):
        with pytest.raises(Refused, match="incorrect"):
            cc.check_current_password(bernard().id, WRONG, HASHER, NOW)
    with pytest.raises(Refused) as refused:
        cc.check_current_password(bernard().id, BERNARD_PASSWORD, HASHER, NOW)
    assert refused.value.field == "current_password"
    assert refused.value.message == cc.lock_message(NOW + LOGIN_LOCK)
    assert "après 10 essais infructueux" in refused.value.message
    assert "Vous pourrez réessayer le 15/01/2030 à 11h15 (heure de Paris)." in refused.value.message
    # Still locked a second before the end, then the right password works again.
    with pytest.raises(Refused, match="réessayer"):
        cc.check_current_password(bernard().id, BERNARD_PASSWORD, HASHER, NOW + LOGIN_LOCK - timedelta(seconds=1))
    assert cc.check_current_password(bernard().id, BERNARD_PASSWORD, HASHER, NOW + LOGIN_LOCK)


# --- password -----------------------------------------------------------------------

def test_change_password_stores_a_new_hash(dbc):
    lila_hash = Space.by_number(LILA).password_hash
    space = cc.change_password(bernard().id, BERNARD_PASSWORD, NEW_PASSWORD, HASHER, NOW)
    assert Space.by_number(LILA).password_hash == lila_hash  # only this space
    assert space.id == bernard().id
    assert HASHER.check(NEW_PASSWORD, bernard().password_hash)
    assert not HASHER.check(BERNARD_PASSWORD, bernard().password_hash)
    assert NEW_PASSWORD not in bernard().password_hash


@pytest.mark.parametrize("current, new, field, message", [
    (BERNARD_PASSWORD, BERNARD_PASSWORD, "password", cc.SAME_PASSWORD),
    (BERNARD_PASSWORD, "court1", "password", "Le mot de passe doit comporter 20 caractères au minimum."),
    (BERNARD_PASSWORD, "", "password", "Saisissez un mot de passe."),
    (WRONG, NEW_PASSWORD, "current_password", cc.WRONG_PASSWORD),
])
def test_change_password_refusals_keep_the_old_one(dbc, current, new, field, message):
    with pytest.raises(Refused) as refused:
        cc.change_password(bernard().id, current, new, HASHER, NOW)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert HASHER.check(BERNARD_PASSWORD, bernard().password_hash)


def lock_bernard():
    Space.update(login_locked_until=NOW + timedelta(minutes=1)).where(Space.id == bernard().id).execute()


def test_a_locked_space_changes_nothing(dbc):
    lock_bernard()
    with pytest.raises(Refused, match="réessayer"):
        cc.change_password(bernard().id, BERNARD_PASSWORD, NEW_PASSWORD, HASHER, NOW)
    with pytest.raises(Refused, match="réessayer"):
        request()
    assert HASHER.check(BERNARD_PASSWORD, bernard().password_hash) and EmailChange.select().count() == 0


def test_a_new_password_breaking_the_rules_spends_no_attempt(dbc):
    with pytest.raises(Refused):
        cc.change_password(bernard().id, WRONG, "court1", HASHER, NOW)
    assert bernard().failed_login_count == 0


# --- e-mail -------------------------------------------------------------------------

def test_request_stores_a_hashed_code_valid_24_hours(dbc):
    outbox = Outbox()
    change, code = request(email="  Bernard.Douasbin@Example.FR ", send=outbox)
    assert outbox.sent[0][0].id == change.id  # the mail is about this change
    stored = EmailChange.get_by_id(change.id)
    assert stored.email == NEW and stored.space_id == bernard().id and stored.state == PENDING
    assert stored.code_hash == sha256_hex(code) and len(code) == CODE_LENGTH
    assert (stored.created_at, stored.expires_at) == (NOW, NOW + timedelta(hours=24))
    assert cc.CHANGE_VALIDITY == timedelta(hours=24)
    assert bernard().login_email == "toto321@toto.toto"  # nothing changes yet


def test_request_needs_the_current_password_before_anything(dbc):
    outbox = Outbox()
    with pytest.raises(Refused) as refused:
        cc.request_email_change(bernard().id, "lila.pro@example.fr", WRONG, HASHER, NOW, outbox)
    assert refused.value.message == cc.WRONG_PASSWORD and outbox.sent == []
    assert EmailChange.select().count() == 0


def test_request_refuses_the_current_address(dbc):
    with pytest.raises(Refused) as refused:
        request(email="TOTO321@toto.toto")
    assert (refused.value.message, refused.value.field) == (cc.SAME_EMAIL, "email")


def test_request_refuses_an_address_that_signs_in_elsewhere(dbc):
    second_password_space()
    with pytest.raises(Refused) as refused:
        request(email="lila.pro@example.fr")
    assert (refused.value.message, refused.value.field) == (EMAIL_TAKEN, "email")


def test_request_refuses_an_address_pending_in_another_activation(dbc):
    ActivationRequest.create(space=Space.by_number(LILA), email=NEW, code_hash="x" * 64, password_hash="h",
                             trust_question="q", trust_answer_encrypted=b"a", created_at=NOW,
                             expires_at=NOW + timedelta(hours=1))
    with pytest.raises(Refused, match="déjà associée"):
        request()
    # Once that request is past its time, the address is free.
    assert request(now=NOW + timedelta(hours=1))[0].email == NEW


def test_request_refuses_an_address_pending_in_another_spaces_change(dbc):
    lila = second_password_space()
    request(space_id=lila.id)
    with pytest.raises(Refused) as refused:
        request()
    assert refused.value.message == EMAIL_TAKEN
    # The rule itself says so (the database's unique index would only be the last word).
    assert cc.email_change_refusal(bernard(), NEW, NOW) == EMAIL_TAKEN
    assert cc.email_change_refusal(bernard(), "autre@example.fr", NOW) is None
    assert cc.email_change_refusal(lila, NEW, NOW) is None  # its own change does not block it
    assert cc.email_change_refusal(bernard(), NEW, NOW + timedelta(hours=24)) is None


def test_another_spaces_stale_change_no_longer_holds_the_address(dbc):
    lila = second_password_space()
    request(space_id=lila.id)
    change, _ = request(now=NOW + timedelta(hours=25))
    assert change.email == NEW and change.space_id == bernard().id


def test_the_same_space_asking_again_replaces_its_change(dbc):
    first, first_code = request()
    second, second_code = request(email="b.douasbin@example.fr")
    assert EmailChange.get_by_id(first.id).state == SUPERSEDED
    assert EmailChange.get_by_id(second.id).state == PENDING and first_code != second_code
    assert cc.pending_change(bernard().id, NOW).id == second.id
    # Asking again for the very same address is allowed too (the first mail may be lost).
    third, _ = request(email="b.douasbin@example.fr")
    assert EmailChange.get_by_id(second.id).state == SUPERSEDED and third.state == PENDING


def test_a_failed_delivery_keeps_nothing(dbc):
    def broken(change, code):
        raise DeliveryFailed("down")

    request()
    with pytest.raises(Refused) as refused:
        cc.request_email_change(bernard().id, "b.douasbin@example.fr", BERNARD_PASSWORD, HASHER, NOW, broken)
    assert (refused.value.message, refused.value.field) == (cc.MAIL_FAILED, "email")
    # The earlier change is still the pending one: the whole request rolled back.
    assert [c.email for c in EmailChange.select().where(EmailChange.state == PENDING)] == [NEW]


def test_stale_changes_expire_when_someone_asks(dbc):
    old, _ = request(email="b.douasbin@example.fr")
    assert cc.expire_stale_changes(NOW + timedelta(hours=24) - timedelta(seconds=1)) == 0
    assert cc.expire_stale_changes(NOW + timedelta(hours=24)) == 1
    assert EmailChange.get_by_id(old.id).state == EXPIRED


def test_pending_change_is_none_without_one_or_once_expired(dbc):
    assert cc.pending_change(bernard().id, NOW) is None
    change, _ = request()
    assert cc.pending_change(bernard().id, NOW + timedelta(hours=24) - timedelta(seconds=1)).id == change.id
    assert cc.pending_change(bernard().id, NOW + timedelta(hours=24)) is None
    assert cc.pending_change(Space.by_number(LILA).id, NOW) is None


def test_confirm_switches_the_login_address_once(dbc):
    change, code = request()
    old, space = cc.confirm_email_change(bernard().id, f" {code[:6]} {code[6:]} ", NOW + timedelta(hours=1))
    assert (old, space.login_email) == ("toto321@toto.toto", NEW)
    stored = EmailChange.get_by_id(change.id)
    assert (stored.state, stored.used_at) == (USED, NOW + timedelta(hours=1))
    with pytest.raises(Refused) as refused:
        cc.confirm_email_change(bernard().id, code, NOW + timedelta(hours=1))
    assert (refused.value.message, refused.value.field) == (cc.CODE_USED, "code")


def test_confirm_refuses_an_unknown_code_or_another_spaces_code(dbc):
    lila = second_password_space()
    _, lila_code = request(space_id=lila.id, email="lila.new@example.fr")
    for code in ("abcdefghijkl", lila_code, ""):
        with pytest.raises(Refused) as refused:
            cc.confirm_email_change(bernard().id, code, NOW)
        assert (refused.value.message, refused.value.field) == (cc.CODE_UNKNOWN, "code")
    assert Space.by_number(LILA).login_email == "lila.pro@example.fr"


def test_confirm_at_24_hours_is_too_late(dbc):
    change, code = request()
    with pytest.raises(Refused) as refused:
        cc.confirm_email_change(bernard().id, code, NOW + timedelta(hours=24))
    assert (refused.value.message, refused.value.field) == (cc.CODE_EXPIRED, "code")
    assert bernard().login_email == "toto321@toto.toto"
    assert cc.confirm_email_change(bernard().id, code, NOW + timedelta(hours=24) - timedelta(seconds=1))[1].login_email == NEW


def test_confirm_refuses_a_superseded_or_cancelled_code(dbc):
    _, first = request()
    _, second = request(email="b.douasbin@example.fr")
    with pytest.raises(Refused, match="n'est plus valable"):
        cc.confirm_email_change(bernard().id, first, NOW)
    assert cc.cancel_email_change(bernard().id, NOW) == 1
    with pytest.raises(Refused, match="n'est plus valable"):
        cc.confirm_email_change(bernard().id, second, NOW)
    assert cc.cancel_email_change(bernard().id, NOW) == 0


def test_confirm_refuses_an_address_taken_meanwhile(dbc):
    _, code = request()
    # Another space activated with that address after the request (the race the rule allows).
    Space.update(access_mode=ACCESS_PASSWORD, login_email=NEW).where(Space.subscriber_number == LILA).execute()
    with pytest.raises(Refused) as refused:
        cc.confirm_email_change(bernard().id, code, NOW)
    assert (refused.value.message, refused.value.field) == (cc.TAKEN_MEANWHILE, "code")
    assert bernard().login_email == "toto321@toto.toto"


def test_confirm_lets_the_database_refuse_a_duplicate_address(dbc, monkeypatch):
    """Taken between the check and the write: the unique index answers, not a 500."""
    _, code = request()
    monkeypatch.setattr(cc.activation, "email_refusal", lambda *args: None)
    Space.update(login_email=NEW).where(Space.subscriber_number == LILA).execute()
    with pytest.raises(Refused) as refused:
        cc.confirm_email_change(bernard().id, code, NOW)
    assert (refused.value.message, refused.value.field) == (cc.TAKEN_MEANWHILE, "code")
    assert EmailChange.get().state == PENDING  # the claim rolled back with it


def test_confirm_refuses_an_address_now_pending_in_an_activation(dbc):
    _, code = request()
    ActivationRequest.create(space=Space.by_number(LILA), email=NEW, code_hash="x" * 64, password_hash="h",
                             trust_question="q", trust_answer_encrypted=b"a", created_at=NOW,
                             expires_at=NOW + timedelta(hours=48))
    with pytest.raises(Refused, match="vient d'être associée"):
        cc.confirm_email_change(bernard().id, code, NOW + timedelta(hours=1))
    assert bernard().login_email == "toto321@toto.toto"


def test_a_confirmation_that_loses_the_race_is_told_the_code_was_used(dbc, monkeypatch):
    """Another confirmation commits between this one's check and its claim."""
    change, code = request()
    real = cc.check_change_usable

    def then_someone_else_confirms(checked, now):
        real(checked, now)
        EmailChange.update(state=USED).where(EmailChange.id == checked.id).execute()
        monkeypatch.setattr(cc, "check_change_usable", real)
        return checked

    monkeypatch.setattr(cc, "check_change_usable", then_someone_else_confirms)
    with pytest.raises(Refused) as refused:
        cc.confirm_email_change(bernard().id, code, NOW)
    assert (refused.value.message, refused.value.field) == (cc.CODE_USED, "code")
    assert bernard().login_email == "toto321@toto.toto"


def test_a_confirmation_racing_an_expiry_is_told_the_code_expired(dbc, monkeypatch):
    change, code = request()
    real = cc.check_change_usable

    def then_it_is_superseded(checked, now):
        real(checked, now)
        EmailChange.update(state=SUPERSEDED).where(EmailChange.id == checked.id).execute()
        monkeypatch.setattr(cc, "check_change_usable", real)
        return checked

    monkeypatch.setattr(cc, "check_change_usable", then_it_is_superseded)
    with pytest.raises(Refused) as refused:
        cc.confirm_email_change(bernard().id, code, NOW)
    assert (refused.value.message, refused.value.field) == (cc.CODE_EXPIRED, "code")


def test_the_database_refuses_two_pending_changes_for_one_address(dbc, monkeypatch):
    lila = second_password_space()
    request(space_id=lila.id)
    monkeypatch.setattr(cc, "email_change_refusal", lambda *args: None)
    with pytest.raises(Refused) as refused:
        request()
    assert (refused.value.message, refused.value.field) == (EMAIL_TAKEN, "email")


def test_purge_forgets_what_can_no_longer_be_confirmed(dbc):
    request(email="a.douasbin@example.fr")
    request(email="b.douasbin@example.fr")  # supersedes the first
    lila = second_password_space()
    _, code = request(space_id=lila.id, email="lila.new@example.fr")
    cc.confirm_email_change(lila.id, code, NOW)  # used
    assert cc.purge_expired(NOW) == 2
    assert [c.email for c in EmailChange.select()] == ["b.douasbin@example.fr"]
    assert cc.purge_expired(NOW + timedelta(hours=24) - timedelta(seconds=1)) == 0
    assert cc.purge_expired(NOW + timedelta(hours=24)) == 1
    assert EmailChange.select().count() == 0


# --- the notice's single-use cancel link ----------------------------------------------


def cancel_token(told):
    (event,) = [e for e in told if e.kind == "email_change_requested"]
    return event.details["cancel_token"]


def test_the_cancel_link_cancels_the_change_once_and_is_told(dbc, told):
    change, code = request()
    token = cancel_token(told)
    assert EmailChange.get_by_id(change.id).cancel_token_hash == sha256_hex(token)  # only its hash is kept
    assert cc.cancel_by_link(token, NOW + timedelta(hours=1)) == bernard().id
    stored = EmailChange.get_by_id(change.id)
    assert stored.state == SUPERSEDED and stored.cancel_token_hash is None
    assert [(e.kind, e.space_id) for e in told][-1] == ("email_change_cancelled", bernard().id)
    with pytest.raises(Refused) as refused:
        cc.cancel_by_link(token, NOW + timedelta(hours=1))
    assert refused.value.message == cc.CANCEL_LINK_DEAD
    with pytest.raises(Refused):
        cc.confirm_email_change(bernard().id, code, NOW + timedelta(hours=1))
    assert bernard().login_email == "toto321@toto.toto"


@pytest.mark.parametrize("token", ["", None, "inconnu"])
def test_an_unknown_cancel_link_cancels_nothing(dbc, told, token):
    change, _ = request()
    with pytest.raises(Refused, match="n'est plus valable"):
        cc.cancel_by_link(token, NOW)
    assert EmailChange.get_by_id(change.id).state == PENDING


def test_the_cancel_link_dies_with_the_change(dbc, told):
    change, code = request()
    token = cancel_token(told)
    with pytest.raises(Refused):
        cc.cancel_by_link(token, NOW + cc.CHANGE_VALIDITY)  # its 24 hours are over
    assert EmailChange.get_by_id(change.id).state == PENDING
    cc.confirm_email_change(bernard().id, code, NOW)
    with pytest.raises(Refused):
        cc.cancel_by_link(token, NOW)  # confirmed: nothing left to cancel
    assert EmailChange.get_by_id(change.id).state == USED

"""espace.domain.signin: the e-mailed sign-in code, remembered browsers, the purge."""
import hashlib
import hmac
from datetime import datetime, timedelta

import pytest
import time_machine
from conftest import BERNARD, LILA
from itsdangerous import URLSafeTimedSerializer

from espace.domain import security, signin
from espace.domain.errors import DeliveryFailed, Refused
from espace.domain.hashing import sha256_hex
from espace.models import PENDING, SUPERSEDED, USED, Device, SigninCode, Space

T0 = datetime(2030, 1, 15, 9, 26, 30)  # 10h26 in Paris
KEY = "test-secret"
SECOND = timedelta(seconds=1)


class Outbox:
    """Stands in for the mailer: keeps what `send` was given."""

    def __init__(self):
        self.sent = []

    def __call__(self, space, code, row):
        self.sent.append((space.id, code, row.id))

    @property
    def code(self):
        return self.sent[-1][1]


def failing_send(space, code, row):
    raise DeliveryFailed("smtp down")


@pytest.fixture
def bernard(dbc):
    return Space.by_number(BERNARD)


@pytest.fixture
def lila(dbc):
    return Space.by_number(LILA)


def codes_of(space_id):
    """The codes of one sign-in of this space, oldest first (every code of these tests is one sign-in's)."""
    return [r.id for r in SigninCode.select(SigninCode.id).where(SigninCode.space == space_id).order_by(SigninCode.id)]


def send(space, now=T0, outbox=None):
    """A code for the space's one sign-in: a resend after the first."""
    outbox = outbox or Outbox()
    signin.send_code(space, now, KEY, outbox, earlier=codes_of(space.id))
    return outbox.code


def confirm(space_id, code, now, key):
    return signin.confirm(space_id, codes_of(space_id), code, now, key)


def wrong_of(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def refusal(call):
    with pytest.raises(Refused) as caught:
        call()
    return caught.value


# --- the code ----------------------------------------------------------------------


def test_new_code_is_six_digits_from_the_whole_range(monkeypatch):
    asked = []
    monkeypatch.setattr(signin.secrets, "randbelow", lambda n: asked.append(n) or 42)
    assert signin.new_code() == "000042"
    assert asked == [1_000_000]


def test_new_codes_are_random_digits():
    codes = {signin.new_code() for _ in range(50)}
    assert len(codes) > 45 and all(len(c) == 6 and c.isdigit() for c in codes)


@pytest.mark.parametrize("raw, clean", [(" 123 456 ", "123456"), ("123456\n", "123456"), (None, ""), ("", "")])
def test_clean_code(raw, clean):
    assert signin.clean_code(raw) == clean


def test_code_digest_is_an_hmac_of_the_code_under_the_key():
    expected = hmac.new(b"test-secret", b"signin-code:123456", hashlib.sha256).hexdigest()
    assert signin.code_digest("123456", KEY) == expected == signin.code_digest("123456", b"test-secret")
    assert signin.code_digest("123456", "other") != expected
    assert signin.code_digest("123457", KEY) != expected
    assert signin.code_digest("123456", KEY) != sha256_hex("123456")


def test_send_code_stores_only_its_digest_and_sends_it(bernard):
    outbox = Outbox()
    row = signin.send_code(bernard, T0, KEY, outbox)
    stored = SigninCode.get_by_id(row.id)
    assert outbox.sent == [(bernard.id, outbox.code, row.id)]
    assert stored.code_hash == signin.code_digest(outbox.code, KEY) and outbox.code not in stored.code_hash
    assert (stored.space_id, stored.state, stored.tries) == (bernard.id, PENDING, 0)
    assert stored.created_at == T0 and stored.expires_at == T0 + timedelta(minutes=10)
    assert stored.used_at is None


def test_a_resend_supersedes_the_earlier_code_of_its_sign_in_only(bernard, lila):
    first = signin.send_code(bernard, T0, KEY, Outbox())
    elsewhere = signin.send_code(bernard, T0, KEY, Outbox())  # the same holder, another browser
    others = signin.send_code(lila, T0, KEY, Outbox())
    second = signin.send_code(bernard, T0 + SECOND, KEY, Outbox(), earlier=[first.id])
    states = {r.id: r.state for r in SigninCode.select()}
    assert states == {first.id: SUPERSEDED, elsewhere.id: PENDING, others.id: PENDING, second.id: PENDING}


def test_a_code_of_another_sign_in_of_the_same_space_opens_nothing(bernard):
    mine, theirs = Outbox(), Outbox()
    row = signin.send_code(bernard, T0, KEY, mine)
    signin.send_code(bernard, T0, KEY, theirs)
    refused = refusal(lambda: signin.confirm(bernard.id, [row.id], theirs.code, T0, KEY))
    assert refused.event == "signin_code_failed"
    assert signin.confirm(bernard.id, [row.id], mine.code, T0, KEY).id == bernard.id


def test_resends_per_sign_in_are_limited(bernard):
    ids = []
    for _ in range(signin.MAX_RESENDS + 1):
        ids.append(signin.send_code(bernard, T0, KEY, Outbox(), earlier=ids).id)
    refused = refusal(lambda: signin.send_code(bernard, T0, KEY, Outbox(), earlier=ids))
    assert (refused.message, refused.field) == (signin.TOO_MANY_RESENDS, "code")
    assert signin.MAX_RESENDS == 3 and "4 codes ont été envoyés pour cette connexion" in refused.message
    signin.send_code(bernard, T0, KEY, Outbox())  # a new sign-in (the password again) gets its code


def test_a_pending_sign_in_ends_with_its_latest_code(bernard):
    row = signin.send_code(bernard, T0, KEY, Outbox())
    assert signin.pending_signin_alive([row.id], T0 + signin.CODE_VALIDITY - SECOND)
    assert not signin.pending_signin_alive([row.id], T0 + signin.CODE_VALIDITY)
    assert not signin.pending_signin_alive([], T0)


def test_mail_failure_keeps_nothing(bernard):
    earlier = signin.send_code(bernard, T0, KEY, Outbox())
    refused = refusal(lambda: signin.send_code(bernard, T0 + SECOND, KEY, failing_send))
    assert (refused.message, refused.field) == (signin.MAIL_FAILED, "code")
    assert [(r.id, r.state) for r in SigninCode.select()] == [(earlier.id, PENDING)]


def test_a_generous_ceiling_per_space_then_the_time_of_the_next(bernard, lila):
    for minute in range(signin.MAX_CODES):
        signin.send_code(bernard, T0 + timedelta(minutes=minute), KEY, Outbox())
    refused = refusal(lambda: signin.send_code(bernard, T0 + timedelta(minutes=30), KEY, Outbox()))
    assert (refused.field, refused.event) == ("code", "signin_codes_blocked")
    # The first code went at 10h26m30s (Paris): a new one at 11h26m30s, said as 11h27.
    assert refused.message == signin.TOO_MANY_CODES.format(when="le 15/01/2030 à 11h27")
    assert SigninCode.select().count() == signin.MAX_CODES == 30
    assert signin.spaces_with_codes_blocked(T0 + timedelta(minutes=30)) == 1
    signin.send_code(lila, T0 + timedelta(minutes=30), KEY, Outbox())  # another space is not concerned
    assert signin.clear_code_block(bernard.id, T0 + timedelta(minutes=30)) == signin.MAX_CODES
    assert signin.clear_code_block(bernard.id, T0 + timedelta(minutes=30)) == 0  # nothing left to clear
    signin.send_code(bernard, T0 + timedelta(minutes=30), KEY, Outbox())


def test_past_the_ceiling_the_next_code_waits_for_enough_to_leave_the_hour(bernard):
    """More codes than the ceiling (two browsers that sent at once): a new one may go when the
    count in the hour is back under it, not when the oldest leaves."""
    for minute in range(signin.MAX_CODES + 2):
        SigninCode.create(space=bernard.id, code_hash="x", created_at=T0 + timedelta(minutes=minute),
                          expires_at=T0 + timedelta(minutes=minute + 10))
    now = T0 + timedelta(minutes=40)
    assert signin.codes_blocked_until(bernard.id, now) == T0 + timedelta(minutes=2) + signin.CODE_WINDOW
    assert signin.codes_blocked_until(bernard.id, T0 + timedelta(minutes=2) + signin.CODE_WINDOW) is None


def test_the_hour_is_counted_to_the_second(bernard):
    for _ in range(signin.MAX_CODES):
        signin.send_code(bernard, T0, KEY, Outbox())
    with pytest.raises(Refused):
        signin.send_code(bernard, T0 + timedelta(hours=1) - SECOND, KEY, Outbox())
    signin.send_code(bernard, T0 + timedelta(hours=1), KEY, Outbox())


# --- confirming ----------------------------------------------------------------------


def test_the_right_code_opens_the_space_once(bernard):
    code = send(bernard)
    assert confirm(bernard.id, code, T0 + timedelta(minutes=1), KEY).id == bernard.id
    row = SigninCode.get()
    assert (row.state, row.used_at, row.tries) == (USED, T0 + timedelta(minutes=1), 1)
    replay = refusal(lambda: confirm(bernard.id, code, T0 + timedelta(minutes=2), KEY))
    assert (replay.message, replay.field, replay.event) == (signin.CODE_DEAD, "code", None)


def test_a_code_typed_with_spaces_is_accepted(bernard):
    code = send(bernard)
    assert confirm(bernard.id, f" {code[:3]} {code[3:]} ", T0, KEY).id == bernard.id


def test_wrong_codes_say_how_many_tries_are_left(bernard):
    code = send(bernard)
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    messages = []
    for _ in range(signin.MAX_TRIES):
        refused = refusal(lambda: confirm(bernard.id, wrong, T0, KEY))
        assert (refused.field, refused.event) == ("code", "signin_code_failed")
        messages.append(refused.message)
    assert messages == [
        "Le code de confirmation est incorrect. Il vous reste 4 essais.",
        "Le code de confirmation est incorrect. Il vous reste 3 essais.",
        "Le code de confirmation est incorrect. Il vous reste 2 essais.",
        "Le code de confirmation est incorrect. Il vous reste 1 essai.",
        signin.CODE_WRONG_LAST,
    ]
    assert "Après 5 essais" in signin.CODE_WRONG_LAST
    # Five tries spent: even the right code needs a new one now, and no further try is counted.
    dead = refusal(lambda: confirm(bernard.id, code, T0, KEY))
    assert (dead.message, dead.field, dead.event) == (signin.CODE_DEAD, "code", None)
    assert SigninCode.get().tries == signin.MAX_TRIES and SigninCode.get().state == PENDING


def test_the_fifth_try_may_be_the_right_one(bernard):
    code = send(bernard)
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for _ in range(signin.MAX_TRIES - 1):
        with pytest.raises(Refused):
            confirm(bernard.id, wrong, T0, KEY)
    assert confirm(bernard.id, code, T0, KEY).id == bernard.id


def test_a_code_lives_ten_minutes_to_the_second(bernard):
    code = send(bernard)
    dead = refusal(lambda: confirm(bernard.id, code, T0 + timedelta(minutes=10), KEY))
    assert (dead.message, dead.field) == (signin.CODE_DEAD, "code") and SigninCode.get().tries == 0
    assert confirm(bernard.id, code, T0 + timedelta(minutes=10) - SECOND, KEY).id == bernard.id


def test_only_the_latest_code_counts(bernard, monkeypatch):
    codes = iter(["111111", "222222"])
    monkeypatch.setattr(signin, "new_code", lambda: next(codes))
    send(bernard)
    send(bernard, T0 + SECOND)
    refused = refusal(lambda: confirm(bernard.id, "111111", T0 + SECOND, KEY))
    # The replaced code is said so, and costs no try.
    assert (refused.message, refused.event) == (signin.CODE_REPLACED, None)
    assert SigninCode.select().order_by(SigninCode.id.desc()).first().tries == 0
    assert confirm(bernard.id, "222222", T0 + SECOND, KEY).id == bernard.id


def test_no_code_or_another_space_s_code_is_refused(bernard, lila):
    none = refusal(lambda: confirm(bernard.id, "123456", T0, KEY))
    assert (none.message, none.field, none.event) == (signin.CODE_DEAD, "code", None)
    code = send(lila)
    assert refusal(lambda: confirm(bernard.id, code, T0, KEY)).message == signin.CODE_DEAD
    assert confirm(lila.id, code, T0, KEY).id == lila.id


def test_tries_left_are_those_of_the_current_code(bernard, lila):
    send(lila)
    for _ in range(2):  # another space's code: two tries spent
        with pytest.raises(Refused):
            confirm(lila.id, "not-it", T0, KEY)
    code = send(bernard)
    refused = refusal(lambda: confirm(bernard.id, wrong_of(code), T0, KEY))
    assert refused.message.endswith("Il vous reste 4 essais.")


def test_a_code_confirmed_elsewhere_at_the_same_moment_opens_nothing(bernard, lila, monkeypatch):
    """The race a second request could win between the try and the use: single use still holds."""
    code = send(bernard)
    other = send(lila)
    genuine = signin.hmac.compare_digest

    def confirmed_meanwhile(a, b):
        SigninCode.update(state=USED).where(SigninCode.space == bernard.id).execute()
        return genuine(a, b)

    monkeypatch.setattr(signin.hmac, "compare_digest", confirmed_meanwhile)
    lost = refusal(lambda: confirm(bernard.id, code, T0, KEY))
    assert (lost.message, lost.field, lost.event) == (signin.CODE_DEAD, "code", None)
    assert SigninCode.get(SigninCode.space == lila.id).state == PENDING
    monkeypatch.setattr(signin.hmac, "compare_digest", genuine)
    assert confirm(lila.id, other, T0, KEY).id == lila.id


def test_the_key_matters(bernard):
    code = send(bernard)
    refused = refusal(lambda: confirm(bernard.id, code, T0, "another-secret"))
    assert refused.event == "signin_code_failed"


# --- remembered browsers -------------------------------------------------------------


def test_remember_device_keeps_only_a_hash_and_a_description(bernard):
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
    token = signin.remember_device(bernard, T0, firefox, "203.0.113.7")
    device = Device.get()
    assert len(token) == 43 and token != signin.remember_device(bernard, T0)  # 256 random bits
    assert device.token_hash == sha256_hex(token) and token not in device.token_hash
    assert device.public_id not in (token, device.token_hash) and len(device.public_id) >= 22
    assert (device.space_id, device.browser, device.system, device.client) == (
        bernard.id, "Firefox", "Windows", "203.0.113.x")
    assert device.created_at == device.last_used_at == T0
    assert device.expires_at == T0 + timedelta(days=183)


def test_a_remembered_device_is_recognised_and_its_use_noted(bernard):
    token = signin.remember_device(bernard, T0)
    other = signin.remember_device(bernard, T0)
    later = T0 + timedelta(days=183) - SECOND
    assert signin.recognised_device(bernard, token, later) is True
    assert Device.get(Device.token_hash == sha256_hex(token)).last_used_at == later
    assert Device.get(Device.token_hash == sha256_hex(other)).last_used_at == T0


@pytest.mark.parametrize("token", [None, "", "not-a-device"])
def test_no_or_unknown_device(bernard, token):
    signin.remember_device(bernard, T0)
    assert signin.recognised_device(bernard, token, T0) is False
    assert Device.get().last_used_at == T0


def test_a_device_of_another_space_is_not_recognised_nor_forgotten(bernard, lila):
    token = signin.remember_device(lila, T0)
    assert signin.recognised_device(bernard, token, T0 + SECOND) is False
    assert Device.get().last_used_at == T0


def test_after_six_months_the_device_is_forgotten(bernard):
    token = signin.remember_device(bernard, T0)
    assert signin.recognised_device(bernard, token, T0 + timedelta(days=183)) is False
    assert Device.select().count() == 0


def test_a_new_password_forgets_the_device(bernard):
    """security.password_changed (EP 5 and EP 6) deletes the rows; the epoch alone no longer does."""
    token = signin.remember_device(bernard, T0)
    security.password_changed(bernard.id, T0)
    assert signin.recognised_device(Space.get_by_id(bernard.id), token, T0) is False
    assert Device.select().count() == 0


def test_forget_devices_of_one_space(bernard, lila):
    tokens = [signin.remember_device(bernard, T0) for _ in range(2)]
    kept = signin.remember_device(lila, T0)
    assert signin.forget_devices(bernard.id) == 2
    assert not any(signin.recognised_device(bernard, t, T0) for t in tokens)
    assert signin.recognised_device(lila, kept, T0)


# --- purge ---------------------------------------------------------------------------


def test_purge_expired(bernard, lila):
    now = T0 + timedelta(hours=1)
    old_code = signin.send_code(bernard, T0, KEY, Outbox())  # past the sending window
    recent_code = signin.send_code(lila, T0 + SECOND, KEY, Outbox())  # still counted for the limit
    living = signin.remember_device(bernard, now - timedelta(days=183) + SECOND)
    signin.remember_device(bernard, now - timedelta(days=183))  # expires exactly now
    assert signin.purge_expired(now) == 2
    assert [r.id for r in SigninCode.select()] == [recent_code.id] and old_code.id != recent_code.id
    assert [d.token_hash for d in Device.select()] == [sha256_hex(living)]
    assert signin.purge_expired(now) == 0


# --- the device cookie's seal --------------------------------------------------------


def test_seal_round_trip_and_refusals():
    seal = signin.DeviceSeal(KEY)
    value = seal.seal("device-id")
    assert value != "device-id" and seal.open(value) == "device-id"
    head, _, signature = value.rpartition(".")
    tampered = head + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad in (None, "", "device-id", tampered, value + "x", signin.DeviceSeal("other").seal("device-id"),
                URLSafeTimedSerializer(KEY, salt="another-use").dumps("device-id")):
        assert seal.open(bad) is None, bad


def test_seal_is_itsdangerous_with_its_own_salt():
    made_elsewhere = URLSafeTimedSerializer(KEY, salt="espace.device").dumps("device-id")
    assert signin.DeviceSeal(KEY).open(made_elsewhere) == "device-id"


def test_seal_holds_only_text():
    forged = URLSafeTimedSerializer(KEY, salt="espace.device").dumps({"d": "x"})
    assert signin.DeviceSeal(KEY).open(forged) is None


def test_seal_dies_after_six_months():
    with time_machine.travel(T0, tick=False):
        value = signin.DeviceSeal(KEY).seal("device-id")
    with time_machine.travel(T0 + timedelta(days=183), tick=False):
        assert signin.DeviceSeal(KEY).open(value) == "device-id"
    with time_machine.travel(T0 + timedelta(days=183, seconds=2), tick=False):
        assert signin.DeviceSeal(KEY).open(value) is None


def test_a_pending_sign_in_belongs_to_its_space_while_the_password_is_unchanged(dbc):
    space = Space.by_number(BERNARD)
    assert signin.space_of_pending_signin(space.id, space.session_epoch).id == space.id
    assert signin.space_of_pending_signin(space.id, space.session_epoch - 1) is None  # the password changed since
    assert signin.space_of_pending_signin(10 ** 9, 0) is None

"""Rules of « Mot de passe oublié » (espace.domain.reset), without the web."""
import re
from datetime import datetime, timedelta

import pytest
from conftest import BERNARD, BERNARD_ANSWER, BERNARD_EMAIL, BERNARD_PASSWORD, LILA, NEW_PASSWORD
from peewee import IntegrityError

from espace.domain import reset
from espace.domain.errors import DeliveryFailed, Refused
from espace.domain.hashing import Hasher, sha256_hex
from espace.domain.identity import ANSWER_LOCK, MAX_ANSWER_FAILURES
from espace.models import PENDING, SUPERSEDED, USED, PasswordReset, Space

T0 = datetime(2030, 1, 15, 10, 0, 0)
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
HASHER = Hasher(rounds=4)


class Outbox:
    """A `send` that remembers what it was given."""

    def __init__(self):
        self.sent = []

    def __call__(self, space, token, link):
        self.sent.append((space.id, token, link.id))


def bernard():
    return Space.by_number(BERNARD)


def ask(now=T0, email=BERNARD_EMAIL, send=None):
    return reset.request_link(email, now, send or Outbox())


def token_of(now=T0):
    outbox = Outbox()
    assert reset.request_link(BERNARD_EMAIL, now, outbox) is not None
    return sha256_hex(outbox.sent[-1][1])


def test_tokens_are_long_random_and_fit_in_a_url():
    tokens = {reset.new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)  # 32 bytes


def test_a_known_address_gets_a_link_stored_as_its_hash(dbc):
    outbox = Outbox()
    link = reset.request_link("  TOTO321@Toto.toto ", T0, outbox)
    assert link is not None
    [(space_id, token, link_id)] = outbox.sent
    assert space_id == bernard().id and link_id == link.id
    stored = PasswordReset.get_by_id(link.id)
    assert stored.token_hash == sha256_hex(token) != token
    assert (stored.state, stored.created_at, stored.expires_at, stored.used_at) == (PENDING, T0, T0 + HOUR, None)
    assert stored.space_id == bernard().id


@pytest.mark.parametrize("email", ["personne@exemple.fr", "", None, "lila.rosemonde@orange.fr"])
def test_an_unknown_address_gets_nothing(dbc, email):
    outbox = Outbox()
    assert reset.request_link(email, T0, outbox) is None
    assert outbox.sent == [] and PasswordReset.select().count() == 0


def test_a_certificate_space_gets_nothing_even_with_a_login_address(dbc):
    Space.update(login_email="lila.pro@example.fr").where(Space.subscriber_number == LILA).execute()
    outbox = Outbox()
    assert reset.request_link("lila.pro@example.fr", T0, outbox) is None
    assert outbox.sent == []


def test_a_new_request_supersedes_the_older_link(dbc):
    first, second = ask(), ask(T0 + SECOND)
    assert PasswordReset.get_by_id(first.id).state == SUPERSEDED
    assert PasswordReset.get_by_id(second.id).state == PENDING


def test_a_superseded_link_of_another_space_is_not_touched(dbc):
    other = Space.create(subscriber_number="20200010000001", last_name="X", first_name="Y",
                         access_mode="password", login_email="x@example.fr", password_hash="h")
    theirs = ask(email="x@example.fr")
    ask()
    assert PasswordReset.get_by_id(theirs.id).state == PENDING
    assert theirs.space_id == other.id


def test_at_most_three_links_an_hour_then_nothing_is_sent(dbc):
    for n in range(reset.MAX_LINKS_PER_HOUR):
        assert ask(T0 + n * SECOND) is not None
    outbox = Outbox()
    assert ask(T0 + HOUR - SECOND, send=outbox) is None
    assert outbox.sent == [] and PasswordReset.select().count() == reset.MAX_LINKS_PER_HOUR
    # The older link stays the valid one.
    assert PasswordReset.get(PasswordReset.state == PENDING).created_at == T0 + 2 * SECOND


def test_the_hour_is_counted_to_the_second(dbc):
    for _ in range(reset.MAX_LINKS_PER_HOUR):
        ask()
    assert ask(T0 + HOUR - SECOND) is None
    assert ask(T0 + HOUR) is not None


def test_links_of_other_spaces_do_not_count(dbc):
    Space.create(subscriber_number="20200010000001", last_name="X", first_name="Y",
                 access_mode="password", login_email="x@example.fr", password_hash="h")
    for _ in range(reset.MAX_LINKS_PER_HOUR):
        ask(email="x@example.fr")
    assert ask() is not None


def test_a_failed_delivery_keeps_nothing_and_the_older_link(dbc):
    first = ask()

    def failing(space, token, link):
        raise DeliveryFailed("relay down")

    with pytest.raises(DeliveryFailed):
        ask(T0 + SECOND, send=failing)
    assert [(r.id, r.state) for r in PasswordReset.select()] == [(first.id, PENDING)]


def test_a_simultaneous_request_of_the_same_space_wins_quietly(dbc):
    def racing(space, token, link):
        # Another worker stores its pending link first: the unique index says no to one of them.
        PasswordReset.create(space=space.id, token_hash="0" * 64, state=PENDING, created_at=T0, expires_at=T0 + HOUR)

    assert ask(send=racing) is None
    assert PasswordReset.select().count() == 0


def test_a_link_is_found_by_its_hash_until_its_hour_ends(dbc):
    token_hash = token_of()
    assert reset.find_reset(token_hash, T0 + HOUR - SECOND).space_id == bernard().id
    with pytest.raises(Refused) as refused:
        reset.find_reset(token_hash, T0 + HOUR)
    assert refused.value.message == reset.LINK_EXPIRED and refused.value.field is None


@pytest.mark.parametrize("token_hash", [None, "", "0" * 64, sha256_hex("n'importe quoi")])
def test_an_unknown_link_is_refused(dbc, token_hash):
    ask()
    with pytest.raises(Refused) as refused:
        reset.find_reset(token_hash, T0)
    assert refused.value.message == reset.LINK_UNKNOWN


def test_a_superseded_link_is_refused_as_no_longer_valid(dbc):
    first = token_of()
    ask(T0 + SECOND)
    with pytest.raises(Refused, match=re.escape(reset.LINK_EXPIRED)):
        reset.find_reset(first, T0 + SECOND)


def test_a_used_link_says_so(dbc):
    token_hash = token_of()
    reset.complete_reset(token_hash, NEW_PASSWORD, HASHER, T0)
    with pytest.raises(Refused, match=re.escape(reset.LINK_USED)):
        reset.find_reset(token_hash, T0)


@pytest.mark.parametrize("given", ["pêche", "PECHE", "  Pêche ", "peche"])
def test_the_trust_answer_ignores_case_accents_and_spaces(app, dbc, given):
    Space.update(failed_answer_count=2).where(Space.id == bernard().id).execute()
    assert reset.verify_answer(bernard(), given, app.extensions["espace.encryptor"], T0) is True
    assert bernard().failed_answer_count == 0  # a right answer forgets earlier failures


@pytest.mark.parametrize("given", ["pêches", "pech", "chasse", "", "pêche pêche"])
def test_a_wrong_trust_answer_is_refused_and_counted(app, dbc, given):
    with pytest.raises(Refused) as refused:
        reset.verify_answer(bernard(), given, app.extensions["espace.encryptor"], T0)
    assert refused.value.field == "answer" and refused.value.event == "reset_answer_failed"
    assert refused.value.message == ("La réponse saisie ne correspond pas à celle enregistrée pour cet espace. "
                                     "Il vous reste 4 essais avant un blocage temporaire.")
    assert bernard().failed_answer_count == 1


def test_five_wrong_answers_lock_the_space_for_an_hour(app, dbc):
    encryptor = app.extensions["espace.encryptor"]
    lefts = []
    for _ in range(MAX_ANSWER_FAILURES - 1):
        with pytest.raises(Refused) as refused:
            reset.verify_answer(bernard(), "chasse", encryptor, T0)
        lefts.append(re.search(r"Il vous reste (\d) essais?\b", refused.value.message).group(0))
    assert lefts == ["Il vous reste 4 essais", "Il vous reste 3 essais", "Il vous reste 2 essais",
                     "Il vous reste 1 essai"]
    with pytest.raises(Refused) as locked:
        reset.verify_answer(bernard(), "chasse", encryptor, T0)
    assert locked.value.event == "answers_locked" and locked.value.field == "answer"
    assert "Vous pourrez réessayer le 15/01/2030 à 12h00 (heure de Paris)." in locked.value.message
    assert bernard().answers_locked_until == T0 + ANSWER_LOCK
    # Locked: even the right answer is not checked, until the lock ends.
    with pytest.raises(Refused) as still:
        reset.verify_answer(bernard(), BERNARD_ANSWER, encryptor, T0 + ANSWER_LOCK - SECOND)
    assert still.value.event is None and still.value.field == "answer"  # the lock's line is already written
    assert "le 15/01/2030 à 12h00" in still.value.message
    assert reset.verify_answer(bernard(), BERNARD_ANSWER, encryptor, T0 + ANSWER_LOCK) is True


def test_a_space_without_trust_question_cannot_reset_online(app, dbc):
    Space.update(trust_question=None).where(Space.id == bernard().id).execute()
    with pytest.raises(Refused, match="Contactez l'assistance"):
        reset.verify_answer(bernard(), BERNARD_ANSWER, app.extensions["espace.encryptor"], T0)
    Space.update(trust_question="Votre hobby ?", trust_answer_encrypted=None).where(Space.id == bernard().id).execute()
    with pytest.raises(Refused, match="Contactez l'assistance"):
        reset.verify_answer(bernard(), BERNARD_ANSWER, app.extensions["espace.encryptor"], T0)
    assert bernard().failed_answer_count == 0


def test_completing_sets_the_password_ends_sessions_and_spends_the_link(dbc):
    Space.update(failed_login_count=7, login_locked_until=T0 + HOUR, session_epoch=3).where(
        Space.id == bernard().id).execute()
    token_hash = token_of()
    space = reset.complete_reset(token_hash, NEW_PASSWORD, HASHER, T0 + 10 * SECOND)
    assert space.id == bernard().id
    assert HASHER.check(NEW_PASSWORD, space.password_hash) and not HASHER.check(BERNARD_PASSWORD, space.password_hash)
    assert (space.session_epoch, space.failed_login_count, space.login_locked_until) == (4, 0, None)
    link = PasswordReset.get()
    assert (link.state, link.used_at) == (USED, T0 + 10 * SECOND)


def test_the_current_password_cannot_be_chosen_again(dbc):
    token_hash = token_of()
    with pytest.raises(Refused) as refused:
        reset.complete_reset(token_hash, BERNARD_PASSWORD, HASHER, T0)
    assert (refused.value.message, refused.value.field) == (reset.SAME_PASSWORD, "password")
    assert PasswordReset.get().state == PENDING and bernard().session_epoch == 0


def test_an_expired_link_changes_nothing(dbc):
    token_hash = token_of()
    before = bernard().password_hash
    with pytest.raises(Refused, match=re.escape(reset.LINK_EXPIRED)):
        reset.complete_reset(token_hash, NEW_PASSWORD, HASHER, T0 + HOUR)
    assert bernard().password_hash == before and PasswordReset.get().state == PENDING


class Racing(Hasher):
    """While this request hashes the new password, another one `meanwhile(now)`."""

    def __init__(self, meanwhile):
        super().__init__(rounds=4)
        self.meanwhile = meanwhile

    def hash(self, secret):
        self.meanwhile()
        return super().hash(secret)


def test_of_two_submissions_with_one_link_the_second_is_told_it_was_used(dbc):
    token_hash = token_of()
    racing = Racing(lambda: reset.complete_reset(token_hash, "Premier2026RougetBarbetX", HASHER, T0))
    with pytest.raises(Refused) as refused:
        reset.complete_reset(token_hash, NEW_PASSWORD, racing, T0)
    assert refused.value.message == reset.LINK_USED and refused.value.field is None
    assert HASHER.check("Premier2026RougetBarbetX", bernard().password_hash)
    assert bernard().session_epoch == 1


def test_a_link_superseded_while_submitting_is_told_so(dbc):
    token_hash = token_of()
    racing = Racing(lambda: ask(T0 + SECOND))
    before = bernard().password_hash
    with pytest.raises(Refused, match=re.escape(reset.LINK_EXPIRED)):
        reset.complete_reset(token_hash, NEW_PASSWORD, racing, T0 + SECOND)
    assert bernard().password_hash == before


def test_a_link_expiring_while_submitting_is_not_claimed(dbc):
    """The claim itself checks the hour: a link checked valid just before is refused after."""
    token_hash = token_of()
    racing = Racing(lambda: PasswordReset.update(expires_at=T0).execute())
    with pytest.raises(Refused, match=re.escape(reset.LINK_EXPIRED)):
        reset.complete_reset(token_hash, NEW_PASSWORD, racing, T0)
    assert PasswordReset.get().state == PENDING


def test_the_link_is_claimed_only_if_still_pending(dbc):
    """Marked used between the check and the claim: nothing else changes, even the space's epoch."""
    token_hash = token_of()
    racing = Racing(lambda: PasswordReset.update(state=USED).execute())
    with pytest.raises(Refused, match=re.escape(reset.LINK_USED)):
        reset.complete_reset(token_hash, NEW_PASSWORD, racing, T0)
    assert bernard().session_epoch == 0


def test_the_new_password_of_one_space_leaves_the_others(dbc):
    other = Space.create(subscriber_number="20200010000001", last_name="X", first_name="Y",
                         access_mode="password", login_email="x@example.fr", password_hash="h")
    reset.complete_reset(token_of(), NEW_PASSWORD, HASHER, T0)
    other = Space.get_by_id(other.id)
    assert (other.password_hash, other.session_epoch) == ("h", 0)


def test_purge_forgets_links_past_their_hour(dbc):
    used = token_of()
    reset.complete_reset(used, NEW_PASSWORD, HASHER, T0)
    ask(T0 + 10 * SECOND)  # pending, expires at T0 + 1 h + 10 s
    assert reset.purge_expired(T0 + HOUR - SECOND) == 0
    assert reset.purge_expired(T0 + HOUR) == 1
    assert [r.created_at for r in PasswordReset.select()] == [T0 + 10 * SECOND]
    assert reset.purge_expired(T0 + HOUR + 10 * SECOND) == 1
    assert PasswordReset.select().count() == 0


def test_the_database_keeps_one_pending_link_per_space(dbc):
    ask()
    with pytest.raises(IntegrityError):
        PasswordReset.create(space=bernard().id, token_hash="1" * 64, state=PENDING, created_at=T0,
                             expires_at=T0 + HOUR)


def test_a_link_is_claimed_once_and_only_while_pending_and_in_time(app):
    """models.Expiring.claim, the lock every code and link is spent under (activation, reset,
    address change, sign-in code): one claim wins; none after the time or once superseded."""
    ask()
    link = PasswordReset.get(PasswordReset.space == bernard().id)
    assert link.usable(T0) and not link.usable(link.expires_at)
    assert not link.claim(link.expires_at)  # past its time: nothing spent
    assert PasswordReset.get_by_id(link.id).state == PENDING
    assert link.claim(T0) and not link.claim(T0)  # the second submission finds nothing to spend
    spent = PasswordReset.get_by_id(link.id)
    assert (spent.state, spent.used_at) == (USED, T0) and not spent.usable(T0)
    ask(T0 + HOUR)
    newer = PasswordReset.get((PasswordReset.space == bernard().id) & (PasswordReset.state == PENDING))
    PasswordReset.update(state=SUPERSEDED).where(PasswordReset.id == newer.id).execute()
    assert not PasswordReset.get_by_id(newer.id).claim(T0 + HOUR)

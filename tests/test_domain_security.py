"""espace/domain/security.py: the registry of open sessions, remembered browsers, time limits."""
from datetime import datetime, timedelta

import pytest
from conftest import BERNARD, LILA

from espace.domain import security, signin
from espace.domain.errors import Refused
from espace.models import Device, OpenSession, Space

T0 = datetime(2030, 1, 15, 9, 26, 30)
SECOND = timedelta(seconds=1)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.0 Mobile/15E148 Safari/604.1")
CHROME = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")


@pytest.fixture
def bernard(dbc):
    return Space.by_number(BERNARD)


@pytest.fixture
def lila(dbc):
    return Space.by_number(LILA)


def opened(space, at=T0, agent=FIREFOX, client="203.0.113.7", device=None):
    return security.open_session(space.id, at, agent, client, device)


def row(public_id):
    return OpenSession.get(OpenSession.public_id == public_id)


# --- what a session or browser is called ----------------------------------------------


@pytest.mark.parametrize("agent, label", [
    (FIREFOX, "Firefox sur Windows"),
    (SAFARI, "Mobile Safari sur iOS"),
    (CHROME, "Chrome sur Mac OS X"),
    ("curl/8.5.0", "curl"),
    ("", "Navigateur inconnu"),
    (None, "Navigateur inconnu"),
    ("x" * 5000, "Navigateur inconnu"),
])
def test_browser_and_system_from_the_user_agent(agent, label):
    assert security.agent_label(*security.describe_agent(agent)) == label


@pytest.mark.parametrize("delta, text", [
    (timedelta(minutes=30), "30 minutes"), (timedelta(minutes=1), "1 minute"), (timedelta(hours=12), "12 heures"),
    (timedelta(seconds=45), "45 secondes"), (timedelta(seconds=90), "90 secondes"),
])
def test_french_duration(delta, text):
    assert security.french_duration(delta) == text


def test_the_limits_leave_time_to_act():
    """WCAG 2.2.1: at least 20 s to extend; the warning comes before the end, not after."""
    assert timedelta(seconds=20) <= security.WARN_BEFORE < security.IDLE_LIMIT
    assert security.TOUCH_EVERY < security.WARN_BEFORE
    assert "30 minutes d'inactivité" in security.ended_message(security.IDLE)


# --- the registry ---------------------------------------------------------------------


def test_a_session_gets_a_random_public_id_and_a_description(bernard):
    first, second = opened(bernard), opened(bernard)
    assert first != second and len(first) >= 22
    session = row(first)
    assert (session.space_id, session.browser, session.system, session.client) == (
        bernard.id, "Firefox", "Windows", "203.0.113.x")
    assert session.created_at == session.last_used_at == T0 and session.ended_at is None


def test_check_session_notes_the_last_use_at_most_once_a_minute(bernard):
    public_id = opened(bernard)
    security.check_session(bernard.id, public_id, T0 + 59 * SECOND)
    assert row(public_id).last_used_at == T0
    security.check_session(bernard.id, public_id, T0 + 60 * SECOND)
    assert row(public_id).last_used_at == T0 + 60 * SECOND
    security.check_session(bernard.id, public_id, T0 + 90 * SECOND, touch=False)
    assert row(public_id).last_used_at == T0 + 60 * SECOND


def test_a_session_of_another_space_or_unknown_is_refused(bernard, lila):
    public_id = opened(lila)
    for space_id, candidate in ((bernard.id, public_id), (lila.id, "not-a-session"), (lila.id, None), (lila.id, "")):
        with pytest.raises(security.SessionEnded) as ended:
            security.check_session(space_id, candidate, T0)
        assert ended.value.reason is None


def test_idle_for_the_limit_ends_the_session(bernard):
    public_id = opened(bernard)
    assert security.check_session(bernard.id, public_id, T0 + security.IDLE_LIMIT - SECOND)
    later = opened(bernard)
    with pytest.raises(security.SessionEnded) as ended:
        security.check_session(bernard.id, later, T0 + security.IDLE_LIMIT)
    assert ended.value.reason == security.IDLE
    assert (row(later).ended_at, row(later).end_reason) == (T0 + security.IDLE_LIMIT, security.IDLE)
    with pytest.raises(security.SessionEnded):  # and it stays ended, even if asked with no time passing
        security.check_session(bernard.id, later, T0)


def test_activity_keeps_a_session_open_until_the_overall_limit(bernard):
    public_id = opened(bernard)
    moment = T0
    while moment + security.IDLE_LIMIT / 2 < T0 + security.ABSOLUTE_LIMIT:
        moment += security.IDLE_LIMIT / 2
        security.check_session(bernard.id, public_id, moment)
    with pytest.raises(security.SessionEnded) as ended:
        security.check_session(bernard.id, public_id, T0 + security.ABSOLUTE_LIMIT)
    assert ended.value.reason == security.TOO_LONG


def test_extend_starts_the_idle_time_again(bernard):
    public_id = opened(bernard)
    at = T0 + security.IDLE_LIMIT - security.WARN_BEFORE
    extended = security.extend_session(bernard.id, public_id, at)
    assert security.remaining(extended, at) == security.IDLE_LIMIT
    assert security.check_session(bernard.id, public_id, at + security.IDLE_LIMIT - SECOND)


def test_extend_cannot_bring_back_an_ended_session(bernard):
    public_id = opened(bernard)
    security.end_sessions(bernard.id, T0, security.CLOSED)
    with pytest.raises(security.SessionEnded):
        security.extend_session(bernard.id, public_id, T0 + SECOND)
    assert row(public_id).last_used_at == T0


def test_remaining_is_the_sooner_of_the_two_limits(bernard):
    session = row(opened(bernard))
    assert security.remaining(session, T0) == security.IDLE_LIMIT
    session.last_used_at = T0 + security.ABSOLUTE_LIMIT - timedelta(minutes=5)
    assert security.remaining(session, session.last_used_at) == timedelta(minutes=5)


def test_capped_once_the_idle_end_would_fall_past_the_overall_limit(bernard):
    session = row(opened(bernard))
    assert not security.capped(session)
    # Used 30 minutes before the twelve hours: both ends fall together, nothing can push it back.
    session.last_used_at = T0 + security.ABSOLUTE_LIMIT - security.IDLE_LIMIT
    assert security.capped(session)
    session.last_used_at -= SECOND
    assert not security.capped(session)  # extending would still give it one more second
    # Shorter limits (tests): the same rule.
    assert security.capped(session, idle_limit=timedelta(hours=13))
    assert security.capped(session, absolute_limit=timedelta(hours=11))
    assert not security.capped(session, absolute_limit=timedelta(hours=13))


def test_the_overall_limit_can_be_shortened_for_tests(bernard):
    public_id = opened(bernard)
    short = timedelta(minutes=20)
    assert security.check_session(bernard.id, public_id, T0 + short - SECOND, absolute_limit=short)
    assert security.remaining(row(public_id), T0, absolute_limit=short) == short
    with pytest.raises(security.SessionEnded) as ended:
        security.extend_session(bernard.id, public_id, T0 + short, absolute_limit=short)
    assert ended.value.reason == security.TOO_LONG
    assert security.ended_message(security.TOO_LONG, absolute_limit=short).startswith(
        "Votre session a pris fin : elle était ouverte depuis 20 minutes.")


def test_open_sessions_lists_only_the_open_ones_of_the_space(bernard, lila):
    kept, closed = opened(bernard, T0 + SECOND), opened(bernard, T0 + SECOND)
    idle = opened(bernard, T0 - security.IDLE_LIMIT)
    opened(lila)
    security.end_session(bernard.id, closed, T0 + SECOND)
    assert [s.public_id for s in security.open_sessions(bernard.id, T0 + SECOND)] == [kept]
    assert idle not in [s.public_id for s in security.open_sessions(bernard.id, T0)]


def test_end_session_refuses_the_current_one_another_space_s_and_an_ended_one(bernard, lila):
    mine, theirs = opened(bernard), opened(lila)
    with pytest.raises(Refused, match="Se déconnecter"):
        security.end_session(bernard.id, mine, T0, current=mine)
    with pytest.raises(Refused) as refused:
        security.end_session(bernard.id, theirs, T0)
    assert refused.value.message == security.UNKNOWN_SESSION and row(theirs).ended_at is None
    assert security.end_session(bernard.id, mine, T0, current="another").public_id == mine
    with pytest.raises(Refused):
        security.end_session(bernard.id, mine, T0)
    assert row(mine).end_reason == security.CLOSED


def test_sign_out_everywhere_else_keeps_this_session_the_password_and_the_browsers(bernard, lila):
    here, there, elsewhere, hers = opened(bernard), opened(bernard), opened(bernard), opened(lila)
    signin.remember_device(bernard, T0)
    epoch, password = bernard.session_epoch, bernard.password_hash
    assert security.sign_out_everywhere_else(bernard.id, T0, here).sessions == 2
    assert [s.public_id for s in security.open_sessions(bernard.id, T0)] == [here]
    assert row(there).end_reason == row(elsewhere).end_reason == security.OTHERS_CLOSED
    assert row(hers).ended_at is None and Device.select().count() == 1
    space = Space.get_by_id(bernard.id)
    assert (space.session_epoch, space.password_hash) == (epoch, password)


# --- remembered browsers --------------------------------------------------------------


def test_forget_device_only_of_the_space(bernard, lila):
    signin.remember_device(bernard, T0, FIREFOX)
    signin.remember_device(lila, T0)
    mine, theirs = (Device.get(Device.space == s.id) for s in (bernard, lila))
    with pytest.raises(Refused) as refused:
        security.forget_device(bernard.id, theirs.public_id)
    assert refused.value.message == security.UNKNOWN_BROWSER
    with pytest.raises(Refused):
        security.forget_device(bernard.id, mine.token_hash)  # the page never names a device by its hash
    assert security.forget_device(bernard.id, mine.public_id).browser == "Firefox"
    assert [d.id for d in Device.select()] == [theirs.id]
    with pytest.raises(Refused):
        security.forget_device(bernard.id, mine.public_id)


def test_remembered_browsers_lists_the_living_newest_use_first(bernard, lila):
    signin.remember_device(bernard, T0 - signin.DEVICE_LIFETIME)  # dead now
    old = signin.remember_device(bernard, T0 - timedelta(days=1))
    signin.remember_device(bernard, T0 - timedelta(days=2), FIREFOX)
    signin.remember_device(lila, T0)
    signin.find_device(bernard, old, T0)
    listed = security.remembered_browsers(bernard.id, T0)
    assert [d.last_used_at for d in listed] == [T0, T0 - timedelta(days=2)]


def test_a_session_signed_in_with_remember_is_linked_to_its_browser(bernard):
    public_id = opened(bernard)
    signin.remember_device(bernard, T0, FIREFOX, session=public_id)
    assert row(public_id).device_id == Device.get().id == security.device_of_session(public_id)


# --- a new password -------------------------------------------------------------------


def test_a_password_change_keeps_only_this_session_and_its_browser(bernard, lila):
    here = opened(bernard)
    signin.remember_device(bernard, T0, FIREFOX, session=here)
    others = [opened(bernard) for _ in range(2)]
    for _ in range(2):
        signin.remember_device(bernard, T0)
    hers = opened(lila)
    signin.remember_device(lila, T0)
    epoch = bernard.session_epoch
    ended = security.password_changed(bernard.id, T0, keep_session=here)
    assert (ended.sessions, ended.browsers) == (2, 2)
    assert [s.public_id for s in security.open_sessions(bernard.id, T0)] == [here]
    assert all(row(o).end_reason == security.PASSWORD_CHANGED for o in others)
    assert [d.id for d in security.remembered_browsers(bernard.id, T0)] == [row(here).device_id]
    assert row(hers).ended_at is None and len(security.remembered_browsers(lila.id, T0)) == 1
    assert Space.get_by_id(bernard.id).session_epoch == epoch + 1  # a sign-in waiting for its code ends


def test_a_password_reset_ends_and_forgets_everything(bernard):
    here = opened(bernard)
    signin.remember_device(bernard, T0, session=here)
    opened(bernard)
    assert security.password_changed(bernard.id, T0) == security.Ended(2, 1)
    assert security.open_sessions(bernard.id, T0) == [] and security.remembered_browsers(bernard.id, T0) == []
    assert row(here).end_reason == security.PASSWORD_RESET


def test_end_all_for_the_assistance(bernard):
    opened(bernard)
    signin.remember_device(bernard, T0)
    assert security.end_all(bernard.id, T0) == security.Ended(1, 1)
    assert OpenSession.get().end_reason == security.ASSISTANCE


def test_find_for_operator(bernard, lila):
    session = opened(bernard)
    signin.remember_device(bernard, T0)
    device = Device.get()
    assert security.find_for_operator(bernard.id, session, T0)[0] == "session"
    assert security.find_for_operator(bernard.id, device.public_id, T0) == ("device", device)
    with pytest.raises(Refused, match="Aucune session"):
        security.find_for_operator(lila.id, session, T0)


# --- retention ------------------------------------------------------------------------


def test_purge_forgets_rows_a_day_after_they_ended_or_timed_out(bernard):
    now = T0 + timedelta(days=2)
    ended_long_ago, ended_recently, idle_long_ago, open_now, too_old = (opened(bernard) for _ in range(5))
    security.end_session(bernard.id, ended_long_ago, now - security.ENDED_KEPT)
    security.end_session(bernard.id, ended_recently, now - security.ENDED_KEPT + SECOND)
    OpenSession.update(last_used_at=now - security.IDLE_LIMIT - security.ENDED_KEPT).where(
        OpenSession.public_id == idle_long_ago).execute()
    OpenSession.update(created_at=now, last_used_at=now).where(OpenSession.public_id == open_now).execute()
    OpenSession.update(created_at=now - security.ABSOLUTE_LIMIT - security.ENDED_KEPT, last_used_at=now).where(
        OpenSession.public_id == too_old).execute()
    assert security.purge_expired(now) == 3
    assert sorted(s.public_id for s in OpenSession.select()) == sorted([ended_recently, open_now])
    assert security.purge_expired(now) == 0


def test_sign_out_everywhere_else_with_nothing_else_open_says_so(bernard):
    here = opened(bernard)
    with pytest.raises(Refused) as refused:
        security.sign_out_everywhere_else(bernard.id, T0, here)
    assert refused.value.message == security.NO_OTHER_SESSION
    assert row(here).ended_at is None


# --- the holder's and the assistance's actions: each told once, with the sentence shown ---


def test_the_holder_forgets_a_browser_and_is_told_which(bernard, told):
    signin.remember_device(bernard, T0, FIREFOX)
    said = security.holder_forgets_browser(bernard.id, Device.get().public_id, T0)
    assert said == ("Le navigateur mémorisé « Firefox sur Windows » a été oublié : le code de confirmation "
                    "sera demandé à sa prochaine connexion.")
    assert Device.select().count() == 0
    assert [(e.kind, e.space_id, e.at, e.details) for e in told] == [("browser_forgotten", bernard.id, T0, {"what": said})]


def test_the_holder_closes_another_session_not_this_one(bernard, told):
    here, there = opened(bernard), opened(bernard, agent=SAFARI)
    with pytest.raises(Refused):
        security.holder_closes_session(bernard.id, here, T0, current=here)
    assert told == []
    said = security.holder_closes_session(bernard.id, there, T0, current=here)
    assert said == ("La session ouverte sur « Mobile Safari sur iOS » a été fermée : ce navigateur devra se "
                    "connecter de nouveau.")
    assert row(there).end_reason == security.CLOSED and row(here).ended_at is None
    assert [(e.kind, e.details["what"]) for e in told] == [("session_closed", said)]


@pytest.mark.parametrize("others, said", [
    (1, "1 autre session a été fermée : seule celle-ci reste ouverte. Votre mot de passe et vos navigateurs "
        "mémorisés n'ont pas changé."),
    (2, "2 autres sessions ont été fermées : seule celle-ci reste ouverte. Votre mot de passe et vos navigateurs "
        "mémorisés n'ont pas changé."),
])
def test_the_holder_closes_every_other_session(bernard, told, others, said):
    here = opened(bernard)
    for _ in range(others):
        opened(bernard)
    assert security.holder_closes_other_sessions(bernard.id, T0, here) == said
    assert [s.public_id for s in security.open_sessions(bernard.id, T0)] == [here]
    assert [(e.kind, e.space_id, e.details) for e in told] == [("other_sessions_closed", bernard.id, {"what": said})]


def test_the_assistance_closes_a_session_or_forgets_a_browser(bernard, lila, told):
    session = opened(bernard, agent=SAFARI)
    signin.remember_device(bernard, T0, FIREFOX)
    device = Device.get()
    with pytest.raises(Refused, match="Aucune session"):
        security.assistance_ends(lila.id, session, T0)
    said = security.assistance_ends(bernard.id, session, T0)
    assert said == security.session_closed_text(row(session)) and "Mobile Safari sur iOS" in said
    assert row(session).end_reason == security.ASSISTANCE
    forgot = security.assistance_ends(bernard.id, device.public_id, T0)
    assert "Firefox sur Windows" in forgot and Device.select().count() == 0
    assert [(e.kind, e.space_id, e.details["what"]) for e in told] == [
        ("session_closed_by_assistance", bernard.id, said), ("browser_forgotten_by_assistance", bernard.id, forgot)]


def test_the_assistance_ends_everything(bernard, lila, told):
    opened(bernard), opened(bernard)
    hers = opened(lila)
    signin.remember_device(bernard, T0)
    said = security.assistance_ends_everything(bernard.id, T0)
    assert said == ("L'assistance a fermé toutes les sessions de votre espace (2) et oublié tous ses navigateurs "
                    "mémorisés (1).")
    assert security.open_sessions(bernard.id, T0) == [] and row(hers).ended_at is None
    assert [(e.kind, e.space_id, e.at, e.details) for e in told] == [
        ("all_sessions_closed_by_assistance", bernard.id, T0, {"what": said})]


# --- what the login page says to an ended session --------------------------------------


@pytest.mark.parametrize("reason, message", [
    (security.IDLE, "Votre session a pris fin après 30 minutes d'inactivité. Connectez-vous pour reprendre là où "
                    "vous étiez."),
    (security.TOO_LONG, "Votre session a pris fin : elle était ouverte depuis 12 heures. Connectez-vous pour "
                        "reprendre là où vous étiez."),
    (security.PASSWORD_CHANGED, "Votre session a pris fin : le mot de passe de cet espace a été changé. "
                                "Connectez-vous avec le nouveau mot de passe."),
    (security.PASSWORD_RESET, "Votre session a pris fin : le mot de passe de cet espace a été changé. "
                              "Connectez-vous avec le nouveau mot de passe."),
    (security.CLOSED, "Votre session a été fermée depuis la page « Sécurité de mon espace » d'un autre appareil. "
                      "Connectez-vous de nouveau si c'est bien vous."),
    (security.OTHERS_CLOSED, "Votre session a été fermée depuis la page « Sécurité de mon espace » d'un autre "
                             "appareil. Connectez-vous de nouveau si c'est bien vous."),
    (security.ASSISTANCE, "Votre session a été fermée par l'assistance. Connectez-vous de nouveau."),
    (security.SIGNED_OUT, "Votre session a pris fin. Connectez-vous de nouveau."),
    (None, "Votre session a pris fin. Connectez-vous de nouveau."),
])
def test_the_login_page_says_why_the_session_ended(reason, message):
    assert security.ended_message(reason) == message


def test_the_idle_message_follows_the_configured_limit():
    assert security.ended_message(security.IDLE, timedelta(minutes=1)).startswith(
        "Votre session a pris fin après 1 minute d'inactivité.")


@pytest.mark.parametrize("agent, described", [
    (FIREFOX, ("Firefox", "Windows")),
    ("curl/8.5.0", ("curl", "")),
    ("Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1)", ("IE", "Windows")),
    ("", ("", "")),
    (None, ("", "")),
])
def test_describe_agent_gives_the_browser_and_the_system_apart(agent, described):
    assert security.describe_agent(agent) == described


def test_describe_agent_keeps_60_characters_of_each(monkeypatch):
    from types import SimpleNamespace

    long = SimpleNamespace(user_agent=SimpleNamespace(family="B" * 70), os=SimpleNamespace(family="S" * 70))
    monkeypatch.setattr(security, "parse", lambda agent: long)
    assert security.describe_agent(FIREFOX) == ("B" * 60, "S" * 60)  # the columns' size


def test_warm_up_loads_the_agent_patterns_before_any_request():
    """warm_up() compiles ua-parser's patterns, so that no sign-in pays for it (half a second of
    CPU). Checked in a fresh interpreter, where nothing parsed yet; gunicorn.conf.py calls it as
    each worker starts (tests/test_config.py)."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import ua_parser\n"
        "from espace.domain import security\n"
        "assert 'parser' not in vars(ua_parser)\n"
        "assert security.warm_up() is ua_parser.parser and 'parser' in vars(ua_parser)\n"
        f"assert security.describe_agent({FIREFOX!r}) == ('Firefox', 'Windows')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent.parent,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

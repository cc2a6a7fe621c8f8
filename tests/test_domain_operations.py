"""What the operators' commands do: figures, unlocking, a space's journal, purges, key rotation."""
from datetime import datetime, timedelta

import pytest

from conftest import BERNARD, CLAUDE, LILA
from espace.domain import history, operations
from espace.domain.crypto import Encryptor
from espace.domain.errors import Refused
from espace.models import EXPIRED, PENDING, USED, ActivationRequest, Event, Space

NOW = datetime(2026, 6, 1, 12, 0)
LABELS = dict(operations.STATS)


def request_for(space_id, state, expires_at, code):
    return ActivationRequest.create(space=space_id, email=f"{code}@example.fr", code_hash=code * 8,
                                    password_hash="x", trust_question="Votre hobby ?",
                                    trust_answer_encrypted=b"x", state=state, created_at=NOW - timedelta(hours=1),
                                    expires_at=expires_at)


def figures(now=NOW):
    return dict(operations.stats(now))


def test_stats_of_the_demo_data(dbc):
    assert figures() == {
        "espaces à certificat (à convertir)": 2,
        "espaces activés (adresse électronique et mot de passe)": 1,
        "demandes d'activation en attente (code valable)": 0,
        "codes d'activation expirés": 0,
        "codes d'activation utilisés": 0,
        "liens « Mot de passe oublié » en attente (valables)": 0,
        "changements d'adresse électronique en attente (code valable)": 0,
        "codes de connexion en attente (valables)": 0,
        "navigateurs mémorisés": 0,
        "messages de la boîte d'envoi de développement": 0,
        "espaces bloqués : questions de confiance": 0,
        "espaces bloqués : vérification du mot de passe actuel": 0,
        "adresses de connexion soumises à l'image (trop d'échecs)": 0,
        "espaces bloqués : codes de connexion": 0,
    }
    assert [label for label, _ in operations.stats(NOW)] == [label for label, _ in operations.STATS]


def test_stats_of_requests_by_state_and_age(dbc):
    lila, claude = Space.by_number(LILA).id, Space.by_number(CLAUDE).id
    request_for(lila, PENDING, NOW + timedelta(seconds=1), "a")   # still valid
    request_for(claude, PENDING, NOW, "b")                      # past its 48 h, not yet purged
    request_for(claude, EXPIRED, NOW + timedelta(hours=1), "c")  # marked by the purge
    request_for(claude, USED, NOW - timedelta(hours=1), "d")
    request_for(claude, USED, NOW + timedelta(hours=1), "e")
    request_for(Space.by_number(BERNARD).id, PENDING, NOW - timedelta(days=1), "f")
    found = figures()
    assert found["demandes d'activation en attente (code valable)"] == 1
    assert found["codes d'activation expirés"] == 3
    assert found["codes d'activation utilisés"] == 2


def test_stats_of_locks_still_running(dbc):
    Space.update(answers_locked_until=NOW + timedelta(minutes=1)).where(Space.subscriber_number == LILA).execute()
    Space.update(answers_locked_until=NOW).where(Space.subscriber_number == CLAUDE).execute()  # just over
    Space.update(login_locked_until=NOW + timedelta(minutes=1)).where(Space.subscriber_number == BERNARD).execute()
    found = figures()
    assert found["espaces bloqués : questions de confiance"] == 1
    assert found["espaces bloqués : vérification du mot de passe actuel"] == 1


@pytest.mark.parametrize("number", ["", "abc", "2010167010191", "201016701019190", "20101670101918"])
def test_space_of_an_unknown_number_is_refused(dbc, number):
    with pytest.raises(Refused) as caught:
        operations.space_of(number)
    assert caught.value.message == operations.UNKNOWN_SPACE


def test_space_of_a_number_typed_with_spaces(dbc):
    assert operations.space_of(" 2010 167 0101919 ").subscriber_number == LILA


def space(number):
    return Space.by_number(number)


@pytest.mark.parametrize("changes, cleared", [
    ({"failed_answer_count": 2}, ["questions de confiance"]),
    ({"answers_locked_until": NOW + timedelta(minutes=30)}, ["questions de confiance"]),
    ({"failed_login_count": 1, "login_locked_until": NOW + timedelta(minutes=1)}, ["vérification du mot de passe actuel"]),
    ({"failed_answer_count": 1, "failed_login_count": 3}, ["questions de confiance", "vérification du mot de passe actuel"]),
    ({"answers_locked_until": NOW, "login_locked_until": NOW - timedelta(days=1)}, []),  # over already
    ({"failed_answer_count": 0}, []),
])
def test_unlock_clears_what_is_locked_or_counted(dbc, changes, cleared):
    Space.update(**changes).where(Space.subscriber_number == BERNARD).execute()
    assert operations.unlock(BERNARD, NOW) == cleared
    after = space(BERNARD)
    if cleared:
        assert (after.failed_answer_count, after.failed_login_count) == (0, 0)
        assert [(e.kind, e.created_at, e.client) for e in after.events] == [("unlocked", NOW, "")]
    else:
        assert after.events.count() == 0


def signin_code(space_id, state, created_at, expires_in=timedelta(minutes=10)):
    from espace.models import SigninCode

    return SigninCode.create(space=space_id, code_hash="h", state=state, created_at=created_at,
                             expires_at=created_at + expires_in)


def test_stats_of_links_codes_and_browsers_still_usable(dbc):
    from espace.models import Device, EmailChange, PasswordReset, SUPERSEDED

    bernard, lila, claude = space(BERNARD), space(LILA), space(CLAUDE)
    # At most one pending link or change per space (the database says so): one space per row.
    for owner, state, expires, token in [(bernard, PENDING, NOW + timedelta(minutes=1), "a"),
                                         (lila, PENDING, NOW, "b"), (claude, USED, NOW + timedelta(minutes=1), "c")]:
        PasswordReset.create(space=owner.id, token_hash=token, state=state, created_at=NOW, expires_at=expires)
        EmailChange.create(space=owner.id, email=f"{token}@exemple.fr", code_hash=token, state=state,
                           created_at=NOW, expires_at=expires)
        signin_code(owner.id, state, NOW - timedelta(minutes=1), expires - NOW + timedelta(minutes=1))
    for token, expires in [("d1", NOW + timedelta(days=1)), ("d2", NOW)]:
        Device.create(space=bernard.id, token_hash=token, public_id=token, created_at=NOW, last_used_at=NOW,
                      expires_at=expires)
    signin_code(lila.id, SUPERSEDED, NOW)
    found = figures()
    assert found["liens « Mot de passe oublié » en attente (valables)"] == 1
    assert found["changements d'adresse électronique en attente (code valable)"] == 1
    assert found["codes de connexion en attente (valables)"] == 1
    assert found["navigateurs mémorisés"] == 1


CEILING = "espaces bloqués : codes de connexion"


def test_the_hourly_ceiling_of_sign_in_codes_is_a_block_that_unlock_clears(dbc):
    from espace.domain.signin import CODE_WINDOW, MAX_CODES
    from espace.models import SUPERSEDED, SigninCode

    bernard = space(BERNARD).id
    signin_code(bernard, SUPERSEDED, NOW - CODE_WINDOW)  # out of the window
    for minutes in range(MAX_CODES - 1):
        signin_code(bernard, SUPERSEDED, NOW - timedelta(minutes=50 - minutes))
    assert figures()[CEILING] == 0
    assert operations.unlock(BERNARD, NOW) == []
    waiting = signin_code(bernard, PENDING, NOW - timedelta(minutes=1))
    assert figures()[CEILING] == 1
    assert operations.unlock(BERNARD, NOW) == ["codes de connexion"]
    assert figures()[CEILING] == 0
    # The codes of the hour are forgotten (a sign-in under way asks for a new one); the unlock is in the history.
    assert waiting.id and not SigninCode.select().where(SigninCode.created_at > NOW - CODE_WINDOW).exists()
    assert [e.kind for e in space(BERNARD).events] == ["unlocked"]


def test_unlock_leaves_other_spaces_alone(dbc):
    Space.update(failed_login_count=4).execute()
    operations.unlock(BERNARD, NOW)
    assert [s.failed_login_count for s in Space.select().order_by(Space.subscriber_number)] == [4, 4, 0]
    assert Event.select().count() == 1


def test_unlock_an_unknown_space(dbc):
    with pytest.raises(Refused):
        operations.unlock("20101670101918", NOW)


def test_journal_of_a_space_newest_first_in_paris_time(dbc):
    bernard, lila = space(BERNARD).id, space(LILA).id
    history.record(bernard, "signin_failed", datetime(2026, 1, 15, 16, 5), "203.0.113.9")
    history.record(lila, "signin", datetime(2026, 1, 15, 16, 6), "203.0.113.9")
    history.record(bernard, "unlocked", datetime(2026, 1, 15, 16, 7))
    history.record(bernard, "signin", datetime(2025, 1, 15, 16, 7))  # more than a year before
    assert operations.journal(BERNARD, datetime(2026, 2, 1)) == [
        ("15/01/2026", "17h07", "Espace débloqué par l'assistance", ""),
        ("15/01/2026", "17h05", "Échec de connexion", "203.0.113.x"),
    ]


def test_purge_expired_runs_every_purge(dbc):
    request_for(space(LILA).id, PENDING, NOW, "a")
    request_for(space(CLAUDE).id, PENDING, NOW + timedelta(seconds=1), "b")
    history.record(space(BERNARD).id, "signin", NOW - history.KEPT)
    history.record(space(BERNARD).id, "signin", NOW - history.KEPT + timedelta(seconds=1))
    assert operations.purge_expired(NOW) == [
        ("demande(s) d'activation expirée(s)", 1),
        ("demande(s) d'activation terminée(s) depuis plus de 7 jours supprimée(s)", 0),
        ("événement(s) de l'historique de plus d'un an supprimé(s)", 1),
        ("lien(s) « Mot de passe oublié » expiré(s) supprimé(s)", 0),
        ("changement(s) d'adresse électronique périmé(s) supprimé(s)", 0),
        ("code(s) de connexion et navigateur(s) mémorisé(s) périmés supprimés", 0),
        ("message(s) de la boîte d'envoi de plus de 7 jours supprimé(s)", 0),
        ("compteur(s) d'échecs de connexion périmé(s) supprimé(s)", 0),
        ("session(s) terminée(s) depuis plus d'un jour supprimée(s)", 0),
        ("message(s) en échec depuis plus de 30 jours supprimé(s) de la file d'envoi", 0),
    ]
    assert [r.state for r in ActivationRequest.select().order_by(ActivationRequest.id)] == [EXPIRED, PENDING]
    assert Event.select().count() == 1
    assert [label for label, _ in operations.purge_expired(NOW)] == [label for label, _ in operations.PURGES]


def test_a_failing_purge_keeps_what_the_earlier_ones_did(dbc, monkeypatch):
    request_for(space(LILA).id, PENDING, NOW, "a")

    def broken(now):
        raise RuntimeError("disk full")

    monkeypatch.setattr(operations, "PURGES", operations.PURGES[:1] + (("broken", broken),))
    with pytest.raises(RuntimeError):
        operations.purge_expired(NOW)
    assert ActivationRequest.get().state == EXPIRED


OLD_KEY = "ZGV2LWVuY3J5cHRpb24ta2V5LW5vdC1mb3ItcHJvZHU="
NEW_KEY = "bmV3LWtleS1uZXctbmV3LWtleS1uZXctbmV3LWtleS0="


def test_rotation_re_encrypts_every_encrypted_column_with_the_newest_key(dbc):
    old = Encryptor([OLD_KEY])
    request = request_for(space(LILA).id, PENDING, NOW, "a")
    ActivationRequest.update(trust_answer_encrypted=old.encrypt("vélo")).where(ActivationRequest.id == request.id).execute()
    assert operations.rotate_encryption(Encryptor([NEW_KEY, OLD_KEY])) == 2  # Bernard's answer and the request's
    only_new = Encryptor([NEW_KEY])
    assert only_new.decrypt(space(BERNARD).trust_answer_encrypted) == "pêche"
    assert only_new.decrypt(ActivationRequest.get_by_id(request.id).trust_answer_encrypted) == "vélo"
    assert space(LILA).trust_answer_encrypted is None


def test_only_finished_activation_requests_are_deleted(dbc):
    old = NOW - operations.FINISHED_REQUESTS_KEPT - timedelta(days=1)
    request_for(space(LILA).id, PENDING, old, "a")  # not yet marked expired: the next purge marks it first
    request_for(space(CLAUDE).id, USED, old, "b")
    assert operations.purge_finished_requests(NOW) == 1
    assert [r.state for r in ActivationRequest.select()] == [PENDING]

"""Rules of the activation code and of the single switch of access."""
from datetime import datetime, timedelta

import pytest
from peewee import IntegrityError

from conftest import CLAUDE, LILA
from espace.domain import activation
from espace.domain.activation import CODE_ALPHABET, CODE_LENGTH, CODE_VALIDITY
from espace.domain.crypto import Encryptor
from espace.domain.errors import DeliveryFailed, Refused
from espace.domain.hashing import sha256_hex
from espace.models import (
    ACCESS_CERTIFICATE, ACCESS_PASSWORD, PENDING, SUPERSEDED, USED, ActivationRequest, Dossier,
    LegacyTrustAnswer, Service, Space,
)

NOW = datetime(2026, 11, 27, 10, 0, 0)


@pytest.fixture
def encryptor(app):
    return app.extensions["espace.encryptor"]


@pytest.fixture
def request_for(dbc, encryptor):
    """Create a pending request for a demo space; returns (request, code)."""
    def make(number=LILA, email="lila.pro@example.fr", at=NOW, question="Votre hobby ?"):
        sent = []
        space = Space.by_number(number)
        request = activation.request_activation(
            space.id, email, "$2b$04$fakehashfakehashfakehashfakehashfakehashfakehashfake", question,
            "Équitation", encryptor, at, lambda req, code: sent.append(code),
        )
        return request, sent[0]
    return make


def test_code_is_12_characters_from_a_random_source():
    codes = {activation.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)


def test_code_is_stored_only_as_a_hash(request_for):
    request, code = request_for()
    stored = ActivationRequest.get_by_id(request.id)
    assert stored.code_hash == sha256_hex(code)
    assert code not in stored.code_hash


def test_new_trust_answer_is_stored_encrypted(request_for, encryptor):
    request, _ = request_for()
    stored = bytes(ActivationRequest.get_by_id(request.id).trust_answer_encrypted)
    assert "Équitation".encode() not in stored
    assert encryptor.decrypt(stored) == "Équitation"


def test_encryption_key_rotation_keeps_old_data_readable():
    old = Encryptor(["ZGV2LWVuY3J5cHRpb24ta2V5LW5vdC1mb3ItcHJvZHU="])
    token = old.encrypt("pêche")
    rotated = Encryptor(["bmV3LWtleS1uZXctbmV3LWtleS1uZXctbmV3LWtleS0=", "ZGV2LWVuY3J5cHRpb24ta2V5LW5vdC1mb3ItcHJvZHU="])
    assert rotated.decrypt(token) == "pêche"
    with pytest.raises(ValueError):
        Encryptor(["bmV3LWtleS1uZXctbmV3LWtleS1uZXctbmV3LWtleS0="]).decrypt(token)


@pytest.mark.parametrize("elapsed, usable", [
    (CODE_VALIDITY - timedelta(seconds=1), True),
    (CODE_VALIDITY, False),
    (CODE_VALIDITY + timedelta(seconds=1), False),
])
def test_code_is_valid_48_hours_from_sending(request_for, elapsed, usable):
    request, code = request_for()
    if usable:
        assert activation.find_request_by_code(code, NOW + elapsed).id == request.id
        activation.activate(request.id, "lila.pro@example.fr", NOW + elapsed)
    else:
        with pytest.raises(Refused, match="reprendre la procédure au début"):
            activation.find_request_by_code(code, NOW + elapsed)
        with pytest.raises(Refused):
            activation.activate(request.id, "lila.pro@example.fr", NOW + elapsed)
        assert Space.by_number(LILA).access_mode == ACCESS_CERTIFICATE


def test_code_is_single_use(request_for):
    request, code = request_for()
    activation.activate(request.id, "lila.pro@example.fr", NOW)
    with pytest.raises(Refused, match="déjà été utilisé"):
        activation.find_request_by_code(code, NOW)
    with pytest.raises(Refused, match="déjà été utilisé"):
        activation.activate(request.id, "lila.pro@example.fr", NOW)


def test_the_recap_shows_the_space_the_code_activated(request_for):
    request, code = request_for()
    space = activation.activate(activation.find_request_by_code(code, NOW).id, "lila.pro@example.fr", NOW)
    shown = activation.activated_space(space.id)
    assert (shown.subscriber_number, shown.login_email) == (LILA, "lila.pro@example.fr")


def test_unknown_code_is_refused(dbc):
    with pytest.raises(Refused, match="incorrect"):
        activation.find_request_by_code("AAAAAAAAAAAA", NOW)


def test_connection_address_must_be_the_one_chosen(request_for):
    request, _ = request_for()
    with pytest.raises(Refused, match="n'est pas celle choisie"):
        activation.activate(request.id, "autre@example.fr", NOW)
    assert ActivationRequest.get_by_id(request.id).state == PENDING
    # Case does not matter in an address.
    activation.activate(request.id, "LILA.PRO@example.fr", NOW)


def test_until_activation_the_space_stays_as_it_was(request_for):
    before = Space.by_number(LILA)
    request_for()
    after = Space.by_number(LILA)
    assert after.access_mode == ACCESS_CERTIFICATE and after.login_email is None
    assert after.password_hash is None and after.certificate_number == before.certificate_number


def test_activation_keeps_number_identity_dossiers_and_services(request_for):
    space = Space.by_number(LILA)
    dossiers = sorted((d.siren, d.name) for d in space.dossiers)
    services = sorted(s.name for s in space.services)
    identity = (space.id, space.subscriber_number, space.last_name, space.first_name, space.phone,
                space.contact_email, space.address)
    request, _ = request_for()
    activation.activate(request.id, "lila.pro@example.fr", NOW)
    space = Space.by_number(LILA)
    assert (space.id, space.subscriber_number, space.last_name, space.first_name, space.phone,
            space.contact_email, space.address) == identity
    assert sorted((d.siren, d.name) for d in space.dossiers) == dossiers
    assert sorted(s.name for s in space.services) == services
    assert Dossier.select().where(Dossier.space == space).count() == len(dossiers)
    assert Service.select().where(Service.space == space).count() == len(services)
    # The certificate data is gone; the new access is in place.
    assert space.access_mode == ACCESS_PASSWORD and space.login_email == "lila.pro@example.fr"
    assert space.certificate_number is None and space.certificate_authority is None
    assert space.certificate_expires_on is None
    assert space.trust_question == "Votre hobby ?" and space.registered_at == NOW
    assert LegacyTrustAnswer.select().where(LegacyTrustAnswer.space == space).count() == 0
    assert ActivationRequest.get_by_id(request.id).state == USED


def test_address_of_another_space_login_is_refused(request_for):
    with pytest.raises(Refused, match="déjà associée à un autre espace"):
        request_for(email="toto321@toto.toto")


def test_address_pending_for_another_space_is_refused(request_for):
    request_for(number=LILA, email="commune@example.fr")
    with pytest.raises(Refused, match="déjà associée à un autre espace"):
        request_for(number=CLAUDE, email="commune@example.fr")


def test_no_new_code_for_the_same_address_within_48_hours(request_for):
    request_for(email="lila.pro@example.fr")
    with pytest.raises(Refused, match="moins de 48 h"):
        request_for(email="lila.pro@example.fr", at=NOW + CODE_VALIDITY - timedelta(seconds=1))
    # After 48 h the old request expires and a new code can be sent.
    request, _ = request_for(email="lila.pro@example.fr", at=NOW + CODE_VALIDITY + timedelta(seconds=1))
    assert request.state == PENDING


def test_a_new_address_replaces_the_earlier_request_of_the_space(request_for):
    first, first_code = request_for(email="premiere@example.fr")
    request_for(email="seconde@example.fr")
    assert ActivationRequest.get_by_id(first.id).state == SUPERSEDED
    with pytest.raises(Refused):
        activation.find_request_by_code(first_code, NOW)


def test_database_refuses_two_pending_requests_for_one_address(request_for):
    request, _ = request_for(email="unique@example.fr")
    claude = Space.by_number(CLAUDE)
    with pytest.raises(IntegrityError):
        ActivationRequest.create(
            space=claude, email="unique@example.fr", code_hash="x" * 64, password_hash="h",
            trust_question="q", trust_answer_encrypted=b"a", state=PENDING, created_at=NOW,
            expires_at=NOW + CODE_VALIDITY,
        )


def test_database_refuses_one_login_address_for_two_spaces(dbc):
    lila, claude = Space.by_number(LILA), Space.by_number(CLAUDE)
    Space.update(login_email="meme@example.fr").where(Space.id == lila.id).execute()
    with pytest.raises(IntegrityError):
        Space.update(login_email="meme@example.fr").where(Space.id == claude.id).execute()


def test_failed_sending_keeps_nothing(dbc, encryptor):
    space = Space.by_number(LILA)

    def broken(request, code):
        raise DeliveryFailed("smtp down")

    with pytest.raises(Refused, match="n'a pas pu être envoyé"):
        activation.request_activation(space.id, "lila.pro@example.fr", "h", "Votre hobby ?", "x",
                                      encryptor, NOW, broken)
    assert ActivationRequest.select().count() == 0


def test_question_must_come_from_the_list(dbc, encryptor):
    space = Space.by_number(LILA)
    with pytest.raises(Refused, match="dans la liste"):
        activation.request_activation(space.id, "l@example.fr", "h", "Quel est votre code PIN ?", "x",
                                      encryptor, NOW, lambda c, r: None)


def refusal_of(call, *args):
    with pytest.raises(Refused) as refusal:
        call(*args)
    return refusal.value.message, refusal.value.field


def test_each_refusal_says_why_next_to_its_field(request_for, dbc):
    request, code = request_for()
    assert refusal_of(activation.find_request_by_code, "AAAAAAAAAAAA", NOW) == (
        "Le code d'activation est incorrect. Vérifiez le code reçu par courriel.", "code")
    assert refusal_of(activation.activate, request.id, "autre@example.fr", NOW) == (
        "Cette adresse électronique n'est pas celle choisie lors de votre demande (étape « Identifiants »).",
        "email")
    late = NOW + CODE_VALIDITY
    assert refusal_of(activation.find_request_by_code, code, late) == (
        "Ce code d'activation n'est plus valable (délai de 48 h dépassé ou nouvelle demande) : "
        "vous devez reprendre la procédure au début pour recevoir un nouveau code.", "code")
    activation.activate(request.id, " Lila.Pro@example.fr ", NOW)
    assert refusal_of(activation.find_request_by_code, f" {code[:6]} {code[6:]} ", NOW) == (
        "Ce code d'activation a déjà été utilisé : votre espace est activé, connectezvous.".replace(
            "connectezvous", "connectez-vous"), "code")


def test_refusals_of_the_address_and_the_question(request_for, encryptor):
    request_for(email="pris@example.fr")
    claude = Space.by_number(CLAUDE)
    taken = ("Cette adresse électronique est déjà associée à un autre espace professionnel : "
             "choisissez-en une autre.", "email")
    args = ("$2b$04$x", "Votre hobby ?", "x", encryptor, NOW, lambda code, request: None)
    assert refusal_of(activation.request_activation, claude.id, "PRIS@example.fr", *args) == taken
    assert refusal_of(activation.request_activation, claude.id, "toto321@toto.toto", *args) == taken
    lila = Space.by_number(LILA)
    assert refusal_of(activation.request_activation, lila.id, "pris@example.fr", *args) == (
        "Un code d'activation a déjà été envoyé à cette adresse il y a moins de 48 h : "
        "utilisez-le pour activer votre espace, ou choisissez une autre adresse.", "email")
    assert refusal_of(activation.request_activation, lila.id, "neuf@example.fr", "$2b$04$x", "Q ?", "x",
                      encryptor, NOW, lambda code, request: None) == (
        "Choisissez une question de confiance dans la liste.", "question")


def test_the_request_as_stored_and_as_sent(dbc, encryptor):
    sent = []
    lila = Space.by_number(LILA)
    request = activation.request_activation(lila.id, " Lila.Pro@Example.fr ", "$2b$04$hash", "Votre hobby ?",
                                            "  Équitation ", encryptor, NOW,
                                            lambda req, code: sent.append((code, req.id)))
    [(code, sent_id)] = sent
    stored = ActivationRequest.get_by_id(request.id)
    assert sent_id == stored.id and stored.code_hash == sha256_hex(code)
    assert (stored.space_id, stored.email, stored.password_hash, stored.trust_question, stored.state) == (
        lila.id, "lila.pro@example.fr", "$2b$04$hash", "Votre hobby ?", PENDING)
    assert encryptor.decrypt(stored.trust_answer_encrypted) == "Équitation"
    assert (stored.created_at, stored.expires_at, stored.used_at) == (NOW, NOW + timedelta(hours=48), None)


def test_an_expired_request_stops_blocking_its_address_at_48_hours_exactly(request_for):
    first, _ = request_for(email="lila.pro@example.fr")
    assert activation.expire_stale_requests(NOW + CODE_VALIDITY - timedelta(seconds=1)) == 0
    assert activation.email_refusal(Space.by_number(CLAUDE).id, "lila.pro@example.fr",
                                    NOW + CODE_VALIDITY - timedelta(seconds=1)) is not None
    assert activation.email_refusal(Space.by_number(CLAUDE).id, "lila.pro@example.fr", NOW + CODE_VALIDITY) is None
    assert activation.expire_stale_requests(NOW + CODE_VALIDITY) == 1
    assert ActivationRequest.get_by_id(first.id).state == "expired"
    assert activation.email_refusal(Space.by_number(LILA).id, "lila.pro@example.fr", NOW) is None


def test_a_new_request_supersedes_only_the_same_space(request_for):
    lila_request, _ = request_for(number=LILA, email="lila.pro@example.fr")
    claude_request, _ = request_for(number=CLAUDE, email="claude.pro@example.fr")
    request_for(number=LILA, email="lila.autre@example.fr")
    assert ActivationRequest.get_by_id(lila_request.id).state == SUPERSEDED
    assert ActivationRequest.get_by_id(claude_request.id).state == PENDING


def test_activation_switches_every_field_and_marks_the_request(request_for):
    request, _ = request_for()
    Space.update(failed_answer_count=3, answers_locked_until=NOW).where(Space.subscriber_number == LILA).execute()
    space = activation.activate(request.id, "lila.pro@example.fr", NOW)
    assert (space.access_mode, space.login_email, space.trust_question, space.registered_at) == (
        ACCESS_PASSWORD, "lila.pro@example.fr", "Votre hobby ?", NOW)
    assert space.password_hash == request.password_hash and space.failed_answer_count == 0
    assert bytes(space.trust_answer_encrypted) == bytes(request.trust_answer_encrypted)
    assert (space.certificate_number, space.certificate_authority, space.certificate_expires_on) == (None, None, None)
    assert space.answers_locked_until is None
    used = ActivationRequest.get_by_id(request.id)
    assert (used.state, used.used_at) == (USED, NOW)
    assert LegacyTrustAnswer.select().where(LegacyTrustAnswer.space == space.id).count() == 0
    assert LegacyTrustAnswer.select().count() == 3  # Claude's are untouched


def test_code_validity_is_48_hours():
    assert CODE_VALIDITY == timedelta(hours=48) and CODE_LENGTH == 12
    assert activation.clean_code(" Ab cd\tEf ") == "AbcdEf" and activation.clean_code(None) == ""


def test_an_address_taken_in_the_same_instant_is_refused_by_the_database(dbc, encryptor, monkeypatch):
    def taken(**fields):
        raise IntegrityError("UNIQUE constraint failed: activation_request.email")

    monkeypatch.setattr(ActivationRequest, "create", taken)
    lila = Space.by_number(LILA)
    assert refusal_of(activation.request_activation, lila.id, "lila.pro@example.fr", "$2b$04$x", "Votre hobby ?",
                      "x", encryptor, NOW, lambda code, request: None) == (
        "Cette adresse électronique est déjà associée à un autre espace professionnel : "
        "choisissez-en une autre.", "email")


def test_a_request_claimed_in_the_same_instant_is_refused_as_used(request_for, monkeypatch):
    request, _ = request_for()
    stale = ActivationRequest.get_by_id(request.id)  # what a concurrent submission read
    ActivationRequest.update(state=USED, used_at=NOW).where(ActivationRequest.id == request.id).execute()
    reads = iter([stale])
    real = ActivationRequest.get_by_id
    monkeypatch.setattr(ActivationRequest, "get_by_id", classmethod(
        lambda cls, pk: next(reads, None) or real(pk)))
    assert refusal_of(activation.activate, request.id, "lila.pro@example.fr", NOW) == (
        "Ce code d'activation a déjà été utilisé : votre espace est activé, connectez-vous.", "code")
    assert Space.by_number(LILA).access_mode == ACCESS_CERTIFICATE


def test_a_space_switched_in_the_same_instant_is_not_switched_twice(request_for):
    request, _ = request_for()
    Space.update(access_mode=ACCESS_PASSWORD).where(Space.subscriber_number == LILA).execute()
    assert refusal_of(activation.activate, request.id, "lila.pro@example.fr", NOW) == (
        "Ce code d'activation a déjà été utilisé : votre espace est activé, connectez-vous.", "code")
    assert ActivationRequest.get_by_id(request.id).state == PENDING  # rolled back with the rest


def test_an_address_that_became_another_space_login_is_refused_at_activation(request_for):
    request, _ = request_for()
    Space.update(login_email="lila.pro@example.fr").where(Space.subscriber_number == CLAUDE).execute()
    assert refusal_of(activation.activate, request.id, "lila.pro@example.fr", NOW) == (
        "Cette adresse électronique est déjà associée à un autre espace professionnel : "
        "choisissez-en une autre.", "email")
    assert ActivationRequest.get_by_id(request.id).state == PENDING

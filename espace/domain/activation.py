"""Step 4 to activation: the request, its e-mailed code, and the single switch of access."""
import secrets
import string
from datetime import timedelta

from peewee import IntegrityError

from ..models import (
    ACCESS_CERTIFICATE,
    ACCESS_PASSWORD,
    EXPIRED,
    PENDING,
    ActivationRequest,
    EmailChange,
    LegacyTrustAnswer,
    Space,
    db,
)
from .credentials import clean_code, normalise_email
from .events import emit
from .errors import DeliveryFailed, Refused
from .hashing import sha256_hex
from .pending import check_usable

CODE_LENGTH = 12
CODE_ALPHABET = string.ascii_letters  # like « YnsfLgSNtUuu »
CODE_VALIDITY_HOURS = 48
CODE_VALIDITY = timedelta(hours=CODE_VALIDITY_HOURS)

TRUST_QUESTIONS = (
    "Quel est votre surnom ?",
    "Votre hobby ?",
    "Votre sport préféré ?",
    "La marque de votre première voiture ?",
    "Le prénom de votre mère ou de votre père ?",
    "La ville de naissance de votre premier enfant ?",
    "Le prénom de votre conjoint(e) ?",
)
TRUST_ANSWER_MAX = 100

EMAIL_TAKEN = (
    "Cette adresse électronique est déjà associée à un autre espace professionnel : "
    "choisissez-en une autre."
)
CODE_ALREADY_SENT = (
    f"Un code d'activation a déjà été envoyé à cette adresse il y a moins de {CODE_VALIDITY_HOURS} h : "
    "utilisez-le pour activer votre espace, ou choisissez une autre adresse."
)
MAIL_FAILED = (
    "Le courriel contenant le code d'activation n'a pas pu être envoyé. "
    "Rien n'a été enregistré : réessayez dans quelques minutes."
)
CODE_UNKNOWN = "Le code d'activation est incorrect. Vérifiez le code reçu par courriel."
CODE_USED = "Ce code d'activation a déjà été utilisé : votre espace est activé, connectez-vous."
CODE_EXPIRED = (
    f"Ce code d'activation n'est plus valable (délai de {CODE_VALIDITY_HOURS} h dépassé ou nouvelle demande) : "
    "vous devez reprendre la procédure au début pour recevoir un nouveau code."
)


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def expire_stale_requests(now):
    """Pending requests past 48 h stop blocking their address."""
    return (
        ActivationRequest.update(state=EXPIRED)
        .where((ActivationRequest.state == PENDING) & (ActivationRequest.expires_at <= now))
        .execute()
    )


def email_refusal(space_id, email, now):
    """Why this address cannot be chosen by this space now, or None."""
    email = normalise_email(email)
    owner = Space.by_login_email(email)
    if owner is not None and owner.id != space_id:
        return EMAIL_TAKEN
    pending = (
        ActivationRequest.pending_for_email(email)
        .where(ActivationRequest.expires_at > now)
        .first()
    )
    if pending is not None:
        return CODE_ALREADY_SENT if pending.space_id == space_id else EMAIL_TAKEN
    # Another space waiting to confirm this address as its new login (EP 5): taken too.
    if EmailChange.pending(now).where((EmailChange.email == email) & (EmailChange.space != space_id)).exists():
        return EMAIL_TAKEN
    return None


def request_activation(space_id, email, password_hash, question, answer, encryptor, now, send):
    """Store the request and send its code, in one transaction: if sending fails, nothing is kept.

    `send(request, code)` delivers the e-mail. Returns the request.
    """
    email = normalise_email(email)
    if question not in TRUST_QUESTIONS:
        raise Refused("Choisissez une question de confiance dans la liste.", "question")
    code = new_code()
    try:
        with db.atomic():
            expire_stale_requests(now)
            refusal = email_refusal(space_id, email, now)
            if refusal:
                raise Refused(refusal, "email")
            # A new address for the same space replaces its earlier request.
            ActivationRequest.supersede_pending(space_id)
            request = ActivationRequest.create(
                space=space_id,
                email=email,
                code_hash=sha256_hex(code),
                password_hash=password_hash,
                trust_question=question,
                trust_answer_encrypted=encryptor.encrypt(answer.strip()),
                state=PENDING,
                created_at=now,
                expires_at=now + CODE_VALIDITY,
            )
            send(request, code)
    except IntegrityError:
        # Another request for this address won the race: the database said no.
        raise Refused(EMAIL_TAKEN, "email")
    except DeliveryFailed:
        raise Refused(MAIL_FAILED, "answer")
    emit("code_sent", space_id, now)
    return request


def activated_space(space_id):
    """The space an activation just converted: its number and date for the recap and its PDF."""
    return Space.get_by_id(space_id)


def find_request_by_code(code, now):
    """The pending request this code opens, or a refusal."""
    request = ActivationRequest.get_or_none(ActivationRequest.code_hash == sha256_hex(clean_code(code)))
    if request is None:
        raise Refused(CODE_UNKNOWN, "code")
    return check_request_usable(request, now)


def check_request_usable(request, now):
    return check_usable(request, now, CODE_USED, CODE_EXPIRED)


def activate(request_id, email, now):
    """Switch the space to e-mail + password access, all or nothing. Returns the space."""
    request = ActivationRequest.get_by_id(request_id)
    check_request_usable(request, now)
    if normalise_email(email) != request.email:
        raise Refused(
            "Cette adresse électronique n'est pas celle choisie lors de votre demande "
            "(étape « Identifiants »).",
            "email",
        )
    try:
        with db.atomic():
            # Of two simultaneous submissions, exactly one claims the request (Expiring.claim).
            if not request.claim(now):
                check_request_usable(ActivationRequest.get_by_id(request.id), now)
                raise Refused(CODE_USED, "code")
            switched = (
                Space.update(
                    access_mode=ACCESS_PASSWORD,
                    login_email=request.email,
                    password_hash=request.password_hash,
                    trust_question=request.trust_question,
                    trust_answer_encrypted=request.trust_answer_encrypted,
                    certificate_number=None,
                    certificate_authority=None,
                    certificate_expires_on=None,
                    registered_at=now,
                    legacy_answers_hash=None,
                    failed_answer_count=0,
                    answers_locked_until=None,
                )
                .where((Space.id == request.space_id) & (Space.access_mode == ACCESS_CERTIFICATE))
                .execute()
            )
            if switched != 1:
                raise Refused(CODE_USED, "code")
            # The three questions belonged to the certificate access, now replaced.
            LegacyTrustAnswer.delete().where(LegacyTrustAnswer.space == request.space_id).execute()
    except IntegrityError:
        raise Refused(EMAIL_TAKEN, "email")
    emit("activated", request.space_id, now)
    return Space.get_by_id(request.space_id)

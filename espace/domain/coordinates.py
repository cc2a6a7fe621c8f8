"""EP 3 « Modifier les coordonnées »: telephone, professional address, trust question.

French postal rules (AFNOR NF Z10-011, as La Poste applies them): at most 38 characters a
line, the last line « code postal + VILLE » in capitals without accents, 5-digit postcode.
"""
import re
import unicodedata

from ..models import PasswordReset, Space, db
from . import clock
from .activation import TRUST_ANSWER_MAX, TRUST_QUESTIONS
from .credentials_change import check_current_password
from .errors import Refused
from .events import emit
from .pending import end_pending

# 01 23 45 67 89, 0123456789, 01.23.45.67.89, 01-23-45-67-89, +33 1 23 45 67 89,
# +33123456789, +33 (0)1 23 45 67 89, 0033 1 23 45 67 89. One separator between groups.
PHONE_RE = re.compile(
    r"(?:0|(?:\+|00)33[ .-]?(?:\(0\)[ .-]?)?)(?P<first>[1-9])(?P<rest>(?:[ .-]?[0-9]{2}){4})"
)
PHONE_PROBLEM = (
    "Le numéro de téléphone doit être un numéro français à 10 chiffres, par exemple "
    "01 23 45 67 89 ou +33 1 23 45 67 89."
)
PHONE_INPUT_MAX = 30

LINE_MAX = 38
LINES_MAX = 4
CITY_MAX = 32
POSTCODE_DIGITS = 5
POSTCODE_RE = re.compile(f"[0-9]{{{POSTCODE_DIGITS}}}")
CITY_RE = re.compile(r"[A-Z0-9]+(?:[ '-][A-Z0-9]+)*")
# « 75016 PARIS », possibly followed by the country, ends an address written as one block;
# the last postcode wins (« BP 12345 75016 PARIS »).
LAST_LINE_RE = re.compile(
    r"^(?:(?P<lines>.*)[\s,])?(?P<postcode>[0-9]{5})[ \t]+(?P<city>[^\n]+?)(?:\s+FRANCE)?\s*$",
    re.DOTALL | re.IGNORECASE,
)

COORDINATES_CHANGED = "Vos coordonnées ont été modifiées."
QUESTION_CHANGED = "Votre question de confiance a été modifiée."


def normalise_phone(raw):
    """« +33 1 23 45 67 89 » → « 0123456789 »; '' stays ''; None when it is not a French number."""
    text = (raw or "").strip()
    if not text:
        return ""
    match = PHONE_RE.fullmatch(text)
    if match is None:
        return None
    return "0" + match["first"] + re.sub(r"[ .-]", "", match["rest"])


def phone_problem(raw):
    if len(raw or "") > PHONE_INPUT_MAX or normalise_phone(raw) is None:
        return PHONE_PROBLEM
    return None


def display_phone(phone):
    """« 0123456789 » → « 01 23 45 67 89 »."""
    if len(phone or "") != 10:
        return phone or ""
    return " ".join(phone[i:i + 2] for i in range(0, 10, 2))


def address_lines(raw):
    """The non-empty lines, their spaces tidied."""
    return [" ".join(line.split()) for line in (raw or "").splitlines() if line.strip()]


def lines_problem(raw):
    lines = address_lines(raw)
    if not lines:
        return "Saisissez le numéro et la voie de votre adresse professionnelle."
    if len(lines) > LINES_MAX:
        return f"L'adresse ne doit pas dépasser {LINES_MAX} lignes (hors code postal et ville)."
    for number, line in enumerate(lines, 1):
        if len(line) > LINE_MAX:
            return (f"La ligne {number} de l'adresse (« {line[:LINE_MAX]}… ») compte {len(line)} caractères : "
                    f"chaque ligne ne doit pas dépasser {LINE_MAX} caractères.")
    if any(not line.isprintable() for line in lines):
        return "L'adresse contient un caractère non imprimable."
    return None


def postcode_problem(raw):
    if not POSTCODE_RE.fullmatch((raw or "").strip()):
        return f"Le code postal doit comporter exactement {POSTCODE_DIGITS} chiffres, par exemple 75016."
    return None


def normalise_city(raw):
    """« Saint-Étienne » → « SAINT-ETIENNE », as La Poste prints the last line."""
    text = (raw or "").upper().replace("Œ", "OE").replace("Æ", "AE")
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(bare.split())


def city_problem(raw):
    city = normalise_city(raw)
    if not city:
        return "Saisissez la ville."
    if len(city) > CITY_MAX:
        return f"La ville ne doit pas dépasser {CITY_MAX} caractères."
    if not CITY_RE.fullmatch(city):
        return "La ville ne peut contenir que des lettres, des chiffres, des espaces, des traits d'union et des apostrophes."
    return None


def split_address(text):
    """A one-block address → {address, postcode, city}; what cannot be parsed stays in the lines.

    « 12, rue de Longchamp 75016 PARIS FRANCE » → « 12, rue de Longchamp », « 75016 », « PARIS ».
    """
    text = (text or "").strip()
    match = LAST_LINE_RE.fullmatch(text)
    if match is None:
        return {"address": "\n".join(address_lines(text)), "postcode": "", "city": ""}
    lines = address_lines((match["lines"] or "").rstrip(" ,"))
    return {"address": "\n".join(lines), "postcode": match["postcode"], "city": normalise_city(match["city"])}


def change_coordinates(space_id, phone, lines, postcode, city, now=None):
    """Store the telephone and the professional address; returns whether anything changed
    (only a change is told: journal and notice)."""
    for field, problem in (("phone", phone_problem(phone)), ("address", lines_problem(lines)),
                           ("postcode", postcode_problem(postcode)), ("city", city_problem(city))):
        if problem:
            raise Refused(problem, field)
    values = {"phone": normalise_phone(phone), "address": "\n".join(address_lines(lines)),
              "postcode": postcode.strip(), "city": normalise_city(city)}
    space = Space.get_by_id(space_id)
    if all(getattr(space, name) == value for name, value in values.items()):
        return False
    Space.update(values).where(Space.id == space_id).execute()
    emit("coordinates_changed", space_id, now or clock.now())
    return True


def change_trust_question(space_id, question, answer, password, hasher, encryptor, now):
    """A new trust question and answer, once the current password is given (answer encrypted)."""
    if question not in TRUST_QUESTIONS:
        raise Refused("Choisissez une question de confiance dans la liste.", "question")
    answer = (answer or "").strip()
    if not answer:
        raise Refused("Saisissez la réponse à la question de confiance.", "answer")
    if len(answer) > TRUST_ANSWER_MAX:
        raise Refused(f"La réponse ne doit pas dépasser {TRUST_ANSWER_MAX} caractères.", "answer")
    check_current_password(space_id, password, hasher, now)
    with db.atomic():
        Space.update(trust_question=question, trust_answer_encrypted=encryptor.encrypt(answer)).where(
            Space.id == space_id).execute()
        # The question guards « Mot de passe oublié »: a link sent before it changed dies with it.
        end_pending(space_id, kinds=(PasswordReset,))
    emit("trust_question_changed", space_id, now)

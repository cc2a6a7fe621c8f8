"""Step 3: the connection address and the password, and their rules."""
import re

from email_validator import EmailNotValidError, validate_email

from .hashing import BCRYPT_MAX_BYTES

EMAIL_MAX = 100
PASSWORD_MIN = 20
PASSWORD_MAX = BCRYPT_MAX_BYTES  # ASCII only, so characters = bytes
# Letters, digits and ASCII punctuation (the seed's own example « 1tvmq2t1'A » has an
# apostrophe); no space, no accented or other non-ASCII character.
PASSWORD_ALLOWED = re.compile(r"[\x21-\x7e]+")


def normalise_email(raw):
    """Addresses are compared without case; the domain is normalised by email-validator."""
    return (raw or "").strip().lower()


def email_problem(raw):
    """The French message for a bad address, or None."""
    email = normalise_email(raw)
    if not email:
        return "Saisissez votre adresse électronique."
    if len(email) > EMAIL_MAX:
        return f"L'adresse électronique ne doit pas dépasser {EMAIL_MAX} caractères."
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "Saisissez une adresse électronique valide, au format utilisateur@domaine.fr."
    return None


def password_problem(password):
    """The French message for a password that breaks the rules, or None."""
    if not password:
        return "Saisissez un mot de passe."
    if any(c.isspace() for c in password):
        return "Le mot de passe ne doit pas contenir d'espace."
    if not PASSWORD_ALLOWED.fullmatch(password):
        return "Le mot de passe ne doit contenir ni caractère accentué ni caractère spécial non imprimable."
    if len(password) < PASSWORD_MIN:
        return f"Le mot de passe doit comporter {PASSWORD_MIN} caractères au minimum."
    if len(password) > PASSWORD_MAX:
        return f"Le mot de passe ne doit pas dépasser {PASSWORD_MAX} caractères."
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "Le mot de passe doit comporter au moins une lettre et au moins un chiffre."
    return None


def password_strength(password):
    """0..4, for the live « Sécurité du mot de passe » indicator (same scale as static/app.js)."""
    if password_problem(password):
        return 0
    classes = sum(
        bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")
    )
    return 1 + (classes >= 3) + (len(password) >= 24) + (len(password) >= 30 and classes == 4)


SAME_PASSWORD = "Le nouveau mot de passe doit être différent du mot de passe actuel."


def new_password_problem(password, current_hash, hasher):
    """Why `password` cannot replace the current one (EP 5, EP 6), or None: the EP 4 rules, then
    not the current password (one bcrypt check)."""
    return password_problem(password) or (SAME_PASSWORD if hasher.check(password, current_hash) else None)


def clean_code(raw):
    """A code as typed or pasted from an e-mail, without its spaces: « 123 456 » → « 123456 »."""
    return "".join((raw or "").split())

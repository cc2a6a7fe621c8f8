"""Import of certificate spaces from the legacy system (JSON records), all or nothing."""
from datetime import date

from .coordinates import split_address
from .errors import Refused
from .identity import NUMBER_DIGITS, clean_number, hash_answers, is_valid_number
from ..models import ACCESS_CERTIFICATE, Dossier, LegacyTrustAnswer, Service, Space, db

REQUIRED = ("subscriber_number", "last_name", "first_name", "answers")


def record_problem(record):
    """The French reason a record cannot be imported, or None."""
    missing = [k for k in REQUIRED if not record.get(k)]
    if missing:
        return f"champ(s) manquant(s) {', '.join(missing)}"
    if not is_valid_number(clean_number(str(record["subscriber_number"]))):
        return f"le numéro d'abonné doit comporter {NUMBER_DIGITS} chiffres"
    answers = record["answers"]
    if len(answers) != 3 or not all(a.get("question") and a.get("answer") for a in answers):
        return "il faut exactement 3 questions de confiance avec leur réponse"
    return None


def check_record(index, record):
    problem = record_problem(record)
    return f"fiche {index} : {problem}" if problem else None


def import_spaces(records, hasher):
    """Create the spaces whose number is new; returns (created, skipped). Refuses the whole file on any bad record."""
    problems = [p for p in (check_record(i, r) for i, r in enumerate(records, start=1)) if p]
    if problems:
        raise Refused("; ".join(problems))
    created = skipped = 0
    with db.atomic():
        for record in records:
            number = clean_number(str(record["subscriber_number"]))
            if Space.by_number(number) is not None:
                skipped += 1
                continue
            expires = record.get("certificate_expires_on")
            space = Space.create(
                subscriber_number=number,
                last_name=record["last_name"],
                first_name=record["first_name"],
                phone=record.get("phone", ""),
                contact_email=record.get("contact_email", ""),
                **split_address(record.get("address", "")),
                access_mode=ACCESS_CERTIFICATE,
                certificate_number=record.get("certificate_number"),
                certificate_authority=record.get("certificate_authority"),
                certificate_expires_on=date.fromisoformat(expires) if expires else None,
                # One bcrypt hash for the three answers: one operation to check them.
                legacy_answers_hash=hash_answers([a["answer"] for a in record["answers"]], hasher),
            )
            for position, item in enumerate(record["answers"], start=1):
                LegacyTrustAnswer.create(space=space, position=position, question=item["question"])
            for dossier in record.get("dossiers", []):
                Dossier.create(space=space, siren=dossier["siren"], name=dossier["name"])
            for name in record.get("services", []):
                Service.create(space=space, name=name)
            created += 1
    return created, skipped

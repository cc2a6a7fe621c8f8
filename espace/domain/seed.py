"""The demo data of SPEC.md; seeding is idempotent (keyed by subscriber number)."""
from datetime import datetime

from ..models import ACCESS_CERTIFICATE, ACCESS_PASSWORD, Dossier, LegacyTrustAnswer, Service, Space, db
from .identity import hash_answers
from .legacy import import_spaces

DEMO_SPACES = [
    {
        "subscriber_number": "20101670101919",
        "last_name": "ROSEMONDE",
        "first_name": "Lila",
        "phone": "0123456789",
        "contact_email": "lila.rosemonde@orange.fr",
        "address": "12, rue de Longchamp\n75016 PARIS\nFRANCE",
        "access_mode": ACCESS_CERTIFICATE,
        "certificate_number": "111B444E5555C66 B",
        "certificate_authority": "CN=IGC v1.0=DGI.C=FR",
        "certificate_expires_on": "2016-11-26",
        "answers": [
            {"question": "Le prénom de votre mère ou de votre père ?", "answer": "Laurence"},
            {"question": "Votre sport préféré ?", "answer": "Rugby"},
            {"question": "La marque de votre première voiture ?", "answer": "Renault"},
        ],
        "dossiers": [{"siren": "412345670", "name": "ROSEMONDE CONSEIL SARL"}, {"siren": "523456788", "name": "LONGCHAMP IMMOBILIER SCI"}],
        "services": ["Déclarer TVA", "Payer TVA", "Consulter le compte fiscal", "Déclarer résultat"],
    },
    {
        "subscriber_number": "20050170000303",
        "last_name": "PEKMEZ",
        "first_name": "Claude",
        "phone": "0231880303",
        "contact_email": "graycpekmez@lucienbarriere.com",
        "address": "Boulevard Eugène Cornuché\n14800 DEAUVILLE\nFRANCE",
        "access_mode": ACCESS_CERTIFICATE,
        "certificate_number": "2005A017C0303 B",
        "certificate_authority": "CN=IGC v1.0=DGI.C=FR",
        "certificate_expires_on": "2008-01-16",
        "answers": [
            {"question": "La ville de naissance de votre premier enfant ?", "answer": "Deauville"},
            {"question": "Le prénom de votre conjoint(e) ?", "answer": "Gray"},
            {"question": "Le prénom de votre mère ou de votre père ?", "answer": "Lucien"},
        ],
        "dossiers": [
            {"siren": "634567895", "name": "PEKMEZ HÔTELLERIE SAS"},
            {"siren": "745678904", "name": "CASINO DE LA PLAGE SA"},
            {"siren": "856789011", "name": "LES PLANCHES SARL"},
        ],
        "services": ["Déclarer TVA", "Payer TVA", "Payer impôt sur les sociétés", "Consulter le compte fiscal"],
    },
    {
        "subscriber_number": "20150830040707",
        "last_name": "DOUASBIN",
        "first_name": "Bernard",
        "phone": "0233476796",
        "contact_email": "toto321@toto.toto",
        "address": "",
        "access_mode": ACCESS_PASSWORD,
        "login_email": "toto321@toto.toto",
        "password": "Douasbin2015PecheEnMer",
        "trust_question": "Votre hobby ?",
        "trust_answer": "pêche",
        "registered_at": datetime(2015, 3, 24, 9, 30),
        "dossiers": [{"siren": "967890120", "name": "DOUASBIN PÊCHE SARL"}],
        "services": ["Déclarer TVA", "Consulter le compte fiscal"],
    },
]


def seed_demo(hasher, encryptor):
    """Create the demo spaces that do not exist yet. Returns how many were created."""
    certificate = [spec for spec in DEMO_SPACES if spec["access_mode"] == ACCESS_CERTIFICATE]
    created, _ = import_spaces(certificate, hasher)
    for spec in DEMO_SPACES:
        if spec["access_mode"] != ACCESS_PASSWORD or Space.by_number(spec["subscriber_number"]):
            continue
        with db.atomic():
            fields = {k: spec[k] for k in (
                "subscriber_number", "last_name", "first_name", "phone", "contact_email", "address",
                "access_mode", "login_email", "trust_question", "registered_at")}
            space = Space.create(password_hash=hasher.hash(spec["password"]),
                                 trust_answer_encrypted=encryptor.encrypt(spec["trust_answer"]), **fields)
            for dossier in spec["dossiers"]:
                Dossier.create(space=space, **dossier)
            for name in spec["services"]:
                Service.create(space=space, name=name)
        created += 1
    return created


LOAD_NUMBER_PREFIX = "2020100"  # year 2020, day 100: no demo space uses it
LOAD_ANSWERS = (("Votre sport préféré ?", "Escrime"), ("La marque de votre première voiture ?", "Simca"),
                ("Le prénom de votre mère ou de votre père ?", "Odette"))


def load_number(index):
    return f"{LOAD_NUMBER_PREFIX}{index:07d}"


def seed_load(count, hasher):
    """Synthetic certificate spaces 0..count-1 for load tests; returns how many were new."""
    # One hash of the three answers, shared: hashing count times would dominate the seeding.
    answers_hash = hash_answers([answer for _, answer in LOAD_ANSWERS], hasher)
    wanted = [load_number(i) for i in range(count)]
    created = 0
    existing = {s.subscriber_number for s in
                Space.select(Space.subscriber_number).where(Space.subscriber_number.in_(wanted))}
    for start in range(0, count, 500):
        batch = [n for n in wanted[start:start + 500] if n not in existing]
        if not batch:
            continue
        with db.atomic():
            Space.insert_many([{
                "subscriber_number": n, "last_name": "CHARGE", "first_name": f"Essai{n[-7:]}",
                "contact_email": f"charge{n[-7:]}@example.fr", "access_mode": ACCESS_CERTIFICATE,
                "legacy_answers_hash": answers_hash,
            } for n in batch]).execute()
            ids = Space.select(Space.id).where(Space.subscriber_number.in_(batch))
            LegacyTrustAnswer.insert_many([
                {"space": s.id, "position": p, "question": q}
                for s in ids for p, (q, _) in enumerate(LOAD_ANSWERS, start=1)
            ]).execute()
        created += len(batch)
    return created

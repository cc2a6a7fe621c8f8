"""The demo data of SPEC.md; seeding is idempotent (keyed by subscriber number)."""
from datetime import date, datetime

from ..models import ACCESS_CERTIFICATE, ACCESS_PASSWORD, Dossier, LegacyTrustAnswer, Service, Space, db
from .identity import normalise_answer

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
        "certificate_expires_on": date(2016, 11, 26),
        "answers": [
            ("Le prénom de votre mère ou de votre père ?", "Laurence"),
            ("Votre sport préféré ?", "Rugby"),
            ("La marque de votre première voiture ?", "Renault"),
        ],
        "dossiers": [("412345670", "ROSEMONDE CONSEIL SARL"), ("523456788", "LONGCHAMP IMMOBILIER SCI")],
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
        "certificate_expires_on": date(2008, 1, 16),
        "answers": [
            ("La ville de naissance de votre premier enfant ?", "Deauville"),
            ("Le prénom de votre conjoint(e) ?", "Gray"),
            ("Le prénom de votre mère ou de votre père ?", "Lucien"),
        ],
        "dossiers": [
            ("634567895", "PEKMEZ HÔTELLERIE SAS"),
            ("745678904", "CASINO DE LA PLAGE SA"),
            ("856789011", "LES PLANCHES SARL"),
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
        "answers": [],
        "dossiers": [("967890120", "DOUASBIN PÊCHE SARL")],
        "services": ["Déclarer TVA", "Consulter le compte fiscal"],
    },
]


def seed_demo(hasher, encryptor):
    """Create the demo spaces that do not exist yet. Returns how many were created."""
    created = 0
    for spec in DEMO_SPACES:
        if Space.by_number(spec["subscriber_number"]) is not None:
            continue
        with db.atomic():
            fields = {
                k: spec[k]
                for k in (
                    "subscriber_number", "last_name", "first_name", "phone", "contact_email",
                    "address", "access_mode", "certificate_number", "certificate_authority",
                    "certificate_expires_on", "login_email", "trust_question", "registered_at",
                )
                if k in spec
            }
            if spec["access_mode"] == ACCESS_PASSWORD:
                fields["password_hash"] = hasher.hash(spec["password"])
                fields["trust_answer_encrypted"] = encryptor.encrypt(spec["trust_answer"])
            space = Space.create(**fields)
            for position, (question, answer) in enumerate(spec["answers"], start=1):
                LegacyTrustAnswer.create(
                    space=space, position=position, question=question,
                    answer_hash=hasher.hash(normalise_answer(answer)),
                )
            for siren, name in spec["dossiers"]:
                Dossier.create(space=space, siren=siren, name=name)
            for name in spec["services"]:
                Service.create(space=space, name=name)
        created += 1
    return created

"""The recap of a space: the facts of the fiche's sample, and its PDF."""
from datetime import datetime

from conftest import BERNARD
from espace.domain.crypto import Encryptor
from espace.domain.recap import html_to_pdf, recap_facts
from espace.models import Space

KEY = "ZmRmZGZkZmRmZGZkZmRmZGZkZmRmZGZkZmRmZGZkZmQ="


def test_the_facts_of_the_seed_sample(dbc):
    encryptor = Encryptor([KEY])
    space = Space.by_number(BERNARD)
    space.trust_answer_encrypted = encryptor.encrypt("pêche")
    space.address = "1, quai\n\n  \n14000 CAEN"
    assert recap_facts(space, encryptor, datetime(2026, 7, 1, 15, 42, 17)) == {
        "last_name": "DOUASBIN", "first_name": "Bernard", "subscriber_number": BERNARD,
        "phone": "0233476796", "email": "toto321@toto.toto", "address_lines": ["1, quai", "14000 CAEN"],
        "trust_question": "Votre hobby ?", "trust_answer": "pêche",
        "registered_on": "24 mars 2015", "activated_on": "24 mars 2015",
        "created_stamp": "01/07/2026 à 17h42mn17s",  # Paris time
    }


def test_a_space_without_answer_or_activation_date(dbc):
    space = Space.by_number("20101670101919")
    facts = recap_facts(space, Encryptor([KEY]), datetime(2026, 1, 1, 0, 0, 5))
    assert facts["trust_answer"] == "" and facts["activated_on"] == "–"
    assert facts["registered_on"] == "16 juin 2010" and facts["created_stamp"] == "01/01/2026 à 01h00mn05s"


def test_html_becomes_a_pdf():
    pdf = html_to_pdf("<p>Récapitulatif</p>")
    assert pdf[:5] == b"%PDF-" and pdf.rstrip().endswith(b"%%EOF")

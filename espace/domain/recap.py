"""The recap of a space: the facts the holder must keep, and its PDF."""
import io

from xhtml2pdf import pisa

from .clock import french_date, to_paris
from .identity import creation_date_of


def recap_facts(space, encryptor, now):
    """What the seed's « Vos COORDONNEES » sample shows, for an activated space."""
    created = to_paris(now)
    return {
        "last_name": space.last_name,
        "first_name": space.first_name,
        "subscriber_number": space.subscriber_number,
        "phone": space.phone,
        "email": space.login_email,
        "address_lines": space.address_block,
        "trust_question": space.trust_question,
        "trust_answer": encryptor.decrypt(space.trust_answer_encrypted)
        if space.trust_answer_encrypted
        else "",
        "registered_on": french_date(creation_date_of(space.subscriber_number)),
        "activated_on": french_date(space.registered_at) if space.registered_at else "–",
        "created_stamp": f"{created:%d/%m/%Y} à {created:%H}h{created:%M}mn{created:%S}s",
    }


def html_to_pdf(html):
    """xhtml2pdf, local resources only (no link_callback that fetches)."""
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise RuntimeError("recap PDF could not be made")
    return out.getvalue()

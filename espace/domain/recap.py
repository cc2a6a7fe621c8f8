"""The recap of a space: the facts the holder must keep, and its PDF."""
from weasyprint import HTML
from weasyprint.urls import URLFetcher

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


PDF_VARIANT = "pdf/ua-1"  # a tagged PDF (structure, language, title) that screen readers can read (RGAA 13.3)


# No protocol allowed: the recap loads nothing (its styles are inline), so no URL in the data can be fetched.
NO_FETCH = URLFetcher(allowed_protocols=())


def html_to_pdf(html):
    """A tagged PDF/UA-1 document; nothing is fetched (the template holds its own styles)."""
    return HTML(string=html, url_fetcher=NO_FETCH).write_pdf(pdf_variant=PDF_VARIANT)

"""The activation's recap as a PDF answer, shared by the activation's last step and the space."""
from flask import make_response, render_template

from .domain.clock import now
from .domain.recap import html_to_pdf, recap_facts
from .extensions import encryptor


def recap_pdf_response(space):
    """« Sauvegardez ou imprimez le récapitulatif »: the PDF shows in the browser (the fiche:
    it « s'affiche »), with a filename for saving it."""
    facts = recap_facts(space, encryptor(), now())
    pdf = html_to_pdf(render_template("recap/recap_pdf.html", **facts))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'inline; filename="recapitulatif-{space.subscriber_number}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response

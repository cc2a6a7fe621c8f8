"""The messages the app sends, in French, text + HTML."""
from flask import current_app, render_template, url_for

from ..domain.clock import to_paris
from . import Message


def absolute(endpoint):
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return base + url_for(endpoint) if base else url_for(endpoint, _external=True)


def activation_message(space, request, code):
    """The e-mail with the 12-character code, the activation link and the deadline."""
    context = {
        "holder": space.holder_name,
        "code": code,
        "link": absolute("activation.code"),
        "deadline": to_paris(request.expires_at),
    }
    return Message(
        recipient=request.email,
        subject="Votre code d'activation – espace professionnel",
        text=render_template("mail/activation.txt", **context),
        html=render_template("mail/activation.html", **context),
    )

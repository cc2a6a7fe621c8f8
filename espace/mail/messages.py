"""The messages the app sends, in French, text + HTML, and the functions that send them."""
from flask import current_app, render_template, url_for

from ..domain.clock import to_paris
from ..extensions import mailer
from . import Message


def absolute(endpoint, **values):
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)


def compose(recipient, subject, template, **context):
    """One message from mail/<template>.txt and .html."""
    return Message(
        recipient=recipient,
        subject=subject,
        text=render_template(f"mail/{template}.txt", **context),
        html=render_template(f"mail/{template}.html", **context),
    )


def activation_message(space, request, code):
    """The e-mail with the 12-character code, the activation link and the 48 h deadline."""
    return compose(request.email, "Votre code d'activation – espace professionnel", "activation",
                   holder=space.holder_name, code=code, link=absolute("activation.code"),
                   deadline=to_paris(request.expires_at))


def send_activation_code(request, code):
    """Deliver the code of an activation request (raises DeliveryFailed)."""
    mailer().send(activation_message(request.space, request, code))

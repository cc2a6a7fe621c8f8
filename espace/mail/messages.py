"""The messages the app sends, in French, text + HTML, and the functions that send them.

Every `send_*` and `notify` puts the composed message in the mail queue (espace/domain/mail_queue.py),
in the transaction of the change it reports; a sender hands it to the relay later, never in the
request. Every link is built from PUBLIC_URL, never from the request (issue 14).
"""
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, render_template, request
from ua_parser import parse as ua_parse

from ..domain import assistance
from ..domain.clock import now, to_paris
from ..domain.history import truncate_client
from ..extensions import encryptor
from ..domain import mail_queue as queue
from . import Message
from .notices import NOTICES

QUEUED = "espace_mail_queued"


def absolute(endpoint, **values):
    """The address of a page in a message: PUBLIC_URL and the route, whatever Host the request named."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    if not base.scheme or not base.netloc:
        raise RuntimeError("PUBLIC_URL must be set: every link in a message is built from it")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def deliver(message):
    """Queue a composed message (its text and HTML encrypted); the sender sends it."""
    queue.enqueue_message(message.recipient, message.subject, message.text, message.html, encryptor(), now())
    setattr(g, QUEUED, True)  # the embedded default sends it at the end of this request (or command)


def request_reset_link(email, client):
    """« Mot de passe oublié »: queue the request, the same row for any address. The sender looks
    the address up and, for a space, queues the link (espace/mail/sender.py)."""
    queue.enqueue_reset(email, client, encryptor(), now())


def compose(recipient, title, template, **context):
    """One message from mail/<template>.txt and .html."""
    return Message(
        recipient=recipient,
        subject=title,
        text=render_template(f"mail/{template}.txt", **context),
        html=render_template(f"mail/{template}.html", **context),
    )


def activation_message(space, request, code):
    """The e-mail with the 12-character code, the activation link and the 48 h deadline."""
    return compose(request.email, "Votre code d'activation – espace professionnel", "activation",
                   holder=space.holder_name, code=code, link=absolute("activation.code"),
                   deadline=to_paris(request.expires_at))


def send_activation_code(request, code):
    """Queue the code of an activation request, in the request's transaction."""
    deliver(activation_message(request.space, request, code))


def reset_message(space, link, expires_at):
    """The « Mot de passe oublié » e-mail: the single-use link and its one-hour deadline."""
    return compose(space.login_email, "Choisir un nouveau mot de passe – espace professionnel", "reset",
                   holder=space.holder_name, link=link, deadline=to_paris(expires_at))


def send_reset_link(space, token, reset):
    """Queue the link of a password reset, in the reset's transaction."""
    deliver(reset_message(space, absolute("reset.link", jeton=token), reset.expires_at))


def signin_code_message(space, code, row):
    """The 6-digit code that confirms a sign-in, valid 10 minutes, to the login address."""
    return compose(space.login_email, "Votre code de confirmation de connexion – espace professionnel",
                   "signin_code", holder=space.holder_name, code=code, sent=to_paris(row.created_at),
                   deadline=to_paris(row.expires_at), login_link=absolute("signin.login"),
                   phone=assistance.PHONE, hours=assistance.HOURS)


def send_signin_code(space, code, row):
    """Queue a sign-in code, in the code's transaction."""
    deliver(signin_code_message(space, code, row))


def notification_message(space, subject, what, recipient=None, details=None, advice="password",
                         client=None, when=None, extra_link=None):
    """What happened to the space, when (Paris time), from where, and what to do if it was not the holder."""
    return compose(recipient or space.login_email, f"{subject} – espace professionnel", "notification",
                   subject=subject, holder=space.holder_name, what=what, details=details, advice=advice,
                   client=client, when=to_paris(when or now()), login_link=absolute("signin.login"),
                   reset_link=absolute("reset.request_link"), extra_link=extra_link,
                   phone=assistance.PHONE, hours=assistance.HOURS)


def notify(space, subject, what, recipient=None, details=None, **context):
    """Queue a notification of a change already made; True once queued."""
    deliver(notification_message(space, subject, what, recipient, details, **context))
    return True


def notify_event(space, kind, when=None, **details):
    """The notice of one event (mail/notices.py), naming the browser, system and network it came from."""
    notice = NOTICES[kind]
    what = notice.what.format(**details)
    context = {"advice": notice.advice, "client": describe_client(), "when": when}
    if details.get("cancel_token"):
        context["extra_link"] = ("Annuler ce changement (lien à usage unique)",
                                 absolute("credentials_change.cancel_by_link", jeton=details["cancel_token"]))
    sent = notify(space, notice.subject, what, **context)
    if notice.to_old_address and details.get("old_email"):
        notify(space, notice.subject, what, recipient=details["old_email"], **{**context, "advice": "assistance"})
    return sent


def describe_client():
    """« Firefox sur Windows, réseau 203.0.113.x », from this request; None outside one."""
    if not has_request_context():
        return None
    parsed = ua_parse(request.headers.get("User-Agent", ""))
    browser = parsed.user_agent.family if parsed.user_agent else "navigateur inconnu"
    system = parsed.os.family if parsed.os else "système inconnu"
    network = truncate_client(request.remote_addr)
    return f"{browser} sur {system}" + (f", réseau {network}" if network else "")


def email_change_message(space, change, code):
    """EP 5: the code that confirms a new login address, sent to that address."""
    return compose(change.email, "Confirmez votre nouvelle adresse électronique – espace professionnel",
                   "email_change", holder=space.holder_name, code=code,
                   link=absolute("credentials_change.confirm_email"), deadline=to_paris(change.expires_at))


def send_email_change_code(change, code):
    """Queue the code of a login-address change, in the change's transaction."""
    deliver(email_change_message(change.space, change, code))

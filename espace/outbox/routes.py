"""The developers' outbox: every message 'sent', as Mailpit or MailHog would show it.

Never registered in production (espace/__init__.py). The HTML version is served from a URL
of its own under a CSP that runs nothing, and shown in a sandboxed frame beside the text.
"""
from flask import Blueprint, abort, current_app, flash, jsonify, make_response, render_template, request, url_for

from ..web import see_other
from . import mailbox

bp = Blueprint("outbox", __name__, url_prefix="/outbox")
bp.add_app_template_filter(mailbox.linkify, "linkify")

# The mail's own HTML: no script, no request anywhere, no form; a link clicked opens in the tab.
SANDBOX = "allow-top-navigation-by-user-activation"
HTML_CSP = (f"sandbox {SANDBOX}; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            "form-action 'none'; frame-ancestors 'self'")


@bp.route("/")
def index():
    """Newest first; « Destinataire » filters by recipient."""
    to = request.args.get("to", "").strip()
    return render_template("outbox/index.html", messages=mailbox.messages(to), to=to, waiting=mailbox.waiting(),
                           reset_kind=mailbox.mail_queue.RESET, failed_state=mailbox.mail_queue.FAILED)


@bp.route("/vider", methods=["POST"])
def empty():
    """« Vider la boîte »."""
    flash(f"Boîte d'envoi vidée : {mailbox.empty()} message(s) supprimé(s).", "info")
    return see_other(url_for("outbox.index"))


def found(message_id):
    message = mailbox.find(message_id)
    if message is None:
        abort(404)
    return message


@bp.route("/<int:message_id>")
def message(message_id):
    """Headers, the text version with its links, the HTML version framed beside it."""
    message = found(message_id)
    email = mailbox.rfc5322(message, sender_of_this_app())
    return render_template("outbox/message.html", message=message, headers=email.items(), sandbox=SANDBOX)


@bp.route("/<int:message_id>/html")
def html(message_id):
    response = make_response(mailbox.with_links_to_the_tab(found(message_id).html_body))
    response.headers["Content-Security-Policy"] = HTML_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/<int:message_id>/source")
def source(message_id):
    """The raw message (RFC 5322), as the SMTP backend would hand it to the relay."""
    message = found(message_id)
    response = make_response(mailbox.rfc5322(message, sender_of_this_app()).as_bytes())
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="message-{message.id}.eml"'
    return response


@bp.route("/api/messages")
def api_messages():
    """For tests and scripts: `?to=` one recipient; newest first, with the links of each text."""
    return jsonify(messages=[{
        "id": m.id, "to": m.recipient, "subject": m.subject, "created_at": m.created_at.isoformat() + "Z",
        "text": m.text_body, "html": m.html_body, "links": mailbox.links_in(m.text_body),
    } for m in mailbox.messages(request.args.get("to"))])


def sender_of_this_app():
    return current_app.config["MAIL_FROM"]

"""The development outbox: every message 'sent', newest first. Never registered in production."""
from flask import Blueprint, abort, render_template

from ..models import OutboxMessage

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.route("/")
def index():
    messages = OutboxMessage.select().order_by(OutboxMessage.id.desc())
    return render_template("outbox/index.html", messages=messages)


@bp.route("/<int:message_id>")
def message(message_id):
    found = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
    if found is None:
        abort(404)
    return render_template("outbox/message.html", message=found)

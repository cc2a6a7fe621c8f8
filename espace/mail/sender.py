"""The sender: takes due rows of the mail queue and hands them to the mailer (SMTP or outbox).

Runs in its own process in production (`flask --app wsgi send-mail`, deploy/systemd/espace-mail.service).
With MAIL_SENDER=inline (the embedded default) the web process drains the queue itself: composed
messages at the end of the request that queued them, « Mot de passe oublié » requests once the
answer has left (after_response.after_response).
"""
import logging
import time

from flask import g

from ..database import ensure_connection
from ..domain import history, reset
from ..domain.clock import now
from ..domain.errors import DeliveryFailed
from ..extensions import encryptor, mailer
from ..models import db
from ..domain import mail_queue as queue
from . import Message
from .messages import QUEUED, send_reset_link

log = logging.getLogger("espace.mail")


def run_reset(job):
    """The look-up of a « Mot de passe oublié » request: for a space, a link queued in the same
    transaction as the reset it opens and the removal of the request (done once, or not at all)."""
    data = queue.payload_of(job, encryptor())
    with db.atomic():
        made = reset.request_link(data["email"], now(), send_reset_link)
        if made is not None:
            history.record(made.space_id, "reset_requested", now(), data.get("client"))
        queue.sent(job)


def send_message(job):
    data = queue.payload_of(job, encryptor())
    mailer().send(Message(job.recipient, job.subject, data["text"], data["html"]))
    queue.sent(job)


def process(job):
    """One claimed row; returns "sent", "retry" or "failed"."""
    try:
        (run_reset if job.kind == queue.RESET else send_message)(job)
        log.info("mail job %s (%s) done after %s attempt(s)", job.id, job.kind, job.attempts)
        return "sent"
    except DeliveryFailed as exc:
        error, permanent = str(exc), getattr(exc, "permanent", False)
    except Exception as exc:  # a bug or an unreadable row: kept for the operator, never lost
        log.exception("mail job %s (%s) raised", job.id, job.kind)
        error, permanent = f"{type(exc).__name__}: {exc}", False
    final = queue.failed(job, error, now(), permanent)
    log.warning("mail job %s (%s) attempt %s failed%s", job.id, job.kind, job.attempts,
                " for good" if final else ", will be tried again")
    return "failed" if final else "retry"


def drain(kinds=None):
    """Send every due row (of these kinds); returns the count of each outcome."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    while True:
        jobs = queue.claim(now(), kinds)
        if not jobs:
            return counts
        for job in jobs:
            counts[process(job)] += 1


def run_forever(interval=1.0, stopping=lambda: False):
    """The worker: drain, wait `interval` seconds, again, until `stopping()`; a lost database is
    waited for, not fatal."""
    while not stopping():
        try:
            ensure_connection(db)
            drain()
        except Exception:  # the database restarts, a failover: try again at the next turn
            log.exception("mail sender: the queue could not be read")
            db.close()
        deadline = time.monotonic() + interval
        while not stopping() and time.monotonic() < deadline:
            time.sleep(min(0.1, interval))


def drain_quietly(kinds=None):
    try:
        drain(kinds)
    except Exception:  # the answer is already made: the rows stay queued for the next drain
        log.exception("mail queue not drained")


def init_app(app):
    """MAIL_SENDER=inline: this process sends, at the end of each request that queued a message."""
    if app.config["MAIL_SENDER"] != "inline":
        return

    @app.after_request
    def _send_queued(response):
        if g.pop(QUEUED, False):
            drain_quietly(kinds=(queue.MESSAGE,))
        return response

    @app.teardown_appcontext
    def _send_queued_by_a_command(exc):
        # An operator command (`flask sessions`, `unlock`…) that told a holder: sent as it ends.
        if g.pop(QUEUED, False) and exc is None:
            try:
                ensure_connection(db)
                drain_quietly(kinds=(queue.MESSAGE,))
            finally:
                db.close()


def drain_after_response():
    """MAIL_SENDER=inline, once an answer has left: the whole queue, « Mot de passe oublié »
    requests included, on a connection of its own."""
    try:
        ensure_connection(db)
        drain_quietly()
    finally:
        db.close()

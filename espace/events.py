"""Who listens to the domain's events: the journal and the notification e-mails.

Each domain function that owns a change emits one event (espace/domain/events.py); here the
« Historique » line is written with this request's truncated client address, and the holder is
told by e-mail when the event calls for it (espace/mail/notices.py). Views do neither.
"""
from flask import has_app_context, has_request_context, request

from .domain import history
from .domain.events import space_event
from .mail.notices import NOTICES


def client_address():
    return request.remote_addr if has_request_context() else None


def write_journal(event):
    if event.kind in history.KINDS:
        history.record(event.space_id, event.kind, event.at, client_address())


def notice_kind(event):
    """The notice an event calls for: a sign-in only from a browser never seen on the space."""
    if event.kind == "signin":
        return "signin_new_browser" if event.details.get("new_browser") else None
    return event.kind if event.kind in NOTICES else None


def send_notice(event):
    kind = notice_kind(event)
    if kind is None or not has_app_context():
        return  # outside the app (a rule tested alone) there is no mailer
    from .mail.messages import notify_event
    from .models import Space

    details = {key: value for key, value in event.details.items() if key != "new_browser"}
    notify_event(Space.get_by_id(event.space_id), kind, when=event.at, **details)


def init_app(app):
    # Weak references would drop these module functions' subscriptions at no cost; keep them strong.
    space_event.connect(write_journal, weak=False)
    space_event.connect(send_notice, weak=False)

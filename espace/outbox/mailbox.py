"""What the developers' outbox reads: the messages kept by the outbox backend, found by
recipient, emptied, and each shown as the SMTP backend would have sent it (RFC 5322)."""
import re
from datetime import timezone
from email.utils import format_datetime

from markupsafe import Markup, escape

from ..domain.credentials import normalise_email
from ..mail import Message, SmtpMailer
from ..domain import mail_queue
from ..models import OutboxMessage

URL = re.compile(r"https?://[^\s<>\"'«»]+")
TRAILING = ".,;:!?)]"  # closes a sentence, not the link


def messages(to=None):
    """Newest first; only those sent to `to` (any case, surrounding spaces ignored) when given."""
    query = OutboxMessage.select().order_by(OutboxMessage.id.desc())
    if to and to.strip():
        query = query.where(OutboxMessage.recipient == normalise_email(to))
    return query


def waiting():
    """What the mail queue still holds (a sender has not handed it over yet), pending first:
    where a message is when it is not in the box yet. Its text stays encrypted; only who, what
    and how it goes are shown."""
    return mail_queue.waiting()


def find(message_id):
    return OutboxMessage.get_or_none(OutboxMessage.id == message_id)


def empty():
    """« Vider la boîte »: how many messages were removed."""
    return OutboxMessage.delete().execute()


def links_in(text):
    return [match.rstrip(TRAILING) for match in URL.findall(text)]


def linkify(text):
    """The text version, escaped, each URL made a link (what a mail client does)."""
    out, start = [], 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip(TRAILING)
        out += [escape(text[start:match.start()]), Markup('<a href="{0}">{0}</a>').format(url)]
        start = match.start() + len(url)
    out.append(escape(text[start:]))
    return Markup("").join(out)


def with_links_to_the_tab(html):
    """Links of the framed HTML open in the whole tab, not inside the small frame."""
    base = '<base target="_top">'
    head = re.search(r"<head\b[^>]*>", html, re.I)
    return html[:head.end()] + base + html[head.end():] if head else base + html


def rfc5322(message, sender):
    """The message exactly as the SMTP backend builds it, dated and numbered by this outbox row."""
    email = SmtpMailer.build(_Builder(sender), Message(recipient=message.recipient, subject=message.subject,
                                                        text=message.text_body, html=message.html_body))
    email.replace_header("Date", format_datetime(_utc(message.created_at)))
    domain = email["Message-ID"].rsplit("@", 1)[-1].rstrip(">")
    email.replace_header("Message-ID", f"<outbox-{message.id}@{domain}>")
    return email


class _Builder:
    """What SmtpMailer.build reads of its mailer: the sender, no connection."""

    def __init__(self, sender):
        self.sender = sender


def _utc(moment):
    return moment.replace(tzinfo=timezone.utc)  # stored naive, in UTC

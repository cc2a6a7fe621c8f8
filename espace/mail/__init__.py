"""Sending mail: one interface, two backends chosen by configuration."""
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ..domain.clock import now
from ..domain.errors import DeliveryFailed
from ..models import OutboxMessage


class MailError(DeliveryFailed):
    """The message could not be handed over for delivery.

    permanent: the relay refused it for good (5xx for its recipient or its content): trying
    again would change nothing."""

    def __init__(self, message, permanent=False):
        super().__init__(message)
        self.permanent = permanent


def refused_for_good(exc):
    """An SMTP answer that no retry changes: the recipient or the content refused with a 5xx."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


@dataclass
class Message:
    recipient: str
    subject: str
    text: str
    html: str


class OutboxMailer:
    """Keeps every message in the database, for the /outbox viewer (development, tests)."""

    def send(self, message):
        OutboxMessage.create(
            recipient=message.recipient,
            subject=message.subject,
            text_body=message.text,
            html_body=message.html,
            created_at=now(),
        )


class SmtpMailer:
    def __init__(self, host, port, security, username, password, sender, timeout=10, ca_file=None):
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.sender = username, password, sender
        self.timeout = timeout
        # A relay with a certificate from a private authority: trust that authority only.
        self.tls = ssl.create_default_context(cafile=ca_file or None)

    def build(self, message):
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=True)
        email["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1].rstrip(">"))
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        return email

    def send(self, message):
        email = self.build(message)
        try:
            if self.security == "ssl":
                client = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self.tls
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.security == "starttls":
                    client.starttls(context=self.tls)
                if self.username:
                    client.login(self.username, self.password)
                client.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"{type(exc).__name__}: {exc}", permanent=refused_for_good(exc)) from exc


def mailer_from_config(config):
    if config["MAIL_BACKEND"] == "smtp":
        return SmtpMailer(
            config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_SECURITY"],
            config["SMTP_USERNAME"], config["SMTP_PASSWORD"], config["MAIL_FROM"],
            ca_file=config.get("SMTP_CA_FILE"),
        )
    if config["MAIL_BACKEND"] == "outbox":
        return OutboxMailer()
    raise ValueError(f"unknown MAIL_BACKEND {config['MAIL_BACKEND']!r}")

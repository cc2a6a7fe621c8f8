"""The SMTP backend against a real SMTP server (aiosmtpd) started by the tests."""
import datetime
import email
import email.policy
import ipaddress
import re
import ssl

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from live_server import free_port
from conftest import LILA, PASSWORD, Walk, signin_code_in
from espace.mail import MailError, Message, SmtpMailer
from espace.models import ActivationRequest, MailJob, db

SENDER = "Espace professionnel <ne-pas-repondre@impots.example>"


class Inbox:
    """aiosmtpd handler: keeps every envelope it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"espace" and auth_data.password == b"relais-secret"
    return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1; its file doubles as the trusted authority."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relais de test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "relay.pem", tmp_path / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def tls_smtp(certificate):
    cert_file, key_file = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=authenticate, auth_require_tls=True)
    controller.start()
    yield controller, inbox, cert_file
    controller.stop()


MESSAGE = Message(recipient="lila.pro@example.fr", subject="Votre code d'activation – espace professionnel",
                  text="Bonjour Lila ROSEMONDE,\nVotre code d'activation : YnsfLgSNtUuu\nÀ bientôt – « DGFiP »",
                  html="<p>Votre code d'activation : <strong>YnsfLgSNtUuu</strong> – à bientôt</p>")


def test_utf8_subject_body_headers_and_recipient(smtp):
    controller, inbox = smtp
    SmtpMailer("127.0.0.1", controller.port, "none", "", "", SENDER).send(MESSAGE)
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "ne-pas-repondre@impots.example"
    assert envelope.rcpt_tos == ["lila.pro@example.fr"]
    [received] = inbox.messages()
    assert received["Subject"] == "Votre code d'activation – espace professionnel"
    assert received["From"] == SENDER and received["To"] == "lila.pro@example.fr"
    assert received["Date"] and received["Message-ID"].endswith("@impots.example>")
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "À bientôt – « DGFiP »" in text and "<strong>YnsfLgSNtUuu</strong>" in html
    # Non-ASCII headers are encoded on the wire, never sent raw.
    assert b"=?utf-8?" in envelope.original_content.split(b"\r\n\r\n")[0].lower()


def test_starttls_with_login_to_a_relay_of_a_private_authority(tls_smtp):
    controller, inbox, cert_file = tls_smtp
    SmtpMailer("127.0.0.1", controller.port, "starttls", "espace", "relais-secret", SENDER,
               ca_file=str(cert_file)).send(MESSAGE)
    assert inbox.messages()[0]["To"] == "lila.pro@example.fr"


def test_an_untrusted_certificate_is_refused(tls_smtp):
    controller, inbox, _ = tls_smtp
    with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
        SmtpMailer("127.0.0.1", controller.port, "starttls", "espace", "relais-secret", SENDER).send(MESSAGE)
    assert inbox.envelopes == []


def test_wrong_relay_password_is_a_mail_error(tls_smtp):
    controller, inbox, cert_file = tls_smtp
    with pytest.raises(MailError, match="535"):  # the relay's « authentication failed »
        SmtpMailer("127.0.0.1", controller.port, "starttls", "espace", "faux", SENDER,
                   ca_file=str(cert_file)).send(MESSAGE)
    assert inbox.envelopes == []
    assert inbox.envelopes == []


def test_the_whole_procedure_with_the_code_delivered_by_smtp(make_app, smtp):
    controller, inbox = smtp
    app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, MAIL_FROM=SENDER)
    client = app.test_client()
    walk = Walk(app, client)
    for response in (walk.number(LILA), walk.answers(), walk.credentials(), walk.question()):
        assert response.status_code == 303
    [received] = inbox.messages()
    assert received["To"] == "lila.pro@example.fr"
    code = re.search(r"code d'activation : (\w{12})", received.get_body(("plain",)).get_content()).group(1)
    walk.activate(code)
    # The sign-in code comes by SMTP too (walk.login reads the outbox, unused here).
    assert walk.password().location.endswith("/connexion/code")
    sent = inbox.messages()[-1]
    assert sent["To"] == "lila.pro@example.fr" and "code de confirmation" in sent["Subject"]
    assert walk.confirm(signin_code_in(sent.get_body(("plain",)).get_content())).status_code == 303
    assert "ROSEMONDE" in client.get("/espace/").get_data(as_text=True)


def queue_rows(app):
    with app.app_context(), db.connection_context():
        return list(MailJob.select())


def test_relay_down_queues_the_code_until_it_is_back(make_app):
    """The relay refuses connections: the step goes on, the code waits in the queue with its error,
    and the sender delivers it once the relay answers (after the backoff)."""
    port = free_port()
    app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    walk = Walk(app, app.test_client())
    for response in (walk.number(LILA), walk.answers(), walk.credentials(password=PASSWORD), walk.question()):
        assert response.status_code == 303
    with app.app_context(), db.connection_context():
        assert ActivationRequest.select().count() == 1
    [job] = queue_rows(app)
    assert (job.state, job.attempts, job.recipient) == ("pending", 1, "lila.pro@example.fr")
    assert "ConnectionRefusedError" in job.last_error
    inbox = Inbox()
    relay = Controller(inbox, hostname="127.0.0.1", port=port)
    relay.start()
    try:
        result = app.test_cli_runner().invoke(args=["send-mail", "--once"])
        assert "0 message(s) envoyé(s)" in result.output  # not before its next try
        with time_machine.travel(job.next_attempt_at + datetime.timedelta(seconds=1), tick=False):
            result = app.test_cli_runner().invoke(args=["send-mail", "--once"])
        assert "1 message(s) envoyé(s)" in result.output, result.output
    finally:
        relay.stop()
    [sent] = inbox.messages()
    assert sent["To"] == "lila.pro@example.fr" and "code d'activation" in sent["Subject"]
    assert queue_rows(app) == []


class Refusing(Inbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 no such mailbox"


def test_a_recipient_refused_for_good_is_not_tried_again(make_app):
    refusing = Controller(Refusing(), hostname="127.0.0.1", port=free_port())
    refusing.start()
    try:
        app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=refusing.port, MAIL_SENDER="worker")
        assert Walk(app, app.test_client()).password("toto321@toto.toto", "Douasbin2015PecheEnMer").status_code == 303
        result = app.test_cli_runner().invoke(args=["send-mail", "--once"])
    finally:
        refusing.stop()
    assert "0 à réessayer, 1 en échec définitif" in result.output
    [job] = queue_rows(app)
    assert job.state == "failed" and job.attempts == 1 and "SMTPRecipientsRefused" in job.last_error
    assert "1 message(s) en échec définitif" in app.test_cli_runner().invoke(args=["mail-queue"]).output
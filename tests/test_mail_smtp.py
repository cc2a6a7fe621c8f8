"""The SMTP backend against a real SMTP server (aiosmtpd) started by the tests."""
import datetime
import email
import email.policy
import ipaddress
import re
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from live_server import free_port
from conftest import LILA, PASSWORD, Walk, signin_code_in
from espace.mail import MailError, Message, SmtpMailer
from espace.models import ActivationRequest

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


def test_relay_down_stores_nothing_and_says_so(make_app, dbc):
    app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    client = app.test_client()
    walk = Walk(app, client)
    for response in (walk.number(LILA), walk.answers(), walk.credentials(password=PASSWORD)):
        assert response.status_code == 303
    refused = walk.question()
    assert refused.status_code == 422
    assert "pas pu être envoyé" in refused.get_data(as_text=True)
    with app.app_context():
        assert ActivationRequest.select().count() == 0

"""The developers' outbox (issue 15): the messages 'sent', as Mailpit or MailHog shows them —
text and HTML side by side, links that open, headers and the raw message, a filter by recipient,
« Vider la boîte », a JSON endpoint for tests — and never any of it in production."""
import email
import email.policy
import re
from datetime import datetime

import pytest

from conftest import code_from, last_message, text
from espace.mail import Message, SmtpMailer
from espace.models import OutboxMessage, db

HOSTILE_TEXT = 'Bonjour <b>vous</b>,\nle lien : http://localhost/activation/?a="><script>alert(1)</script> fin.\n'
HOSTILE_HTML = ('<!doctype html><html><head><title>t</title></head><body><script>alert(1)</script>'
                '<a href="http://localhost/activation/">Activez</a></body></html>')


def put(app, recipient="lila.pro@example.fr", subject="Objet", text_body="Bonjour", html_body="<p>Bonjour</p>"):
    """A message in the outbox, as the outbox backend stores it."""
    with app.app_context(), db.connection_context():
        return OutboxMessage.create(recipient=recipient, subject=subject, text_body=text_body,
                                    html_body=html_body, created_at=datetime(2026, 12, 3, 9, 5, 7)).id


def test_outbox_lists_messages_newest_first(make_app):
    from conftest import CLAUDE, CLAUDE_ANSWERS, Walk

    app = make_app()
    Walk(app, app.test_client()).option(email="premier@example.fr")
    Walk(app, app.test_client()).option(number=CLAUDE, answers=CLAUDE_ANSWERS, email="second@example.fr")
    page = text(app.test_client().get("/outbox/"))
    assert page.index("second@example.fr") < page.index("premier@example.fr")


def test_each_message_readable_on_its_own_page(walk, client, app):
    code = walk.option()
    message = last_message(app)
    page = text(client.get(f"/outbox/{message.id}"))
    assert code in page and "lila.pro@example.fr" in page
    assert client.get("/outbox/99999").status_code == 404
    assert client.get("/outbox/99999/html").status_code == 404
    assert client.get("/outbox/99999/source").status_code == 404


def test_activation_mail_is_french_text_and_html(walk, app):
    code = walk.option()
    message = last_message(app)
    assert code_from(message) == code and len(code) == 12
    assert message.subject == "Votre code d'activation – espace professionnel"
    for body in (message.text_body, message.html_body):
        assert code in body and "48h" in body and "/activation/" in body
    assert "<a href=" in message.html_body


# --- filter and « Vider la boîte » -------------------------------------------------------


def test_a_filter_by_recipient(app, client):
    put(app, "premier@example.fr", "Pour le premier")
    put(app, "second@example.fr", "Pour le second")
    page = text(client.get("/outbox/", query_string={"to": " Second@Example.fr "}))
    assert "Pour le second" in page and "Pour le premier" not in page
    assert 'value="Second@Example.fr"' in page and 'href="/outbox/"' in page  # back to every message
    everyone = text(client.get("/outbox/"))
    assert "Pour le premier" in everyone and 'href="/outbox/?to=premier@example.fr"' in everyone
    assert "Aucun message pour personne@example.fr" in text(client.get("/outbox/?to=personne@example.fr"))


def test_vider_la_boite_empties_it(app, client):
    put(app), put(app)
    assert client.get("/outbox/vider").status_code == 405  # a link cannot empty it
    response = client.post("/outbox/vider")
    assert response.status_code == 303 and response.location == "/outbox/"
    page = text(client.get("/outbox/"))
    assert "Boîte d&#39;envoi vidée : 2 message(s) supprimé(s)." in page and "Aucun message." in page


def test_vider_la_boite_refuses_another_site(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    put(app)
    refused = app.test_client().post("/outbox/vider", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 400 and last_message(app) is not None
    accepted = app.test_client().post("/outbox/vider", headers={"Origin": "http://localhost"})
    assert accepted.status_code == 303 and last_message(app) is None
    # A browser that says nothing: refused once, given a session, then its page carries the token.
    put(app)
    silent = app.test_client()
    assert 'name="csrf_token"' not in text(silent.get("/outbox/"))  # a visitor's page has none
    assert silent.post("/outbox/vider").status_code == 400 and last_message(app) is not None
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(silent.get("/outbox/"))).group(1)
    assert silent.post("/outbox/vider", data={"csrf_token": token}).status_code == 303
    assert last_message(app) is None


# --- the text version, the HTML version ---------------------------------------------------


def test_links_of_the_text_version_can_be_clicked_and_nothing_is_injected(app, client):
    page = text(client.get(f"/outbox/{put(app, text_body=HOSTILE_TEXT)}"))
    assert "<script>" not in page and "&lt;b&gt;vous&lt;/b&gt;" in page
    # The URL stops where the link does (a quote, a « < »); what follows stays text.
    assert '<a href="http://localhost/activation/?a=">http://localhost/activation/?a=</a>&#34;&gt;' in page


def test_links_of_a_real_message_open(walk, client, app):
    walk.option()
    page = text(client.get(f"/outbox/{last_message(app).id}"))
    assert '<a href="http://127.0.0.1:5000/activation/">http://127.0.0.1:5000/activation/</a>' in page  # PUBLIC_URL


def test_the_html_version_is_framed_beside_the_text_and_runs_nothing(app, client):
    message_id = put(app, html_body=HOSTILE_HTML)
    page = text(client.get(f"/outbox/{message_id}"))
    assert "Version texte" in page and "Version HTML" in page
    assert f'<iframe class="mail-html" src="/outbox/{message_id}/html" sandbox="allow-top-navigation-by-user-activation"' in page
    framed = client.get(f"/outbox/{message_id}/html")
    assert framed.status_code == 200 and framed.mimetype == "text/html"
    csp = framed.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-top-navigation-by-user-activation;")  # no allow-scripts, no allow-forms
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'self'" in csp
    assert framed.headers["X-Frame-Options"] == "SAMEORIGIN"
    body = text(framed)
    assert '<head><base target="_top">' in body  # its links open in the tab, not in the frame
    assert '<a href="http://localhost/activation/">Activez</a>' in body


def test_the_app_pages_keep_their_own_policy(app, client):
    page = client.get(f"/outbox/{put(app)}")
    assert "'self'" in page.headers["Content-Security-Policy"] and page.headers["X-Frame-Options"] == "DENY"


# --- headers and the raw message ------------------------------------------------------------


def test_headers_and_the_raw_message_are_what_smtp_would_send(app, client):
    walk_text = "Bonjour,\nvotre code : ABCDEFGHIJKL\n"
    message_id = put(app, "lila.pro@example.fr", "Votre code d'activation – espace professionnel", walk_text,
                     "<p>votre code : ABCDEFGHIJKL</p>")
    raw = client.get(f"/outbox/{message_id}/source")
    assert raw.status_code == 200 and raw.mimetype == "text/plain"
    parsed = email.message_from_bytes(raw.data, policy=email.policy.default)
    sent = SmtpMailer("", 25, "none", "", "", app.config["MAIL_FROM"]).build(
        Message("lila.pro@example.fr", "Votre code d'activation – espace professionnel", walk_text,
                "<p>votre code : ABCDEFGHIJKL</p>"))
    assert [name for name, _ in parsed.items()] == [name for name, _ in sent.items()]
    for name in ("From", "To", "Subject", "MIME-Version"):
        assert parsed[name] == sent[name]
    assert parsed["Date"] == "Thu, 03 Dec 2026 09:05:07 +0000"  # when the outbox received it
    assert parsed["Message-ID"] == f"<outbox-{message_id}@espace.localhost>"
    assert parsed.get_body(("plain",)).get_content() == walk_text
    assert parsed.get_body(("html",)).get_content().strip() == "<p>votre code : ABCDEFGHIJKL</p>"
    page = text(client.get(f"/outbox/{message_id}"))
    assert f'href="/outbox/{message_id}/source"' in page
    for header in ("From", "To", "Subject", "Date", "Message-ID", "Content-Type"):
        assert f'<th scope="row">{header}</th>' in page
    assert "Thu, 03 Dec 2026 09:05:07 +0000" in page


# --- the JSON endpoint --------------------------------------------------------------------


def test_the_json_endpoint_for_tests(walk, app, client):
    put(app, "autre@example.fr", "Pour un autre")
    code = walk.option()
    found = client.get("/outbox/api/messages", query_string={"to": "LILA.pro@example.fr"})
    assert found.status_code == 200 and found.mimetype == "application/json"
    [message] = found.get_json()["messages"]
    assert message["to"] == "lila.pro@example.fr" and code in message["text"] and code in message["html"]
    assert message["subject"] == "Votre code d'activation – espace professionnel"
    assert message["links"] == ["http://127.0.0.1:5000/activation/"] and message["created_at"].endswith("Z")
    every = client.get("/outbox/api/messages").get_json()["messages"]
    assert [m["to"] for m in every] == ["lila.pro@example.fr", "autre@example.fr"]  # newest first
    assert client.get("/outbox/api/messages?to=personne@example.fr").get_json() == {"messages": []}


# --- never in production --------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("GET", "/outbox/"), ("GET", "/outbox/1"), ("GET", "/outbox/1/html"), ("GET", "/outbox/1/source"),
    ("GET", "/outbox/api/messages"), ("GET", "/outbox/api/messages?to=toto321@toto.toto"),
    ("POST", "/outbox/vider"),
])
def test_outbox_does_not_exist_in_production(make_app, method, path):
    app = make_app(ESPACE_ENV="production", SECRET_KEY="x" * 40, CAPTCHA_TEST_TEXT="",
                   ENCRYPTION_KEYS=["bmV3LWtleS1uZXctbmV3LWtleS1uZXctbmV3LWtleS0="],
                   MAIL_BACKEND="smtp", REDIS_URL="redis://127.0.0.1:6379/13", SEED_DEMO=False,
                   WTF_CSRF_ENABLED=True, PUBLIC_URL="https://localhost", MAIL_SENDER="worker")
    put(app)
    response = app.test_client().open(path, method=method, headers={"Origin": "http://localhost"})
    assert response.status_code == 404 and not any(r.rule.startswith("/outbox") for r in app.url_map.iter_rules())

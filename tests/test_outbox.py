"""The development outbox and the activation e-mail."""
from conftest import code_from, last_message, text


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


def test_activation_mail_is_french_text_and_html(walk, app):
    code = walk.option()
    message = last_message(app)
    assert code_from(message) == code and len(code) == 12
    assert message.subject == "Votre code d'activation – espace professionnel"
    for body in (message.text_body, message.html_body):
        assert code in body and "48h" in body and "/activation/" in body
    assert "<a href=" in message.html_body


def test_outbox_does_not_exist_in_production(make_app):
    app = make_app(ESPACE_ENV="production", SECRET_KEY="x" * 40, CAPTCHA_TEST_TEXT="",
                   ENCRYPTION_KEYS=["bmV3LWtleS1uZXctbmV3LWtleS1uZXctbmV3LWtleS0="],
                   MAIL_BACKEND="smtp", REDIS_URL="redis://127.0.0.1:6379/15", SEED_DEMO=False,
                   PUBLIC_URL="https://localhost", MAIL_SENDER="worker")
    assert app.test_client().get("/outbox/").status_code == 404

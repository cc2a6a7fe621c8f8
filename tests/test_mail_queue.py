"""Issue 14, finding 2: mail leaves the request path through a durable queue.

Every message is a row written in the change's transaction; a sender (flask send-mail) sends it,
retries with exponential backoff, keeps what fails for good for the operator (flask mail-queue).
« Mot de passe oublié » does the same work on the web side for any address. Two senders never
send one message twice (SKIP LOCKED on PostgreSQL); a message survives the web host that queued it.
"""
import threading
from datetime import timedelta

import pytest
import time_machine

from conftest import BERNARD_EMAIL, BERNARD_PASSWORD, CAPTCHA, LILA, Walk, signin_code_in
from espace.domain.clock import now
from espace.domain.errors import DeliveryFailed
from espace.domain import mail_queue as queue
from espace.mail import MailError, sender
from espace.mail.messages import deliver
from espace.mail import Message
from espace.models import ALL_MODELS, Event, MailJob, OutboxMessage, PasswordReset, Space, db

UNKNOWN = "personne@exemple.fr"


@pytest.fixture
def worker_app(make_app):
    """The production shape of mail: nothing is sent by the web side."""
    return make_app(MAIL_SENDER="worker")


def jobs(app):
    with app.app_context(), db.connection_context():
        return [(j.kind, j.state, j.attempts) for j in MailJob.select().order_by(MailJob.id)]


def outbox(app):
    with app.app_context(), db.connection_context():
        return list(OutboxMessage.select().order_by(OutboxMessage.id))


def send_mail(app, *args):
    result = app.test_cli_runner().invoke(args=["send-mail", "--once", *args])
    assert result.exit_code == 0, result.output
    return result.output


class Relay:
    """The mailer: down (raises) or up (keeps what it is given)."""

    def __init__(self, error=None):
        self.error, self.sent = error, []

    def send(self, message):
        if self.error:
            raise self.error
        self.sent.append(message)


def test_a_message_waits_in_the_queue_until_the_sender_sends_it(worker_app):
    walk = Walk(worker_app, worker_app.test_client())
    for response in (walk.number(LILA), walk.answers(), walk.credentials(), walk.question()):
        assert response.status_code == 303
    assert jobs(worker_app) == [("message", "pending", 0)] and outbox(worker_app) == []
    assert "1 message(s) envoyé(s), 0 à réessayer, 0 en échec définitif" in send_mail(worker_app)
    assert jobs(worker_app) == []  # sent: nothing kept
    [message] = outbox(worker_app)
    assert message.recipient == "lila.pro@example.fr" and "code d'activation : " in message.text_body


def test_the_queue_keeps_no_code_or_link_in_clear(worker_app, tmp_path):
    """Codes and links are encrypted in the row (ENCRYPTION_KEYS); only recipient and subject are not."""
    client = worker_app.test_client()
    assert Walk(worker_app, client).password(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303
    with worker_app.app_context(), db.connection_context():
        [job] = MailJob.select()
        assert job.subject.startswith("Votre code de confirmation") and job.recipient == BERNARD_EMAIL
        code = signin_code_in(queue.payload_of(job, worker_app.extensions["espace.encryptor"])["text"])
        assert code.encode() not in bytes(job.payload)
        raw = db.execute_sql("SELECT * FROM mail_job").fetchall()
    assert code not in repr(raw)


def test_a_message_is_queued_with_its_change_or_not_at_all(app):
    """In the transaction of the change it reports: a rolled-back change leaves no message."""
    with app.test_request_context(), db.connection_context():
        with pytest.raises(RuntimeError):
            with db.atomic():
                deliver(Message("a@example.fr", "Sujet", "texte", "<p>html</p>"))
                raise RuntimeError("the change failed after the message was queued")
        assert MailJob.select().count() == 0


def test_a_failure_is_tried_again_with_exponential_backoff_then_kept_for_the_operator(worker_app):
    relay = Relay(MailError("SMTPServerDisconnected: relay down"))
    worker_app.extensions["espace.mailer"] = relay
    with worker_app.app_context(), db.connection_context():
        deliver(Message("a@example.fr", "Sujet", "texte", "<p>html</p>"))
    start = now()
    waits = []
    with time_machine.travel(start, tick=False) as clock:
        for attempt in range(1, queue.MAX_ATTEMPTS + 1):
            with worker_app.app_context(), db.connection_context():
                assert sender.drain() == {"sent": 0, "retry": int(attempt < queue.MAX_ATTEMPTS),
                                          "failed": int(attempt == queue.MAX_ATTEMPTS)}
                job = MailJob.get()
                assert job.attempts == attempt and job.last_error == "SMTPServerDisconnected: relay down"
                assert sender.drain() == {"sent": 0, "retry": 0, "failed": 0}  # not due before its time
                if job.state == queue.PENDING:
                    waits.append((job.next_attempt_at - now()).total_seconds())
                    clock.move_to(job.next_attempt_at)
    assert waits == [30, 60, 120, 240, 480, 960, 1920]
    assert jobs(worker_app) == [("message", "failed", queue.MAX_ATTEMPTS)]
    # The operator sees it, in French, and can put it back once the relay is repaired.
    listing = worker_app.test_cli_runner().invoke(args=["mail-queue"]).output
    assert "0 message(s) en attente d'envoi" in listing
    assert "1 message(s) en échec définitif" in listing
    assert "« Sujet » à a@example.fr, 8 tentative(s), dernière erreur : SMTPServerDisconnected: relay down" in listing
    relay.error = None
    assert "1 message(s) en échec remis en file" in worker_app.test_cli_runner().invoke(
        args=["mail-queue", "--retry-failed"]).output
    send_mail(worker_app)
    assert [m.subject for m in relay.sent] == ["Sujet"] and jobs(worker_app) == []


def test_a_permanent_refusal_fails_at_once(worker_app):
    worker_app.extensions["espace.mailer"] = Relay(MailError("SMTPRecipientsRefused: 550", permanent=True))
    with worker_app.app_context(), db.connection_context():
        deliver(Message("nobody@example.fr", "Sujet", "texte", "<p>html</p>"))
    assert "0 à réessayer, 1 en échec définitif" in send_mail(worker_app)
    assert jobs(worker_app) == [("message", "failed", 1)]


def test_pending_messages_are_listed_with_their_next_try(worker_app):
    worker_app.extensions["espace.mailer"] = Relay(DeliveryFailed("relay down"))
    with worker_app.app_context(), db.connection_context():
        deliver(Message("a@example.fr", "Sujet", "texte", "<p>html</p>"))
    send_mail(worker_app)
    listing = worker_app.test_cli_runner().invoke(args=["mail-queue"]).output
    assert "1 message(s) en attente d'envoi" in listing
    assert "1 tentative(s), prochain essai le " in listing and "dernière erreur : relay down" in listing


def test_a_broken_row_is_kept_not_lost_and_never_stops_the_others(worker_app):
    with worker_app.app_context(), db.connection_context():
        MailJob.create(kind="message", recipient="a@example.fr", subject="illisible", payload=b"not fernet",
                       created_at=now(), next_attempt_at=now())
        deliver(Message("b@example.fr", "Sujet", "texte", "<p>html</p>"))
    assert "1 message(s) envoyé(s), 1 à réessayer" in send_mail(worker_app)
    assert [m.recipient for m in outbox(worker_app)] == ["b@example.fr"]


def test_a_message_survives_the_host_that_queued_it(make_app):
    """The web host answers and dies; a sender started later, elsewhere, sends the message."""
    web = make_app(MAIL_SENDER="worker")
    assert Walk(web, web.test_client()).password(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303
    del web  # nothing of it is needed any more: the message is in the database
    other = make_app(MAIL_SENDER="worker")
    send_mail(other)
    assert [m.recipient for m in outbox(other)] == [BERNARD_EMAIL]


def test_a_sender_that_dies_while_sending_leaves_its_messages_to_the_next(worker_app):
    with worker_app.app_context(), db.connection_context():
        deliver(Message("a@example.fr", "Sujet", "texte", "<p>html</p>"))
        assert len(queue.claim(now())) == 1  # taken, then the sender is killed
        assert queue.claim(now()) == []  # nobody else takes it while its lease runs
    with time_machine.travel(now() + queue.LEASE + timedelta(seconds=1), tick=False):
        send_mail(worker_app)
    assert [m.recipient for m in outbox(worker_app)] == ["a@example.fr"] and jobs(worker_app) == []


def test_two_senders_never_send_one_message_twice(worker_app):
    """Senders racing on one queue (FOR UPDATE SKIP LOCKED on PostgreSQL): each message once."""
    count = 60
    relay = Relay()
    worker_app.extensions["espace.mailer"] = relay
    with worker_app.app_context(), db.connection_context():
        for n in range(count):
            deliver(Message(f"n{n}@example.fr", "Sujet", "texte", "<p>html</p>"))
    barrier = threading.Barrier(3)
    errors = []

    def run():
        try:
            with worker_app.app_context():
                barrier.wait()
                with db.connection_context():
                    sender.drain()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(m.recipient for m in relay.sent) == sorted(f"n{n}@example.fr" for n in range(count))
    assert jobs(worker_app) == []


class StaleRead:
    """What a sender read before another one claimed the same rows."""

    def __init__(self, rows):
        self.rows = rows

    def limit(self, n):
        return self.rows[:n]


def test_a_claim_skips_what_another_sender_holds(worker_app, monkeypatch):
    """PostgreSQL: while one sender holds its rows (its claim not committed yet), another takes the
    others at once, never the same ones, and never waits. SQLite: a claim made from a stale read
    takes nothing (the conditional update)."""
    with worker_app.app_context(), db.connection_context():
        for n in range(6):
            deliver(Message(f"n{n}@example.fr", "Sujet", "texte", "<p>html</p>"))
        if not getattr(db.obj, "for_update", False):
            stale = list(MailJob.select())
            assert len(queue.claim(now())) == 6
            monkeypatch.setattr(queue, "_due", lambda now, kinds: StaleRead(stale))
            assert queue.claim(now()) == []
            return
    held, release, taken = threading.Event(), threading.Event(), {}

    def first():
        with worker_app.app_context(), db.connection_context(), db.atomic():
            taken["first"] = [job.id for job in queue.claim(now(), limit=2)]
            held.set()
            release.wait(10)

    holder = threading.Thread(target=first)
    holder.start()
    assert held.wait(10)
    second = threading.Thread(target=lambda: taken.update(second=_claim_ids(worker_app)))
    second.start()
    second.join(3)
    waited = second.is_alive()
    release.set()
    holder.join(10)
    second.join(10)
    assert not waited, "the second sender waited for the first one's rows"
    assert len(taken["first"]) == 2 and len(taken["second"]) == 4
    assert not set(taken["first"]) & set(taken["second"])


def _claim_ids(app):
    with app.app_context(), db.connection_context():
        return [job.id for job in queue.claim(now())]


# --- « Mot de passe oublié »: the same work on the web side for any address ------------------

def ask(app, email):
    client = app.test_client()
    client.get("/mot-de-passe-oublie")
    response = client.post("/mot-de-passe-oublie", data={"email": email, "captcha": CAPTCHA})
    response.close()
    return response


def written(app):
    """Rows in every table but the queue's, and the queue's rows (kind, recipient, subject)."""
    with app.app_context(), db.connection_context():
        others = {m.__name__: m.select().count() for m in ALL_MODELS if m is not MailJob}
        return others, [(j.kind, j.recipient, j.subject) for j in MailJob.select()]


def test_the_web_side_does_the_same_for_a_known_and_an_unknown_address(worker_app):
    before, _ = written(worker_app)
    known = ask(worker_app, BERNARD_EMAIL)
    after_known, rows_known = written(worker_app)
    unknown = ask(worker_app, UNKNOWN)
    after_unknown, rows_both = written(worker_app)
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    # One queued request each, alike (the address is in the encrypted payload), and nothing else.
    assert before == after_known == after_unknown
    assert rows_known == [("reset", "", "")] and rows_both == [("reset", "", "")] * 2
    # The sender makes the look-up: a link for Bernard's space, nothing for the unknown address.
    send_mail(worker_app)
    send_mail(worker_app)
    with worker_app.app_context(), db.connection_context():
        assert PasswordReset.select().count() == 1
        bernard = Space.by_login_email(BERNARD_EMAIL)
        assert [e.kind for e in Event.select().where(Event.space == bernard.id)] == ["reset_requested"]
        assert Event.get(Event.kind == "reset_requested").client == "127.0.0.x"
    assert [(m.recipient, m.subject.split(" –")[0]) for m in outbox(worker_app)] == [
        (BERNARD_EMAIL, "Choisir un nouveau mot de passe")]
    assert jobs(worker_app) == []


def test_the_reset_request_waits_for_the_sender(worker_app):
    ask(worker_app, BERNARD_EMAIL)
    with worker_app.app_context(), db.connection_context():
        assert PasswordReset.select().count() == 0  # no look-up in the request
    send_mail(worker_app)
    assert len(outbox(worker_app)) == 1


def test_the_outbox_shows_what_still_waits_in_the_queue(worker_app):
    """A developer (and a browser test) looking for a message the sender has not handed over yet
    sees it waiting, not an older one taken for it; its text stays out of the page."""
    from conftest import text

    client = worker_app.test_client()
    assert "En attente d'envoi" not in text(client.get("/outbox/"))
    walk = Walk(worker_app, worker_app.test_client())
    for response in (walk.number(LILA), walk.answers(), walk.credentials(), walk.question()):
        assert response.status_code == 303
    ask(worker_app, UNKNOWN)
    page = client.get("/outbox/").get_data(as_text=True)
    waiting = page[page.index('id="waiting"'):page.index("Messages envoyés")]
    assert "lila.pro@example.fr" in waiting and "Votre code d&#39;activation" in waiting
    assert "Demande « Mot de passe oublié »" in waiting and UNKNOWN not in page
    assert waiting.count('class="pending"') == 2 and "code d&#39;activation : " not in page
    assert "<a href=\"/outbox/" not in waiting  # nothing to open until it is sent
    worker_app.extensions["espace.mailer"] = Relay(MailError("550 refusé", permanent=True))
    send_mail(worker_app)
    page = client.get("/outbox/").get_data(as_text=True)
    assert "Demande « Mot de passe oublié »" not in page  # looked up: nobody to write to
    assert page.count('class="failed"') == 1 and "En échec définitif – 1 tentative(s), dernière erreur : 550 refusé" in page

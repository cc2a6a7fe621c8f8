"""espace/domain/mail_queue.py alone: the rows, their order, the claim, the backoff and the retention
(the sender and the relay are in tests/test_mail_queue.py)."""
from datetime import datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from espace.domain import mail_queue as queue
from espace.domain.crypto import Encryptor
from espace.models import PENDING, MailJob

NOW = datetime(2030, 1, 15, 10, 0)
SECOND = timedelta(seconds=1)
ENCRYPTOR = Encryptor([Fernet.generate_key().decode("ascii")])


def message(at=NOW, to="a@example.fr"):
    return queue.enqueue_message(to, "Objet", "texte 123456", "<p>html</p>", ENCRYPTOR, at)


def test_a_message_is_stored_encrypted_due_now(dbc):
    job = MailJob.get_by_id(message().id)
    assert (job.kind, job.recipient, job.subject, job.state, job.attempts) == (queue.MESSAGE, "a@example.fr", "Objet",
                                                                               PENDING, 0)
    assert (job.created_at, job.next_attempt_at, job.last_error) == (NOW, NOW, "")
    assert b"123456" not in bytes(job.payload)
    assert queue.payload_of(job, ENCRYPTOR) == {"text": "texte 123456", "html": "<p>html</p>"}


def test_a_reset_request_has_no_recipient_nor_subject_in_clear(dbc):
    job = MailJob.get_by_id(queue.enqueue_reset("b@example.fr", "203.0.113.7", ENCRYPTOR, NOW).id)
    assert (job.kind, job.recipient, job.subject) == (queue.RESET, "", "")
    assert queue.payload_of(job, ENCRYPTOR) == {"email": "b@example.fr", "client": "203.0.113.7"}


def test_the_claim_takes_due_rows_oldest_first_of_the_kinds_asked(dbc):
    later, first = message(NOW + SECOND), message(NOW - SECOND)
    reset = queue.enqueue_reset("b@example.fr", None, ENCRYPTOR, NOW)
    message(NOW + timedelta(minutes=5))  # not due yet
    claimed = queue.claim(NOW + SECOND, kinds=[queue.MESSAGE])
    assert [j.id for j in claimed] == [first.id, later.id]
    for job in claimed:
        stored = MailJob.get_by_id(job.id)
        assert (stored.attempts, stored.next_attempt_at) == (job.attempts, job.next_attempt_at) == \
            (1, NOW + SECOND + queue.LEASE)
    assert [j.id for j in queue.claim(NOW + SECOND)] == [reset.id]  # leased rows are not taken again
    assert queue.claim(NOW + SECOND) == []


def test_the_claim_takes_at_most_its_batch(dbc):
    for _ in range(3):
        message()
    assert len(queue.claim(NOW, limit=2)) == 2 and len(queue.claim(NOW, limit=2)) == 1


def test_a_lease_that_runs_out_gives_the_row_back(dbc):
    message()
    queue.claim(NOW)
    assert queue.claim(NOW + queue.LEASE - SECOND) == []
    (again,) = queue.claim(NOW + queue.LEASE)
    assert again.attempts == 2


@pytest.mark.parametrize("attempts, delay", [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (20, 3600)])
def test_the_backoff_doubles_up_to_an_hour(attempts, delay):
    assert queue.retry_delay(attempts) == timedelta(seconds=delay)


def test_a_failure_waits_its_backoff_then_fails_for_good(dbc):
    message()
    (job,) = queue.claim(NOW)
    assert queue.failed(job, "x" * 400, NOW) is False
    stored = MailJob.get_by_id(job.id)
    assert (stored.state, stored.next_attempt_at, len(stored.last_error)) == (PENDING, NOW + timedelta(seconds=30), 300)
    job.attempts = queue.MAX_ATTEMPTS
    assert queue.failed(job, "refusé", NOW) is True
    stored = MailJob.get_by_id(job.id)
    assert (stored.state, stored.next_attempt_at, stored.last_error) == (queue.FAILED, NOW, "refusé")
    assert queue.claim(NOW + timedelta(days=1)) == []


def test_waiting_lists_pending_then_failed_and_retry_gives_a_fresh_count(dbc):
    broken, waiting = message(NOW - SECOND), message(NOW)
    (job,) = queue.claim(NOW - SECOND, limit=1)
    queue.failed(job, "5xx", NOW, permanent=True)
    assert [j.id for j in queue.waiting()] == [waiting.id, broken.id]
    assert queue.retry_failed(NOW + SECOND) == 1
    stored = MailJob.get_by_id(broken.id)
    assert (stored.state, stored.attempts, stored.next_attempt_at, stored.last_error) == (PENDING, 0, NOW + SECOND, "")
    assert queue.retry_failed(NOW) == 0


def test_a_failed_row_is_kept_thirty_days_from_its_last_try(dbc):
    kept, gone, pending = message(), message(), message(NOW - timedelta(days=40))
    for job, at in ((kept, NOW - queue.FAILED_KEPT + SECOND), (gone, NOW - queue.FAILED_KEPT)):
        MailJob.update(state=queue.FAILED, next_attempt_at=at).where(MailJob.id == job.id).execute()
    assert queue.purge_failed(NOW) == 1
    assert sorted(j.id for j in MailJob.select()) == sorted([kept.id, pending.id])
    assert queue.FAILED_KEPT == timedelta(days=30)


def test_a_sent_row_is_deleted(dbc):
    job, other = message(), message()
    queue.sent(job)
    assert [j.id for j in MailJob.select()] == [other.id]

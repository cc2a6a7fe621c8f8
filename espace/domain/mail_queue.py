"""The mail queue: every message waits in the database until a sender hands it to the relay.

No Flask here. A row is written in the transaction of the change it reports (an activation
request and its code are stored together, or neither), so a message survives the web host
that wrote it. A sender (`flask send-mail`, or the web process itself in the embedded default)
claims due rows — `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so several senders never
take one row; a conditional UPDATE on SQLite — for a lease, sends them, and deletes each
one sent. A failure is tried again after an exponential backoff; after MAX_ATTEMPTS, or at
once for a permanent refusal (SMTP 5xx), the row stays, marked failed, for the operator
(`flask mail-queue`). A sender that dies while sending leaves its rows to be taken again when
their lease ends: a message is sent at least once.
"""
import json
from datetime import timedelta

from ..models import PENDING, MailJob, db

MESSAGE = "message"
RESET = "reset"  # « Mot de passe oublié »: the sender looks the address up (espace/domain/reset.py)
FAILED = "failed"

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 8  # 30 s, 1, 2, 4, 8, 16, 32 min between tries: about an hour in all
# How long a claimed row is left to its sender (an SMTP exchange gives up after 10 s).
LEASE = timedelta(minutes=2)
BATCH = 20
ERROR_MAX = 300


def retry_delay(attempts):
    """The wait after the `attempts`-th failure: 30 s, doubled each time, at most an hour."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


def enqueue(kind, payload, encryptor, now, recipient="", subject=""):
    return MailJob.create(kind=kind, recipient=recipient, subject=subject,
                          payload=encryptor.encrypt(json.dumps(payload)),
                          state=PENDING, attempts=0, created_at=now, next_attempt_at=now)


def enqueue_message(recipient, subject, text, html, encryptor, now):
    """A composed message; its text and HTML (codes, links) are stored encrypted."""
    return enqueue(MESSAGE, {"text": text, "html": html}, encryptor, now, recipient, subject)


def enqueue_reset(email, client, encryptor, now):
    """A « Mot de passe oublié » request: the same row for any address, known or not."""
    return enqueue(RESET, {"email": email, "client": client}, encryptor, now)


def payload_of(job, encryptor):
    return json.loads(encryptor.decrypt(job.payload))


def _due(now, kinds):
    query = (MailJob.select()
             .where((MailJob.state == PENDING) & (MailJob.next_attempt_at <= now))
             .order_by(MailJob.next_attempt_at, MailJob.id))
    return query.where(MailJob.kind.in_(list(kinds))) if kinds else query


def claim(now, kinds=None, limit=BATCH):
    """Due rows, taken for a lease by this sender only; each counts one more attempt."""
    if getattr(db.obj, "for_update", False):  # PostgreSQL: rows another sender holds are skipped
        with db.atomic():
            jobs = list(_due(now, kinds).limit(limit).for_update(skip_locked=True))
            if jobs:
                (MailJob.update(attempts=MailJob.attempts + 1, next_attempt_at=now + LEASE)
                 .where(MailJob.id.in_([job.id for job in jobs])).execute())
    else:  # SQLite: one writer at a time; a row is ours if our conditional update changed it
        jobs = [job for job in list(_due(now, kinds).limit(limit))
                if MailJob.update(attempts=MailJob.attempts + 1, next_attempt_at=now + LEASE)
                .where((MailJob.id == job.id) & (MailJob.state == PENDING)
                       & (MailJob.next_attempt_at == job.next_attempt_at)).execute() == 1]
    for job in jobs:
        job.attempts += 1
        job.next_attempt_at = now + LEASE
    return jobs


def sent(job):
    """Sent: nothing of it is kept."""
    MailJob.delete().where(MailJob.id == job.id).execute()


def failed(job, error, now, permanent=False):
    """A try failed: again after the backoff, or failed for good (kept for the operator).

    Returns True if it is failed for good."""
    final = permanent or job.attempts >= MAX_ATTEMPTS
    (MailJob.update(state=FAILED if final else PENDING,
                    next_attempt_at=now if final else now + retry_delay(job.attempts),
                    last_error=error[:ERROR_MAX])
     .where(MailJob.id == job.id).execute())
    return final


def waiting():
    """Rows not sent yet: pending (due, claimed or backing off), then failed for good."""
    return list(MailJob.select().order_by(MailJob.state.desc(), MailJob.next_attempt_at, MailJob.id))


def retry_failed(now):
    """The operator's « try again »: failed rows are pending again, with a fresh count."""
    return (MailJob.update(state=PENDING, attempts=0, next_attempt_at=now, last_error="")
            .where(MailJob.state == FAILED).execute())


# A message failed for good is kept this long for the operator (`flask mail-queue`), then deleted:
# its codes and links are long dead by then.
FAILED_KEPT = timedelta(days=30)


def purge_failed(now):
    """Failed rows older than FAILED_KEPT (counted from their last try); returns how many went."""
    return (MailJob.delete()
            .where((MailJob.state == FAILED) & (MailJob.next_attempt_at <= now - FAILED_KEPT)).execute())

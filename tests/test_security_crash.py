"""Crash safety: whatever fails inside the activation — an exception at any statement, or the
process killed mid-transaction or mid-commit — the space is entirely as before or entirely
activated, never half-switched.
"""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import LILA, PASSWORD, Walk

from espace.database import open_database
from espace.models import ActivationRequest, Dossier, LegacyTrustAnswer, Service, Space, db

EMAIL = "lila.pro@example.fr"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def state_of_lila():
    """Everything activation may touch, as plain data."""
    with db.connection_context():
        space = Space.by_number(LILA)
        return {
            "space": {f.name: getattr(space, f.name) for f in Space._meta.sorted_fields},
            "answers": sorted((a.position, a.question, a.answer_hash) for a in space.legacy_answers),
            "dossiers": sorted((d.siren, d.name) for d in Dossier.select().where(Dossier.space == space)),
            "services": sorted(s.name for s in Service.select().where(Service.space == space)),
            "requests": sorted((r.id, r.state, r.used_at) for r in ActivationRequest.select()),
        }


def fully_activated(before, after):
    space, old = after["space"], before["space"]
    kept = ("id", "subscriber_number", "last_name", "first_name", "phone", "contact_email", "address")
    return (
        all(space[k] == old[k] for k in kept)
        and space["access_mode"] == "password" and space["login_email"] == EMAIL
        and space["password_hash"] and space["trust_question"] and space["trust_answer_encrypted"]
        and space["certificate_number"] is None and space["certificate_expires_on"] is None
        and after["answers"] == [] and after["dossiers"] == before["dossiers"]
        and after["services"] == before["services"]
        and [r[1] for r in after["requests"]] == ["used"]
    )


def all_or_nothing(before, after):
    return after == before or fully_activated(before, after)


@pytest.fixture
def at_address_step(make_app):
    """A browser that passed the code and captcha; the app shows its 500 page like in production."""
    app = make_app(TESTING=False)
    walk = Walk(app, app.test_client())
    code = walk.option(email=EMAIL)
    assert walk.code(code).status_code == 303
    with app.app_context():
        before = state_of_lila()
    return app, walk, before


def test_an_exception_inside_the_activation_changes_nothing(at_address_step, monkeypatch):
    app, walk, before = at_address_step

    def disk_full(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    # The last write of the transaction: the request is claimed and the space switched by then.
    monkeypatch.setattr(LegacyTrustAnswer, "delete", disk_full)
    response = walk.connection_email(EMAIL)
    assert response.status_code == 500 and "Erreur interne" in response.get_data(as_text=True)
    with app.app_context():
        assert state_of_lila() == before
    monkeypatch.undo()
    # Nothing was spent: the same person simply tries again.
    assert walk.connection_email(EMAIL).status_code == 303
    with app.app_context():
        assert fully_activated(before, state_of_lila())


def test_a_failure_at_any_statement_leaves_all_or_nothing(at_address_step, monkeypatch):
    """Fail the 1st, 2nd, 3rd… statement of the request in turn, until the space is activated."""
    app, walk, before = at_address_step
    database = db.obj
    real = database.execute_sql
    for fail_at in range(1, 30):
        count = 0

        def failing(sql, *args, **kwargs):
            nonlocal count
            count += 1
            if count == fail_at:
                raise sqlite3.OperationalError(f"failure injected at statement {fail_at}")
            return real(sql, *args, **kwargs)

        monkeypatch.setattr(database, "execute_sql", failing)
        assert walk.connection_email(EMAIL).status_code == 500
        monkeypatch.setattr(database, "execute_sql", real)
        with app.app_context():
            after = state_of_lila()
        assert all_or_nothing(before, after), f"half-done after a failure at statement {fail_at}"
        if after != before:
            break
    # Read, claim, switch, delete: four statements failed with nothing kept; the fifth
    # fails after the commit, when everything is done.
    assert fail_at == 5
    retry = walk.connection_email(EMAIL)
    assert retry.status_code == 422
    assert "votre espace est activé, connectez-vous" in retry.get_data(as_text=True)


CHILD = """
import os, sys, time
from espace.database import open_database
from espace.domain import activation
from espace.domain.clock import now
from espace.models import LegacyTrustAnswer, db

db.initialize(open_database(sys.argv[1]))
if sys.argv[3] == "sleep-inside":
    real = LegacyTrustAnswer.delete
    def slow_delete(*args, **kwargs):
        print("inside", flush=True)
        time.sleep(60)
        return real(*args, **kwargs)
    LegacyTrustAnswer.delete = slow_delete
db.connect()
if sys.argv[3] in ("pause-in-commit", "mark-commit"):
    # SQLite calls this as it starts each statement: at COMMIT the claim, the switch and the
    # deletion are written but not yet committed.
    def trace(statement):
        if statement.strip().upper().startswith("COMMIT"):
            print("committing", flush=True)
            if sys.argv[3] == "pause-in-commit":
                sys.stdin.readline()  # held inside the COMMIT statement until killed
    db.connection().set_trace_callback(trace)
print("ready", flush=True)
sys.stdin.readline()
activation.activate(int(sys.argv[2]), "%s", now())
print("done", flush=True)
""" % EMAIL


def start_child(url, request_id, mode):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(request_id), mode], cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=ROOT),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert child.stdout.readline().strip() == "ready", child.stderr.read()
    return child


def kill(child):
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=10)  # reaps it and closes the pipes


def pending_request_id(app):
    with app.app_context(), db.connection_context():
        return ActivationRequest.get(ActivationRequest.state == "pending").id


def test_process_killed_inside_the_transaction_changes_nothing(make_app):
    app = make_app()
    walk = Walk(app, app.test_client())
    code = walk.option(email=EMAIL)
    with app.app_context():
        before = state_of_lila()
    child = start_child(app.config["DATABASE_URL"], pending_request_id(app), "sleep-inside")
    child.stdin.write("go\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "inside"  # request claimed, space switched, uncommitted
    kill(child)
    with app.app_context():
        assert state_of_lila() == before
    # The lock of the dead writer is gone and the code still works.
    assert walk.code(code).status_code == 303
    assert walk.connection_email(EMAIL).status_code == 303
    assert walk.login(EMAIL, PASSWORD).status_code == 303


@pytest.mark.sqlite_only  # SQLite's statement trace marks the COMMIT
def test_process_killed_inside_the_commit_statement_changes_nothing(make_app):
    app = make_app()
    walk = Walk(app, app.test_client())
    code = walk.option(email=EMAIL)
    with app.app_context():
        before = state_of_lila()
    child = start_child(app.config["DATABASE_URL"], pending_request_id(app), "pause-in-commit")
    child.stdin.write("go\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "committing"  # the kill lands inside COMMIT
    kill(child)
    with app.app_context():
        assert state_of_lila() == before
    assert walk.code(code).status_code == 303
    assert walk.connection_email(EMAIL).status_code == 303


KILLS = 12


@pytest.mark.sqlite_only  # copies the SQLite file between kills
def test_process_killed_at_random_moments_of_the_commit_leaves_all_or_nothing(make_app, tmp_path):
    app = make_app()
    Walk(app, app.test_client()).option(email=EMAIL)
    request_id = pending_request_id(app)
    with app.app_context():
        before = state_of_lila()
    db.close()
    template = app.config["DATABASE_URL"][len("sqlite:///"):]
    with sqlite3.connect(template) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    children = []
    for i in range(KILLS):
        copy = tmp_path / f"kill-{i}.sqlite3"
        shutil.copy(template, copy)
        children.append((copy, start_child(f"sqlite:///{copy}", request_id, "mark-commit")))
    rng = random.Random(4)
    outcomes = []
    app_database = db.obj
    try:
        for copy, child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
            # Every kill lands once COMMIT has started: from its first write to just after.
            assert child.stdout.readline().strip() == "committing"
            delay = rng.uniform(0, 0.02)
            deadline = time.perf_counter() + delay
            while time.perf_counter() < deadline:
                pass
            kill(child)
            db.initialize(open_database(f"sqlite:///{copy}"))
            after = state_of_lila()
            assert all_or_nothing(before, after), f"half-done after a kill {delay * 1000:.2f} ms in"
            outcomes.append("activated" if after != before else "as before")
    finally:
        db.initialize(app_database)
    print(f"\n{KILLS} kills after COMMIT began: {outcomes.count('as before')} as before, "
          f"{outcomes.count('activated')} activated")

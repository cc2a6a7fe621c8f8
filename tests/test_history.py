"""« Historique »: each event recorded at its moment, and the page that lists them."""
from datetime import timedelta

import pytest
import time_machine
from markupsafe import escape

from conftest import BERNARD, BERNARD_PASSWORD, LILA, PASSWORD, Walk, text
from espace.domain import history
from espace.domain.identity import MAX_ANSWER_FAILURES
from espace.mail import MailError
from espace.models import Event, Space, db

CLIENT = "203.0.113.45"
SHOWN = "203.0.113.x"
BERNARD_EMAIL = "toto321@toto.toto"
WRONG = {"answer1": "Non", "answer2": "Non", "answer3": "Non"}


@pytest.fixture
def client(app):
    """Requests come from a documentation address, so that its truncation can be seen."""
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = CLIENT
    return c


def kinds(app, number):
    """The space's events, oldest first."""
    with app.app_context(), db.connection_context():
        space = Space.by_number(number)
        return [e.kind for e in Event.select().where(Event.space == space).order_by(Event.id)]


# --- Each event at its moment ------------------------------------------------------------

def test_a_known_number_starts_the_procedure_an_unknown_one_records_nothing(walk, app):
    assert walk.number("20101670101918").status_code == 422
    assert kinds(app, LILA) == []
    assert walk.number().status_code == 303
    assert kinds(app, LILA) == ["procedure_started"]


def test_wrong_answers_then_lock_then_attempts_during_the_lock(walk, app):
    walk.number()
    for _ in range(MAX_ANSWER_FAILURES - 1):
        assert walk.answers(WRONG).status_code == 422
    assert kinds(app, LILA) == ["procedure_started"] + ["answers_failed"] * (MAX_ANSWER_FAILURES - 1)
    walk.answers(WRONG)  # the last try is recorded, then the lock it sets, once
    assert kinds(app, LILA)[-2:] == ["answers_failed", "answers_locked"]
    before = kinds(app, LILA)
    walk.answers()  # the right answers are not even checked while locked: nothing more to record
    assert kinds(app, LILA) == before
    assert "identified" not in kinds(app, LILA)


def test_right_answers_identify(walk, app):
    walk.number()
    assert walk.answers().status_code == 303
    assert kinds(app, LILA) == ["procedure_started", "identified"]


def test_the_code_sent_is_recorded_once_queued(walk, app, monkeypatch):
    """A relay down does not refuse the step: the code is queued, the sender tries again."""
    walk.number(), walk.answers(), walk.credentials()
    assert kinds(app, LILA) == ["procedure_started", "identified"]

    class Down:
        def send(self, message):
            raise MailError("SMTP down")

    monkeypatch.setitem(app.extensions, "espace.mailer", Down())
    assert walk.question().status_code == 303
    assert kinds(app, LILA) == ["procedure_started", "identified", "code_sent"]


def test_activation_is_recorded_once_activated(walk, app):
    code = walk.option()
    assert walk.code(code).status_code == 303
    assert walk.connection_email("autre@example.fr").status_code == 422
    assert kinds(app, LILA)[-1] == "code_sent"
    walk.activate(code)
    assert kinds(app, LILA)[-1] == "activated"


def test_a_sign_in_is_recorded(walk, app):
    assert walk.login(BERNARD_EMAIL, BERNARD_PASSWORD).status_code == 303
    assert kinds(app, BERNARD) == ["signin"]  # one line per sign-in


def test_a_certificate_space_address_records_no_sign_in_failure(walk, app):
    walk.login("lila.rosemonde@orange.fr", "Anything1234567890abc")
    assert kinds(app, LILA) == []


# --- The page ------------------------------------------------------------------------------

def test_the_space_links_to_its_history(walk, client):
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)
    home = client.get("/espace/")
    assert home.status_code == 200 and 'href="/espace/historique"' in text(home)


def test_the_whole_procedure_as_the_holder_reads_it(walk, client):
    code = walk.option()
    walk.activate(code)
    assert walk.login(password=PASSWORD).status_code == 303
    page = text(client.get("/espace/historique"))
    labels = [str(escape(history.KINDS[k])) for k in
              ("signin", "activated", "code_sent", "identified", "procedure_started")]
    positions = [page.find(label) for label in labels]
    assert -1 not in positions and positions == sorted(positions)  # newest first
    assert SHOWN in page and CLIENT not in page
    for secret in (PASSWORD, code, "Laurence", "Rugby", "Renault", "Équitation"):
        assert secret not in page


def test_a_table_with_caption_headers_date_and_paris_time(walk, client):
    with time_machine.travel("2026-07-01 16:05:00+00:00", tick=False):
        walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)
        response = client.get("/espace/historique")
    page = text(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "<caption>Opérations des 12 derniers mois</caption>" in page
    for header in ("Date", "Heure (heure de Paris)", "Opération", "Adresse IP (tronquée)"):
        assert f'<th scope="col">{header}</th>' in page
    assert ('<td data-label="Date"><span class="token">01/07/2026</span></td>'
            '<td data-label="Heure"><span class="token">18h05</span></td><td data-label="Opération">Connexion</td>'
            '<td data-label="Adresse IP"><span class="token">203.0.113.x</span></td>') in page


def test_full_page_and_htmx_fragment(walk, client, app):
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)
    assert "<html" in text(client.get("/espace/historique"))
    fragment = client.get("/espace/historique", headers={"HX-Request": "true"})
    assert "<html" not in text(fragment) and "Historique de votre espace" in text(fragment)


def test_only_the_spaces_own_events(walk, client, app):
    with app.app_context(), db.connection_context():
        history.record(Space.by_number(LILA).id, "procedure_started", history_now(), "198.51.100.1")
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)
    page = text(client.get("/espace/historique"))
    assert "198.51.100" not in page and str(escape(history.KINDS["procedure_started"])) not in page


def history_now():
    from espace.domain.clock import now

    return now()


def test_events_a_year_old_are_gone_from_the_page(walk, client):
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)
    Walk(walk.app, walk.app.test_client()).login(BERNARD_EMAIL, "WrongPassword12345678")  # elsewhere
    assert history.KINDS["signin_failed"] in text(client.get("/espace/historique"))
    with time_machine.travel(timedelta(days=365, seconds=1)):
        walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)
        page = text(client.get("/espace/historique"))
    assert history.KINDS["signin_failed"] not in page and "Connexion" in page


def add_events(app, count):
    with app.app_context(), db.connection_context():
        space = Space.by_number(BERNARD).id
        start = history_now() - timedelta(days=30)
        for i in range(count):
            history.record(space, "signin_failed", start + timedelta(minutes=i), f"198.51.{i}.9")


def test_a_long_history_is_paged_without_javascript(walk, client, app):
    add_events(app, 44)
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)  # the 45th event, the newest
    first = text(client.get("/espace/historique"))
    assert "page 1 sur 3" in first and 'href="/espace/historique?page=2"' in first
    assert "?page=0" not in first and "Connexion</td>" in first
    second = text(client.get("/espace/historique?page=2"))
    assert 'href="/espace/historique?page=1"' in second and 'href="/espace/historique?page=3"' in second
    assert "198.51.24.x" in second and "198.51.43.x" not in second
    last = text(client.get("/espace/historique?page=3"))
    assert "page 3 sur 3" in last and "?page=4" not in last and "198.51.0.x" in last


@pytest.mark.parametrize("asked, shown", [("abc", 1), ("0", 1), ("-2", 1), ("99", 3),
                                           ("99999999999999999999999", 3), ("2.5", 1)])
def test_a_strange_page_number_shows_the_nearest_page(walk, client, app, asked, shown):
    add_events(app, 44)
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)
    response = client.get(f"/espace/historique?page={asked}")
    assert response.status_code == 200 and f"page {shown} sur 3" in text(response)


def test_a_short_history_has_no_pages(walk, client):
    walk.login(BERNARD_EMAIL, BERNARD_PASSWORD)
    page = text(client.get("/espace/historique"))
    assert "Pages de l'historique" not in page and "sur 1" not in page

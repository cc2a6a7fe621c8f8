"""« Historique » rules: what is recorded, truncated addresses, newest first, pages, a year kept."""
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import BERNARD, LILA
from espace.domain import history
from espace.models import Event, Space

T0 = datetime(2026, 3, 10, 9, 0)  # UTC


@pytest.fixture
def lila(dbc):
    return Space.by_number(LILA).id


@pytest.fixture
def bernard(dbc):
    return Space.by_number(BERNARD).id


@pytest.mark.parametrize("address, shown", [
    ("203.0.113.45", "203.0.113.x"),
    ("  10.1.2.3 ", "10.1.2.x"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2:x"),
    ("2001:0db8:0000:00a0::1", "2001:db8:0:a0:x"),
    ("::1", "0:0:0:0:x"),
    ("::ffff:198.51.100.7", "198.51.100.x"),
    ("", ""),
    (None, ""),
    ("unknown", ""),
    ("203.0.113.45, 10.0.0.1", ""),
    ("999.1.1.1", ""),
])
def test_the_client_address_is_truncated_to_its_network(address, shown):
    assert history.truncate_client(address) == shown


def test_record_keeps_kind_time_and_truncated_address_only(dbc, lila):
    event = history.record(lila, "signin", T0, "203.0.113.45")
    stored = Event.get_by_id(event.id)
    assert (stored.space_id, stored.kind, stored.created_at, stored.client) == (lila, "signin", T0, "203.0.113.x")
    # Nothing else can be stored: the table has no column for a secret.
    assert set(Event._meta.fields) == {"id", "space", "kind", "created_at", "client"}


def test_record_without_an_address_stores_an_empty_one(dbc, lila):
    assert history.record(lila, "unlocked", T0).client == ""


def test_an_unknown_kind_is_a_programming_error(dbc, lila):
    with pytest.raises(ValueError, match="signin_typo"):
        history.record(lila, "signin_typo", T0)
    assert Event.select().count() == 0


def test_every_kind_recorded_by_the_code_has_a_french_label():
    root = Path(__file__).resolve().parents[1] / "espace"
    used = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""(?:journal|record)\([^,]+,\s*["'](\w+)["']""", text))
        used |= set(re.findall(r"""event=(?:event or \()?["'](\w+)["']""", text))
        used |= set(re.findall(r"""emit\(["'](\w+)["']""", text))
    assert {"procedure_started", "identified", "answers_locked", "code_sent", "activated",
            "signin", "signin_failed", "unlocked"} <= used
    assert used <= set(history.KINDS)


def test_labels_are_french_sentences_and_distinct():
    labels = list(history.KINDS.values())
    assert len(set(labels)) == len(labels)
    for label in labels:
        assert label[0].isupper() and not label.endswith(".")


@pytest.mark.parametrize("kind, label", [
    ("signin", "Connexion"),
    ("signin_failed", "Échec de connexion"),
    ("unlocked", "Espace débloqué par l'assistance"),
    ("answers_failed", "Réponses aux questions de confiance incorrectes"),
])
def test_label_of_a_kind(kind, label):
    assert history.label(kind) == label


def test_label_of_a_kind_no_longer_known_is_the_kind_itself():
    # An event written by a newer version, read by an older one, still shows something.
    assert history.label("retired_kind") == "retired_kind"


def test_events_are_the_spaces_own_newest_first(dbc, lila, bernard):
    history.record(lila, "procedure_started", T0)
    history.record(bernard, "signin", T0 + timedelta(minutes=1))
    history.record(lila, "identified", T0 + timedelta(minutes=2))
    history.record(lila, "code_sent", T0 + timedelta(minutes=2))  # same instant: later id first
    kinds = [e.kind for e in history.events_of(lila, T0 + timedelta(hours=1))]
    assert kinds == ["code_sent", "identified", "procedure_started"]
    assert [e.kind for e in history.events_of(lila, T0 + timedelta(hours=1), limit=2)] == ["code_sent", "identified"]


def test_events_are_ordered_by_their_time_not_by_when_they_were_written(dbc, lila):
    # Two workers may write in the other order than the events happened.
    history.record(lila, "signin", T0 + timedelta(minutes=5))
    history.record(lila, "signin_failed", T0)
    history.record(lila, "signout", T0 + timedelta(minutes=9))
    assert [e.kind for e in history.events_of(lila, T0 + timedelta(hours=1))] == ["signout", "signin", "signin_failed"]
    assert [e.kind for e in history.page_of_events(lila, T0 + timedelta(hours=1)).events] == [
        "signout", "signin", "signin_failed"]


def test_events_older_than_a_year_are_not_shown(dbc, lila):
    history.record(lila, "signin", T0)
    assert len(history.events_of(lila, T0 + history.KEPT - timedelta(seconds=1))) == 1
    assert history.events_of(lila, T0 + history.KEPT) == []
    assert history.KEPT == timedelta(days=365)


def test_purge_forgets_what_is_a_year_old_and_keeps_the_rest(dbc, lila, bernard):
    history.record(lila, "signin", T0)
    history.record(bernard, "signin", T0 + timedelta(seconds=1))
    history.record(lila, "signin", T0 + timedelta(days=200))
    assert history.purge(T0 + history.KEPT - timedelta(seconds=1)) == 0
    assert history.purge(T0 + history.KEPT) == 1
    assert [(e.space_id, e.created_at) for e in Event.select().order_by(Event.created_at)] == [
        (bernard, T0 + timedelta(seconds=1)), (lila, T0 + timedelta(days=200))]


def _many(space_id, count):
    for i in range(count):
        history.record(space_id, "signin", T0 + timedelta(minutes=i))


@pytest.mark.parametrize("count, asked, number, pages, size", [
    (0, 1, 1, 1, 0),
    (1, 1, 1, 1, 1),
    (20, 1, 1, 1, 20),
    (21, 1, 1, 2, 20),
    (21, 2, 2, 2, 1),
    (45, 2, 2, 3, 20),
    (45, 3, 3, 3, 5),
    (45, 99, 3, 3, 5),
    (45, 0, 1, 3, 20),
    (45, -4, 1, 3, 20),
])
def test_pages_of_twenty_events(dbc, lila, count, asked, number, pages, size):
    _many(lila, count)
    page = history.page_of_events(lila, T0 + timedelta(days=1), asked)
    assert (page.number, page.pages, len(page.events)) == (number, pages, size)


def test_pages_go_from_newest_to_oldest_without_overlap(dbc, lila):
    _many(lila, 45)
    later = T0 + timedelta(days=1)
    seen = [e.created_at for n in (1, 2, 3) for e in history.page_of_events(lila, later, n).events]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 45
    assert history.page_of_events(lila, later, 1).events[0].created_at == T0 + timedelta(minutes=44)


def test_page_size_can_be_chosen(dbc, lila):
    _many(lila, 5)
    page = history.page_of_events(lila, T0 + timedelta(days=1), 2, per_page=2)
    assert (page.number, page.pages, len(page.events)) == (2, 3, 2)
    assert history.PER_PAGE == 20


@pytest.mark.parametrize("number, pages, newer, older", [
    (1, 1, None, None), (1, 3, None, 2), (2, 3, 1, 3), (3, 3, 2, None)])
def test_links_to_newer_and_older_pages(number, pages, newer, older):
    page = history.Page([], number, pages)
    assert (page.newer, page.older) == (newer, older)


@pytest.mark.parametrize("moment, day, time", [
    (datetime(2026, 1, 15, 16, 5), "15/01/2026", "17h05"),   # winter: UTC+1
    (datetime(2026, 7, 1, 16, 5), "01/07/2026", "18h05"),    # summer: UTC+2
    (datetime(2026, 12, 31, 23, 30), "01/01/2027", "00h30"),  # the new year has begun in Paris
    (datetime(2026, 3, 29, 0, 59), "29/03/2026", "01h59"),   # just before the change to summer time
    (datetime(2026, 3, 29, 1, 0), "29/03/2026", "03h00"),
])
def test_date_and_time_are_shown_in_paris(moment, day, time):
    assert history.local_date_time(moment) == (day, time)

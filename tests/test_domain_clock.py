"""Dates as the holder reads them: Paris time, French months, « 1er », minutes rounded up."""
import time
from datetime import date, datetime, timezone

import pytest
import time_machine

from espace.domain.clock import french_date, french_datetime, now, to_paris


def test_now_is_naive_utc():
    with time_machine.travel(datetime(2030, 6, 3, 8, 0, 0, tzinfo=timezone.utc), tick=False):
        assert now() == datetime(2030, 6, 3, 8, 0, 0) and now().tzinfo is None


def test_the_machine_time_zone_changes_nothing(monkeypatch):
    """Stored times are UTC and shown in Paris time, wherever the server runs."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        with time_machine.travel(datetime(2030, 6, 3, 8, 0, 0, tzinfo=timezone.utc), tick=False):
            assert now() == datetime(2030, 6, 3, 8, 0, 0)
        assert french_datetime(datetime(2030, 1, 15, 10, 27)) == "le 15/01/2030 à 11h27"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_paris_time_follows_summer_and_winter():
    assert to_paris(datetime(2030, 6, 3, 8, 0)).strftime("%H:%M %z") == "10:00 +0200"
    assert to_paris(datetime(2030, 1, 3, 8, 0)).strftime("%H:%M %z") == "09:00 +0100"


@pytest.mark.parametrize("moment, text", [
    (datetime(2023, 8, 21, 10, 0), "21 août 2023"),
    (datetime(2023, 1, 1, 10, 0), "1er janvier 2023"),
    (datetime(2023, 12, 31, 23, 30), "1er janvier 2024"),  # already the new year in Paris
    (datetime(2023, 2, 2, 10, 0), "2 février 2023"),
    (date(2010, 6, 16), "16 juin 2010"),  # a calendar date stays as it is
    (date(2010, 12, 31), "31 décembre 2010"),
])
def test_french_date(moment, text):
    assert french_date(moment) == text


@pytest.mark.parametrize("moment, text", [
    (datetime(2030, 1, 15, 10, 27, 0), "le 15/01/2030 à 11h27"),
    (datetime(2030, 1, 15, 10, 26, 1), "le 15/01/2030 à 11h27"),  # rounded up, never down
    (datetime(2030, 1, 15, 10, 26, 0, 1), "le 15/01/2030 à 11h27"),
    (datetime(2030, 6, 15, 21, 59, 30), "le 16/06/2030 à 00h00"),
])
def test_french_datetime_rounds_up_to_the_minute(moment, text):
    assert french_datetime(moment) == text

"""One clock for every rule, so tests can move time (time-machine patches it)."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def now():
    """Naive UTC, as stored in the database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_paris(moment):
    return moment.replace(tzinfo=timezone.utc).astimezone(PARIS)


MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)


def french_date(moment):
    """21 août 2023, for a moment (UTC, shown in Paris time) or a calendar date."""
    local = to_paris(moment) if isinstance(moment, datetime) else moment
    day = "1er" if local.day == 1 else str(local.day)
    return f"{day} {MONTHS[local.month - 1]} {local.year}"


def french_datetime(moment):
    """le 27/11/2026 à 11h05 (Paris time), for 'try again' messages.

    Rounded up to the minute: someone told 11h05 must not be refused at 11h05.
    """
    if moment.second or moment.microsecond:
        moment += timedelta(minutes=1)  # the seconds are not shown: 11h04m05s reads « 11h05 »
    local = to_paris(moment)
    return f"le {local:%d/%m/%Y} à {local:%H}h{local:%M}"

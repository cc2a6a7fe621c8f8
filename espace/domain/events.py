"""What happened to a space: the domain function that owns a change emits one event.

The journal (« Historique ») and the notification e-mails subscribe to it (espace/events.py),
as Flask-Security's signals: a view never writes either itself.
"""
from dataclasses import dataclass, field
from datetime import datetime

from blinker import Namespace

signals = Namespace()
space_event = signals.signal("space-event")


@dataclass(frozen=True)
class SpaceEvent:
    kind: str
    space_id: int
    at: datetime
    details: dict = field(default_factory=dict)


def emit(kind, space_id, now, **details):
    """Tell every subscriber; returns the event."""
    event = SpaceEvent(kind, space_id, now, details)
    space_event.send(event)
    return event

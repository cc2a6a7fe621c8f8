"""Refusals the user must be told about, each carrying its French message."""


class Refused(Exception):
    """A rule refused the request; `message` is shown to the user as is."""

    field = None
    event = None  # what the space's history records, when it differs from a plain failure

    def __init__(self, message, field=None, event=None):
        super().__init__(message)
        self.message = message
        if field:
            self.field = field
        if event:
            self.event = event


class DeliveryFailed(Exception):
    """A message could not be handed over for delivery (raised by the mailers)."""

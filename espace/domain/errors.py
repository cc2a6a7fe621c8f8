"""Refusals the user must be told about, each carrying its French message."""


class Refused(Exception):
    """A rule refused the request; `message` is shown to the user as is."""

    field = None

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        if field:
            self.field = field

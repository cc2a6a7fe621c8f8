"""Attempts limited per space, counted in the database (restarts and extra workers share them)."""
from ..models import Space, db


class Locked(Exception):
    def __init__(self, until):
        super().__init__(until)
        self.until = until


class Throttle:
    """A failure counter and a lock date, two columns of Space."""

    def __init__(self, count_field, until_field, limit, lock):
        self.count, self.until = count_field, until_field
        self.limit, self.lock = limit, lock

    def spend(self, space_id, now):
        """Take one attempt *before* checking, so parallel guesses cannot all slip in.

        Returns the attempt's rank (1..limit); raises Locked past the limit.
        """
        with db.atomic():
            # A write first: the row (PostgreSQL) or the database (SQLite) is locked at once,
            # so concurrent attempts queue here instead of reading a stale count.
            Space.update({self.count: self.count + 1}).where(Space.id == space_id).execute()
            rank, until = Space.select(self.count, self.until).where(Space.id == space_id).tuples().get()
            if until and until > now:
                raise Locked(until)  # rolls the increment back
            if rank > self.limit:
                self.lock_now(space_id, now)
        if rank > self.limit:
            raise Locked(now + self.lock)
        return rank

    def lock_now(self, space_id, now):
        Space.update({self.count: 0, self.until: now + self.lock}).where(Space.id == space_id).execute()
        return now + self.lock

    def reset(self, space_id):
        Space.update({self.count: 0, self.until: None}).where(Space.id == space_id).execute()

"""The mail queue: messages wait in the database for the sender (flask send-mail), issue 14."""
from peewee import *


def _models(db):
    # Frozen copy: later changes to espace.models must not rewrite history.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class MailJob(Base):
        kind = CharField(max_length=12)
        recipient = CharField(max_length=200, default="")
        subject = CharField(max_length=300, default="")
        payload = BlobField()
        state = CharField(max_length=12, default="pending")
        attempts = IntegerField(default=0)
        created_at = DateTimeField()
        next_attempt_at = DateTimeField()
        last_error = CharField(max_length=300, default="")

        class Meta:
            indexes = ((("state", "next_attempt_at"), False),)

    return [MailJob]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))

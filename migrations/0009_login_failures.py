"""Wrong passwords counted per typed login address (known or not): the captcha past a threshold.
An address change gets a single-use cancel link (its hash)."""
from peewee import *


def _models(db):
    # Frozen copy: later changes to espace.models must not rewrite history.
    class LoginFailure(Model):
        address_hash = CharField(max_length=64, unique=True)
        failures = IntegerField(default=0)
        window_start = DateTimeField()
        captcha_until = DateTimeField(null=True, index=True)

        class Meta:
            database = db
            legacy_table_names = False

    return [LoginFailure]


def up(migrator, db):
    db.create_tables(_models(db))
    migrator.migrate(migrator.add_column("email_change", "cancel_token_hash", CharField(max_length=64, null=True)),
                     migrator.add_index("email_change", ("cancel_token_hash",), unique=True))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("email_change", "email_change_cancel_token_hash"),
                     migrator.drop_column("email_change", "cancel_token_hash"))
    db.drop_tables(_models(db))

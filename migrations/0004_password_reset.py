"""« Mot de passe oublié » (EP 6): the e-mailed links, stored as hashes."""
from peewee import *


def _models(db):
    # Frozen copies: later changes to espace.models must not rewrite history.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Space(Base):
        pass

    class PasswordReset(Base):
        space = ForeignKeyField(Space, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        state = CharField(max_length=12, default="pending")
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("space", "created_at"), False), (("expires_at",), False))

    return [PasswordReset]


def up(migrator, db):
    db.create_tables(_models(db))
    # One pending link per space, enforced by the database: a new request supersedes the old.
    db.execute_sql(
        "CREATE UNIQUE INDEX password_reset_pending_space "
        "ON password_reset (space_id) WHERE state = 'pending'"
    )


def down(migrator, db):
    db.drop_tables(_models(db))

"""Sign-in confirmation: the e-mailed 6-digit codes and the remembered browsers."""
from peewee import *


def _models(db):
    # Frozen copies: later changes to espace.models must not rewrite history.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Space(Base):
        pass

    class SigninCode(Base):
        space = ForeignKeyField(Space, on_delete="CASCADE")
        code_hash = CharField(max_length=64)
        state = CharField(max_length=12, default="pending")
        tries = IntegerField(default=0)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("space", "created_at"), False),)

    class Device(Base):
        space = ForeignKeyField(Space, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        session_epoch = IntegerField()
        created_at = DateTimeField()
        last_used_at = DateTimeField()
        expires_at = DateTimeField(index=True)

    return [SigninCode, Device]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))

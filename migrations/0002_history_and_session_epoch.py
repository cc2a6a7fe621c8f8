"""The space's history (« Historique ») and the counter that ends its other sessions."""
from peewee import *


def _models(db):
    # Frozen copies: later changes to espace.models must not rewrite history.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Space(Base):
        pass

    class Event(Base):
        space = ForeignKeyField(Space, on_delete="CASCADE")
        kind = CharField(max_length=40)
        created_at = DateTimeField()
        client = CharField(max_length=64, default="")

        class Meta:
            indexes = ((("space", "created_at"), False), (("created_at",), False))

    return [Event]


def up(migrator, db):
    migrator.migrate(migrator.add_column("space", "session_epoch",
                                         IntegerField(default=0, constraints=[SQL("DEFAULT 0")])))
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
    migrator.migrate(migrator.drop_column("space", "session_epoch"))

"""« Sécurité de mon espace »: the registry of open sessions; remembered browsers described.

Remembered browsers get a public id (what the page's forms name), browser, system and a
truncated address; they are forgotten by deleting their row, so the session epoch they
carried goes. Browsers remembered before this migration get a random public id and an
empty description (« Navigateur inconnu »), until their next use fills it.
"""
import secrets

from peewee import *


def _models(db):
    # Frozen copies: later changes to espace.models must not rewrite history.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Space(Base):
        pass

    class Device(Base):
        pass

    class OpenSession(Base):
        space = ForeignKeyField(Space, on_delete="CASCADE")
        public_id = CharField(max_length=32, unique=True)
        device = ForeignKeyField(Device, null=True, on_delete="SET NULL")
        browser = CharField(max_length=60, default="")
        system = CharField(max_length=60, default="")
        client = CharField(max_length=64, default="")
        created_at = DateTimeField()
        last_used_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        end_reason = CharField(max_length=20, null=True)

        class Meta:
            indexes = ((("space", "ended_at"), False),)

    return [OpenSession]


def up(migrator, db):
    text = {"default": "", "constraints": [SQL("DEFAULT ''")]}
    migrator.migrate(
        migrator.add_column("device", "public_id", CharField(max_length=32, null=True)),
        migrator.add_column("device", "browser", CharField(max_length=60, **text)),
        migrator.add_column("device", "system", CharField(max_length=60, **text)),
        migrator.add_column("device", "client", CharField(max_length=64, **text)),
    )
    param = db.param
    for (device_id,) in db.execute_sql("SELECT id FROM device").fetchall():
        db.execute_sql(f"UPDATE device SET public_id = {param} WHERE id = {param}",
                       (secrets.token_urlsafe(16), device_id))
    migrator.migrate(
        migrator.add_not_null("device", "public_id"),
        migrator.add_index("device", ("public_id",), True),
        migrator.drop_column("device", "session_epoch"),
    )
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
    migrator.migrate(migrator.add_column("device", "session_epoch", IntegerField(default=0)))
    # Every remembered browser stays remembered under the space's current password.
    db.execute_sql("UPDATE device SET session_epoch = "
                   "(SELECT session_epoch FROM space WHERE space.id = device.space_id)")
    migrator.migrate(
        migrator.drop_index("device", "device_public_id"),
        migrator.drop_column("device", "public_id"),
        migrator.drop_column("device", "browser"),
        migrator.drop_column("device", "system"),
        migrator.drop_column("device", "client"),
    )

"""Initial schema: spaces, legacy trust answers, dossiers, services, activation requests, outbox."""
from peewee import *


def _models(db):
    # Frozen copies: later changes to espace.models must not rewrite history.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Space(Base):
        subscriber_number = CharField(max_length=14, unique=True)
        last_name = CharField(max_length=100)
        first_name = CharField(max_length=100)
        phone = CharField(max_length=20, default="")
        contact_email = CharField(max_length=100, default="")
        address = TextField(default="")
        access_mode = CharField(max_length=12, default="certificate")
        certificate_number = CharField(max_length=40, null=True)
        certificate_authority = CharField(max_length=100, null=True)
        certificate_expires_on = DateField(null=True)
        login_email = CharField(max_length=100, null=True, unique=True)
        password_hash = CharField(max_length=100, null=True)
        trust_question = CharField(max_length=100, null=True)
        trust_answer_encrypted = BlobField(null=True)
        registered_at = DateTimeField(null=True)
        failed_answer_count = IntegerField(default=0)
        answers_locked_until = DateTimeField(null=True)
        failed_login_count = IntegerField(default=0)
        login_locked_until = DateTimeField(null=True)

    class LegacyTrustAnswer(Base):
        space = ForeignKeyField(Space, on_delete="CASCADE")
        position = IntegerField()
        question = CharField(max_length=100)
        answer_hash = CharField(max_length=100)

        class Meta:
            indexes = ((("space", "position"), True),)

    class Dossier(Base):
        space = ForeignKeyField(Space, on_delete="CASCADE")
        siren = CharField(max_length=9)
        name = CharField(max_length=200)

    class Service(Base):
        space = ForeignKeyField(Space, on_delete="CASCADE")
        name = CharField(max_length=200)

    class ActivationRequest(Base):
        space = ForeignKeyField(Space, on_delete="CASCADE")
        email = CharField(max_length=100)
        code_hash = CharField(max_length=64, unique=True)
        password_hash = CharField(max_length=100)
        trust_question = CharField(max_length=100)
        trust_answer_encrypted = BlobField()
        state = CharField(max_length=12, default="pending")
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("email",), False),)

    class OutboxMessage(Base):
        recipient = CharField(max_length=200)
        subject = CharField(max_length=300)
        text_body = TextField()
        html_body = TextField()
        created_at = DateTimeField()

    return [Space, LegacyTrustAnswer, Dossier, Service, ActivationRequest, OutboxMessage]


def up(migrator, db):
    db.create_tables(_models(db))
    # One pending request per address and per space, enforced by the database.
    db.execute_sql(
        "CREATE UNIQUE INDEX activation_request_pending_email "
        "ON activation_request (email) WHERE state = 'pending'"
    )
    db.execute_sql(
        "CREATE UNIQUE INDEX activation_request_pending_space "
        "ON activation_request (space_id) WHERE state = 'pending'"
    )


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))

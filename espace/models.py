"""Database models. Query helpers live on the models as classmethods."""
import threading
from peewee import (
    BlobField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SQL,
    TextField,
)

db = DatabaseProxy()

ACCESS_CERTIFICATE = "certificate"
ACCESS_PASSWORD = "password"

PENDING = "pending"
USED = "used"
SUPERSEDED = "superseded"
EXPIRED = "expired"


class Prepared:
    """A SELECT that peewee builds once per database, then runs with new parameters.

    Building a query's SQL is peewee's dearest step: 0.2 ms for a space by its id, 0.35 ms for the
    session check with its space, each time, more than a whole bare page. The hot queries of every
    request are written once as `build(param)` — the query with `param` in place of each value, in
    the order `__call__` receives them — and their SQL is kept. The rows come back as the same
    query would give them (joined models included): tests/test_prepared.py compares the two.
    Every value must be a parameter (no `.limit(n)`: peewee passes n as one): `first` is for
    queries that find one row at most.
    """

    def __init__(self, build):
        self.build = build
        self._compiled = {}
        self._lock = threading.Lock()

    def _for(self, database):
        # The SQL depends on the kind of database (its quoting and parameter style are class
        # attributes), not on the instance: kept per class, it neither grows with the databases a
        # test run opens nor keeps any of them alive.
        kind = type(database)
        compiled = self._compiled.get(kind)
        if compiled is None:
            with self._lock:
                query = self.build(SQL(database.param))
                sql, values = query.sql()
                if values:
                    raise ValueError(f"a prepared query holds values of its own: {values}")
                compiled = self._compiled[kind] = (query, sql)
        return compiled

    def __call__(self, *params):
        """Every row, as model instances."""
        query, sql = self._for(db.obj)
        return list(query._get_cursor_wrapper(db.execute_sql(sql, params)))

    def first(self, *params):
        """The first row, or None."""
        rows = self(*params)
        return rows[0] if rows else None


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False

    @classmethod
    def find(cls, pk):
        """The row of this primary key, or None: `get_or_none(id == pk)` with its SQL built once."""
        prepared = cls.__dict__.get("_by_id")
        if prepared is None:
            prepared = Prepared(lambda param: cls.select().where(cls._meta.primary_key == param))
            cls._by_id = prepared
        return prepared.first(pk)

    @classmethod
    def get_by_id(cls, pk):
        """peewee's `get_by_id` (DoesNotExist if missing), through `find`."""
        row = cls.find(pk)
        if row is None:
            raise cls.DoesNotExist(f"{cls.__name__} {pk!r} does not exist")
        return row


class Expiring(BaseModel):
    """A code or link waiting for its holder: pending until used, superseded or past its time."""

    state = CharField(max_length=12, default=PENDING)
    created_at = DateTimeField()
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)

    def usable(self, now):
        """Still waiting for its holder: pending and within its time."""
        return self.state == PENDING and self.expires_at > now

    @classmethod
    def supersede_pending(cls, space_id):
        """A newer one replaces them: every pending row of the space stops working. Returns how many."""
        return cls.update(state=SUPERSEDED).where((cls.space == space_id) & (cls.state == PENDING)).execute()

    def claim(self, now):
        """Spend it, once. The conditional update is the lock: of two simultaneous submissions
        exactly one sees a pending, unexpired row to change. Returns whether this call spent it."""
        model = type(self)
        return (model.update(state=USED, used_at=now)
                .where((model.id == self.id) & (model.state == PENDING) & (model.expires_at > now))
                .execute()) == 1


class Space(BaseModel):
    """An espace professionnel: one holder, one subscriber number."""

    subscriber_number = CharField(max_length=14, unique=True)
    last_name = CharField(max_length=100)
    first_name = CharField(max_length=100)
    phone = CharField(max_length=20, default="")
    contact_email = CharField(max_length=100, default="")
    # The lines above « code postal + ville » (street, complement); migration 0006 split them off.
    address = TextField(default="")
    postcode = CharField(max_length=5, default="", constraints=[SQL("DEFAULT ''")])
    city = CharField(max_length=32, default="", constraints=[SQL("DEFAULT ''")])
    access_mode = CharField(max_length=12, default=ACCESS_CERTIFICATE)
    certificate_number = CharField(max_length=40, null=True)
    certificate_authority = CharField(max_length=100, null=True)
    certificate_expires_on = DateField(null=True)
    # Unique: one login address belongs to one space only.
    login_email = CharField(max_length=100, null=True, unique=True)
    password_hash = CharField(max_length=100, null=True)
    trust_question = CharField(max_length=100, null=True)
    trust_answer_encrypted = BlobField(null=True)
    registered_at = DateTimeField(null=True)
    # The three trust answers of the certificate access, hashed together (migration 0003).
    legacy_answers_hash = CharField(max_length=100, null=True)
    failed_answer_count = IntegerField(default=0)
    answers_locked_until = DateTimeField(null=True)
    failed_login_count = IntegerField(default=0)
    login_locked_until = DateTimeField(null=True)
    # The password's generation, raised by each new password: a sign-in left between the password
    # and the code under an older one is refused. Sessions themselves end through OpenSession rows.
    session_epoch = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])

    @property
    def holder_name(self):
        """« Lila ROSEMONDE », as the recap and the e-mails greet the holder."""
        return f"{self.first_name} {self.last_name}"

    @property
    def formal_name(self):
        """« ROSEMONDE Lila », as the wizard's validation page names the holder."""
        return f"{self.last_name} {self.first_name}"

    @property
    def address_block(self):
        """The professional address as printed, as the fiche's recap: its lines, « 75016 PARIS »,
        then « FRANCE » (every address here has a French postcode)."""
        lines = [line for line in self.address.splitlines() if line.strip()]
        last = f"{self.postcode} {self.city}".strip()
        return lines + [last, "FRANCE"] if last else lines

    @property
    def uses_password(self):
        return self.access_mode == ACCESS_PASSWORD

    def dossiers_in_order(self):
        """« Vos dossiers », by SIREN (the space's page, every request: prepared)."""
        return _DOSSIERS_OF(self.id)

    def services_in_order(self):
        """« Vos services », by name."""
        return _SERVICES_OF(self.id)

    def legacy_answers_in_order(self):
        """The certificate access's three trust questions and their hashes, in the order asked."""
        return _LEGACY_ANSWERS_OF(self.id)

    @classmethod
    def by_number(cls, number):
        return _SPACE_BY_NUMBER.first(number)

    @classmethod
    def by_login_email(cls, email):
        return _SPACE_BY_LOGIN_EMAIL.first(email)


class LegacyTrustAnswer(BaseModel):
    """One of the three trust questions of a certificate space.

    answer_hash: this answer alone, for spaces imported before migration 0003 and not
    verified since; empty once the three are hashed together in Space.legacy_answers_hash.
    """

    space = ForeignKeyField(Space, backref="legacy_answers", on_delete="CASCADE")
    position = IntegerField()
    question = CharField(max_length=100)
    answer_hash = CharField(max_length=100, null=True)

    class Meta:
        indexes = ((("space", "position"), True),)


class Dossier(BaseModel):
    space = ForeignKeyField(Space, backref="dossiers", on_delete="CASCADE")
    siren = CharField(max_length=9)
    name = CharField(max_length=200)


class Service(BaseModel):
    space = ForeignKeyField(Space, backref="services", on_delete="CASCADE")
    name = CharField(max_length=200)


class ActivationRequest(Expiring):
    """A pending change to e-mail + password access, waiting for its code."""

    space = ForeignKeyField(Space, backref="activation_requests", on_delete="CASCADE")
    email = CharField(max_length=100)
    code_hash = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=100)
    trust_question = CharField(max_length=100)
    trust_answer_encrypted = BlobField()

    # Migration 0001 adds partial unique indexes: at most one pending request
    # per address and per space, enforced by the database itself.

    @classmethod
    def pending_for_email(cls, email):
        return cls.select().where((cls.email == email) & (cls.state == PENDING))


class OutboxMessage(BaseModel):
    """A message 'sent' by the outbox mail backend (development and tests)."""

    recipient = CharField(max_length=200)
    subject = CharField(max_length=300)
    text_body = TextField()
    html_body = TextField()
    created_at = DateTimeField()


class Event(BaseModel):
    """One line of the space's « Historique »: what, when, from which (truncated) address."""

    space = ForeignKeyField(Space, backref="events", on_delete="CASCADE")
    kind = CharField(max_length=40)
    created_at = DateTimeField()
    client = CharField(max_length=64, default="")


class EmailChange(Expiring):
    """EP 5: a new login address waiting for the code sent to it."""

    space = ForeignKeyField(Space, backref="email_changes", on_delete="CASCADE")
    email = CharField(max_length=100)
    code_hash = CharField(max_length=64, unique=True)
    # The single-use link of the notice to the current address, that cancels the change (0009).
    cancel_token_hash = CharField(max_length=64, null=True, unique=True)

    # Migration 0006 adds partial unique indexes: at most one pending change
    # per address and per space.

    @classmethod
    def pending(cls, now):
        return cls.select().where((cls.state == PENDING) & (cls.expires_at > now))


class PasswordReset(Expiring):
    """A « Mot de passe oublié » link: only the SHA-256 of its token is kept."""

    space = ForeignKeyField(Space, backref="password_resets", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)

    # Migration 0004 adds a partial unique index: one pending link per space.


class SigninCode(Expiring):
    """The 6-digit code e-mailed after a correct password; the space opens once it is typed."""

    space = ForeignKeyField(Space, backref="signin_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64)  # keyed HMAC: six digits alone would be guessed offline
    tries = IntegerField(default=0)

    class Meta:
        indexes = ((("space", "created_at"), False),)


class Device(BaseModel):
    """A browser remembered by the holder (« Se souvenir de ce navigateur »): no code for six months.

    A password change deletes the rows (espace/domain/security.py), except the browser that made it.
    """

    space = ForeignKeyField(Space, backref="devices", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    # What « Sécurité de mon espace » shows and its forms name (never the token or its hash).
    public_id = CharField(max_length=32, unique=True)
    browser = CharField(max_length=60, default="")
    system = CharField(max_length=60, default="")
    client = CharField(max_length=64, default="")  # truncated address of the last use
    created_at = DateTimeField()
    last_used_at = DateTimeField()
    expires_at = DateTimeField(index=True)


class MailJob(BaseModel):
    """A message waiting for the sender (espace/domain/mail_queue.py), or a « Mot de passe oublié » request
    whose look-up the sender makes. The payload (text and HTML with their codes and links, or the
    address typed) is encrypted with ENCRYPTION_KEYS; a row is deleted once sent."""

    kind = CharField(max_length=12)  # message | reset
    recipient = CharField(max_length=200, default="")  # empty for a reset request
    subject = CharField(max_length=300, default="")
    payload = BlobField()
    state = CharField(max_length=12, default=PENDING)  # pending | failed (for good, kept for the operator)
    attempts = IntegerField(default=0)
    created_at = DateTimeField()
    # When a sender may take it: now, after a failure's backoff, or once a sender that took it is presumed dead.
    next_attempt_at = DateTimeField()
    last_error = CharField(max_length=300, default="")

    class Meta:
        indexes = ((("state", "next_attempt_at"), False),)


class LoginFailure(BaseModel):
    """Wrong passwords typed for one login address, known or not (only its SHA-256 is kept):
    past a threshold the login asks for the captcha too. Counted for any address, so the
    answer never tells whether the address opens a space."""

    address_hash = CharField(max_length=64, unique=True)
    failures = IntegerField(default=0)
    window_start = DateTimeField()
    captcha_until = DateTimeField(null=True, index=True)


class OpenSession(BaseModel):
    """A signed-in session, as « Sécurité de mon espace » lists it; ending the row ends the session.

    The session store keeps only `public_id`; every request checks this row (espace/access.py),
    so a session ended here is refused by every worker and host at its next request.
    """

    space = ForeignKeyField(Space, backref="open_sessions", on_delete="CASCADE")
    public_id = CharField(max_length=32, unique=True)  # random: never the session id itself
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL")  # the remembered browser it came from
    browser = CharField(max_length=60, default="")
    system = CharField(max_length=60, default="")
    client = CharField(max_length=64, default="")  # truncated, as in « Historique »
    created_at = DateTimeField()
    last_used_at = DateTimeField()
    ended_at = DateTimeField(null=True)
    end_reason = CharField(max_length=20, null=True)

    class Meta:
        indexes = ((("space", "ended_at"), False),)


# Looked up by the procedures' first steps (both unique), and the lists of a space's pages: their SQL
# built once (Prepared; the classes above are defined first).
_SPACE_BY_NUMBER = Prepared(lambda param: Space.select().where(Space.subscriber_number == param))
_SPACE_BY_LOGIN_EMAIL = Prepared(lambda param: Space.select().where(Space.login_email == param))
_DOSSIERS_OF = Prepared(lambda param: Dossier.select().where(Dossier.space == param).order_by(Dossier.siren))
_SERVICES_OF = Prepared(lambda param: Service.select().where(Service.space == param).order_by(Service.name))
_LEGACY_ANSWERS_OF = Prepared(lambda param: LegacyTrustAnswer.select().where(LegacyTrustAnswer.space == param)
                              .order_by(LegacyTrustAnswer.position))

ALL_MODELS = [Space, LegacyTrustAnswer, Dossier, Service, ActivationRequest, OutboxMessage, Event,
              EmailChange, PasswordReset, SigninCode, Device, MailJob, LoginFailure, OpenSession]

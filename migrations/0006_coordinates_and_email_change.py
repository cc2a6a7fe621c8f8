"""EP 3 and EP 5: postcode and city apart from the address lines; pending login-address changes."""
import re
import unicodedata

from peewee import *

# Frozen copy of espace.domain.coordinates.split_address as it was when this ran:
# « 12, rue de Longchamp 75016 PARIS FRANCE » → lines, « 75016 », « PARIS ».
LAST_LINE_RE = re.compile(
    r"^(?:(?P<lines>.*)[\s,])?(?P<postcode>[0-9]{5})[ \t]+(?P<city>[^\n]+?)(?:\s+FRANCE)?\s*$",
    re.DOTALL | re.IGNORECASE,
)


def _lines(text):
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _city(text):
    text = text.upper().replace("Œ", "OE").replace("Æ", "AE")
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(bare.split())


def split_address(text):
    """What cannot be parsed stays in the lines."""
    text = (text or "").strip()
    match = LAST_LINE_RE.fullmatch(text)
    if match is None:
        return "\n".join(_lines(text)), "", ""
    lines = _lines((match["lines"] or "").rstrip(" ,"))
    return "\n".join(lines), match["postcode"], _city(match["city"])[:32]


def _models(db):
    # Frozen copies: later changes to espace.models must not rewrite history.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Space(Base):
        pass

    class EmailChange(Base):
        space = ForeignKeyField(Space, on_delete="CASCADE")
        email = CharField(max_length=100)
        code_hash = CharField(max_length=64, unique=True)
        state = CharField(max_length=12, default="pending")
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

    return [EmailChange]


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("space", "postcode", CharField(max_length=5, default="", constraints=[SQL("DEFAULT ''")])),
        migrator.add_column("space", "city", CharField(max_length=32, default="", constraints=[SQL("DEFAULT ''")])),
    )
    # Data step: the one-block addresses are split into lines, postcode and city.
    param = db.param
    for space_id, address in db.execute_sql("SELECT id, address FROM space").fetchall():
        lines, postcode, city = split_address(address)
        db.execute_sql(f"UPDATE space SET address = {param}, postcode = {param}, city = {param} WHERE id = {param}",
                       (lines, postcode, city, space_id))
    db.create_tables(_models(db))
    # One pending change per address and per space, enforced by the database.
    db.execute_sql("CREATE UNIQUE INDEX email_change_pending_email ON email_change (email) WHERE state = 'pending'")
    db.execute_sql("CREATE UNIQUE INDEX email_change_pending_space ON email_change (space_id) WHERE state = 'pending'")


def down(migrator, db):
    db.drop_tables(_models(db))
    param = db.param
    rows = db.execute_sql("SELECT id, address, postcode, city FROM space").fetchall()
    for space_id, lines, postcode, city in rows:
        block = "\n".join(part for part in (lines, f"{postcode} {city}".strip()) if part)
        db.execute_sql(f"UPDATE space SET address = {param} WHERE id = {param}", (block, space_id))
    migrator.migrate(migrator.drop_column("space", "postcode"), migrator.drop_column("space", "city"))

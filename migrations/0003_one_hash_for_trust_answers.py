"""One bcrypt hash for the three trust answers: space.legacy_answers_hash; per-answer hashes may be empty.

Per-answer hashes cannot be combined without the clear answers, so a space imported before
this migration keeps them until its holder's next successful verification, which stores the
combined hash and empties them (espace.domain.identity.verify_trust_answers).
"""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("space", "legacy_answers_hash", CharField(max_length=100, null=True)),
        migrator.drop_not_null("legacy_trust_answer", "answer_hash"),
    )


def down(migrator, db):
    # A combined hash cannot be split into per-answer ones again: those holders would be locked out.
    combined_only = db.execute_sql(
        "SELECT COUNT(*) FROM legacy_trust_answer WHERE answer_hash IS NULL").fetchone()[0]
    if combined_only:
        raise RuntimeError(f"{combined_only} trust answers are hashed only together: "
                           "cannot go back below 0003")
    migrator.migrate(
        migrator.add_not_null("legacy_trust_answer", "answer_hash"),
        migrator.drop_column("space", "legacy_answers_hash"),
    )

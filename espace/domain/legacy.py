"""Import of certificate spaces from the legacy system (records as dicts), all or nothing.

One transaction for the whole file, written in batches (a few statements per BATCH records,
not a few per record). The answers' bcrypt hashes are most of the cost: a pool of threads
computes them, one per processor (bcrypt releases the GIL).
"""
import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from ..models import ACCESS_CERTIFICATE, Dossier, LegacyTrustAnswer, Service, Space, db
from .coordinates import split_address
from .errors import Refused
from .identity import clean_number, hash_answers
from .legacy_files import row_problems

BATCH = 500  # records per INSERT; SQLite takes 32,766 values per statement
SHOWN_PROBLEMS = 20  # records named in a refusal, then « et N autre(s) »


def check_record(index, record):
    """« fiche 3 : … » with every reason this record cannot be imported, or None."""
    problems = row_problems(record)
    return f"fiche {index} : {' ; '.join(problems)}" if problems else None


def import_spaces(records, hasher, workers=None):
    """Create the spaces whose number is new; returns (created, skipped).

    `records` may be any iterable (a file read as it goes). A bad record anywhere refuses the
    whole file: everything written is rolled back, and the refusal names every bad record.
    """
    problems, seen, created, skipped = [], set(), 0, 0
    records = enumerate(records, start=1)
    with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool, db.atomic():
        while batch := list(itertools.islice(records, BATCH)):
            problems += [p for p in (check_record(i, r) for i, r in batch) if p]
            if problems:
                continue  # nothing more is written; every record is still checked
            done = _write([r for _, r in batch], hasher, pool, seen)
            created, skipped = created + done, skipped + len(batch) - done
        if problems:
            more = len(problems) - SHOWN_PROBLEMS
            raise Refused("; ".join(problems[:SHOWN_PROBLEMS]) + (f"; et {more} autre(s)" if more > 0 else ""))
    return created, skipped


def _write(records, hasher, pool, seen):
    """Insert the records whose number is new (in the database and in this import); returns how many."""
    numbered = [(clean_number(str(r["subscriber_number"])), r) for r in records]
    existing = {n for (n,) in Space.select(Space.subscriber_number).where(
        Space.subscriber_number.in_([n for n, _ in numbered])).tuples()}
    new = []
    for number, record in numbered:
        if number not in existing and number not in seen:
            seen.add(number)
            new.append((number, record))
    if not new:
        return 0
    # One bcrypt hash for the three answers: one operation to check them.
    hashes = pool.map(lambda r: hash_answers([a["answer"] for a in r["answers"]], hasher), [r for _, r in new])
    _insert(Space, (_space_row(n, r, h) for (n, r), h in zip(new, hashes)))
    ids = dict(Space.select(Space.subscriber_number, Space.id).where(
        Space.subscriber_number.in_([n for n, _ in new])).tuples())
    _insert(LegacyTrustAnswer, ({"space": ids[n], "position": p, "question": a["question"]}
                                for n, r in new for p, a in enumerate(r["answers"], start=1)))
    _insert(Dossier, ({"space": ids[n], "siren": d["siren"], "name": d["name"]}
                      for n, r in new for d in r.get("dossiers") or []))
    _insert(Service, ({"space": ids[n], "name": name} for n, r in new for name in r.get("services") or []))
    return len(new)


def _space_row(number, record, answers_hash):
    expires = record.get("certificate_expires_on")
    return {
        "subscriber_number": number,
        "last_name": record["last_name"],
        "first_name": record["first_name"],
        "phone": record.get("phone") or "",
        "contact_email": record.get("contact_email") or "",
        **split_address(record.get("address") or ""),
        "access_mode": ACCESS_CERTIFICATE,
        "certificate_number": record.get("certificate_number"),
        "certificate_authority": record.get("certificate_authority"),
        "certificate_expires_on": date.fromisoformat(expires) if expires else None,
        "legacy_answers_hash": answers_hash,
    }


def _insert(model, rows):
    """Multi-row INSERTs of dicts, BATCH rows each, every column given (its default where absent).

    Written here rather than by peewee's insert_many: building that query cost three times
    as much as running it.
    """
    fields = [f for f in model._meta.sorted_fields if f is not model._meta.primary_key]
    defaults = [f.default() if callable(f.default) else f.default for f in fields]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    one_row = "(" + ", ".join([db.obj.param] * len(fields)) + ")"
    rows = iter(rows)
    while batch := list(itertools.islice(rows, BATCH)):
        values = [f.db_value(row.get(f.name, default)) for row in batch for f, default in zip(fields, defaults)]
        db.execute_sql(f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES '
                       + ", ".join([one_row] * len(batch)), values)

"""Files of certificate spaces from the legacy system, CSV or JSON, read and checked row by row.

Reading stays apart from importing: `legacy.import_spaces` hashes the answers and writes.
Here every row is located (its line in the file) and checked, so that the operator gets
the list of every rejected row with its reason before anything is written.
"""
import csv
import io
import json
import os
import re
from dataclasses import dataclass
from datetime import date

from ..models import Dossier, LegacyTrustAnswer, Service, Space
from .identity import clean_number
from .legacy import record_problem

FORMATS = ("csv", "json")
SPACE_COLUMNS = ("subscriber_number", "last_name", "first_name", "phone", "contact_email", "address",
                 "certificate_number", "certificate_authority", "certificate_expires_on")
ANSWER_COLUMNS = ("question1", "answer1", "question2", "answer2", "question3", "answer3")
REQUIRED_COLUMNS = SPACE_COLUMNS[:3] + ANSWER_COLUMNS
COLUMNS = SPACE_COLUMNS + ANSWER_COLUMNS + ("dossiers", "services")
LIST_SEPARATOR = "|"  # between the dossiers, or the services, of one CSV cell
SIREN_RE = re.compile(r"[0-9]{9}")
# Text fields and their column in the database: the file may not hold more than it can.
TEXT_FIELDS = {name: getattr(Space, name) for name in (
    "last_name", "first_name", "phone", "contact_email", "address",
    "certificate_number", "certificate_authority")}


class Unreadable(Exception):
    """The whole file cannot be read (format, encoding, header); `message` in French."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Row:
    line: int
    record: object  # a dict when the file is well formed; anything from JSON otherwise
    problem: str = None  # what reading it found wrong already


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


def format_of(filename, chosen=None):
    """`chosen` (--format) or the file's extension."""
    fmt = (chosen or os.path.splitext(filename)[1].lstrip(".")).lower()
    if fmt not in FORMATS:
        raise Unreadable("format inconnu : nommez le fichier .csv ou .json, ou précisez --format csv|json")
    return fmt


def read_rows(data, fmt):
    """The rows of a file's bytes, each with the line where it starts."""
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's export starts with a BOM
    except UnicodeDecodeError:
        raise Unreadable("le fichier doit être encodé en UTF-8")
    return json_rows(text) if fmt == "json" else csv_rows(text)


def json_rows(text):
    """A JSON list of records, as `legacy.import_spaces` takes them."""
    try:
        records = json.loads(text)
    except ValueError as exc:
        raise Unreadable(f"JSON invalide à la ligne {exc.lineno} : {exc.msg}")
    if not isinstance(records, list):
        raise Unreadable("le fichier JSON doit contenir une liste de fiches : [{…}, {…}]")
    # Parse again element by element, only to know the line where each one starts.
    decoder, rows, position = json.JSONDecoder(), [], text.index("[") + 1
    for _ in records:
        position = _skip(text, position, " \t\r\n,")
        record, end = decoder.raw_decode(text, position)
        rows.append(Row(text.count("\n", 0, position) + 1, record))
        position = end
    return rows


def _skip(text, position, characters):
    while text[position] in characters:
        position += 1
    return position


def csv_rows(text):
    """One space per row; a header names the columns (see README); `,` or `;` between them."""
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    # Universal newlines: an address typed on Windows is stored with plain line ends.
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        _check_header(header)
        rows, start = [], reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(_row_of(start, header, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise Unreadable(f"CSV invalide à la ligne {reader.line_num} : {exc}")
    return rows


def _check_header(header):
    if not header:
        raise Unreadable("fichier vide : la première ligne doit nommer les colonnes")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    doubled = sorted({c for c in header if header.count(c) > 1})
    if missing or unknown or doubled:
        problems = [f"{what} : {', '.join(names)}" for what, names in (
            ("colonne(s) manquante(s)", missing), ("colonne(s) inconnue(s)", unknown),
            ("colonne(s) en double", doubled)) if names]
        raise Unreadable("en-tête incorrect, " + " ; ".join(problems))


def _row_of(line, header, cells):
    if len(cells) != len(header):
        return Row(line, None, f"{len(cells)} valeur(s) au lieu de {len(header)}")
    values = {name: cell.strip() for name, cell in zip(header, cells)}
    record = {k: v for k, v in values.items() if k in SPACE_COLUMNS and v}
    record["answers"] = [{"question": values[f"question{i}"], "answer": values[f"answer{i}"]}
                         for i in (1, 2, 3) if values[f"question{i}"] or values[f"answer{i}"]]
    record["dossiers"] = [_dossier_of(item) for item in _items(values.get("dossiers", ""))]
    record["services"] = _items(values.get("services", ""))
    return Row(line, record)


def _items(cell):
    return [item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip()]


def _dossier_of(item):
    """« 412345670 ROSEMONDE CONSEIL SARL »: the SIREN, a space, the company's name."""
    siren, _, name = item.partition(" ")
    return {"siren": siren, "name": name.strip()}


def rejected_rows(rows):
    """Every row that cannot be imported, with its reason; the same number twice is refused."""
    rejected, first_line = [], {}
    for row in rows:
        reason = row.problem or row_problem(row.record)
        if reason is None:
            number = clean_number(str(row.record["subscriber_number"]))
            if number in first_line:
                reason = f"numéro d'abonné {number} déjà présent à la ligne {first_line[number]}"
            first_line.setdefault(number, row.line)
        if reason:
            rejected.append(Rejected(row.line, reason))
    return rejected


def row_problem(record):
    """Why this record cannot be imported, in French, or None."""
    if not isinstance(record, dict):
        return "une fiche doit être un objet JSON {…}"
    return _shape_problem(record) or record_problem(record) or _content_problem(record)


def _shape_problem(record):
    """Types first, so that the rules below can read every value."""
    # null is absent, where the column allows it.
    strings = [k for k, field in TEXT_FIELDS.items() if k in record and not isinstance(record[k], str)
               and not (record[k] is None and field.null)]
    if strings:
        return f"texte attendu pour : {', '.join(strings)}"
    if not isinstance(record.get("subscriber_number", ""), (str, int)):
        return "le numéro d'abonné doit être un texte de 14 chiffres"
    answers = record.get("answers", [])
    if not isinstance(answers, list) or not all(
            isinstance(a, dict) and all(isinstance(a.get(k, ""), str) for k in ("question", "answer"))
            for a in answers):
        return "answers doit être une liste de {\"question\": …, \"answer\": …}"
    dossiers = record.get("dossiers", [])
    if not isinstance(dossiers, list) or not all(
            isinstance(d, dict) and isinstance(d.get("siren"), str) and isinstance(d.get("name"), str)
            for d in dossiers):
        return "dossiers doit être une liste de {\"siren\": …, \"name\": …}"
    services = record.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) and s.strip() for s in services):
        return "services doit être une liste de noms de services"
    expires = record.get("certificate_expires_on")
    if expires is not None and not isinstance(expires, str):
        return "certificate_expires_on doit être une date AAAA-MM-JJ"
    return None


def _content_problem(record):
    texts = [(name, record.get(name) or "", getattr(field, "max_length", None))
             for name, field in TEXT_FIELDS.items()]
    texts += [(f"question {i}", a["question"], LegacyTrustAnswer.question.max_length)
              for i, a in enumerate(record["answers"], start=1)]
    texts += [("dossier", d["name"], Dossier.name.max_length) for d in record.get("dossiers", [])]
    texts += [("service", s, Service.name.max_length) for s in record.get("services", [])]
    texts += [(f"réponse {i}", a["answer"], None) for i, a in enumerate(record["answers"], start=1)]
    for name, text, limit in texts:
        if "\x00" in text:
            return f"{name} : caractère nul interdit"
        if limit and len(text) > limit:
            return f"{name} : {limit} caractères au plus"
    bad_siren = [d["siren"] for d in record.get("dossiers", []) if not SIREN_RE.fullmatch(d["siren"])]
    if bad_siren:
        return f"SIREN invalide (9 chiffres) : {', '.join(bad_siren)}"
    if any(not d["name"].strip() for d in record.get("dossiers", [])):
        return "dossier sans nom d'entreprise"
    expires = record.get("certificate_expires_on")
    if expires:
        try:
            date.fromisoformat(expires)
        except ValueError:
            return f"date d'expiration du certificat invalide : {expires} (AAAA-MM-JJ attendu)"
    return None


def already_present(rows):
    """How many of these (checked) rows name a space that exists already."""
    numbers = [clean_number(str(row.record["subscriber_number"])) for row in rows]
    return sum(Space.select().where(Space.subscriber_number.in_(numbers[i:i + 500])).count()
               for i in range(0, len(numbers), 500))

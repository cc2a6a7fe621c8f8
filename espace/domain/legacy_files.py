"""Files of certificate spaces from the legacy system, CSV or JSON, streamed and checked row by row.

Reading stays apart from importing: `legacy.import_spaces` hashes the answers and writes.
Here every row is located (its line in the file) and checked, so that the operator gets
the list of every rejected row, with every reason, before anything is written.

A file is read in one pass and in pieces, whatever its size: the time grows with the number
of rows, and the memory with the largest row (MAX_ROW_CHARS), not with the file. Nothing in a
file, however hostile, may end in a traceback: what cannot be read is `Unreadable`, with its
line; what cannot be imported is a `Rejected` row, with its reasons.
"""
import codecs
import collections
import csv
import itertools
import json
import os
import re
from dataclasses import dataclass
from datetime import date

from ..models import Dossier, LegacyTrustAnswer, Service, Space
from .coordinates import CITY_MAX, split_address
from .identity import NUMBER_DIGITS, clean_number, is_valid_number

FORMATS = ("csv", "json")
SPACE_COLUMNS = ("subscriber_number", "last_name", "first_name", "phone", "contact_email", "address",
                 "certificate_number", "certificate_authority", "certificate_expires_on")
ANSWER_COLUMNS = ("question1", "answer1", "question2", "answer2", "question3", "answer3")
REQUIRED_COLUMNS = SPACE_COLUMNS[:3] + ANSWER_COLUMNS
COLUMNS = SPACE_COLUMNS + ANSWER_COLUMNS + ("dossiers", "services")
REQUIRED = ("subscriber_number", "last_name", "first_name", "answers")
ANSWERS = 3
LIST_SEPARATOR = "|"  # between the dossiers, or the services, of one CSV cell
SIREN_RE = re.compile(r"[0-9]{9}")
# Text fields and their column in the database: the file may not hold more than it can.
TEXT_FIELDS = {name: getattr(Space, name) for name in (
    "last_name", "first_name", "phone", "contact_email", "address",
    "certificate_number", "certificate_authority")}
# The address column has no limit, but a one-block address is split by a regular expression
# whose time grows with the square of its length (coordinates.split_address): 4 lines of 38
# characters, the postcode, the city and the country fit well within this.
ADDRESS_MAX = 300

CHUNK_BYTES = 1 << 16  # read at a time
MAX_ROW_CHARS = 1_000_000  # one JSON record, one CSV line: far beyond any real space, bounded memory
MAX_INT_DIGITS = 30  # a longer JSON integer is no value of this file (Python refuses 4,300 digits)
SHOWN_CHARS = 40  # of a rejected value, in the operator's terminal
SHOWN_VALUES = 3  # bad values listed for one reason, then « et N autre(s) »
SHOWN_NAMES = 20  # column names listed for one reason
# NUL, the other control characters but tab and line ends, and UTF-16 halves ("\ud800"):
# no database column or terminal takes them.
FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
JSON_SPACE_RE = re.compile(r"[ \t\n\r]*")

RECORD_EXPECTED = "une fiche doit être un objet JSON {…}"
LIST_EXPECTED = "le fichier JSON doit contenir une liste de fiches : [{…}, {…}]"
NUMBER_RULE = f"le numéro d'abonné doit comporter {NUMBER_DIGITS} chiffres"
NUMBER_TYPE = f"le numéro d'abonné doit être un texte de {NUMBER_DIGITS} chiffres"
ANSWERS_RULE = f"il faut exactement {ANSWERS} questions de confiance avec leur réponse"
# What the json and csv modules say, in French.
PARSER_MESSAGES = {
    "Expecting value": "valeur attendue",
    "Expecting ',' delimiter": "« , » attendue",
    "Expecting ':' delimiter": "« : » attendu",
    "Expecting property name enclosed in double quotes": "nom de champ entre guillemets attendu",
    "Unterminated string starting at": "texte sans guillemet fermant",
    "Invalid control character at": "caractère de contrôle dans un texte",
    "Invalid \\escape": "séquence d'échappement \\ invalide",
    "Invalid \\uXXXX escape": "séquence \\uXXXX invalide",
    "Extra data": "contenu en trop",
    "unexpected end of data": "fin de fichier dans une valeur entre guillemets",
    "field larger than field limit": "valeur trop longue",
    "new-line character seen in unquoted field": "fin de ligne « \\r » seule (enregistrez le fichier avec des "
                                                 "fins de ligne Windows ou Unix)",
    "',' expected after '\"'": "« , » attendue après des guillemets fermants",
    "';' expected after '\"'": "« ; » attendu après des guillemets fermants",
}


class Unreadable(Exception):
    """The whole file cannot be read (format, encoding, header, syntax); `message` in French."""

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
    reason: str  # every reason, « ; » between them, values escaped for a terminal


class HugeNumber:
    """A JSON integer of more than MAX_INT_DIGITS digits, kept unconverted (no value may be one)."""

    def __init__(self, digits):
        self.digits = digits

    def __str__(self):
        return f"nombre de {self.digits} chiffres"


def _parse_int(text):
    return int(text) if len(text) <= MAX_INT_DIGITS else HugeNumber(len(text))


DECODER = json.JSONDecoder(parse_int=_parse_int)


def format_of(filename, chosen=None):
    """`chosen` (--format) or the file's extension."""
    fmt = (chosen or os.path.splitext(filename)[1].lstrip(".")).lower()
    if fmt not in FORMATS:
        raise Unreadable("format inconnu : nommez le fichier .csv ou .json, ou précisez --format csv|json")
    return fmt


def rows_of(file, fmt):
    """The rows of a binary file, each with the line where it starts, read as they come."""
    return json_rows(file) if fmt == "json" else csv_rows(file)


def read_rows(data, fmt):
    """Every row of a file's bytes (small files, tests)."""
    import io

    return list(rows_of(io.BytesIO(data), fmt))


def printable(text):
    """`text` as a terminal may show it: control and format characters written as escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\u00a0" else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def shown(value):
    """A value quoted in a message: escaped, and cut after SHOWN_CHARS."""
    text = str(value)
    cut = printable(text[:SHOWN_CHARS]) + ("…" if len(text) > SHOWN_CHARS else "")
    return f"« {cut} »"


def _listed(values):
    values = list(values)
    more = len(values) - SHOWN_VALUES
    listed = ", ".join(shown(v) for v in values[:SHOWN_VALUES])
    return listed + (f" et {more} autre(s)" if more > 0 else "")


def _thousands(number):
    return f"{number:,}".replace(",", " ")


def _in_french(message):
    for english, french in PARSER_MESSAGES.items():
        if message.startswith(english):
            return french
    return f"format incorrect ({printable(message)})"


# --- JSON -----------------------------------------------------------------------------------

class _JsonText:
    """The decoded text of a file, read a chunk at a time; `line` is the line of `text[pos]`."""

    def __init__(self, file):
        self.file = file
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text, self.pos, self.line, self.eof = "", 0, 1, False

    def read_more(self, at_least=0):
        data = b"" if self.eof else self.file.read(max(at_least, CHUNK_BYTES))
        try:
            decoded = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            line = self.line + self.text.count("\n", self.pos) + data[:max(exc.start, 0)].count(b"\n")
            raise Unreadable(f"le fichier doit être encodé en UTF-8 (ligne {line})")
        # Only what is not consumed yet is kept: less than one row, so this stays linear.
        self.text, self.pos, self.eof = self.text[self.pos:] + decoded, 0, not data

    def move_to(self, end):
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end

    def next_char(self):
        """The next character that is not blank, or '' at the end of the file."""
        while True:
            self.move_to(JSON_SPACE_RE.match(self.text, self.pos).end())
            if self.pos < len(self.text):
                return self.text[self.pos]
            if self.eof:
                return ""
            self.read_more()

    def value(self):
        """The JSON value at `pos`, and the line where it starts."""
        line = self.line
        while True:
            try:
                value, end = DECODER.raw_decode(self.text, self.pos)
                # A number or a literal may go on in the next chunk: decode again with more.
                if end < len(self.text) or self.eof:
                    self.move_to(end)
                    return value, line
            except json.JSONDecodeError as exc:
                if self.eof or self._clearly_wrong(exc):
                    where = self.line + self.text.count("\n", self.pos, exc.pos)
                    raise Unreadable(f"JSON invalide à la ligne {where} : {_in_french(exc.msg)}")
            except RecursionError:
                raise Unreadable(f"JSON invalide à la ligne {line} : fiche imbriquée trop profondément")
            if len(self.text) - self.pos > MAX_ROW_CHARS:
                raise Unreadable(f"ligne {line} : fiche de plus de {_thousands(MAX_ROW_CHARS)} caractères")
            self.read_more(at_least=len(self.text) - self.pos)  # doubles: each row is decoded a few times at most

    def _clearly_wrong(self, exc):
        """Whether more text could not make it right: the error is not at the end of what was read."""
        return not exc.msg.startswith("Unterminated string") and exc.pos < len(self.text) - len("\\uXXXX")


def json_rows(file):
    """A JSON list of records, as `legacy.import_spaces` takes them; each row with its first line."""
    text = _JsonText(file)
    first = text.next_char()
    if first == "":
        raise Unreadable("JSON invalide à la ligne 1 : le fichier est vide")
    if first != "[":
        text.value()  # says where the JSON is invalid, if it is
        raise Unreadable(LIST_EXPECTED)
    text.move_to(text.pos + 1)
    if text.next_char() == "]":
        text.move_to(text.pos + 1)
    else:
        while True:
            text.next_char()
            record, line = text.value()
            yield Row(line, record)
            after = text.next_char()
            text.move_to(text.pos + 1)
            if after == "]":
                break
            if after != ",":
                raise Unreadable(f"JSON invalide à la ligne {text.line} : « , » ou « ] » attendu après une fiche")
    if text.next_char() != "":
        raise Unreadable(f"JSON invalide à la ligne {text.line} : contenu après la liste de fiches")


# --- CSV ------------------------------------------------------------------------------------

def _text_lines(file):
    """The file's lines, decoded one by one (so a bad byte is found on its line), ends as \\n."""
    for number in itertools.count(1):
        raw = file.readline(MAX_ROW_CHARS + 1)
        if not raw:
            return
        if len(raw) > MAX_ROW_CHARS and not raw.endswith(b"\n"):
            raise Unreadable(f"ligne {number} : ligne de plus de {_thousands(MAX_ROW_CHARS)} caractères")
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise Unreadable(f"le fichier doit être encodé en UTF-8 (ligne {number})")
        # Universal line ends: an address typed on Windows is stored with plain line ends.
        yield line.replace("\r\n", "\n")


def csv_rows(file):
    """One space per row; a header names the columns (see README); `,` or `;` between them."""
    lines = _text_lines(file)
    header_line = next(lines, "")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(itertools.chain([header_line], lines), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        _check_header(header)
        start = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield _row_of(start, header, cells)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise Unreadable(f"CSV invalide à la ligne {reader.line_num} : {_in_french(str(exc))}")


def _check_header(header):
    if not any(header):
        raise Unreadable("fichier vide : la première ligne doit nommer les colonnes")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    doubled = sorted(name for name, count in collections.Counter(header).items() if count > 1)
    if missing or unknown or doubled:
        problems = [f"{what} : {_names(names)}" for what, names in (
            ("colonne(s) manquante(s)", missing), ("colonne(s) inconnue(s)", unknown),
            ("colonne(s) en double", doubled)) if names]
        raise Unreadable("en-tête incorrect, " + " ; ".join(problems))


def _names(names):
    more = len(names) - SHOWN_NAMES
    return ", ".join(printable(n[:SHOWN_CHARS]) or "(sans nom)" for n in names[:SHOWN_NAMES]) + (
        f" et {more} autre(s)" if more > 0 else "")


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


# --- Checks -----------------------------------------------------------------------------------

class FileCheck:
    """The first pass over a file: every row checked, the same number twice refused.

    `run(rows)` yields each rejected row; afterwards `rows` is how many were read and
    `numbers` the subscriber numbers of those that can be imported.
    """

    def __init__(self):
        self.rows = 0
        self._first_line = {}  # int(number) → line: a million rows take tens of MB

    @property
    def numbers(self):
        return (f"{n:0{NUMBER_DIGITS}d}" for n in self._first_line)

    def run(self, rows):
        for row in rows:
            self.rows += 1
            reasons = [row.problem] if row.problem else row_problems(row.record)
            if not reasons:
                number = int(clean_number(str(row.record["subscriber_number"])))
                if number in self._first_line:
                    reasons = [f"numéro d'abonné {number:0{NUMBER_DIGITS}d} déjà présent à la ligne "
                               f"{self._first_line[number]}"]
                else:
                    self._first_line[number] = row.line
            if reasons:
                yield Rejected(row.line, " ; ".join(reasons))


def rejected_rows(rows):
    """Every row that cannot be imported, with its reasons; the same number twice is refused."""
    return list(FileCheck().run(rows))


def row_problems(record):
    """Every reason why this record cannot be imported, in French; [] when it can be."""
    if not isinstance(record, dict):
        return [RECORD_EXPECTED]
    missing = [k for k in REQUIRED if _absent(record.get(k))]
    problems = [f"champ(s) manquant(s) {', '.join(missing)}"] if missing else []
    # null is absent, where the column allows it.
    not_text = [k for k, field in TEXT_FIELDS.items() if k in record and not isinstance(record[k], str)
                and not (record[k] is None and (field.null or k in missing))]
    if not_text:
        problems.append(f"texte attendu pour : {', '.join(not_text)}")
    if "subscriber_number" not in missing:
        problems += _number_problems(record["subscriber_number"])
    texts = [(name, record[name], ADDRESS_MAX if name == "address" else getattr(field, "max_length", None))
             for name, field in TEXT_FIELDS.items() if isinstance(record.get(name), str)]
    if "answers" not in missing:
        answer_problems, answer_texts = _answers(record["answers"])
        problems += answer_problems
        texts += answer_texts
    dossier_problems, dossier_texts = _dossiers(record.get("dossiers", []))
    service_problems, service_texts = _services(record.get("services", []))
    problems += dossier_problems + service_problems
    texts += dossier_texts + service_texts
    # Most rows hold nothing forbidden: one search over all their texts (a line end is allowed).
    forbidden = FORBIDDEN_RE.search("\n".join(text for _, text, _ in texts)) is not None
    problems += [problem for name, text, limit in texts if forbidden or (limit and len(text) > limit)
                 for problem in _text_problems(name, text, limit)]
    address = record.get("address")
    if isinstance(address, str) and len(address) <= ADDRESS_MAX and not FORBIDDEN_RE.search(address):
        city = split_address(address)["city"]
        if len(city) > CITY_MAX:
            problems.append(f"address : la ville {shown(city)} dépasse {CITY_MAX} caractères")
    problems += _date_problems(record.get("certificate_expires_on"))
    return problems


def row_problem(record):
    """All the reasons in one line, or None."""
    return " ; ".join(row_problems(record)) or None


def _absent(value):
    return value is None or value == "" or value == []


def _number_problems(number):
    if isinstance(number, bool) or not isinstance(number, (str, int)):
        return [NUMBER_TYPE]
    if not is_valid_number(clean_number(str(number))):
        return [NUMBER_RULE]
    return []


def _answers(answers):
    if not isinstance(answers, list) or not all(
            isinstance(a, dict) and all(isinstance(a.get(k, ""), str) for k in ("question", "answer"))
            for a in answers):
        return ["answers doit être une liste de {\"question\": …, \"answer\": …}"], []
    problems = [] if len(answers) == ANSWERS and all(a.get("question") and a.get("answer") for a in answers) \
        else [ANSWERS_RULE]
    texts = [(f"question {i}", a.get("question", ""), LegacyTrustAnswer.question.max_length)
             for i, a in enumerate(answers, start=1)]
    texts += [(f"réponse {i}", a.get("answer", ""), None) for i, a in enumerate(answers, start=1)]
    return problems, texts


def _dossiers(dossiers):
    if not isinstance(dossiers, list) or not all(
            isinstance(d, dict) and isinstance(d.get("siren"), str) and isinstance(d.get("name"), str)
            for d in dossiers):
        return ["dossiers doit être une liste de {\"siren\": …, \"name\": …}"], []
    problems = []
    bad_siren = [d["siren"] for d in dossiers if not SIREN_RE.fullmatch(d["siren"])]
    if bad_siren:
        problems.append(f"SIREN invalide (9 chiffres) : {_listed(bad_siren)}")
    if any(not d["name"].strip() for d in dossiers):
        problems.append("dossier sans nom d'entreprise")
    return problems, [("dossier", d["name"], Dossier.name.max_length) for d in dossiers]


def _services(services):
    if not isinstance(services, list) or not all(isinstance(s, str) and s.strip() for s in services):
        return ["services doit être une liste de noms de services"], []
    return [], [("service", s, Service.name.max_length) for s in services]


def _text_problems(name, text, limit):
    problems = []
    bad = FORBIDDEN_RE.search(text)
    if bad and bad.group() == "\x00":
        problems.append(f"{name} : caractère nul interdit")
    elif bad and "\ud800" <= bad.group() <= "\udfff":
        problems.append(f"{name} : caractère invalide {printable(bad.group())} (moitié de paire UTF-16)")
    elif bad:
        problems.append(f"{name} : caractère de contrôle interdit {printable(bad.group())}")
    if limit and len(text) > limit:
        problems.append(f"{name} : {limit} caractères au plus")
    return problems


def _date_problems(expires):
    if expires is None or expires == "":
        return []
    if not isinstance(expires, str):
        return ["certificate_expires_on doit être une date AAAA-MM-JJ"]
    try:
        if not DATE_RE.fullmatch(expires):
            raise ValueError(expires)
        date.fromisoformat(expires)
    except ValueError:
        return [f"date d'expiration du certificat invalide : {shown(expires)} (AAAA-MM-JJ attendu)"]
    return []


def already_present(numbers):
    """How many of these subscriber numbers name a space that exists already."""
    numbers, present = iter(numbers), 0
    while batch := list(itertools.islice(numbers, 500)):
        present += Space.select().where(Space.subscriber_number.in_(batch)).count()
    return present

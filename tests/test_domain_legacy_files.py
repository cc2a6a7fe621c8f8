"""Reading files of certificate spaces: CSV or JSON, each row located and checked."""
import json

import pytest

from espace.domain import legacy_files as lf

HEADER = "subscriber_number,last_name,first_name,question1,answer1,question2,answer2,question3,answer3"
ROW = "20201230000404,MARTIN,Anne,Q1 ?,R1,Q2 ?,R2,Q3 ?,R3"
GOOD = {"subscriber_number": "20201230000404", "last_name": "MARTIN", "first_name": "Anne",
        "answers": [{"question": f"Q{i} ?", "answer": f"R{i}"} for i in (1, 2, 3)]}


def csv_rows(text):
    return lf.read_rows(text.encode("utf-8"), "csv")


@pytest.mark.parametrize("filename, chosen, fmt", [
    ("a.csv", None, "csv"), ("a.JSON", None, "json"), ("dir.v2/a.json", None, "json"),
    ("a.txt", "csv", "csv"), ("a.csv", "json", "json"), ("a.json", "CSV", "csv"),
])
def test_format_from_the_option_or_the_extension(filename, chosen, fmt):
    assert lf.format_of(filename, chosen) == fmt


@pytest.mark.parametrize("filename, chosen", [("a", None), ("a.xlsx", None), ("a.csv", "xml"), ("csv", None)])
def test_an_unknown_format_is_refused(filename, chosen):
    with pytest.raises(lf.Unreadable) as caught:
        lf.format_of(filename, chosen)
    assert caught.value.message.startswith("format inconnu : nommez le fichier .csv ou .json")


def test_a_csv_row_becomes_the_record_the_import_takes():
    text = (HEADER + ",phone,address,dossiers,services,certificate_number\n"
            + ROW + ',0102030405,"1 rue A\n75001 PARIS", 311223341 MARTIN  SAS | 422334452 B ,TVA| IS |,\n')
    [row] = csv_rows(text)
    assert row.line == 2 and row.problem is None
    assert row.record == {
        "subscriber_number": "20201230000404", "last_name": "MARTIN", "first_name": "Anne",
        "phone": "0102030405", "address": "1 rue A\n75001 PARIS",
        "answers": [{"question": "Q1 ?", "answer": "R1"}, {"question": "Q2 ?", "answer": "R2"},
                    {"question": "Q3 ?", "answer": "R3"}],
        "dossiers": [{"siren": "311223341", "name": "MARTIN  SAS"}, {"siren": "422334452", "name": "B"}],
        "services": ["TVA", "IS"],
    }


def test_windows_line_ends_are_plain_line_ends_in_an_address():
    rows = csv_rows((HEADER + ",address\n" + ROW + ',"1 rue A\n75001 PARIS"\n').replace("\n", "\r\n"))
    assert [(r.line, r.record["address"]) for r in rows] == [(2, "1 rue A\n75001 PARIS")]


def test_csv_lines_count_quoted_line_breaks_and_skip_blank_lines():
    text = (HEADER + ",address\n" + ROW + ',"a\nb\nc"\n\n' + ROW.replace("0404", "0505") + ",\r\n"
            + ROW.replace("0404", "0606") + ",x")
    assert [row.line for row in csv_rows(text)] == [2, 6, 7]


def test_csv_header_is_read_without_case_or_spaces_and_columns_in_any_order():
    header = " Last_Name ;FIRST_NAME;subscriber_number;question1;answer1;question2;answer2;question3;answer3"
    [row] = csv_rows(header + "\nMARTIN;Anne;20201230000404;Q1;R1;Q2;R2;Q3;R3\n")
    assert (row.record["last_name"], row.record["subscriber_number"]) == ("MARTIN", "20201230000404")
    assert (row.record["dossiers"], row.record["services"], lf.row_problem(row.record)) == ([], [], None)


def test_a_comma_in_a_semicolon_file_stays_in_its_cell():
    header = HEADER.replace(",", ";") + ";address"
    [row] = csv_rows(header + "\n" + ROW.replace(",", ";") + ";1, rue A\n")
    assert row.record["address"] == "1, rue A"


def test_a_csv_row_with_too_few_or_too_many_cells():
    rows = csv_rows(HEADER + "\n" + ROW + ",extra\n20201230000404,MARTIN\n")
    assert [(r.line, r.problem) for r in rows] == [(2, "10 valeur(s) au lieu de 9"), (3, "2 valeur(s) au lieu de 9")]
    assert [r.reason for r in lf.rejected_rows(rows)] == ["10 valeur(s) au lieu de 9", "2 valeur(s) au lieu de 9"]


def test_missing_answers_in_csv_are_left_out_for_the_rule_to_refuse():
    [row] = csv_rows(HEADER + "\n" + ROW.replace("Q2 ?,R2", ",") + "\n")
    assert len(row.record["answers"]) == 2
    assert lf.row_problem(row.record) == "il faut exactement 3 questions de confiance avec leur réponse"


@pytest.mark.parametrize("before", ["", "\n", "\r\n\t "])
def test_json_rows_start_at_their_line(before):
    text = before + '[\n  {"a": 1},\n\n  {"b": [\n 2]}, {"c": 3}\n]'
    shift = before.count("\n")
    assert [(r.line, r.record) for r in lf.read_rows(text.encode(), "json")] == [
        (2 + shift, {"a": 1}), (4 + shift, {"b": [2]}), (5 + shift, {"c": 3})]


def test_an_empty_json_list_has_no_rows():
    assert lf.read_rows(b" [ ] ", "json") == []


def test_a_bom_is_ignored():
    assert lf.read_rows("\ufeff[{}]".encode(), "json")[0].record == {}


@pytest.mark.parametrize("data, fmt, message", [
    (b"", "csv", "fichier vide"),
    (b"\n", "csv", "fichier vide"),
    (HEADER.encode() + b",dossiers,dossiers", "csv", "en-tête incorrect, colonne(s) en double : dossiers"),
    ((HEADER + ",x,y").encode(), "csv", "en-tête incorrect, colonne(s) inconnue(s) : x, y"),
    (b"subscriber_number,x", "csv", "en-tête incorrect, colonne(s) manquante(s) : last_name, first_name, question1, answer1, "
                                    "question2, answer2, question3, answer3 ; colonne(s) inconnue(s) : x"),
    ((HEADER + '\n"a"b,c').encode(), "csv", "CSV invalide à la ligne 2"),
    (b"caf\xe9", "csv", "le fichier doit être encodé en UTF-8"),
    (b"", "json", "JSON invalide à la ligne 1"),
    (b'[{"a": 1},\n{"b": }]', "json", "JSON invalide à la ligne 2"),
    (b'{"a": 1}', "json", "le fichier JSON doit contenir une liste de fiches"),
    (b'"text"', "json", "le fichier JSON doit contenir une liste de fiches"),
])
def test_unreadable_files(data, fmt, message):
    with pytest.raises(lf.Unreadable) as caught:
        lf.read_rows(data, fmt)
    assert caught.value.message.startswith(message)


def with_(**changes):
    record = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is None and key not in ("certificate_number", "phone"):
            record.pop(key, None)
        else:
            record[key] = value
    return record


LONG = "x" * 101


@pytest.mark.parametrize("record, reason", [
    ("texte", "une fiche doit être un objet JSON {…}"),
    ([GOOD], "une fiche doit être un objet JSON {…}"),
    (with_(last_name=12), "texte attendu pour : last_name"),
    (with_(phone=None, address=3), "texte attendu pour : phone, address"),
    (with_(subscriber_number=["20201230000404"]), "le numéro d'abonné doit être un texte de 14 chiffres"),
    (with_(subscriber_number=2020123000040), "le numéro d'abonné doit comporter 14 chiffres"),
    (with_(answers="R1 R2 R3"), "answers doit être une liste"),
    (with_(answers=["R1", "R2", "R3"]), "answers doit être une liste"),
    (with_(answers=[{"question": "Q", "answer": 1}] * 3), "answers doit être une liste"),
    (with_(answers=[{"question": 1, "answer": "R"}] * 3), "answers doit être une liste"),
    (with_(dossiers={"siren": "311223341"}), "dossiers doit être une liste"),
    (with_(dossiers=["311223341 MARTIN"]), "dossiers doit être une liste"),
    (with_(dossiers=[{"siren": 311223341, "name": "M"}]), "dossiers doit être une liste"),
    (with_(dossiers=[{"siren": "311223341", "name": None}]), "dossiers doit être une liste"),
    (with_(services="TVA"), "services doit être une liste"),
    (with_(services=["TVA", 3]), "services doit être une liste"),
    (with_(services=["TVA", "  "]), "services doit être une liste"),
    (with_(certificate_expires_on=20210501), "certificate_expires_on doit être une date AAAA-MM-JJ"),
    (with_(first_name=None), "champ(s) manquant(s) first_name"),
    (with_(answers=None), "champ(s) manquant(s) answers"),
    (with_(subscriber_number="2020 123 0000404"), None),
    (with_(subscriber_number=20201230000404), None),
    (with_(certificate_number=None, phone=""), None),
    (with_(last_name=LONG), "last_name : 100 caractères au plus"),
    (with_(last_name="x" * 100), None),
    (with_(phone="0" * 21), "phone : 20 caractères au plus"),
    (with_(address="a" * 300), None),
    (with_(address="a" * 301), "address : 300 caractères au plus"),
    (with_(address="1 rue\x00A"), "address : caractère nul interdit"),
    (with_(answers=[{"question": LONG, "answer": "R"}] + GOOD["answers"][1:]), "question 1 : 100 caractères au plus"),
    (with_(answers=GOOD["answers"][:2] + [{"question": "Q", "answer": "a\x00"}]), "réponse 3 : caractère nul interdit"),
    (with_(answers=GOOD["answers"][:2] + [{"question": "Q", "answer": "a" * 500}]), None),
    (with_(dossiers=[{"siren": "311223341", "name": "y" * 201}]), "dossier : 200 caractères au plus"),
    (with_(services=["s" * 201]), "service : 200 caractères au plus"),
    (with_(dossiers=[{"siren": "31122334", "name": "M"}, {"siren": "31122334A", "name": "N"}]),
     "SIREN invalide (9 chiffres) : « 31122334 », « 31122334A »"),
    (with_(dossiers=[{"siren": str(i), "name": "M"} for i in range(5)]),
     "SIREN invalide (9 chiffres) : « 0 », « 1 », « 2 » et 2 autre(s)"),
    (with_(dossiers=[{"siren": "311223341", "name": "  "}]), "dossier sans nom d'entreprise"),
    (with_(certificate_expires_on="01/05/2021"),
     "date d'expiration du certificat invalide : « 01/05/2021 » (AAAA-MM-JJ attendu)"),
    (with_(certificate_expires_on="20210501"), "date d'expiration du certificat invalide : « 20210501 »"),
    (with_(certificate_expires_on="2021-02-30"), "date d'expiration du certificat invalide : « 2021-02-30 »"),
    (with_(certificate_expires_on="2021-05-01"), None),
    (with_(certificate_expires_on=""), None),
])
def test_row_problems(record, reason):
    found = lf.row_problem(record)
    assert found == reason if reason is None else found.startswith(reason)


def test_a_long_address_is_refused_before_it_is_split(monkeypatch):
    """split_address's expression takes seconds for 10,000 characters and hours for a million."""
    real = lf.split_address

    def split_only_short(text):
        assert len(text) <= lf.ADDRESS_MAX
        return real(text)

    monkeypatch.setattr(lf, "split_address", split_only_short)
    assert lf.row_problems(with_(address=" 12345 a" * 40_000 + "\nx\n")) == ["address : 300 caractères au plus"]


def test_the_same_number_twice_is_refused_at_its_second_line():
    rows = [lf.Row(2, with_()), lf.Row(3, with_(subscriber_number="20201230000505")),
            lf.Row(5, with_(subscriber_number="2020 1230000404")), lf.Row(7, with_(last_name=LONG)),
            lf.Row(9, with_(subscriber_number=20201230000505))]
    assert lf.rejected_rows(rows) == [
        lf.Rejected(5, "numéro d'abonné 20201230000404 déjà présent à la ligne 2"),
        lf.Rejected(7, "last_name : 100 caractères au plus"),
        lf.Rejected(9, "numéro d'abonné 20201230000505 déjà présent à la ligne 3"),
    ]


def test_already_present_counts_existing_spaces_in_batches(dbc):
    from conftest import BERNARD, LILA

    numbers = [LILA, "20201230000404", BERNARD] + [f"2020123{i:07d}" for i in range(1000, 1600)]
    assert lf.already_present(numbers) == 2
    assert lf.already_present(iter(numbers[3:] + numbers[:1] + numbers[2:3])) == 2


# --- Every reason, hostile files, streaming ----------------------------------------------------

def test_every_reason_of_a_row_is_given_not_only_the_first():
    record = with_(subscriber_number="123", last_name="", first_name="x" * 101,
                   dossiers=[{"siren": "1", "name": " "}], certificate_expires_on="hier", phone="0\x1b")
    assert lf.row_problems(record) == [
        "champ(s) manquant(s) last_name",
        "le numéro d'abonné doit comporter 14 chiffres",
        "SIREN invalide (9 chiffres) : « 1 »",
        "dossier sans nom d'entreprise",
        "first_name : 100 caractères au plus",
        "phone : caractère de contrôle interdit \\x1b",
        "date d'expiration du certificat invalide : « hier » (AAAA-MM-JJ attendu)",
    ]
    [rejected] = lf.rejected_rows([lf.Row(4, record)])
    assert rejected.line == 4 and rejected.reason == " ; ".join(lf.row_problems(record))


def json_file(records_text):
    return ("[\n" + records_text + "\n]").encode()


GOOD_JSON = json.dumps(GOOD)


@pytest.mark.parametrize("field, value, reason", [
    ("subscriber_number", "1" * 5000, "le numéro d'abonné doit être un texte de 14 chiffres"),
    ("last_name", "9" * 4301, "texte attendu pour : last_name"),
    ("last_name", '"\\ud800"', "last_name : caractère invalide \\ud800 (moitié de paire UTF-16)"),
    ("first_name", '"a\\udfffb"', "first_name : caractère invalide \\udfff"),
    ("last_name", '"\\u001b[2J\\u001b]0;pwned\\u0007"', "last_name : caractère de contrôle interdit \\x1b"),
    ("address", '"1 rue A\\u0000"', "address : caractère nul interdit"),
    ("address", '"1 rue A 75001 ' + "B" * 40 + '"', "address : la ville « " + "B" * 32),
    ("certificate_expires_on", '"\\u001b[31m2021"', "date d'expiration du certificat invalide : « \\x1b[31m2021 »"),
    ("subscriber_number", "1e999", "le numéro d'abonné doit être un texte de 14 chiffres"),
    ("subscriber_number", "NaN", "le numéro d'abonné doit être un texte de 14 chiffres"),
    ("subscriber_number", "true", "le numéro d'abonné doit être un texte de 14 chiffres"),
])
def test_hostile_values_are_rejected_with_their_line(field, value, reason):
    hostile = GOOD_JSON[:-1] + f', "{field}": {value}}}'  # the last of two keys wins
    rows = lf.read_rows(json_file(GOOD_JSON.replace("0404", "0505") + ",\n" + hostile), "json")
    [rejected] = lf.rejected_rows(rows)
    assert rejected.line == 3 and reason in rejected.reason, rejected.reason
    assert lf.printable(rejected.reason).isprintable()


@pytest.mark.parametrize("data, message", [
    (json_file("[" * 100_000 + "]" * 100_000), "JSON invalide à la ligne 2 : fiche imbriquée trop profondément"),
    (json_file("{}, {}") + b" x", "JSON invalide à la ligne 3 : contenu après la liste de fiches"),
    (b"[{},\n]", "JSON invalide à la ligne 2 : valeur attendue"),
    (b"[{} {}]", "JSON invalide à la ligne 1 : « , » ou « ] » attendu après une fiche"),
    (b'[\n{"a": "x', "JSON invalide à la ligne 2 : texte sans guillemet fermant"),
    (b"[", "JSON invalide à la ligne 1 : valeur attendue"),
    (b"[{},\n{},\n{\"a\": \"caf\xe9\"}]", "le fichier doit être encodé en UTF-8 (ligne 3)"),
    (b"[{\"a\": 1}, {\"a\": \"\x1b\"}]", "JSON invalide à la ligne 1 : caractère de contrôle dans un texte"),
    (b"[{\"a\": \"\\x\"}]", "JSON invalide à la ligne 1 : séquence d'échappement \\ invalide"),
])
def test_hostile_files_are_refused_whole_with_their_line(data, message):
    with pytest.raises(lf.Unreadable) as caught:
        lf.read_rows(data, "json")
    assert caught.value.message == message or caught.value.message.startswith(message)


def test_a_row_longer_than_the_limit_is_refused_with_its_line(monkeypatch):
    monkeypatch.setattr(lf, "MAX_ROW_CHARS", 1000)
    monkeypatch.setattr(lf, "CHUNK_BYTES", 64)
    with pytest.raises(lf.Unreadable) as caught:
        lf.read_rows(json_file(GOOD_JSON + ",\n" + json.dumps(with_(address="a" * 2000))), "json")
    assert caught.value.message == "ligne 3 : fiche de plus de 1 000 caractères"
    with pytest.raises(lf.Unreadable) as caught:
        csv_rows(HEADER + ",address\n" + ROW + ",a\n" + ROW + "," + "a" * 2000 + "\n")
    assert caught.value.message == "ligne 3 : ligne de plus de 1 000 caractères"


class CountingFile:
    def __init__(self, data):
        import io

        self.file, self.read_bytes = io.BytesIO(data), 0

    def read(self, size=-1):
        data = self.file.read(size)
        self.read_bytes += len(data)
        return data


def test_a_mistake_early_in_a_big_file_is_found_without_reading_it_all():
    file = CountingFile(b"[{},\n,] " + b" " * 10_000_000)
    with pytest.raises(lf.Unreadable, match="ligne 2 : valeur attendue"):
        list(lf.rows_of(file, "json"))
    assert file.read_bytes <= 2 * lf.CHUNK_BYTES


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_json_read_in_small_chunks_gives_the_same_rows_and_lines(monkeypatch, chunk):
    text = ('\ufeff[\n  {"a": 1234567, "b": "é\\u00e9\\n"},\n\n  {"b": [\n 2]}, 98765 ,true,null,'
            '\n{"c": -3.5e2}, "x\\"y", 12]  \n')
    whole = lf.read_rows(text.encode(), "json")
    monkeypatch.setattr(lf, "CHUNK_BYTES", chunk)
    assert lf.read_rows(text.encode(), "json") == whole
    assert [(r.line, r.record) for r in whole] == [
        (2, {"a": 1234567, "b": "éé\n"}), (4, {"b": [2]}), (5, 98765), (5, True), (5, None),
        (6, {"c": -350.0}), (6, 'x"y'), (6, 12)]


@pytest.mark.parametrize("data, message", [
    ((HEADER + "\n" + ROW + "\n" + ROW + "\n").encode() + b"caf\xe9\n", "le fichier doit être encodé en UTF-8 (ligne 4)"),
    ((HEADER + ",address\n" + ROW + ',"' + "a" * 200_000 + '"\n').encode(),
     "CSV invalide à la ligne 2 : valeur trop longue"),
    ((HEADER + ",address\n" + ROW + ',"a\n').encode(),
     "CSV invalide à la ligne 2 : fin de fichier dans une valeur entre guillemets"),
    (HEADER.encode() + b",\x1b[2J,\xe2\x80\xae", "en-tête incorrect, colonne(s) inconnue(s) : \\x1b[2j, \\u202e"),
])
def test_hostile_csv_files_are_refused_with_their_line(data, message):
    with pytest.raises(lf.Unreadable) as caught:
        lf.read_rows(data, "csv")
    assert caught.value.message.startswith(message), caught.value.message


@pytest.mark.parametrize("text, printed", [
    ("Anne", "Anne"),
    ("« été » 1\u00a02", "« été » 1\u00a02"),
    ("\x1b[2J\x1b]0;x\x07", "\\x1b[2J\\x1b]0;x\\x07"),
    ("a\nb\rc\td", "a\\nb\\rc\\td"),
    ("\u202eevil\u2066", "\\u202eevil\\u2066"),
    ("\ud800", "\\ud800"),
    ("\x85\x9b", "\\x85\\x9b"),
])
def test_printable_escapes_what_a_terminal_would_obey(text, printed):
    assert lf.printable(text) == printed


def test_shown_values_are_quoted_escaped_and_cut():
    assert lf.shown("x" * 40) == "« " + "x" * 40 + " »"
    assert lf.shown("\x1b" + "x" * 50) == "« \\x1b" + "x" * 39 + "… »"


def test_the_first_pass_counts_rows_and_keeps_the_good_numbers():
    check = lf.FileCheck()
    rows = [lf.Row(2, with_()), lf.Row(3, with_(last_name="")), lf.Row(4, with_(subscriber_number="2020 1230000505"))]
    assert [r.line for r in check.run(rows)] == [3]
    assert check.rows == 3 and sorted(check.numbers) == ["20201230000404", "20201230000505"]


# --- Fuzzing: whatever the bytes, a French refusal or rows; whatever the rows, reasons -------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)
FIELDS = st.sampled_from(list(lf.TEXT_FIELDS) + ["subscriber_number", "answers", "dossiers", "services",
                                                  "certificate_expires_on"])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(lf.FORMATS))
def test_any_bytes_are_rows_or_a_french_refusal(data, fmt):
    try:
        rows = lf.read_rows(data, fmt)
    except lf.Unreadable as refusal:
        assert refusal.message and lf.printable(refusal.message) == refusal.message
        return
    for rejected in lf.rejected_rows(rows):
        assert rejected.reason


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_after_a_good_header_are_rows_or_a_french_refusal(data):
    try:
        lf.rejected_rows(lf.read_rows((HEADER + ",address,dossiers\n").encode() + data, "csv"))
    except lf.Unreadable as refusal:
        assert refusal.message


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(FIELDS, JSON_VALUES, max_size=4))
def test_any_json_values_in_a_record_give_reasons_never_an_exception(changes):
    record = {**with_(), **changes}
    problems = lf.row_problems(record)
    assert all(isinstance(p, str) and p for p in problems)
    # The values are shown escaped: nothing a terminal would obey reaches it.
    assert all(lf.printable(p).isprintable() for p in problems)
    data = json.dumps([record]).encode()
    assert lf.rejected_rows(lf.read_rows(data, "json")) == ([lf.Rejected(1, " ; ".join(problems))] if problems
                                                             else [])


@pytest.mark.parametrize("data, message", [
    (HEADER + "\r" + ROW + "\r", "CSV invalide à la ligne 1 : fin de ligne « \\r » seule"),
    (HEADER + '\n"a"b' + ROW, "CSV invalide à la ligne 2 : « , » attendue après des guillemets fermants"),
    (HEADER.replace(",", ";") + '\n"a"b', "CSV invalide à la ligne 2 : « ; » attendu après des guillemets fermants"),
])
def test_csv_mistakes_are_said_in_french(data, message):
    with pytest.raises(lf.Unreadable) as caught:
        csv_rows(data)
    assert caught.value.message.startswith(message), caught.value.message


def test_a_header_of_many_columns_is_checked_at_once_and_named_in_part():
    header = HEADER + "," * 200_000 + ",".join(f"x{i}" for i in range(30))
    with pytest.raises(lf.Unreadable) as caught:
        csv_rows(header + "\n")
    # 199,999 columns without a name, then x0 … x29.
    assert caught.value.message == ("en-tête incorrect, colonne(s) inconnue(s) : " + "(sans nom), " * 19
                                    + "(sans nom) et 200009 autre(s) ; colonne(s) en double : (sans nom)")

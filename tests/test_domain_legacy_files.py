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
    (with_(address="a" * 5000), None),
    (with_(address="1 rue\x00A"), "address : caractère nul interdit"),
    (with_(answers=[{"question": LONG, "answer": "R"}] + GOOD["answers"][1:]), "question 1 : 100 caractères au plus"),
    (with_(answers=GOOD["answers"][:2] + [{"question": "Q", "answer": "a\x00"}]), "réponse 3 : caractère nul interdit"),
    (with_(answers=GOOD["answers"][:2] + [{"question": "Q", "answer": "a" * 500}]), None),
    (with_(dossiers=[{"siren": "311223341", "name": "y" * 201}]), "dossier : 200 caractères au plus"),
    (with_(services=["s" * 201]), "service : 200 caractères au plus"),
    (with_(dossiers=[{"siren": "31122334", "name": "M"}, {"siren": "31122334A", "name": "N"}]),
     "SIREN invalide (9 chiffres) : 31122334, 31122334A"),
    (with_(dossiers=[{"siren": "311223341", "name": "  "}]), "dossier sans nom d'entreprise"),
    (with_(certificate_expires_on="01/05/2021"),
     "date d'expiration du certificat invalide : 01/05/2021 (AAAA-MM-JJ attendu)"),
    (with_(certificate_expires_on="2021-02-30"), "date d'expiration du certificat invalide : 2021-02-30"),
    (with_(certificate_expires_on="2021-05-01"), None),
    (with_(certificate_expires_on=""), None),
])
def test_row_problems(record, reason):
    found = lf.row_problem(record)
    assert found == reason if reason is None else found.startswith(reason)


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
    rows = [lf.Row(i, with_(subscriber_number=n)) for i, n in enumerate(numbers, start=2)]
    assert lf.already_present(rows) == 2
    assert lf.already_present(rows[3:] + rows[:1] + rows[2:3]) == 2

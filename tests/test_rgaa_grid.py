"""The RGAA 4.1 audit grid (docs/accessibility/): complete, its proofs real, its rate RGAA's."""
import ast
import re
from pathlib import Path

import pytest

from espace.domain import audit as grid

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "accessibility"
AUDIT = grid.load(DOCS)
ROWS = grid.read_grid(DOCS / "grid.csv")
THEME_SIZES = [9, 2, 3, 13, 8, 2, 5, 10, 4, 14, 13, 11, 12]  # RGAA 4.1: 106 criteria in 13 themes


def test_the_106_criteria_of_rgaa_4_1_in_13_themes():
    assert [len(items) for _, _, items in AUDIT.themes] == THEME_SIZES
    numbers = [number for number, _, _ in AUDIT.criteria]
    assert len(numbers) == len(set(numbers)) == 106
    assert numbers == [f"{theme}.{n}" for theme, size in enumerate(THEME_SIZES, 1) for n in range(1, size + 1)]
    assert all(title.endswith("?") for _, _, title in AUDIT.criteria)


def test_the_sample_has_the_pages_rgaa_asks_for():
    ids = {p["id"] for p in AUDIT.pages}
    assert {"accueil", "connexion", "aide", "accessibilite", "plan-du-site", "erreur-404", "erreur-410",
            "erreur-429", "erreur-503", "activation-recapitulatif", "historique"} <= ids
    for page in AUDIT.pages:
        assert page["states"] and set(page["states"]) <= {"page", "vide", "erreur", "erreur-refusee", "succes"}


def test_the_grid_holds_every_criterion_for_every_page_once():
    pairs = [(r["page"], r["criterion"]) for r in ROWS]
    expected = [(p["id"], number) for p in AUDIT.pages for number, _, _ in AUDIT.criteria]
    assert sorted(pairs) == sorted(expected) and len(pairs) == len(set(pairs))


def test_the_grid_is_the_expansion_of_the_decisions():
    """grid.csv is written by `scripts/rgaa_rate.py --write`: never edited by hand, never stale."""
    assert (DOCS / "grid.csv").read_text(encoding="utf-8") == grid.to_csv(grid.expand(AUDIT))


def test_every_decision_is_c_nc_or_na_and_names_its_proof():
    for row in ROWS:
        where = f"{row['page']} {row['criterion']}"
        assert row["status"] in grid.STATUSES, where
        assert row["tests"] or row["manual"], f"{where}: no proof"
        if row["status"] == "NC":
            assert row["note"] and row["fix"], f"{where}: an NC says what fails and what would fix it"


def defined_tests(path):
    """The test functions a file defines (module level and in classes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_named_test_exists():
    named = {t for row in ROWS for t in row["tests"].split()}
    assert named
    missing = []
    for name in sorted(named):
        path, _, function = name.partition("::")
        file = ROOT / path
        if not re.fullmatch(r"tests/[\w/]+\.py", path) or not file.exists() or function not in defined_tests(file):
            missing.append(name)
    assert missing == []


def test_a_manual_check_says_what_was_done_and_seen():
    for row in ROWS:
        if row["manual"]:
            assert len(row["manual"].split()) >= 8, f"{row['page']} {row['criterion']}: {row['manual']}"


def rows_of(*decisions):
    """A grid of pages p1, p2… on criterion 1.1 and 1.2 with the given statuses."""
    return [{"page": f"p{i}", "criterion": c, "status": s, "pending": ""}
            for i, page in enumerate(decisions, 1) for c, s in page.items()]


@pytest.mark.parametrize("decisions, rate, criteria", [
    # a criterion C on one page and NA on another is C
    (({"1.1": "C", "1.2": "NA"}, {"1.1": "NA", "1.2": "NA"}), 100.0, {"1.1": "C", "1.2": "NA"}),
    # one page failing makes the criterion NC for the whole sample
    (({"1.1": "C", "1.2": "C"}, {"1.1": "NC", "1.2": "C"}), 50.0, {"1.1": "NC", "1.2": "C"}),
    (({"1.1": "NC", "1.2": "NC"},), 0.0, {"1.1": "NC", "1.2": "NC"}),
])
def test_the_rate_is_computed_as_rgaa_defines_it(decisions, rate, criteria):
    result = grid.compute(rows_of(*decisions))
    assert result.rate == rate and result.criteria == criteria


def test_the_average_rate_per_page_and_the_level():
    result = grid.compute(rows_of({"1.1": "C", "1.2": "NC"}, {"1.1": "C", "1.2": "C"}))
    assert result.page_rates == {"p1": 50.0, "p2": 100.0} and result.average_page_rate == 75.0
    assert result.rate == 50.0 and result.level == "partiellement conforme"
    assert grid.compute(rows_of({"1.1": "C"})).level == "totalement conforme"
    assert grid.compute(rows_of({"1.1": "C", "1.2": "NC", "1.3": "NC"})).level == "non conforme"


def test_pending_pages_are_left_out_of_the_rate():
    rows = rows_of({"1.1": "C"}, {"1.1": "NC"})
    rows[1]["pending"] = "oui"
    assert grid.compute(rows).rate == 100.0


def test_the_script_prints_the_rate_of_the_committed_grid(capsys):
    from scripts.rgaa_rate import main

    assert main([]) == 0
    out = capsys.readouterr().out
    result = grid.compute(ROWS)
    assert f"global rate: {result.rate:.2f} %" in out and f"average rate per page: {result.average_page_rate:.2f} %" in out

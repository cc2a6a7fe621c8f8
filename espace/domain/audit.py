"""The RGAA 4.1 audit grid (docs/accessibility/): its rows, the conformity rate and the statement's facts.

audit.yaml holds the decisions as rules (first match per page); expand() turns them into one row per
criterion × page, which scripts/rgaa_rate.py writes to grid.csv; the published rate is computed
from grid.csv, as RGAA defines it: a criterion is conformant when it is C on every page where it
applies, NC as soon as one page fails it, NA when no page has it; rate = C / (C + NC).
"""
import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

STATUSES = ("C", "NC", "NA")
COLUMNS = ("page", "page_name", "criterion", "theme", "status", "tests", "manual", "note", "fix", "pending")
FULL, PARTIAL = 100.0, 50.0  # RGAA's thresholds: « totalement » at 100 %, « partiellement » from 50 %


@dataclass(frozen=True)
class Audit:
    meta: dict
    themes: list      # [(number, name, [(criterion, title)…])]
    pages: list       # sample.yaml's pages
    rules: dict       # criterion → [rule…]
    checks: list      # what the automated checks verify, in French, with their tests

    @property
    def criteria(self):
        return [(number, name, title) for _, name, items in self.themes for number, title in items]

    @property
    def audited_pages(self):
        return [p for p in self.pages if not p.get("pending")]


def load(directory):
    directory = Path(directory)
    read = lambda name: yaml.safe_load((directory / name).read_text(encoding="utf-8"))  # noqa: E731
    criteria, sample, audit = read("criteres-rgaa-4.1.yaml"), read("sample.yaml"), read("audit.yaml")
    themes = [(t["number"], t["name"], list(t["criteria"].items())) for t in criteria["themes"]]
    return Audit(audit["audit"], themes, sample["pages"], audit["criteria"], audit.get("checks", []))


def _matches(selector, page):
    if selector == "all":
        return True
    if isinstance(selector, list):
        return page["id"] in selector
    if "holds" in selector:
        return selector["holds"] in page.get("holds", [])
    if "lacks" in selector:
        return selector["lacks"] not in page.get("holds", [])
    raise ValueError(f"unknown page selector {selector!r}")


def expand(audit):
    """One row per criterion × page: the first rule of the criterion that matches the page."""
    rows = []
    for page in audit.pages:
        for number, theme, _ in audit.criteria:
            rule = next((r for r in audit.rules.get(number, []) if _matches(r["pages"], page)), None)
            if rule is None:
                raise ValueError(f"criterion {number} decides nothing for page {page['id']}")
            rows.append({
                "page": page["id"], "page_name": page["name"], "criterion": number, "theme": theme,
                "status": rule["status"], "tests": " ".join(rule.get("test", [])),
                "manual": " ".join(rule.get("manual", "").split()), "note": " ".join(rule.get("note", "").split()),
                "fix": " ".join(rule.get("fix", "").split()), "pending": "oui" if page.get("pending") else "",
            })
    return rows


def to_csv(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def read_grid(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class Result:
    rate: float                 # global rate, in %
    average_page_rate: float    # mean of the pages' own rates, in %
    criteria: dict              # criterion → C / NC / NA over the audited pages
    page_rates: dict            # page → rate in %
    non_conformities: list      # rows with status NC (audited pages)

    @property
    def conformant(self):
        return sum(1 for s in self.criteria.values() if s == "C")

    @property
    def failing(self):
        return sum(1 for s in self.criteria.values() if s == "NC")

    @property
    def not_applicable(self):
        return sum(1 for s in self.criteria.values() if s == "NA")

    @property
    def level(self):
        """The statement's wording, from the rate alone."""
        if self.rate >= FULL:
            return "totalement conforme"
        return "partiellement conforme" if self.rate >= PARTIAL else "non conforme"


def _rate(statuses):
    c, nc = statuses.count("C"), statuses.count("NC")
    return 100.0 * c / (c + nc) if c + nc else 100.0


def compute(rows):
    """RGAA's rates from the grid's rows; pages still pending are left out."""
    audited = [r for r in rows if not r["pending"]]
    by_criterion, by_page = {}, {}
    for row in audited:
        by_criterion.setdefault(row["criterion"], []).append(row["status"])
        by_page.setdefault(row["page"], []).append(row["status"])
    criteria = {number: "NC" if "NC" in s else "C" if "C" in s else "NA" for number, s in by_criterion.items()}
    page_rates = {page: _rate(s) for page, s in by_page.items()}
    return Result(rate=_rate(list(criteria.values())),
                  average_page_rate=sum(page_rates.values()) / len(page_rates),
                  criteria=criteria, page_rates=page_rates,
                  non_conformities=[r for r in audited if r["status"] == "NC"])


@cache
def published(directory):
    """The audit and the result of its committed grid, read once per process (the statement, the footer)."""
    directory = Path(directory)
    audit = load(directory)
    return audit, compute(read_grid(directory / "grid.csv"))


def audit_date(audit):
    value = audit.meta["date"]
    return value if isinstance(value, date) else date.fromisoformat(value)

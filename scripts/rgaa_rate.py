"""Print the RGAA 4.1 conformity rate of docs/accessibility/grid.csv, as RGAA computes it.

    .venv/bin/python scripts/rgaa_rate.py           # the rate, per theme, per page, and every NC
    .venv/bin/python scripts/rgaa_rate.py --write   # first rewrite grid.csv from audit.yaml + sample.yaml

A criterion is C when it is C on every page of the sample where it applies, NC when one page fails
it, NA when it applies nowhere; the rate is C / (C + NC). Pages marked pending are left out.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from espace.domain import audit as grid  # noqa: E402

DOCS = ROOT / "docs" / "accessibility"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite grid.csv from audit.yaml and sample.yaml first")
    args = parser.parse_args(argv)
    audit = grid.load(DOCS)
    if args.write:
        (DOCS / "grid.csv").write_text(grid.to_csv(grid.expand(audit)), encoding="utf-8")
    rows = grid.read_grid(DOCS / "grid.csv")
    result = grid.compute(rows)
    print(f"RGAA 4.1 – {len(audit.audited_pages)} pages audited, {len(rows)} rows")
    print(f"global rate: {result.rate:.2f} % ({result.conformant} C, {result.failing} NC, "
          f"{result.not_applicable} NA) – {result.level}")
    print(f"average rate per page: {result.average_page_rate:.2f} %")
    for number, name, items in audit.themes:
        statuses = [result.criteria[c] for c, _ in items]
        print(f"  {number:>2}. {name}: {statuses.count('C')} C, {statuses.count('NC')} NC, {statuses.count('NA')} NA")
    for page, rate in result.page_rates.items():
        print(f"  {page}: {rate:.2f} %")
    pending = [p["id"] for p in audit.pages if p.get("pending")]
    if pending:
        print(f"pending (not counted): {', '.join(pending)}")
    for row in result.non_conformities:
        print(f"NC {row['criterion']} on {row['page']}: {row['note']} – fix: {row['fix']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

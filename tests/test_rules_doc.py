"""docs/rules.md names the tests that hold each rule: every name it gives must exist."""
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
RULES = TESTS.parent / "docs" / "rules.md"


def test_every_test_named_in_the_rules_exists():
    named = re.findall(r"`((?:browser/)?test_\w+\.py)(?:::(test_\w+))?`", RULES.read_text(encoding="utf-8"))
    assert len(named) > 100  # the document was read
    missing = []
    for file, test in named:
        path = TESTS / file
        if not path.exists() or (test and not re.search(rf"^def {test}\(", path.read_text(encoding="utf-8"), re.M)):
            missing.append(f"{file}::{test}" if test else file)
    assert missing == []

"""Mutation score of domain modules: how many of mutmut's mutants their tests kill.

    .venv/bin/python scripts/mutation.py espace/domain/history.py tests/test_domain_history.py

Runs in a copy of the tracked files (mutmut rewrites the tree it works in) and prints, per
module, killed / total. Slow: a few mutants a second.
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MUTMUT = os.path.join(os.path.dirname(sys.executable), "mutmut")
COPIED = ("espace", "templates", "static", "migrations", "wsgi.py", "tests", "pytest.ini")


def main(paths):
    modules = [p for p in paths if p.startswith("espace/")]
    tests = [p for p in paths if p.startswith("tests/")]
    if not modules or not tests:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory(prefix="mutation-") as work:
        files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "cf", "-", "--null", "-T", "-"], cwd=ROOT, input=files, check=True,
                       stdout=open(os.path.join(work, "tree.tar"), "wb"))
        subprocess.run(["tar", "xf", "tree.tar"], cwd=work, check=True)
        lines = "\n    ".join
        with open(os.path.join(work, "setup.cfg"), "w") as config:
            # The scan of the sources for event kinds reads mutated text: left out here.
            config.write(f"[mutmut]\nsource_paths =\n    {lines(modules)}\n"
                         f"pytest_add_cli_args_test_selection =\n    {lines(tests)}\n"
                         "pytest_add_cli_args =\n    -k\n    not every_kind_recorded\n"
                         f"also_copy =\n    {lines(COPIED)}\n")
        subprocess.run([MUTMUT, "run", "--max-children", "1"], cwd=work, check=True,
                       stdout=subprocess.DEVNULL)
        report = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=work, check=True,
                                capture_output=True, text=True).stdout
        for module in modules:
            prefix = module[:-3].replace("/", ".") + "."
            statuses = [line.rsplit(":", 1)[1].strip() for line in report.splitlines()
                        if line.strip().startswith(prefix)]
            # A mutant that makes the tests hang is caught too.
            killed = sum(1 for status in statuses if status in ("killed", "timeout"))
            print(f"{module}: {killed}/{len(statuses)} mutants killed ({100 * killed / len(statuses):.1f} %)")

if __name__ == "__main__":
    main(sys.argv[1:])

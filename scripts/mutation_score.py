"""Print the mutation score of espace/domain from mutmut's stored results (run `make mutation`)."""
import collections
import re
import subprocess
import sys

DETECTED = {"killed", "timeout", "caught by type check", "segfault"}


def main():
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                         capture_output=True, text=True, check=True).stdout
    per_module = collections.defaultdict(collections.Counter)
    for name, status in re.findall(r"^\s*espace\.domain\.(\w+)\.\S+: (.+)$", out, re.M):
        per_module[name][status.strip()] += 1
    total = collections.Counter()
    for module, counts in sorted(per_module.items()):
        total.update(counts)
        detected = sum(n for s, n in counts.items() if s in DETECTED)
        all_ = sum(counts.values())
        print(f"{module:20} {detected:4}/{all_:<4} {100 * detected / all_:5.1f} %  "
              + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    detected = sum(n for s, n in total.items() if s in DETECTED)
    print(f"espace/domain mutation score: {detected}/{sum(total.values())} = "
          f"{100 * detected / max(1, sum(total.values())):.1f}% (killed or timed out, of all mutants)")
    if total.get("not checked"):
        print(f"{total['not checked']} mutants not checked yet: the score above counts them as surviving")
    return 0 if total and not total.get("not checked") else 1


if __name__ == "__main__":
    sys.exit(main())

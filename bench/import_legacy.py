"""How fast `flask import-legacy` reads, checks and imports a file of N certificate spaces.

    .venv/bin/python bench/import_legacy.py --rows 100000            # CSV and JSON, SQLite
    .venv/bin/python bench/import_legacy.py --rows 1000000 --dry-run  # the checking pass only
    .venv/bin/python bench/import_legacy.py --rows 200                # smoke (tests/test_cli.py)
    .venv/bin/python bench/import_legacy.py --rows 10000 --database-url postgresql://…/espace_bench

For each format it writes N valid rows (address, dossiers, services, three answers), then runs
the real command (in this process, so that the app's start is not timed; an operator's terminal
also shows the progress bar):
first `--dry-run` (read and check every row), then the import (one transaction, batched inserts,
one bcrypt hash of the three answers per space at BCRYPT_ROUNDS, default 4 here). It prints
the time and the rows per second of each, by the clock and by the process's CPU time (all its
threads; the figure to compare on a shared machine). bcrypt is most of an import's cost: each
row's hash costs 2^rounds, so the last line gives the hashing rate alone, to estimate others.

A --database-url database is emptied first (every table dropped): never point it at real data.
"""
import argparse
import csv
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PREFIX = {"csv": "2021001", "json": "2021002"}  # year 2021, days 1 and 2: no demo space uses them
QUESTIONS = ("Votre sport préféré ?", "La marque de votre première voiture ?", "Le prénom de votre mère ?")
HEADER = ("subscriber_number", "last_name", "first_name", "phone", "contact_email", "address",
          "certificate_expires_on", "question1", "answer1", "question2", "answer2", "question3", "answer3",
          "dossiers", "services")


def record(fmt, index):
    return {
        "subscriber_number": f"{PREFIX[fmt]}{index:07d}",
        "last_name": f"NOM{index}", "first_name": "Prénom", "phone": "0102030405",
        "contact_email": f"titulaire{index}@exemple.fr", "address": f"{index % 300 + 1} rue Haute\n69001 LYON",
        "certificate_expires_on": "2021-05-01",
        "answers": [{"question": q, "answer": f"Réponse {index} {i}"} for i, q in enumerate(QUESTIONS)],
        "dossiers": [{"siren": f"{index % 10**9:09d}", "name": f"SOCIÉTÉ {index} SAS"}],
        "services": ["Déclarer TVA", "Payer TVA"],
    }


def write_file(path, fmt, rows):
    if fmt == "json":
        with open(path, "w", encoding="utf-8") as file:
            file.write("[\n")
            for index in range(rows):
                file.write(("," if index else "") + json.dumps(record(fmt, index), ensure_ascii=False) + "\n")
            file.write("]\n")
        return
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for index in range(rows):
            r = record(fmt, index)
            answers = [value for a in r["answers"] for value in (a["question"], a["answer"])]
            writer.writerow([r["subscriber_number"], r["last_name"], r["first_name"], r["phone"],
                             r["contact_email"], r["address"], r["certificate_expires_on"], *answers,
                             "|".join(f"{d['siren']} {d['name']}" for d in r["dossiers"]), "|".join(r["services"])])


def empty_database(url):
    from espace.database import open_database
    from espace.models import ALL_MODELS

    database = open_database(url)
    with database.connection_context():
        tables = [m._meta.table_name for m in ALL_MODELS] + ["schema_migration"]
        database.execute_sql("DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    database.close()


def command(runner, *args):
    """One operator command, run as `flask` runs it (in this process, so that only it is timed)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = runner.invoke(args=list(args))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.exit_code != 0:
        sys.exit(f"flask {' '.join(args)} failed ({result.exit_code}):\n{result.output}")
    return elapsed, cpu, result.output.strip().splitlines()[-1]


def hashing_rate(rounds, seconds=1.0):
    from espace.domain.hashing import Hasher
    from espace.domain.identity import hash_answers

    hasher, count, started = Hasher(rounds), 0, time.process_time()
    while time.process_time() - started < seconds:
        hash_answers(["Réponse 1", "Réponse 2", "Réponse 3"], hasher)
        count += 1
    return count / (time.process_time() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=("csv", "json", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=4, help="BCRYPT_ROUNDS of the import (production: 12)")
    parser.add_argument("--dry-run", action="store_true", help="only the checking pass")
    parser.add_argument("--database-url", help="emptied first; by default a new SQLite file")
    options = parser.parse_args()
    formats = ("csv", "json") if options.format == "both" else (options.format,)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        url = options.database_url or f"sqlite:///{os.path.join(folder, 'bench.sqlite3')}"
        if options.database_url:
            empty_database(url)
        os.environ["INSTANCE_PATH"] = os.path.join(folder, "instance")
        from espace import create_app

        app = create_app({"ESPACE_ENV": "development", "DATABASE_URL": url, "SEED_DEMO": False,
                          "BCRYPT_ROUNDS": options.rounds})
        runner = app.test_cli_runner()
        print(f"{options.rows} rows, {url.split(':')[0]}, BCRYPT_ROUNDS={options.rounds}, {os.cpu_count()} CPU, "
              f"load {os.getloadavg()[0]:.1f}")
        for fmt in formats:
            path = os.path.join(folder, f"spaces.{fmt}")
            started = time.perf_counter()
            write_file(path, fmt, options.rows)
            size = os.path.getsize(path) / 1e6
            print(f"{fmt:>4}  file    {size:7.1f} MB, written in {time.perf_counter() - started:.1f} s")
            passes = [("check", "--dry-run")] + ([] if options.dry_run else [("import", None)])
            for name, flag in passes:
                elapsed, cpu, said = command(runner, "import-legacy", path, *([flag] if flag else []))
                print(f"{fmt:>4}  {name:<7} {elapsed:7.1f} s {options.rows / elapsed:9,.0f} rows/s   "
                      f"CPU {cpu:7.1f} s {options.rows / cpu:9,.0f} rows/CPU-s  « {said} »")
        rate = hashing_rate(options.rounds)
        print(f"bcrypt at {options.rounds} rounds: {rate:,.0f} rows/CPU-s "
              f"(so {1e6 / rate / 60:,.0f} min of one core for a million rows)")


if __name__ == "__main__":
    main()

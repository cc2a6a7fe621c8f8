"""What the registry of open sessions costs each request of the space (not a test).

Every signed-in request reads its OpenSession row (with its space) instead of the space
alone, and writes the last use at most once a minute. Prints the mean time of each read,
and of reading a User-Agent (done at sign-in only), on the database of TEST_DATABASE_URL
(PostgreSQL) or a SQLite file.

Usage: [TEST_DATABASE_URL=postgresql://…] .venv/bin/python bench/session_check.py [--rounds 2000]
"""
import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import BERNARD, reset_shared_servers, settings_for  # noqa: E402

from espace import create_app  # noqa: E402
from espace.domain import security  # noqa: E402
from espace.models import Space, db  # noqa: E402

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{0}.0) Gecko/20100101 Firefox/{0}.0"


def mean_ms(call, rounds):
    call()
    start = time.perf_counter()
    for _ in range(rounds):
        call()
    return (time.perf_counter() - start) / rounds * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds
    reset_shared_servers()
    app = create_app(settings_for(Path(tempfile.mkdtemp())))
    with app.app_context(), db.connection_context():
        space = Space.by_number(BERNARD)
        now = datetime.utcnow()
        public_id = security.open_session(space.id, now, FIREFOX.format(128), "203.0.113.7")
        print(f"{db.obj.__class__.__name__}, {rounds} rounds")
        before = mean_ms(lambda: Space.get_or_none(Space.id == space.id), rounds)
        now_ms = mean_ms(lambda: security.check_session(space.id, public_id, now), rounds)
        agents = iter(FIREFOX.format(i) for i in range(10 ** 6))
        parse = mean_ms(lambda: security.describe_agent(next(agents)), 200)
        print(f"  space alone (the epoch check before):  {before:.3f} ms")
        print(f"  check_session (row + space, no write): {now_ms:.3f} ms")
        print(f"  describe_agent (at sign-in only):      {parse:.3f} ms")


if __name__ == "__main__":
    main()

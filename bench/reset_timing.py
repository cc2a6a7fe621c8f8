"""« Mot de passe oublié »: how long the first step takes to answer a known and an unknown address
(not a test; tests/test_security_reset.py holds the assertion).

A real server process (werkzeug, SQLite, demo data) sends mail through a local SMTP relay that
takes --relay-delay seconds per message, like a relay across a network. Prints the median time
of each kind of request: they match because the look-up and the mail run after the response.

Usage: .venv/bin/python bench/reset_timing.py [--rounds 3] [--relay-delay 0.4]
"""
import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from aiosmtpd.controller import Controller  # noqa: E402
from live_server import Browser, LiveServer, free_port  # noqa: E402

KNOWN, UNKNOWN = "toto321@toto.toto", "personne@exemple.fr"
CAPTCHA = "KAWRTY"


class SlowRelay:
    def __init__(self, delay):
        self.delay, self.count = delay, 0

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        self.count += 1
        return "250 OK"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="requests per kind (3 links per hour per space)")
    parser.add_argument("--relay-delay", type=float, default=0.4)
    parser.add_argument("--smoke", action="store_true", help="1 round, a quick relay: checks the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.relay_delay = 1, 0.05
    relay = SlowRelay(args.relay_delay)
    smtp = Controller(relay, hostname="127.0.0.1", port=free_port())
    smtp.start()
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer({
            "ESPACE_ENV": "testing", "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
            "BCRYPT_ROUNDS": 4, "CAPTCHA_TEST_TEXT": CAPTCHA, "DATABASE_URL": f"sqlite:///{tmp}/espace.sqlite3",
            "SESSION_DIR": f"{tmp}/sessions", "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp.port, "LOG_LEVEL": "WARNING",
        })
        try:
            browser = Browser(server.url)
            timings = {KNOWN: [], UNKNOWN: []}
            for _ in range(args.rounds):
                for email in (KNOWN, UNKNOWN):
                    browser.get("/mot-de-passe-oublie")
                    start = time.perf_counter()
                    status = browser.post("/mot-de-passe-oublie", {"email": email, "captcha": CAPTCHA}).status
                    timings[email].append(time.perf_counter() - start)
                    assert status == 303, status
            deadline = time.monotonic() + 10 * args.relay_delay * args.rounds + 5
            while relay.count < args.rounds and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            server.stop()
            smtp.stop()
    for email, label in ((KNOWN, "known address"), (UNKNOWN, "unknown address")):
        print(f"{label:16} median {statistics.median(timings[email]) * 1000:7.1f} ms  "
              f"({', '.join(f'{t * 1000:.1f}' for t in timings[email])})")
    print(f"messages through the relay ({args.relay_delay:.2f} s each): {relay.count}")


if __name__ == "__main__":
    main()

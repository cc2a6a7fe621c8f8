"""« Mot de passe oublié »: how long the first step takes to answer a known and an unknown address,
and how long a request sent right after it waits (not a test; tests/test_security_reset.py and
tests/test_mail_queue.py hold the assertions).

gunicorn with ONE sync worker (SQLite, demo data) sends mail through a local SMTP relay that takes
--relay-delay seconds per message, like a relay across a network. For each address: GET the form,
POST it (timed), then at once GET /healthz (timed). Two shapes of mail:

  inline  the web worker sends the queue itself once the answer has left (the embedded default):
          the worker is busy with the relay for a known address, so the next request waits;
  worker  the web worker only queues, `flask send-mail` (deploy/systemd/espace-mail.service)
          sends: the same work on the web side for any address (production).

Usage: .venv/bin/python bench/reset_timing.py [--rounds 3] [--relay-delay 0.4] [--modes inline,worker]
"""
import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from aiosmtpd.controller import Controller  # noqa: E402
from live_server import Browser  # noqa: E402

from bench.servers import AppServer, MailSender, app_environment, free_port  # noqa: E402

KNOWN, UNKNOWN = "toto321@toto.toto", "personne@exemple.fr"
CAPTCHA = "KAWRTY"


class SlowRelay:
    def __init__(self, delay):
        self.delay, self.count = delay, 0

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        self.count += 1
        return "250 OK"


def measure(mode, rounds, relay, smtp_port, workdir):
    """{address: ([POST times], [next /healthz times])} for one shape of mail."""
    env = app_environment(f"sqlite:///{workdir}/espace.sqlite3", "", workdir / "instance",
                          MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, MAIL_SENDER=mode,
                          RATELIMIT_ENABLED=0, LOG_LEVEL="WARNING", SEED_DEMO=1)
    env.pop("PUBLIC_URL", None)
    server = AppServer(env, workers=1, log_path=str(workdir / "gunicorn.log")).start()
    sender = MailSender(env, log_path=str(workdir / "sender.log")).start() if mode == "worker" else None
    before = relay.count
    timings = {KNOWN: ([], []), UNKNOWN: ([], [])}
    try:
        server.wait_healthy()
        browser = Browser(server.url)
        browser.opener.addheaders = [("Origin", server.url)]  # as a browser posts a form of ours
        for _ in range(rounds):
            for email in (KNOWN, UNKNOWN):
                browser.get("/mot-de-passe-oublie")
                time.sleep(1.5 * relay.delay + 0.2)  # the worker is idle again (a known address's mail sent)
                start = time.perf_counter()
                status = browser.post("/mot-de-passe-oublie", {"email": email, "captcha": CAPTCHA}).status
                answered = time.perf_counter()
                health = browser.get("/healthz").status
                done = time.perf_counter()
                assert (status, health) == (303, 200), (status, health)
                timings[email][0].append(answered - start)
                timings[email][1].append(done - answered)
        deadline = time.monotonic() + 10 * relay.delay * rounds + 10
        while relay.count - before < rounds and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        if sender:
            sender.stop()
        server.stop()
    return timings, relay.count - before


def ms(values):
    return f"{statistics.median(values) * 1000:7.1f} ms ({', '.join(f'{v * 1000:.0f}' for v in values)})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="requests per address (3 links per hour per space)")
    parser.add_argument("--relay-delay", type=float, default=0.4)
    parser.add_argument("--modes", default="inline,worker")
    parser.add_argument("--smoke", action="store_true", help="1 round, a quick relay: checks the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.relay_delay = 1, 0.05
    relay = SlowRelay(args.relay_delay)
    smtp = Controller(relay, hostname="127.0.0.1", port=free_port())
    smtp.start()
    results = {}
    try:
        for mode in args.modes.split(","):
            with tempfile.TemporaryDirectory() as tmp:
                results[mode] = measure(mode, args.rounds, relay, smtp.port, Path(tmp))
    finally:
        smtp.stop()
    print(f"gunicorn, 1 sync worker, SQLite; SMTP relay {args.relay_delay:.2f} s per message; "
          f"{args.rounds} request(s) per address; medians (each value)")
    for mode, (timings, sent) in results.items():
        print(f"\nMAIL_SENDER={mode}: {sent} message(s) through the relay")
        for email, label in ((KNOWN, "known address"), (UNKNOWN, "unknown address")):
            posts, health = timings[email]
            print(f"  {label:16} POST {ms(posts)}   next GET /healthz {ms(health)}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()

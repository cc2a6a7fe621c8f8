"""Every benchmark named in the README runs, in a smoke mode of a few requests, so none rots unseen.

The figures they print are not asserted (speed goals live in bench/, not in timed tests): only that
each script runs to the end on the current tree and prints its tables.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")


def run(script, *args, timeout=240, **env):
    """The script as the README runs it, without the test run's own servers in its environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**environment, **env})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_perf_runs_every_embedded_part():
    out = run("perf.py", "--smoke")
    for heading in ("Pages and steps", "Whole procedure against its bcrypt floor", "Captcha and recap PDF",
                    "Page weight", "Hashing step"):
        assert heading in out
    # The signed-in steps were reached: the sign-in code step, then the space.
    assert "POST `/connexion/code`" in out and "GET `/espace/`" in out


def test_load_runs_whole_procedures():
    out = run("load.py", "--smoke")
    assert "10 espace" in out


def test_reset_timing_runs():
    out = run("reset_timing.py", "--smoke")
    assert "known address" in out and "through the relay" in out and "next GET /healthz" in out


def test_captcha_bench_runs():
    out = run("captcha_bench.py", "--smoke")
    assert "render_png" in out and "render_wav" in out


@pytest.mark.scale
@pytest.mark.skipif(not (DATABASE_URL and REDIS_URL), reason="needs TEST_DATABASE_URL and TEST_REDIS_URL")
def test_operations_runs_one_scenario():
    from test_deploy_proxy import deploy_database, require_nginx

    require_nginx()
    out = run("operations.py", "--smoke", timeout=420, OPS_DATABASE_URL=deploy_database(DATABASE_URL, "ops_smoke"),
              OPS_REDIS_URL=REDIS_URL)
    assert "Rolling restart" in out

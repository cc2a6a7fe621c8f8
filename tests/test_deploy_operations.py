"""What an operator does every week, under virtual users running whole procedures through nginx
(deploy/): rolling restart, the same with a migration, a host lost, a backup restored.
The counts are printed by bench/operations.py; here they are asserted."""
import os
import subprocess

import psycopg2
import pytest

from bench.operations import (COLUMN_MIGRATION_NAME, BackgroundLoad, DeployShape, backup_and_restore,
                              host_loss, rolling_restart)
from bench.servers import unit_command
from helpers import deploy_database, require_nginx

DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")

pytestmark = [
    pytest.mark.scale,
    pytest.mark.skipif(not (DATABASE_URL and REDIS_URL), reason="needs TEST_DATABASE_URL and TEST_REDIS_URL"),
]

USERS = 2


@pytest.fixture(scope="module")
def shape(tmp_path_factory):
    require_nginx()
    # Limits off: every virtual user comes from 127.0.0.1 (this measures restarts, not defences).
    shape = DeployShape(tmp_path_factory.mktemp("deploy-operations"), deploy_database(DATABASE_URL, "ops"),
                        REDIS_URL, spaces=400, RATELIMIT_ENABLED=0)
    shape.start()
    yield shape
    shape.stop()


def migrations_applied(shape):
    connection = psycopg2.connect(shape.database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM schema_migration ORDER BY id")
            return [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()


def test_rolling_restart_fails_no_request(shape):
    with BackgroundLoad(shape, users=USERS) as load:
        rolling_restart(shape, load)
    counts = load.counts()
    print("rolling restart:", counts)
    assert counts["procedures"] >= 5 * USERS  # the load ran all along (each step waits for some)
    assert (counts["failed requests"], counts["unfinished procedures"]) == (0, 0), load.unfinished[:5]
    # Each host really restarted: twice its workers booted after the first ones (reload, restart).
    for host in shape.hosts:
        assert host.booted_workers() == 3 * host.workers


def test_rolling_restart_with_a_migration_that_adds_a_column(shape):
    assert "deploy_note" not in shape.columns("space")
    shape.add_column_migration()  # the new release, unpacked in place
    with BackgroundLoad(shape, users=USERS) as load:
        rolling_restart(shape, load)
    counts = load.counts()
    print("rolling restart with a migration:", counts)
    assert "deploy_note" in shape.columns("space")
    assert migrations_applied(shape)[-1] == COLUMN_MIGRATION_NAME
    assert counts["procedures"] >= 5 * USERS
    assert (counts["failed requests"], counts["unfinished procedures"]) == (0, 0), load.unfinished[:5]


def test_backup_taken_while_procedures_run_restores_into_a_new_database(shape, tmp_path):
    with BackgroundLoad(shape, users=USERS) as load:
        before, after, restored_url = backup_and_restore(shape, load, tmp_path)
    assert load.counts()["procedures"] >= 2  # the dump was taken under load
    main, pdf_text = before
    assert "sauvegarde" in main and "Équitation" in pdf_text  # the recap of an activated space
    assert after == before
    assert restored_url != shape.database_url and restored_url.rsplit("/", 1)[1].startswith("espace_test")


def test_a_host_lost_mid_procedure_costs_no_procedure(shape):
    with BackgroundLoad(shape, users=USERS, press_again=3) as load:
        victim = host_loss(shape, load)
    counts = load.counts()
    print("host loss:", counts, load.retries)
    try:
        assert victim.process.returncode == -9
        assert counts["procedures"] >= 3 * USERS
        assert counts["unfinished procedures"] == 0, load.unfinished[:5]
        # nginx found the host gone and sent the request on to the other one (again each time
        # it tried the lost host after fail_timeout), instead of answering 502.
        assert counts["moved by nginx to the other host"] >= 1
        # At most the request each user had in flight on the lost host is pressed again.
        assert counts["presses again"] <= USERS
    finally:
        victim.launch().wait_ready()


def test_the_units_run_what_the_tests_run(shape):
    """The hosts here start with espace.service's ExecStart (bench/servers.py), reload with its
    signal; the purge timer's command runs on the release against the shared database."""
    unit_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "deploy", "systemd")
    with open(os.path.join(unit_dir, "espace.service"), encoding="utf-8") as f:
        service = f.read()
    assert "ExecReload=/bin/kill -HUP $MAINPID" in service  # what AppServer.reload sends
    assert "EnvironmentFile=/etc/espace/espace.env" in service
    with open(os.path.join(unit_dir, "espace-purge.timer"), encoding="utf-8") as f:
        assert "OnCalendar=hourly" in f.read()
    done = subprocess.run(unit_command("espace-purge.service"), cwd=shape.release, env=shape.env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "demande(s) d'activation expirée(s)" in done.stdout

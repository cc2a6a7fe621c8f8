"""The whole account, walked in any order by a few browsers: tests/model/machine.py.

Every user action of every procedure (EP 4 and activation, sign-in with its code, EP 6, EP 5,
EP 3), valid or not, in any order, by three browsers sharing two spaces; after every step the
database and the pages must be what the model says. How long it walks comes from a Hypothesis
profile (ESPACE_MODEL_PROFILE):

* `model-fast` (default): the suite's run, under a minute;
* `model-debug`: the same without shrinking, while changing the model;
* `model-soak` (`make soak`): runs again and again until ESPACE_MODEL_STEPS steps (100 000 by
  default) have been walked, then prints the steps, the requests and the failures.

ESPACE_MODEL_ANSWERS=1 also prints which answers (method, path, status) the walk reached.
"""
import os
import sys
import time

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from model.machine import STATS, AccountMachine

# Part of `make check` (and of the scale pass, on PostgreSQL + Redis); `make soak` walks it longer.
pytestmark = pytest.mark.model

STEPS_PER_EXAMPLE = 40
settings.register_profile("model-fast", max_examples=10, stateful_step_count=STEPS_PER_EXAMPLE, deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("model-debug", settings.get_profile("model-fast"),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
# The soak does not shrink (it can take many minutes): it prints the failing walk as it came and
# the blob to replay it (@reproduce_failure), which the model-fast profile then shrinks.
settings.register_profile("model-soak", settings.get_profile("model-debug"), max_examples=3,
                          stateful_step_count=100, database=None, print_blob=True)
PROFILE = os.environ.get("ESPACE_MODEL_PROFILE", "model-fast")
SOAK_STEPS = int(os.environ.get("ESPACE_MODEL_STEPS", "100000"))


def summary(failures=()):
    print(f"\nmodel of the account ({PROFILE}): {STATS['steps']} steps, {STATS['requests']} requests, "
          f"{STATS['examples']} examples, {len(failures)} failures", file=sys.__stderr__)
    for failure in failures:
        print(failure, file=sys.__stderr__)
    if os.environ.get("ESPACE_MODEL_ANSWERS"):
        for answer, count in sorted(STATS["answers"].items()):
            print(f"{count:8} {answer}", file=sys.__stderr__)


if PROFILE == "model-soak":
    def test_soak_the_model_of_the_account():
        """`make soak`: the machine, again and again, until the steps are walked; every failure is kept."""
        failures, started = [], time.monotonic()
        while STATS["steps"] < SOAK_STEPS:
            try:
                run_state_machine_as_test(AccountMachine, settings=settings.get_profile(PROFILE))
            except Exception as failure:  # shrunk by Hypothesis: printed at the end
                failures.append(f"--- failure after {STATS['steps']} steps:\n{failure}")
            rate = STATS["steps"] / (time.monotonic() - started)
            print(f"  {STATS['steps']} steps, {rate:.0f} steps/s, {len(failures)} failures", file=sys.__stderr__)
        summary(failures)
        assert not failures
else:
    @pytest.fixture(scope="module", autouse=True)
    def steps_walked():
        yield
        summary()

    TestAccount = AccountMachine.TestCase
    TestAccount.settings = settings.get_profile(PROFILE)

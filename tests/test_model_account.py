"""The whole account, walked in any order by a few browsers: tests/model/machine.py.

Every user action of every procedure (EP 4 and activation, sign-in with its code, EP 6, EP 5,
EP 3), valid or not, in any order, by three browsers sharing two spaces; after every step the
database and the pages must be what the model says. The number of examples comes from a
Hypothesis profile: `model-fast` in the suite (under a minute), `model-soak` for `make soak`
(ESPACE_MODEL_STEPS steps in all, 100 000 by default), which prints the steps walked.
"""
import os
import sys

import pytest
from hypothesis import HealthCheck, Phase, settings

from model.machine import STATS, AccountMachine

STEPS_PER_EXAMPLE = 40
settings.register_profile("model-fast", max_examples=12, stateful_step_count=STEPS_PER_EXAMPLE, deadline=None,
                          suppress_health_check=list(HealthCheck), derandomize=False)
SOAK_STEPS = int(os.environ.get("ESPACE_MODEL_STEPS", "100000"))
settings.register_profile("model-soak", max_examples=max(1, SOAK_STEPS // STEPS_PER_EXAMPLE),
                          stateful_step_count=STEPS_PER_EXAMPLE, deadline=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
# While changing the model: no shrinking, the first failure as it came.
settings.register_profile("model-debug", settings.get_profile("model-fast"),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
PROFILE = os.environ.get("ESPACE_MODEL_PROFILE", "model-fast")


@pytest.fixture(scope="module", autouse=True)
def steps_walked():
    yield
    # On the terminal even under pytest's capture: the soak's figure.
    print(f"\nmodel of the account ({PROFILE}): {STATS['steps']} requests in {STATS['examples']} examples",
          file=sys.__stderr__)
    if os.environ.get("ESPACE_MODEL_ANSWERS"):  # which answers the walk reached, and how often
        for answer, count in sorted(STATS["answers"].items()):
            print(f"{count:8} {answer}", file=sys.__stderr__)


TestAccount = AccountMachine.TestCase
TestAccount.settings = settings.get_profile(PROFILE)

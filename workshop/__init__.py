"""The workshop's shared helpers: target and session, names, checks, and the steps as runnable code.

Typical use (a notebook, a step script, a test or the demo):

    from workshop import setup, check
    session = setup()                 # local cloud, AWS_ENDPOINT_URL or confirmed real AWS
    iam = session.client("iam")
    check("01")                       # ✅/❌ per item, with the fix

    from workshop.deploy import deploy_all
    from workshop.cleanup import destroy_all
    url = deploy_all().url            # steps 01–05, the notebooks' own code
    destroy_all(dry_run=True)         # step 10, listing only

Every error a learner can fix is a WorkshopError (workshop/errors.py): its message and fix, never a traceback.
"""

from .checks import CheckResult, check
from .errors import (
    NotDeployed,
    NotReady,
    PrefixError,
    StepCheckFailed,
    TargetError,
    TargetNotConfirmed,
    WorkshopError,
    install_excepthook,
)
from .naming import Names
from .session import WorkshopSession, setup
from .steps import STEPS, StepRun, run_step

# A step script (python steps/NN_topic.py) that meets a WorkshopError ends with its message, not a traceback.
install_excepthook()

__all__ = [
    "STEPS", "CheckResult", "Names", "NotDeployed", "NotReady", "PrefixError", "StepCheckFailed", "StepRun",
    "TargetError", "TargetNotConfirmed", "WorkshopError", "WorkshopSession", "check", "run_step", "setup",
]

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
"""

from .checks import CheckResult, StepCheckFailed, check
from .naming import Names, PrefixError
from .session import TargetError, TargetNotConfirmed, WorkshopSession, setup
from .steps import STEPS, NotReady, StepRun, run_step

__all__ = [
    "STEPS", "CheckResult", "Names", "NotReady", "PrefixError", "StepCheckFailed", "StepRun", "TargetError",
    "TargetNotConfirmed", "WorkshopSession", "check", "run_step", "setup",
]

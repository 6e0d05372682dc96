"""The workshop's exceptions: one base class whose message (and fix) a learner reads instead of a traceback.

    WorkshopError
    ├── TargetError (RuntimeError) ── TargetNotConfirmed
    ├── LocalCloudError (RuntimeError)
    ├── PrefixError (ValueError)
    ├── NotReady (RuntimeError)
    ├── NotDeployed (RuntimeError)
    ├── PackagingError (RuntimeError)
    ├── OwnershipError (RuntimeError)
    ├── SettingsUnavailable (RuntimeError)
    ├── ChatNotFound (RuntimeError)
    ├── RosterRefused (RuntimeError)
    ├── UsageError (ValueError)
    └── StepCheckFailed (AssertionError)

Each keeps the built-in base it always had, so `except ValueError` and friends still catch it. The modules that
raise them (session, naming, steps, ...) import them from here, and their old names stay importable there.

Where a learner meets one, they see `explain()` and nothing else: a notebook through IPython's
`_render_traceback_`, a step script (`python steps/NN_topic.py`) through the sys.excepthook that importing
`workshop` installs, the command line through one `except WorkshopError` in workshop/cli.py.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING

from .i18n import _

if TYPE_CHECKING:
    from .checks import CheckResult

MARK = "❌"


class WorkshopError(Exception):
    """Something a learner can fix: `message` says what happened, `fix` (optional, when the message does not
    already say it) what to do."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        if not self.fix:
            return self.message
        return f"{self.message}\n   ↳ " + _("fix: {fix}").format(fix=self.fix)

    def explain(self) -> str:
        """What the learner reads, in every place: the message and the fix, marked like a failed check item."""
        return f"{MARK} {self}"

    def _render_traceback_(self) -> list[str]:
        """IPython (a notebook, the ipython shell) shows these lines instead of the traceback."""
        return self.explain().splitlines()


class TargetError(WorkshopError, RuntimeError):
    """The target cannot be used as configured; the message says what to do."""


class TargetNotConfirmed(TargetError):
    """Real AWS was chosen but nobody confirmed it."""


class LocalCloudError(WorkshopError, RuntimeError):
    """The local cloud could not be reached or started; the message says what to do."""


class PrefixError(WorkshopError, ValueError):
    """The learner prefix cannot start resource names."""


class NotReady(WorkshopError, RuntimeError):
    """A step needs what an earlier step creates; the message names the notebook to run first."""


class NotDeployed(WorkshopError, RuntimeError):
    """The chat of this prefix is not (fully) deployed on the current target."""


class PackagingError(WorkshopError, RuntimeError):
    """A handler file or a compiled catalog is missing."""


class OwnershipError(WorkshopError, RuntimeError):
    """A resource with this learner's prefix carries another learner's `learner` or `owner` tag."""


class SettingsUnavailable(WorkshopError, RuntimeError):
    """The target has no such setting (real AWS, or another emulator behind AWS_ENDPOINT_URL)."""


class ChatNotFound(WorkshopError, RuntimeError):
    """No chat to join; the message says what to run."""


class RosterRefused(WorkshopError, RuntimeError):
    """These credentials may not list the account's resources (a learner's, not the instructor's)."""


class UsageError(WorkshopError, ValueError):
    """A line the chat client cannot turn into a request; the message says how to write it."""


class StepCheckFailed(WorkshopError, AssertionError):
    """A step's check found problems (raised when running as a script, so the exit code says so)."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.report())
        self.result = result

    def explain(self) -> str:
        # check() printed the whole report just before raising: its first line (the step and how many items to
        # fix) is enough then. run_step(quiet=True) captured it, so it clears `printed` and the whole report shows.
        return f"{MARK} {self.message.splitlines()[0] if self.result.printed else self.message}"


def install_excepthook() -> None:
    """Make an uncaught WorkshopError end a script with its explanation instead of a traceback (the exit status
    is 1 all the same); any other exception keeps its traceback, for whoever debugs it. Once per process."""
    previous = sys.excepthook
    if getattr(previous, "workshop_hook", False):
        return

    def hook(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
        if not isinstance(error, WorkshopError) or sys.stderr is None:  # None: pythonw, nowhere to write
            previous(kind, error, traceback)
            return
        if sys.stdout is not None:
            sys.stdout.flush()  # what the step printed comes first
        if hasattr(sys.stderr, "reconfigure"):  # ❌ must not fail on a console whose code page lacks it (Windows)
            sys.stderr.reconfigure(errors="backslashreplace")
        print(error.explain(), file=sys.stderr, flush=True)

    hook.workshop_hook = True  # type: ignore[attr-defined]
    sys.excepthook = hook

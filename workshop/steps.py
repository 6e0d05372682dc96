"""The numbered steps and a runner that executes a step script's cells, the same code as its notebook."""

from __future__ import annotations

import contextlib
import io
import runpy
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import NotReady, StepCheckFailed  # noqa: F401 - NotReady: steps and tests import it from here
from .i18n import N_, _
from .language import EDITION_FOLDERS, ENGLISH, SUPPORTED
from .temporary_environ import temporary_environ

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STEPS_DIR = PROJECT_ROOT / "steps"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
# Every edition of the workshop: English in steps/ and notebooks/, a translation in their EDITION_FOLDERS subfolder.
EDITIONS = SUPPORTED


def edition_folder(base: Path, language: str = ENGLISH) -> Path:
    """steps/ or notebooks/ for English, steps/pt-BR/ or notebooks/pt-BR/ for the Portuguese edition."""
    if language == ENGLISH:
        return base
    if language not in EDITION_FOLDERS:
        raise ValueError(_("there is no {language!r} edition: editions are {editions}").format(
            language=language, editions=", ".join(EDITIONS)))
    return base / EDITION_FOLDERS[language]


@dataclass(frozen=True)
class Step:
    number: str
    topic: str
    title: str
    minutes: int
    # A lesson builds nothing the chat needs (it measures and compares): `workshop check` skips it unless asked.
    lesson: bool = False

    @property
    def label(self) -> str:
        return f"{self.number}_{self.topic}"

    @property
    def script(self) -> Path:
        return self.script_in(ENGLISH)

    @property
    def notebook(self) -> Path:
        return self.notebook_in(ENGLISH)

    def script_in(self, language: str) -> Path:
        """This step's script in an edition: steps/NN_topic.py, or its twin steps/pt-BR/NN_topic.py."""
        return edition_folder(STEPS_DIR, language) / f"{self.label}.py"

    def notebook_in(self, language: str) -> Path:
        """This step's notebook in an edition: notebooks/NN_topic.ipynb, or notebooks/pt-BR/NN_topic.ipynb."""
        return edition_folder(NOTEBOOKS_DIR, language) / f"{self.label}.ipynb"


STEPS: list[Step] = [
    Step("00", "setup", N_("What we build, the target, an environment check"), 10),
    Step("01", "iam_role", N_("The IAM role the functions run with"), 10),
    Step("02", "dynamodb_table", N_("The DynamoDB table of connections and names"), 10),
    Step("03", "lambda_functions", N_("One Lambda function per route"), 15),
    Step("04", "websocket_api", N_("The WebSocket API: routes, integrations, permissions"), 15),
    Step("05", "deploy_stage", N_("Deployment and stage: the chat's URL"), 5),
    Step("06", "chat", N_("Chatting from the notebook, and reading the logs"), 15),
    Step("07", "web_page", N_("The chat in a web browser: a static website on S3"), 15),
    Step("08", "under_the_hood", N_("Under the hood: cold starts, stateless functions, scale, ordering"), 20,
         lesson=True),
    Step("09", "serverless_vs_server", N_("Serverless versus a server: latency, restarts, two servers, cost"), 20,
         lesson=True),
    Step("10", "cleanup", N_("Cleaning up: delete everything this prefix created"), 5),
]
DEPLOY_STEPS = ["01", "02", "03", "04", "05"]


def get_step(number: str | int) -> Step:
    wanted = str(number).split("_")[0].zfill(2)
    for step in STEPS:
        if step.number == wanted:
            return step
    raise ValueError(_("there is no step {step!r}: steps are {steps}").format(
        step=number, steps=", ".join(s.number for s in STEPS)))


def step_label(number: str | int) -> str:
    return get_step(number).label


@dataclass
class StepRun:
    """What running one step did: its output, how long it took, and the variables it left."""

    step: Step
    seconds: float
    output: str = ""
    namespace: dict[str, Any] = field(default_factory=dict, repr=False)
    language: str = ENGLISH


def run_step(number: str | int, *, quiet: bool = False, env: dict[str, str] | None = None,
             language: str = ENGLISH) -> StepRun:
    """Run steps/NN_*.py in this process (the notebook's cells, top to bottom); raise if its check fails.

    quiet=True captures the step's printed output in StepRun.output instead of printing it.
    env sets environment variables for the duration of the step (e.g. WORKSHOP_DRY_RUN=1 for step 10).
    language="pt-BR" runs the Portuguese twin, steps/pt-BR/NN_*.py, with WORKSHOP_LANG=pt-BR unless env sets it
    (a learner running it from steps/pt-BR/ gets Portuguese messages the same way).
    """
    step = get_step(number)
    script = step.script_in(language)
    if not script.is_file():
        raise FileNotFoundError(_("step {step} has no {language} edition yet: {script} does not exist "
                                  "(translate {english} into it, code cells unchanged)").format(
            step=step.number, language=language, script=script, english=step.script.name))
    variables = {} if language == ENGLISH else {"WORKSHOP_LANG": language}
    variables.update(env or {})
    buffer = io.StringIO()
    started = time.perf_counter()
    with temporary_environ(variables), (contextlib.redirect_stdout(buffer) if quiet else contextlib.nullcontext()):
        try:
            namespace = runpy.run_path(str(script), run_name="__workshop_step__")
        except StepCheckFailed as failed:
            if quiet:  # the report went into the buffer, not to the learner: the error shows all of it
                failed.result.printed = False
            raise
    return StepRun(step, time.perf_counter() - started, buffer.getvalue(), namespace, language=language)

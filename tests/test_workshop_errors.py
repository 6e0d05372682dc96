"""One exception hierarchy: a learner reads the message and the fix, never a traceback, in a step script, a
notebook and the command line."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import workshop
from workshop import cli
from workshop.checks import CheckItem, CheckResult
from workshop.errors import (
    ChatNotFound,
    LocalCloudError,
    NotDeployed,
    NotReady,
    OwnershipError,
    PackagingError,
    PrefixError,
    RosterRefused,
    SettingsUnavailable,
    StepCheckFailed,
    TargetError,
    TargetNotConfirmed,
    UsageError,
    WorkshopError,
)

ROOT = Path(__file__).resolve().parent.parent
BAD_PREFIX = "Bad_Prefix"
# Every WorkshopError that takes a message, as the code raises it.
WITH_A_MESSAGE = [ChatNotFound, LocalCloudError, NotDeployed, NotReady, OwnershipError, PackagingError, PrefixError,
                  RosterRefused, SettingsUnavailable, TargetError, TargetNotConfirmed, UsageError]


def workshop_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class defined anywhere in the workshop package, by qualified name."""
    found = {}
    for module_info in pkgutil.walk_packages(workshop.__path__, "workshop."):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__.startswith("workshop")):
                found[f"{module_info.name}.{name}"] = value
    return found


def run_python(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env or dict(os.environ), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def shown_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def learner_env(**values: str) -> dict[str, str]:
    """This environment in English, with no target variables of the test run's own."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("AWS_ENDPOINT_URL", "WORKSHOP_PREFIX", "WORKSHOP_TARGET", "WORKSHOP_CONFIRM", "WORKSHOP_LANG")}
    return {**env, "WORKSHOP_LANG": "en", **values}


def test_every_workshop_exception_is_a_workshop_error_with_its_old_name_and_base():
    found = workshop_exceptions()
    assert len(found) >= len(WITH_A_MESSAGE) + 2  # the base and StepCheckFailed too
    strays = [name for name, kind in found.items() if not issubclass(kind, WorkshopError)]
    assert strays == [], f"exceptions outside the hierarchy (derive them from workshop.errors.WorkshopError): {strays}"
    # The names code imports today still work, and `except ValueError` etc. still catch what it caught.
    from workshop.background_cloud import LocalCloudError as old_local_cloud_error
    from workshop.chat_client import UsageError as old_usage_error
    from workshop.deploy import NotDeployed as old_not_deployed
    from workshop.naming import PrefixError as old_prefix_error
    from workshop.packaging import PackagingError as old_packaging_error
    from workshop.steps import NotReady as old_not_ready

    assert (old_local_cloud_error, old_usage_error, old_not_deployed, old_prefix_error, old_packaging_error,
            old_not_ready) == (LocalCloudError, UsageError, NotDeployed, PrefixError, PackagingError, NotReady)
    assert issubclass(PrefixError, ValueError) and issubclass(UsageError, ValueError)
    assert issubclass(StepCheckFailed, AssertionError) and issubclass(TargetNotConfirmed, TargetError)
    assert all(issubclass(kind, RuntimeError) for kind in WITH_A_MESSAGE if kind not in (PrefixError, UsageError))


def test_the_explanation_is_the_message_and_the_fix():
    error = NotReady("Step 04 needs the IAM role chat-lambda-role, which is not there.", fix="run notebook 01 first")
    assert error.explain() == ("❌ Step 04 needs the IAM role chat-lambda-role, which is not there.\n"
                               "   ↳ fix: run notebook 01 first")
    assert error._render_traceback_() == error.explain().splitlines()
    assert str(PackagingError("chat.mo is missing.")) == "chat.mo is missing."


def test_a_failed_check_says_its_report_once():
    result = CheckResult("02", [CheckItem(True, "the role exists"), CheckItem(False, "the table exists", "run 02")])
    failed = StepCheckFailed(result)
    assert failed.explain() == "❌ " + result.report()  # nobody saw the report yet: all of it
    result.printed = True  # check() printed it just above: its first line is enough
    assert failed.explain() == "❌ " + result.report().splitlines()[0]
    assert "1 of 2 items to fix" in failed.explain()


@pytest.mark.parametrize("script", ["steps/01_iam_role.py", "steps/pt-BR/01_iam_role.py"])
def test_a_wrong_prefix_in_a_step_script_prints_the_message_and_no_traceback(script):
    env = learner_env(WORKSHOP_PREFIX=BAD_PREFIX)
    if "pt-BR" in script:
        del env["WORKSHOP_LANG"]  # the edition's folder chooses the language, as for a learner
    result = run_python(script, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(shown_lines(result)) <= 3, result.stdout + result.stderr
    expected = "não pode iniciar nomes de recursos" if "pt-BR" in script else "cannot start resource names"
    assert f"❌ WORKSHOP_PREFIX={BAD_PREFIX!r} {expected}" in result.stderr


def test_real_aws_without_credentials_prints_the_message_and_no_traceback(tmp_path):
    (tmp_path / "credentials").write_text("")
    (tmp_path / "config").write_text("")
    env = {key: value for key, value in learner_env().items() if not key.startswith("AWS_")}
    env.update(WORKSHOP_TARGET="aws", AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
               AWS_CONFIG_FILE=str(tmp_path / "config"),
               AWS_EC2_METADATA_DISABLED="true")  # no instance metadata to ask on a test machine
    result = run_python("steps/02_dynamodb_table.py", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(shown_lines(result)) <= 3, result.stdout + result.stderr
    assert "❌ No AWS credentials found for the real-AWS target. Run `aws configure`" in result.stderr


def test_only_workshop_errors_lose_their_traceback():
    mine = run_python("-c", "import workshop.errors, workshop; raise workshop.errors.NotDeployed('Deploy it first.')")
    assert (mine.returncode, mine.stderr) == (1, "❌ Deploy it first.\n")
    theirs = run_python("-c", "import workshop; raise KeyError('a bug')")
    assert theirs.returncode == 1
    assert "Traceback" in theirs.stderr and "KeyError: 'a bug'" in theirs.stderr


@pytest.mark.parametrize("kind", WITH_A_MESSAGE, ids=lambda kind: kind.__name__)
def test_every_cli_command_shows_a_workshop_error_as_one_message(kind, monkeypatch, capsys):
    def failing(args):
        raise kind("The chat of prefix 'chat' is not deployed on this target. Run `python -m workshop deploy`.")

    monkeypatch.setitem(cli.COMMANDS, "status", failing)
    assert cli.main(["status"]) == 1
    shown = capsys.readouterr()
    assert shown.err == "\n❌ The chat of prefix 'chat' is not deployed on this target. Run `python -m workshop deploy`.\n"
    assert shown.out == ""


def test_the_cli_shows_a_wrong_prefix_as_one_message():
    result = run_python("-m", "workshop", "deploy", "--prefix", BAD_PREFIX, env=learner_env())
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert shown_lines(result) == [f"❌ WORKSHOP_PREFIX={BAD_PREFIX!r} cannot start resource names. Use 1 to 24 "
                                   "lowercase letters, digits or single hyphens, starting with a letter, e.g. "
                                   "WORKSHOP_PREFIX=alice or WORKSHOP_PREFIX=team-3."]


def test_a_notebook_cell_that_raises_shows_the_message_and_no_traceback(tmp_path):
    """A real kernel, as Jupyter runs it: the error output holds the explanation only."""
    cells = [
        f"import os, sys\nsys.path.insert(0, {str(ROOT)!r})\nos.environ['WORKSHOP_LANG'] = 'en'",
        f"os.environ['WORKSHOP_PREFIX'] = {BAD_PREFIX!r}\nfrom workshop import setup\nsession = setup()",
        "from workshop.steps import NotReady\nraise NotReady('This notebook looks at the chat you built: run notebooks "
        "01 to 05 first.')",
        "{}['a bug']",  # any other error keeps its traceback
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(notebook, kernel_name="python3", timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [[output for output in cell.outputs if output.output_type == "error"] for cell in notebook.cells]
    assert [len(found) for found in errors] == [0, 1, 1, 1]
    prefix, not_ready, bug = (found[0] for found in errors[1:])
    assert prefix.ename == "PrefixError"
    assert prefix.traceback == [f"❌ WORKSHOP_PREFIX={BAD_PREFIX!r} cannot start resource names. Use 1 to 24 "
                                "lowercase letters, digits or single hyphens, starting with a letter, e.g. "
                                "WORKSHOP_PREFIX=alice or WORKSHOP_PREFIX=team-3."]
    assert not_ready.traceback == ["❌ This notebook looks at the chat you built: run notebooks 01 to 05 first."]
    assert bug.ename == "KeyError" and len(bug.traceback) > 1  # IPython's own traceback, for a real bug

"""The workshop's command line: deploy, destroy, check, status, lab, and the demo and chat entry points."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from . import background_cloud
from .arguments import use_learner_language
from .errors import WorkshopError
from .i18n import N_, _
from .steps import NOTEBOOKS_DIR, STEPS, StepRun

DESCRIPTION = N_("""Build a serverless chat (API Gateway WebSocket, Lambda, DynamoDB) step by step.
Target: the local cloud on 127.0.0.1:4566 by default (started in the background when needed);
AWS_ENDPOINT_URL=... for another endpoint; WORKSHOP_TARGET=aws for real AWS (asks for confirmation,
or set WORKSHOP_CONFIRM=yes). WORKSHOP_PREFIX (default chat) starts every resource name.""")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workshop", description=_(DESCRIPTION),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--prefix", help=_("learner prefix for this command (default: WORKSHOP_PREFIX or chat)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    deploy = sub.add_parser("deploy", parents=[common], help=_("run steps 01–05 and print the chat's WebSocket URL"))
    deploy.add_argument("--verbose", action="store_true", help=_("show everything each step prints"))
    destroy = sub.add_parser("destroy", parents=[common], help=_("run step 10: delete everything of this prefix"))
    destroy.add_argument("--dry-run", action="store_true", help=_("only list what would be deleted"))
    check = sub.add_parser("check", parents=[common],
                           help=_("check one step, or all of 00–06 (07 too once its bucket exists; 08/09 are "
                                  "lessons, checked on request) on the current target"))
    check.add_argument("step", nargs="?", choices=[s.number for s in STEPS], help=_("step number, e.g. 03"))
    sub.add_parser("status", parents=[common], help=_("show the target, the local cloud and what is deployed"))
    url = sub.add_parser("url", parents=[common], help=_("print the chat's WebSocket URL (--web: the web page's URL)"))
    url.add_argument("--web", action="store_true", help=_("the web page's URL (step 07) instead of the WebSocket URL"))
    url.add_argument("--open", action="store_true", help=_("also open it in the default browser (with --web)"))
    sub.add_parser("stop", help=_("stop the background local cloud"))
    sub.add_parser("lab", add_help=False, help=_("open JupyterLab on notebooks/ with the target ready (see `lab --help`)"))
    sub.add_parser("notebooks", help=_("regenerate notebooks/*.ipynb and notebooks/pt-BR/*.ipynb from steps/ (after editing a step)"))
    sub.add_parser("demo", add_help=False, help=_("the whole workshop as one demo (see `demo --help`)"))
    sub.add_parser("chat", add_help=False, help=_("join the deployed chat from this terminal (see `chat --help`)"))
    sub.add_parser("class", add_help=False, help=_("the instructor's kit for a shared AWS account: policy, status, "
                                                   "sweep (see `class --help`)"))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        # ✅/❌ must not crash a console or a redirected file whose encoding lacks them (Windows).
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    use_learner_language()
    try:
        return dispatch(argv)
    except KeyboardInterrupt:
        return 130
    except WorkshopError as error:  # the one place: a learner gets the message and the fix, not a traceback
        return explain(error)


def dispatch(argv: list[str]) -> int:
    # demo and chat belong to their own modules, with their own options.
    if argv and argv[0] == "demo":
        from .demo import main as demo_main

        return demo_main(argv[1:]) or 0
    if argv and argv[0] == "chat":
        from .chat_client import main as chat_main

        return chat_main(argv[1:]) or 0
    if argv and argv[0] == "lab":
        return run_lab(argv[1:])
    if argv and argv[0] == "class":
        from .classroom.cli import main as class_main  # the instructor's commands (workshop/classroom/)

        return class_main(argv[1:])
    args = build_parser().parse_args(argv)
    if getattr(args, "prefix", None):
        os.environ["WORKSHOP_PREFIX"] = args.prefix
    return COMMANDS[args.command](args)


def explain(error: WorkshopError) -> int:
    """Print what went wrong and what to do on stderr; the command's exit status is 1."""
    print(f"\n{error.explain()}", file=sys.stderr)
    return 1


def cmd_deploy(args: argparse.Namespace) -> int:
    from .deploy import deploy_all
    from .session import setup

    print(setup().describe())

    def one_line(run: StepRun) -> None:
        print(f"✅ {run.step.number} {_(run.step.title)} ({run.seconds:.1f} s)", flush=True)

    deployment = deploy_all(quiet=not args.verbose, progress=None if args.verbose else one_line)
    print("\n" + _("The chat is deployed. Connect to: {url}").format(url=deployment.url))
    print(_("Join it from a terminal: python -m workshop chat --name YourName  (API {api_id})").format(
        api_id=deployment.api_id))
    return 0


def cmd_destroy(args: argparse.Namespace) -> int:
    from .cleanup import destroy_all

    destroy_all(dry_run=args.dry_run, quiet=False)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .checks import check
    from .session import setup

    session = setup()
    numbers = [args.step] if args.step else [s.number for s in STEPS if s.number not in ("07", "10") and not s.lesson]
    if not args.step:
        from . import lookup

        if lookup.website_bucket(session) is not None:
            numbers.append("07")  # the web page is optional: checked once its bucket exists
    results = [check(number, session, raise_on_failure=False) for number in numbers]
    if len(results) > 1:
        print("\n" + _("Summary:") + " " + "  ".join(f"{r.step} {'✅' if r.ok else '❌'}" for r in results))
    return 0 if all(r.ok for r in results) else 1


def cmd_status(args: argparse.Namespace) -> int:
    from .cleanup import find_leftovers
    from .session import chosen_target, setup

    if chosen_target() == "local":  # the same resolution as setup(), without starting anything
        cloud = background_cloud.status()
        print(background_cloud.describe(cloud))
        from .records import running_demo

        demo = running_demo()
        if demo is not None:
            print(_("The demo (make demo ARGS=--keep) runs its own local cloud at {endpoint}; its chat: {url}").format(
                endpoint=demo.endpoint_url, url=demo.url))
        if not cloud.running:
            return 1 if cloud.port_taken else 0  # status only looks: it does not start the local cloud
    session = setup()
    print(session.describe())
    resources = find_leftovers(session)
    if not resources:
        from .diagnosis import context_note

        print(_("Nothing of prefix {prefix!r} is deployed.").format(prefix=session.prefix))
        note = context_note(session)
        if note:
            print(note)
    width = max([9, *(len(_(kind)) for kind, _name, _id in resources)])  # 9: "log group", the longest in English
    for kind, name, _id in resources:
        print(f"  {_(kind):{width}} {name}")
    from . import lookup

    url = lookup.websocket_url(session)
    if url:
        print(_("Chat URL: {url}").format(url=url))
    page = lookup.deployed_website_url(session)
    if page:
        print(_("Web page: {url}").format(url=page))
    return 0


def cmd_url(args: argparse.Namespace) -> int:
    """One line on stdout (the URL), so `$(python -m workshop url)` works; everything else goes to stderr."""
    import contextlib

    from . import lookup
    from .session import chosen_target, setup

    how = _("run notebook 07 (python steps/07_web_page.py)") if args.web else _("run `python -m workshop deploy`")
    if chosen_target() == "local" and not background_cloud.status().running:
        from .records import running_demo

        demo = running_demo() if not args.web else None
        if demo is not None:  # `make demo ARGS=--keep` runs its own cloud: its chat is the one to join
            print(_("No local cloud runs at {url}: the URL of the demo's chat.").format(url=background_cloud.cloud().url),
                  file=sys.stderr)
            print(demo.url, flush=True)
            return 0
        not_running = (_("The local cloud is not running, so the web page is not deployed: {how}.") if args.web
                       else _("The local cloud is not running, so the chat is not deployed: {how}."))
        print(not_running.format(how=how), file=sys.stderr)
        return 1
    with contextlib.redirect_stdout(sys.stderr):  # a confirmation prompt on AWS must not end up in $(...)
        session = setup()
        url = lookup.deployed_website_url(session) if args.web else lookup.websocket_url(session)
    if url is None:
        missing = (_("The web page of prefix {prefix!r} is not deployed ({target}): {how}.") if args.web
                   else _("The chat of prefix {prefix!r} is not deployed ({target}): {how}."))
        print(missing.format(prefix=session.prefix, target=session.describe(), how=how), file=sys.stderr)
        return 1
    print(url, flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    stopped = background_cloud.stop()
    print(_("The local cloud stopped.") if stopped else _("No local cloud was running."))
    return 0


def cmd_notebooks(args: argparse.Namespace) -> int:
    from .notebooks import main as write_notebooks

    return write_notebooks()


def run_lab(argv: list[str]) -> int:
    """JupyterLab on notebooks/; options it does not know (e.g. --no-browser, --port 8899) go to Jupyter."""
    parser = argparse.ArgumentParser(
        prog="python -m workshop lab",
        description=_("Get the target ready (the local cloud starts in the background unless another target is "
                      "chosen), then open JupyterLab on notebooks/. Other options go to Jupyter, e.g. --no-browser "
                      "--port 8899."))
    parser.add_argument("--prefix", help=_("learner prefix for the notebooks (default: WORKSHOP_PREFIX or chat)"))
    args, jupyter_args = parser.parse_known_args(argv)
    if args.prefix:
        os.environ["WORKSHOP_PREFIX"] = args.prefix
    from .session import setup

    print(setup().describe())  # the target is ready before the first notebook opens
    command = lab_command(jupyter_args, running_as_root())
    print(_("Starting JupyterLab: open 00_setup.ipynb first. Ctrl-C stops it."), flush=True)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(jupyter_args: list[str], as_root: bool) -> list[str]:
    """Jupyter refuses to run as root ("Running as root is not recommended") unless told: in a container or a
    cloud VM that is often the only user, so say so and allow it."""
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={NOTEBOOKS_DIR}", *jupyter_args]
    if as_root and not any(arg.startswith("--allow-root") for arg in jupyter_args):
        print(_("Note: running as root (a container?): starting Jupyter with --allow-root. As a normal user "
                "you would not need it."), flush=True)
        command.append("--allow-root")
    return command


COMMANDS = {"deploy": cmd_deploy, "destroy": cmd_destroy, "check": cmd_check, "status": cmd_status,
            "stop": cmd_stop, "notebooks": cmd_notebooks, "url": cmd_url}

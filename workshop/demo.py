"""`python -m workshop demo`: the whole workshop in one run — deploy, chat, check, clean up — as a readable transcript."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workshop import chat_protocol as protocol
from workshop.arguments import use_learner_language
from workshop.chat_member import CONNECTION_ERRORS, ChatMember
from workshop.chat_protocol import Frame, FrameTest
from workshop.i18n import N_, _
from workshop.invocations import InvocationWatcher
from workshop.session import WorkshopSession, setup, use
from workshop.temporary_environ import temporary_environ
from workshop.terminal import Palette, Transcript, colors_enabled, render_frame

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CLOUD_LOG = PROJECT_ROOT / ".workshop" / "demo-local-cloud.log"
DEPLOY_STEPS = ["00", "01", "02", "03", "04", "05"]
CHECKED_STEPS = ["00", "01", "02", "03", "04", "05", "06"]
WAIT_SECONDS = 15.0  # for one expected chat frame; a cold Lambda start on AWS takes a few seconds
STRAGGLER_SECONDS = 0.15  # after the expected frames, whatever else arrives this quickly belongs to the same scene


# -- where the demo runs -----------------------------------------------------------------------

@contextlib.contextmanager
def private_local_cloud(out: Transcript) -> Iterator[Any]:
    """A local cloud of our own on a free port: the learner's cloud on 4566 is never touched."""
    from local_cloud import LocalCloud

    CLOUD_LOG.parent.mkdir(exist_ok=True)
    CLOUD_LOG.write_text("")
    started = time.perf_counter()
    cloud = LocalCloud(port=0, log_path=CLOUD_LOG).start()
    out.ok(_("private local cloud at {url} ({seconds:.1f} s; log: {log})").format(
        url=cloud.endpoint_url, seconds=time.perf_counter() - started, log=CLOUD_LOG.relative_to(PROJECT_ROOT)))
    try:
        yield cloud
    finally:
        started = time.perf_counter()
        cloud.stop()
        out.ok(_("local cloud shut down ({seconds:.1f} s)").format(seconds=time.perf_counter() - started))


@contextlib.contextmanager
def real_aws(out: Transcript) -> Iterator[None]:
    """Real AWS: the workshop's session shows account and region and asks before anything is created."""
    out.line("  " + _("target: real AWS (the account and region are shown next; nothing happens until you confirm)"))
    yield None


def demo_session(cloud: Any, prefix: str) -> Any:
    """The session every step of the demo uses: the "local" target on our private cloud, as a learner's setup()
    gives it; on real AWS (no cloud) setup() itself, which shows the account and region and asks."""
    if cloud is not None:
        return WorkshopSession.local(cloud, prefix=prefix)
    with temporary_environ({"WORKSHOP_TARGET": "aws", "AWS_ENDPOINT_URL": None, "WORKSHOP_PREFIX": prefix}):
        return setup()


# -- steps -------------------------------------------------------------------------------------

def created_by(step: str, session: Any) -> str:
    """What a step left behind, looked up by name on the target, in a few words."""
    from workshop import lookup

    names = session.names
    if step == "00":
        return _("nothing yet: the target answered and the environment check passed")
    if step == "01":
        role = lookup.role(session)
        return _("role {role}").format(role=role["RoleName"]) if role else _("no role!")
    if step == "02":
        table = lookup.table(session)
        if not table:
            return _("no table!")
        indexes = ", ".join(index["IndexName"] for index in table.get("GlobalSecondaryIndexes", []))
        return _("table {table} (index {indexes})").format(table=table["TableName"], indexes=indexes or _("none"))
    if step == "03":
        found = [name for name in names.functions.values() if lookup.function(session, name)]
        return _("{count} functions: {names}").format(count=len(found), names=", ".join(found))
    api_id = lookup.api_id(session)
    if not api_id:
        return _("no API!")
    if step == "04":
        return _("WebSocket API {api_id} with routes {routes}").format(
            api_id=api_id, routes=", ".join(sorted(lookup.routes(session, api_id))))
    return _("stage {stage}: {url}").format(stage=names.stage, url=lookup.websocket_url(session))


def run_steps(out: Transcript, session: Any) -> bool:
    """Steps 00–05, the notebooks' own code, each with what it created and how long it took."""
    from workshop.steps import get_step, run_step

    for number in DEPLOY_STEPS:
        step = get_step(number)
        try:
            run = run_step(number, quiet=True)
        except Exception as error:  # noqa: BLE001 - a failed step ends the demo with its reason
            out.fail(_("{step} failed: {error}").format(step=step.label, error=f"{type(error).__name__}: {error}"))
            out.line(out.palette.paint("".join(traceback.format_exception(error)[-3:]), "gray"))
            return False
        label = out.palette.paint(f"{step.label:<20}", "bold")
        out.line(f"  {label} {run.seconds:5.1f} s  {created_by(number, session)}")
    return True


# -- the chat ----------------------------------------------------------------------------------

# One text, so a translation can line its columns up as it likes.
LEGEND = N_("""\
Ana → …      what Ana sends (a JSON frame), or does
Ana ← …      a frame Ana receives:  · the member list   * a system message   ! an error or refusal
             [private] a private message   Name: text  a public message
λ function   the Lambda function that handled a frame: its duration, and cold (a new environment,
             with its init time) or warm (reused), from the REPORT line of its log
table        the DynamoDB items while members are connected: one per connection, one per claimed name""")
# What the members say: in the learner's language too (the checks below look for these same texts).
HELLO = N_("Hello everyone!")
PSST = N_("psst, lunch at noon?")
ASK_BOT = N_("what time is it?")


class Chat:
    """Three members on the deployed chat, driven scene by scene, with every frame shown, the functions that
    handled them and, at times, the table's items."""

    def __init__(self, url: str, out: Transcript, session: Any = None) -> None:
        self.url = url
        self.out = out
        self.members: dict[str, ChatMember] = {}
        self.session = session
        self.watcher: InvocationWatcher | None = None
        if session is not None:
            self.watcher = InvocationWatcher(session.client("logs"), list(session.names.functions.values()))
        self._expected: set[str] = set()  # functions that should have run in this scene

    def _handled_by(self, route_key: str) -> None:
        if self.session is not None:
            self._expected.add(self.session.names.function(route_key))

    def connect(self, name: str, with_name_in_url: bool) -> ChatMember:
        url = f"{self.url}?name={name}" if with_name_in_url else self.url
        self.say(name, _("connects to {url}").format(url=url))
        member = ChatMember(url, timeout=WAIT_SECONDS)
        member.on_frame = lambda frame: self.show(name, frame)  # every frame on screen as it is read
        self.members[name] = member
        self._handled_by("$connect")
        return member

    def say(self, name: str, action: str) -> None:
        self.out.line(f"  {self.out.member(name)} → {action}")

    def send(self, name: str, payload: dict[str, str]) -> None:
        self.say(name, json.dumps(payload, ensure_ascii=False))  # "Olá" as the learner wrote it, not "Ol\u00e1"
        self.members[name].send(payload)
        routes = self.session.names.routes if self.session is not None else {}
        self._handled_by(payload.get("action", "") if payload.get("action") in routes else "$default")

    def show_invocations(self) -> None:
        """The functions that ran since the last look, from their REPORT lines."""
        if self.watcher is None:
            return
        try:
            invocations = self.watcher.new(expected=set(self._expected))
        except Exception as error:  # noqa: BLE001 - the logs are a view; the chat itself is what is tested
            self.out.line(self.out.palette.paint("      λ " + _("(logs unavailable: {error})").format(error=error), "gray"))
            return
        finally:
            self._expected.clear()
        for invocation in invocations:
            self.out.line(self.out.palette.paint(f"      λ {invocation.describe()}", "yellow"))

    def show_table(self) -> None:
        """Every item of the connections table: what the functions keep while members are connected."""
        if self.session is None:
            return
        table = self.session.names.table
        try:
            items = [item for page in self.session.client("dynamodb").get_paginator("scan").paginate(TableName=table)
                     for item in page["Items"]]
        except Exception as error:  # noqa: BLE001 - a view, like the logs
            self.out.line(self.out.palette.paint(
                "      " + _("table {table}: cannot be read ({error})").format(table=table, error=error), "gray"))
            return
        self.out.line(self.out.palette.paint(
            "      " + _("table {table}: {count} items").format(table=table, count=len(items)), "blue"))
        # DynamoDB's typed values ({"S": "Ana"}) shown plain; connections first, then the name claims.
        plain = [{key: next(iter(value.values())) for key, value in item.items()} for item in items]
        for item in sorted(plain, key=lambda item: (str(item["connectionId"]).startswith("name#"),
                                                    str(item["connectionId"]))):
            fields = "  ".join(f"{key}={item[key]}" for key in sorted(item, key=lambda key: (key != "connectionId", key)))
            self.out.line(self.out.palette.paint(f"        {fields}", "blue"))

    def show(self, name: str, frame: Frame) -> None:
        self.out.line(f"      {self.out.member(name)} ← {render_frame(frame, self.out.palette)}")

    def expect(self, expectations: dict[str, FrameTest], what: str) -> bool:
        """Wait until each named member received a frame matching its test; show everything that arrived."""
        missing = [name for name, matches in expectations.items()
                   if self.members[name].wait_for(matches, WAIT_SECONDS) is None]
        # Stragglers of this scene (e.g. "joined" after "members"): once one member has waited, the others'
        # stragglers have had the same time to arrive, so a glance at their sockets is enough.
        pause = STRAGGLER_SECONDS
        for member in self.members.values():
            member.receive_all(quiet_seconds=pause)
            pause = 0.01
        self.show_invocations()
        return self.out.expect(not missing, what, _("nothing matching arrived at {members} within {seconds:.0f} s").format(
            members=", ".join(missing), seconds=WAIT_SECONDS))

    def leave(self, name: str) -> None:
        self.say(name, _("leaves (closes the connection)"))
        self.members.pop(name).close()
        self._handled_by("$disconnect")

    def close(self) -> None:
        for member in self.members.values():
            member.close()
        self.members.clear()


def run_chat(url: str, out: Transcript, session: Any = None) -> None:
    """Public, private and bot messages between three members, one refused input, and a member leaving."""
    chat = Chat(url, out, session)
    out.line(out.palette.paint("  " + _("Legend:"), "gray"))
    for line in _(LEGEND).splitlines():
        out.line(out.palette.paint(f"    {line}", "gray"))
    hello, psst, ask_bot = _(HELLO), _(PSST), _(ASK_BOT)
    try:
        chat.connect("Ana", with_name_in_url=True)
        # $connect runs before the socket opens, so it cannot post to Ana: the next scene shows she is in.
        out.ok(_("Ana's handshake was accepted: $connect took her name from the URL"))

        chat.connect("Bo", with_name_in_url=False)
        chat.send("Bo", protocol.set_name("Bo"))
        chat.expect({"Ana": protocol.members_are("Ana", "Bo"), "Bo": protocol.members_are("Ana", "Bo")},
                    _("Bo joined with setName, and both see Ana"))

        chat.connect("Cy", with_name_in_url=False)
        chat.send("Cy", protocol.set_name("ana"))
        chat.expect({"Cy": protocol.is_refusal}, _("the name 'ana' was refused: names are unique, whatever their case"))
        chat.send("Cy", protocol.set_name("Cy"))
        chat.expect({name: protocol.members_are("Ana", "Bo", "Cy") for name in ("Ana", "Bo", "Cy")}, _("Cy joined"))
        chat.show_table()

        chat.send("Ana", protocol.send_public(hello))
        chat.expect({name: protocol.has("publicMessage", f"Ana: {hello}") for name in ("Ana", "Bo", "Cy")},
                    _("the public message reached all three members"))

        chat.send("Bo", protocol.send_private("Cy", psst))
        chat.expect({"Cy": protocol.has("privateMessage", f"Bo: {psst}")}, _("the private message reached Cy"))

        chat.send("Cy", protocol.send_bot(ask_bot))
        chat.expect({name: protocol.has("publicMessage", "Bot: ") for name in ("Ana", "Bo", "Cy")},
                    _("the bot answered everyone"))

        leaked = [name for name in ("Ana", "Bo")
                  if chat.members[name].matching(protocol.has("privateMessage", psst))]
        out.expect(not leaked, _("nobody else saw the private message"),
                   _("it also reached {members}").format(members=", ".join(leaked)))

        chat.leave("Cy")
        chat.expect({"Ana": protocol.members_are("Ana", "Bo"), "Bo": protocol.members_are("Ana", "Bo")},
                    _("Cy left and the others got the new member list"))
        chat.show_table()
    except CONNECTION_ERRORS as error:
        out.fail(_("the chat failed: {error}").format(error=f"{type(error).__name__}: {error}"))
    finally:
        chat.close()


# -- checks and clean-up -----------------------------------------------------------------------

def run_checks(out: Transcript, session: Any) -> None:
    from workshop import check

    for number in CHECKED_STEPS:
        result = check(number, session, quiet=True, raise_on_failure=False)
        passed = len(result.items) - len(result.failures)
        summary = _("check {step}: {passed}/{total} items").format(step=number, passed=passed, total=len(result.items))
        if result.ok:
            out.ok(summary)
        else:
            out.fail(summary)
            for item in result.failures:
                out.line(out.palette.paint(f"      {item.line()}", "red"))


def run_cleanup(out: Transcript, session: Any) -> None:
    """Step 10, then its check (the same one the cleanup notebook ends with): nothing of the prefix is left."""
    from workshop import check
    from workshop.cleanup import destroy_all, find_leftovers

    before = len(find_leftovers(session))
    started = time.perf_counter()
    try:
        destroy_all(dry_run=False, quiet=True)
    except Exception as error:  # noqa: BLE001 - reported; the check below lists the leftovers
        out.fail(_("{step} failed: {error}").format(step="10_cleanup", error=f"{type(error).__name__}: {error}"))
    seconds = time.perf_counter() - started
    result = check("10", session, quiet=True, raise_on_failure=False)
    out.expect(result.ok, _("10_cleanup deleted {count} resources in {seconds:.1f} s; check 10: nothing of prefix "
                            "{prefix!r} is left").format(count=before, seconds=seconds, prefix=session.prefix),
               "; ".join(item.what + " " + item.fix for item in result.failures))


def wait_for_ctrl_c(out: Transcript, url: str, session: Any, private_cloud: bool) -> None:
    from workshop import records

    # Ctrl-C is the expected way out from the first printed line on: it leads to the clean-up, not an error.
    with contextlib.suppress(KeyboardInterrupt):
        out.heading(_("The chat keeps running"))
        out.line(f"  URL: {url}")
        if private_cloud:
            # `make chat` and `status` find this demo through the state folder while it runs.
            records.record_demo(session.endpoint_url, session.prefix, url)
            for line in _("Join it from other terminals (while no chat of your own is deployed, `make chat NAME=Ana`\n"
                          "finds this one by itself):").splitlines():
                out.line(f"  {line}")
        else:
            out.line("  " + _("Join it from other terminals:"))
        out.line(f"    make chat NAME=Ana ARGS=\"--url {url}\"")
        out.line(f"    python -m workshop chat --url {url} --name Ana")
        out.line("  " + _("Press Ctrl-C here to clean up and stop."))
        try:
            while True:
                time.sleep(0.5)
        finally:
            if private_cloud:
                records.clear_demo()


# -- the whole demo ----------------------------------------------------------------------------

def run_demo(target: str, prefix: str, keep: bool, out: Transcript) -> int:
    """Every part of the workshop in order; 0 only if every part worked."""
    started = time.perf_counter()
    out.line(out.palette.paint(_("The serverless chat workshop · demo"), "bold")
             + " · " + _("target {target} · prefix {prefix!r}").format(target=target, prefix=prefix))
    out.heading(_("Target"))
    where = private_local_cloud(out) if target == "local" else real_aws(out)
    # The demo resolves its target once, here, and every step's setup() returns this session (session.use).
    with where as cloud, use(demo_session(cloud, prefix)) as session:  # on AWS: shows account and region, asks
        from workshop import lookup

        out.ok(session.describe())
        out.heading(_("Steps 00–05 (the notebooks' code)"))
        try:
            if run_steps(out, session):
                url = lookup.websocket_url(session)
                out.heading(_("Chat: three members on the deployed API"))
                run_chat(url, out, session)
                out.heading(_("Checks (the last cell of every notebook)"))
                run_checks(out, session)
                if keep:
                    wait_for_ctrl_c(out, url, session, private_cloud=target == "local")
        finally:
            out.heading(_("Clean-up (step 10)"))
            run_cleanup(out, session)
    out.heading(_("Result"))
    seconds = time.perf_counter() - started
    if out.failures:
        failed = _("The demo FAILED ({count} problems, {seconds:.1f} s):")
        out.line(out.palette.paint("  " + failed.format(count=len(out.failures), seconds=seconds), "red", "bold"))
        for failure in out.failures:
            out.line(out.palette.paint(f"    - {failure}", "red"))
        if target == "local":
            out.line("  " + _("The local cloud's log: {log}").format(log=CLOUD_LOG.relative_to(PROJECT_ROOT)))
        return 1
    out.line(out.palette.paint("  " + _("Everything worked, in {seconds:.1f} s.").format(seconds=seconds), "green", "bold"))
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    use_learner_language()
    parser = argparse.ArgumentParser(
        prog="python -m workshop demo",
        description=_("Run the whole workshop as one demo: start a private local cloud, deploy steps 00–05, "
                      "chat between three members, check every step, clean up with step 10 and stop the cloud."),
    )
    parser.add_argument("--keep", action="store_true",
                        help=_("leave the chat running and print how to join it, until Ctrl-C"))
    parser.add_argument("--target", choices=["local", "aws"], default="local",
                        help=_("local: a private local cloud on a free port (default); aws: real AWS, after "
                               "showing the account and region and asking (WORKSHOP_CONFIRM=yes to answer in scripts)"))
    parser.add_argument("--prefix", default="demo",
                        help=_("prefix of every resource name (default %(default)s, so a learner's own chat is "
                               "never touched)"))
    parser.add_argument("--no-color", action="store_true", help=_("plain text (NO_COLOR=1 does the same)"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from workshop.errors import PrefixError, WorkshopError
    from workshop.naming import normalize_prefix

    try:
        args.prefix = normalize_prefix(args.prefix)
    except PrefixError as error:
        print(error, file=sys.stderr)
        return 2
    out = Transcript(sys.stdout, Palette(colors_enabled(sys.stdout) and not args.no_color))
    try:
        return run_demo(args.target, args.prefix, args.keep, out)
    except KeyboardInterrupt:
        out.line("\n" + _("Interrupted."))
        return 130
    except WorkshopError as error:  # e.g. a target that cannot be used: the demo ends with its reason
        print(f"\n{error.explain()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

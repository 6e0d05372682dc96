"""`python -m workshop chat --name NAME`: an interactive terminal chat client for the deployed chat."""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import websocket

from workshop import chat_protocol as protocol
from workshop.arguments import use_learner_language
from workshop.errors import UsageError
from workshop.i18n import N_, _
from workshop.terminal import Palette, colors_enabled, printable, render_frame, terminal_is_interactive

HELP = N_("""\
Type a message and press Enter to send it to everyone. Commands:
  /to NAME message    a private message to one member ("quotes" for names with spaces)
  /bot message        a public message that the chat bot answers
  /name NEW           change your name
  /who                who is in the chat
  /help               this help
  /quit               leave (Ctrl-C works too)""")

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 10.0
GIVE_UP_SECONDS = 180.0  # a restart and a new deploy take about a minute; after this the learner is told


@dataclass
class Command:
    """What one typed line asks for: a request to send, or something the client does itself."""

    kind: str  # "send", "who", "help", "quit" or "nothing"
    payload: dict[str, str] | None = None


def split_recipient(rest: str, members: list[str]) -> tuple[str, str]:
    """Split '/to' arguments into (name, message); names may contain spaces, so known members win."""
    rest = rest.strip()
    if rest.startswith('"'):
        name, quote, message = rest[1:].partition('"')
        if not quote:
            raise UsageError(_('a quoted name needs its closing quote: /to "Ana Maria" hello'))
        return name.strip(), message.strip()
    for member in sorted(members, key=len, reverse=True):
        if rest.lower().startswith(member.lower() + " "):
            return member, rest[len(member):].strip()
    name, _space, message = rest.partition(" ")
    return name, message.strip()


def parse_line(line: str, members: list[str]) -> Command:
    """Turn what the user typed into a Command (chat-protocol.md names the actions)."""
    text = line.strip()
    if not text:
        return Command("nothing")
    if not text.startswith("/"):
        return Command("send", protocol.send_public(text))
    word, _space, rest = text.partition(" ")
    word, rest = word.lower(), rest.strip()
    if word == "/to":
        name, message = split_recipient(rest, members)
        if not name or not message:
            raise UsageError(_("write /to NAME message, for example: /to Bob see you at 5"))
        return Command("send", protocol.send_private(name, message))
    if word == "/bot":
        if not rest:
            raise UsageError(_("write /bot message, for example: /bot help"))
        return Command("send", protocol.send_bot(rest))
    if word == "/name":
        if not rest:
            raise UsageError(_("write /name NEW, for example: /name Alice"))
        return Command("send", protocol.set_name(rest))
    if word in ("/who", "/help", "/quit"):
        return Command(word[1:])
    if word == "/exit":
        return Command("quit")
    raise UsageError(_("unknown command {command}; type /help for the list (a message cannot start with '/')").format(
        command=word))


def join_url(url: str, name: str) -> str:
    """The chat URL with ?name=..., so the server knows our name from the first moment (and after a reconnect)."""
    parts = urllib.parse.urlsplit(url)
    query = [(key, value) for key, value in urllib.parse.parse_qsl(parts.query) if key != "name"]
    query.append(("name", name))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class Console:
    """Prints incoming lines above the prompt line, so what the user is typing stays on the last line."""

    def __init__(self, stream: TextIO, palette: Palette, interactive: bool) -> None:
        self.stream = stream
        self.palette = palette
        self.interactive = interactive
        self.prompt = "> "
        self._prompt_shown = False  # is the prompt line on the screen right now?
        self._lock = threading.Lock()
        try:
            import readline  # only on Unix-likes: gives back the half-typed line after we print
        except ImportError:
            readline = None  # type: ignore[assignment]
        self._readline = readline

    def show(self, line: str) -> None:
        with self._lock:
            if not self._prompt_shown:
                self.stream.write(line + "\n")
            else:
                typed = self._readline.get_line_buffer() if self._readline else ""
                # Wipe the prompt line (ANSI when colors work; otherwise just start a fresh line).
                wipe = "\r\x1b[2K" if self.palette.enabled else "\n"
                self.stream.write(f"{wipe}{line}\n{self.prompt}{typed}")
            self.stream.flush()

    def read_line(self) -> str:
        """One typed line. The prompt is written here, under the lock, so it is never shown twice."""
        if not self.interactive:
            line = sys.stdin.readline()
            if not line:
                raise EOFError
            return line
        with self._lock:
            self.stream.write(self.prompt)
            self.stream.flush()
            self._prompt_shown = True
        try:
            return input()
        except (KeyboardInterrupt, EOFError):
            self.stream.write("\n")  # leave the prompt line, so the goodbye starts on its own line
            raise
        finally:
            self._prompt_shown = False

    def note(self, text: str) -> None:
        """A line from the client itself (not from the chat)."""
        self.show(self.palette.paint(f"-- {text}", "gray"))

    def problem(self, text: str) -> None:
        self.show(self.palette.paint(f"-- {text}", "red"))


class ChatClient:
    """One chat member: a WebSocket connection, a thread that prints what arrives, and reconnection with back-off."""

    def __init__(self, url: str, name: str, console: Console, relocate: Callable[[], str | None] | None = None,
                 give_up_seconds: float = GIVE_UP_SECONDS) -> None:
        self.url = url
        # Looks the chat up again (by prefix) when its URL stops working: a restarted local cloud and a new
        # deploy give the API a new id. None when the user gave --url.
        self.relocate = relocate
        self.give_up_seconds = give_up_seconds
        self.gave_up = threading.Event()
        self.name = name
        self.console = console
        self.members: list[str] = []
        self._ws: Any = None
        self._send_lock = threading.Lock()
        self._outbox: list[dict[str, str]] = []  # typed while offline: sent after the reconnect
        self._drained = threading.Event()
        self._drained.set()
        self._stopping = threading.Event()
        self._reader: threading.Thread | None = None
        self._wanted_name: str | None = None

    # -- connecting ------------------------------------------------------------------------------
    def open(self) -> None:
        """Connect for the first time; errors go to the caller, who explains them."""
        self._ws = websocket.create_connection(join_url(self.url, self.name), timeout=CONNECT_TIMEOUT_SECONDS)
        self._ws.settimeout(None)  # wait for messages as long as it takes
        self.console.note(_("connected to {url} as {name}. Type /help for commands.").format(url=self.url, name=self.name))
        self._ask_for_members()

    def start_receiving(self) -> None:
        """Print what arrives, from a background thread, while the main thread reads the keyboard."""
        self._reader = threading.Thread(target=self._receive_forever, name="chat-receiver", daemon=True)
        self._reader.start()

    def _reconnect(self) -> bool:
        """Try again with growing pauses (plus jitter, so a class does not reconnect in lockstep), looking the
        chat up again when its URL fails, and give up after give_up_seconds."""
        delay = FIRST_RETRY_SECONDS
        deadline = time.monotonic() + self.give_up_seconds
        while not self._stopping.is_set():
            pause = min(delay + random.uniform(0, delay / 4), max(deadline - time.monotonic(), 0.0))
            self.console.note(_("reconnecting in {seconds:.1f} s...").format(seconds=pause))
            if self._stopping.wait(pause):
                return False
            try:
                ws = websocket.create_connection(join_url(self.url, self.name), timeout=CONNECT_TIMEOUT_SECONDS)
            except (OSError, websocket.WebSocketException) as error:
                self.console.problem(_("could not reconnect: {error}").format(error=describe_error(error)))
                if self._moved():
                    delay = FIRST_RETRY_SECONDS
                    continue
                if time.monotonic() >= deadline:
                    self._give_up(describe_error(error))
                    return False
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            ws.settimeout(None)
            with self._send_lock:
                self._ws = ws
            self.console.note(_("reconnected as {name}").format(name=self.name))
            self._ask_for_members()
            self._flush_outbox()
            return True
        return False

    def _moved(self) -> bool:
        """Look the chat up again by prefix; True when it now has another URL (then we switch to it)."""
        if self.relocate is None:
            return False
        url = self.relocate()
        if url is None or url == self.url:
            return False
        self.console.note(_("the chat has a new URL (deployed again): {url}").format(url=url))
        self.url = url
        return True

    def _give_up(self, reason: str) -> None:
        seconds = self.give_up_seconds
        how_long = f"{seconds / 60:g} min" if seconds >= 120 else f"{seconds:.0f} s"
        if self.relocate is not None:
            hint = _("If the local cloud restarted, it forgot the chat: deploy it again (python -m workshop deploy), "
                     "then join again.")
        else:
            hint = _("If the chat was deployed again, its URL changed: python -m workshop status shows the new one.")
        self.console.problem(_("gave up: the chat could not be reached for {how_long} ({reason}). {hint}").format(
            how_long=how_long, reason=reason, hint=hint))
        unsent = self.unsent_lines()
        if unsent:
            self.console.problem(_("not sent (copy what you need): {lines}").format(lines=" | ".join(unsent)))
        self.gave_up.set()  # before the prompt below: the Enter it asks for must find the client given up
        self.console.problem(_("press Enter to leave"))

    def unsent_lines(self) -> list[str]:
        with self._send_lock:
            return [describe_payload(payload) for payload in self._outbox]

    def _ask_for_members(self) -> None:
        """$connect cannot post to a socket that is not open yet, so a ?name= join hears nothing at first:
        setName with our own name changes nothing and answers with the members list."""
        with contextlib.suppress(OSError, websocket.WebSocketException):
            self._ws.send(protocol.encode(protocol.set_name(self.name)))

    # -- receiving -------------------------------------------------------------------------------
    def _receive_forever(self) -> None:
        while not self._stopping.is_set():
            reason = self._receive_until_closed()
            if self._stopping.is_set():
                return
            self.console.problem(_("connection lost ({reason})").format(reason=reason))
            with self._send_lock:
                self._ws = None
            if not self._reconnect():
                return

    def _receive_until_closed(self) -> str:
        ws = self._ws
        while True:
            try:
                opcode, data = ws.recv_data()
            except (OSError, websocket.WebSocketException) as error:
                return describe_error(error)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return describe_close(data)
            if opcode == websocket.ABNF.OPCODE_TEXT:
                self.handle_text(data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data)

    def handle_text(self, text: str) -> None:
        frame = protocol.decode(text)
        if protocol.frame_kind(frame) == "members":
            self.members = [str(member) for member in frame["members"]]
            self._adopt_new_name()
        self.console.show(render_frame(frame, self.console.palette))

    def _adopt_new_name(self) -> None:
        """After /name, the new name is ours once the server lists it and our old name is gone from the list
        (a refused rename leaves the old name listed)."""
        wanted = self._wanted_name
        listed = {member.lower() for member in self.members}
        renamed = wanted and wanted.lower() in listed and (
            self.name.lower() == wanted.lower() or self.name.lower() not in listed)
        if renamed:
            self.name, self._wanted_name = wanted, None
            self.console.prompt = f"{self.name}> "

    # -- sending ---------------------------------------------------------------------------------
    def send(self, payload: dict[str, str]) -> None:
        """Send now, or keep it for after the reconnect: typed text is never lost."""
        if payload.get("action") == "setName":
            self._wanted_name = payload["name"]
        with self._send_lock:
            if self._ws is not None and not self._outbox:
                try:
                    self._ws.send(protocol.encode(payload))
                    return
                except (OSError, websocket.WebSocketException):
                    pass
            self._outbox.append(payload)
            self._drained.clear()
        self.console.note(_("not connected right now: it will be sent after the reconnect"))

    def _flush_outbox(self) -> None:
        with self._send_lock:
            while self._outbox and self._ws is not None:
                try:
                    self._ws.send(protocol.encode(self._outbox[0]))
                except (OSError, websocket.WebSocketException):
                    return
                self._outbox.pop(0)
            self._drained.set()

    def wait_until_sent(self, timeout: float) -> bool:
        return self._drained.wait(timeout)

    # -- leaving ---------------------------------------------------------------------------------
    def close(self) -> None:
        self._stopping.set()
        with self._send_lock:
            ws, self._ws = self._ws, None
        if ws is None:
            return
        with contextlib.suppress(OSError, websocket.WebSocketException):
            ws.send_close()  # the server answers with its close frame, which ends the receiver
        if self._reader is not None:
            self._reader.join(2.0)
        ws.shutdown()


def describe_error(error: BaseException) -> str:
    if isinstance(error, websocket.WebSocketBadStatusException):
        body = (error.resp_body or b"").decode("utf-8", errors="replace").strip()
        # $connect refuses a taken (409) or invalid (400) ?name= before the socket opens; its body says why.
        refused = _("the server refused the connection with HTTP {status}").format(status=error.status_code)
        return refused + (f": {printable(body)}" if body else "")
    return str(error) or type(error).__name__


def describe_payload(payload: dict[str, str]) -> str:
    """A request the way the user typed it."""
    action = payload.get("action")
    if action == "sendPrivate":
        return f"/to {payload.get('to')} {payload.get('message')}"
    if action == "sendBot":
        return f"/bot {payload.get('message')}"
    if action == "setName":
        return f"/name {payload.get('name')}"
    return str(payload.get("message", payload))


def describe_close(data: bytes) -> str:
    if len(data) < 2:
        return _("closed by the server")
    code = int.from_bytes(data[:2], "big")
    reason = data[2:].decode("utf-8", errors="replace")
    return _("closed by the server with code {code}").format(code=code) + (f": {reason}" if reason else "")


def run_chat(client: ChatClient, console: Console, read_line: Callable[[], str]) -> int:
    """Read lines until /quit, end of input or Ctrl-C; each line becomes a request or a local command."""
    try:
        client.start_receiving()  # inside the try: from the first message on, Ctrl-C ends here cleanly
        while True:
            try:
                line = read_line()
            except EOFError:
                break
            if client.gave_up.is_set():
                if line.strip():
                    console.problem(_("not sent: {line}").format(line=line.strip()))
                break
            try:
                command = parse_line(line, client.members)
            except UsageError as error:
                console.problem(str(error))
                continue
            if command.kind == "quit":
                break
            if command.kind == "help":
                for help_line in _(HELP).splitlines():
                    console.show(help_line)
            elif command.kind == "who":
                console.show(_("in the chat: {names}").format(
                    names=", ".join(printable(m) for m in client.members) or _("nobody yet")))
            elif command.kind == "send" and command.payload:
                client.send(command.payload)
    except KeyboardInterrupt:
        pass
    if client.gave_up.is_set():
        client.close()
        return 1
    if not client.wait_until_sent(5.0):
        console.problem(_("not sent, the chat could not be reached (copy what you need): {lines}").format(
            lines=" | ".join(client.unsent_lines())))
    client.close()
    console.note(_("bye"))
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    use_learner_language()
    parser = argparse.ArgumentParser(
        prog="python -m workshop chat",
        description=_("Join the workshop's chat from a terminal. Type to send to everyone; /help lists the commands."),
    )
    parser.add_argument("--name", required=True, help=_("your name in the chat (1 to 32 characters, unique)"))
    parser.add_argument("--url", help=_("the chat's WebSocket URL (default: the chat deployed under WORKSHOP_PREFIX)"))
    parser.add_argument("--no-color", action="store_true", help=_("plain text output (NO_COLOR=1 does the same)"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = args.name.strip()
    if not name:
        print(_("Give yourself a name: --name Alice (make chat NAME=Alice)."), file=sys.stderr)
        return 2
    url = args.url
    relocate = None
    if not url:
        # Imported late: only needed without --url.
        from workshop.chat_lookup import ChatNotFound, locate, relocate

        try:
            location = locate()
        except ChatNotFound as error:
            print(error, file=sys.stderr)
            return 1
        except Exception as error:  # noqa: BLE001 - any other failure here means "no chat to join yet"
            print(_("Could not find a deployed chat: {error}").format(error=error), file=sys.stderr)
            print(_("Deploy it first (make deploy, or python -m workshop deploy), or pass --url ws://..."),
                  file=sys.stderr)
            return 1
        url = location.url
        if location.note:
            print(location.note, flush=True)
    interactive = terminal_is_interactive(sys.stdin) and terminal_is_interactive(sys.stdout)
    palette = Palette(colors_enabled(sys.stdout) and not args.no_color)
    console = Console(sys.stdout, palette, interactive)
    console.prompt = f"{name}> " if interactive else ""
    # WORKSHOP_CHAT_GIVE_UP_SECONDS: how long to keep trying after the chat is lost (tests use a few seconds).
    give_up = float(os.environ.get("WORKSHOP_CHAT_GIVE_UP_SECONDS") or GIVE_UP_SECONDS)
    client = ChatClient(url, name, console, relocate=relocate, give_up_seconds=give_up)
    try:
        client.open()
    except (OSError, websocket.WebSocketException) as error:
        print(_("Could not connect to {url}: {error}").format(url=url, error=describe_error(error)), file=sys.stderr)
        if getattr(error, "status_code", None) in (400, 409):  # $connect refused the name itself
            print(_("Choose another name with --name (1 to 32 characters, not taken in this chat)."), file=sys.stderr)
        else:
            print(_("Is the chat deployed and is the local cloud running? Check with: python -m workshop status"),
                  file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return run_chat(client, console, console.read_line)


if __name__ == "__main__":
    sys.exit(main())

"""What a person reads in a terminal: colours, chat frames as lines, and the demo's transcript."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, TextIO

from .chat_protocol import frame_key, frame_kind
from .i18n import _

# Message text comes from other people: never let it move the cursor or recolor the terminal.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_CODES = {
    "bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33",
    "blue": "34", "magenta": "35", "cyan": "36", "gray": "90",
}


def _enable_windows_ansi(stream: TextIO) -> bool:
    """Windows 10+ consoles understand ANSI colors once virtual-terminal processing is switched on."""
    try:
        import ctypes
        import msvcrt

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = msvcrt.get_osfhandle(stream.fileno())
        mode = ctypes.c_uint32()
        if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
            return False
        enable_virtual_terminal_processing = 0x0004
        return bool(kernel32.SetConsoleMode(handle, mode.value | enable_virtual_terminal_processing))
    except (AttributeError, OSError, ValueError, ImportError):
        return False


def terminal_is_interactive(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def colors_enabled(stream: TextIO | None = None) -> bool:
    """Colors only on a terminal, never when NO_COLOR is set (https://no-color.org) or TERM is dumb."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if not terminal_is_interactive(stream) or os.environ.get("TERM") == "dumb":
        return False
    if sys.platform == "win32":
        return _enable_windows_ansi(stream)
    return True


class Palette:
    """Paints text with ANSI colors, or returns it unchanged when colors are off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def paint(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(_CODES[style] for style in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


def printable(text: Any) -> str:
    """Show other people's text as text: control characters become visible escapes."""
    return _CONTROL_CHARS.sub(lambda match: f"\\x{ord(match.group()):02x}", str(text))


def _split_sender(text: str) -> tuple[str, str]:
    sender, separator, message = text.partition(": ")
    return (sender, message) if separator else ("", text)


def render_frame(frame: Any, palette: Palette, bot_name: str = "Bot") -> str:
    """One line for one server frame, the way a person wants to read it."""
    kind = frame_kind(frame)
    if kind == "members":
        names = ", ".join(printable(name) for name in frame["members"]) or _("(nobody)")
        return palette.paint("· " + _("in the chat: {names}").format(names=names), "gray")
    if kind in ("public", "private"):
        text = printable(frame["publicMessage" if kind == "public" else "privateMessage"])
        sender, message = _split_sender(text)
        if kind == "private":
            return palette.paint(_("[private]") + " ", "magenta", "bold") + palette.paint(text, "magenta")
        if sender == bot_name:
            return palette.paint(f"{sender}:", "cyan", "bold") + " " + palette.paint(message, "cyan")
        if sender:
            return palette.paint(f"{sender}:", "bold") + " " + message
        return text
    if kind == "system":
        return palette.paint(f"* {printable(frame['systemMessage'])}", "yellow")
    if kind == "error":
        return palette.paint(f"! {printable(frame['systemMessage'])}", "red")
    if kind == "gateway":
        return palette.paint("! " + _("API Gateway answered: {message}").format(message=printable(frame["message"])), "red")
    if isinstance(frame, dict) and set(frame) == {"raw"}:  # text that was not a JSON object
        frame = frame["raw"]
    return palette.paint(f"? {printable(json.dumps(frame) if not isinstance(frame, str) else frame)}", "gray")


def show(frame: dict[str, Any]) -> str:
    """One frame as a learner reads it in a notebook: which kind, and its text."""
    key = frame_key(frame)
    return f"{key}: {frame[key]}" if key else json.dumps(frame)


MEMBER_COLORS = {"Ana": "green", "Bo": "blue", "Cy": "magenta"}  # the demo's members


class Transcript:
    """Everything the demo prints: headings, steps, chat lines, verdicts; it counts what failed."""

    def __init__(self, stream: TextIO, palette: Palette) -> None:
        self.stream = stream
        self.palette = palette
        self.failures: list[str] = []

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def heading(self, text: str) -> None:
        self.line()
        self.line(self.palette.paint(f"━━ {text} ━━", "bold"))

    def ok(self, text: str) -> None:
        self.line(f"  {self.palette.paint('✔', 'green')} {text}")

    def fail(self, text: str) -> None:
        self.failures.append(text)
        self.line(f"  {self.palette.paint('✘', 'red')} {self.palette.paint(text, 'red')}")

    def expect(self, condition: bool, text: str, problem: str) -> bool:
        if condition:
            self.ok(text)
        else:
            self.fail(f"{text}: {problem}")
        return condition

    def member(self, name: str) -> str:
        return self.palette.paint(name, MEMBER_COLORS.get(name, "cyan"), "bold")

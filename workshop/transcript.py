"""Readable, optionally colored lines for chat frames and demo output (shared by the chat client and the demo)."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, TextIO

from .i18n import _

# Message text comes from other people: never let it move the cursor or recolor the terminal.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# The front ends test the keys in this order and show only the first one present (chat-protocol.md).
FRAME_KEYS = ("members", "publicMessage", "privateMessage", "systemMessage")

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


def frame_kind(frame: Any) -> str:
    """Which kind of frame this is: members, public, private, system, error, gateway or unknown."""
    if not isinstance(frame, dict):
        return "unknown"
    if "members" in frame:
        return "members"
    if "publicMessage" in frame:
        return "public"
    if "privateMessage" in frame:
        return "private"
    if "systemMessage" in frame:
        return "error" if frame.get("error") else "system"
    # API Gateway's own answers: {"message": "Forbidden" | "Internal server error", "connectionId": ...}
    if "message" in frame:
        return "gateway"
    return "unknown"


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
    return palette.paint(f"? {printable(json.dumps(frame) if not isinstance(frame, str) else frame)}", "gray")

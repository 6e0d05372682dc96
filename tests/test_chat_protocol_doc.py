"""docs/chat-protocol.md says what the chat functions do: its actions, error codes and limits are the code's."""

from __future__ import annotations

import re
from pathlib import Path

from local_cloud.gateway.frames import MAX_FRAME_BYTES, MAX_MESSAGE_BYTES

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = (ROOT / "docs" / "chat-protocol.md").read_text(encoding="utf-8")
# Read as text, not imported: the chat functions' modules are bundled into zips, not installed.
CODE = "\n".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "lambda_functions").glob("*.py")))


def constant(name: str) -> int:
    found = re.findall(rf"^{name} = ([\d_]+)$", CODE, re.MULTILINE)
    assert len(found) == 1, f"{name} is defined {len(found)} times in lambda_functions/"
    return int(found[0])


def test_the_error_codes_are_the_ones_the_functions_send():
    sent = set(re.findall(r"ChatError\(\s*\"(\w+)\"", CODE))
    listed = re.search(r"^Error codes: (.*?)\.\n\n", PROTOCOL, re.MULTILINE | re.DOTALL)
    assert sent and listed, "the functions' ChatError codes or the document's 'Error codes:' paragraph not found"
    codes = re.sub(r"\([^)]*\)", "", listed.group(1))  # the codes, not the remarks in brackets after them
    assert set(re.findall(r"`(\w+)`", codes)) == sent


def test_the_actions_are_the_ones_default_lists():
    known = re.search(r"^KNOWN_ACTIONS = \((.*)\)$", CODE, re.MULTILINE)
    assert known is not None
    actions = set(re.findall(r"\"(\w+)\"", known.group(1)))
    client_to_server = PROTOCOL.split("## Client → server")[1].split("## Server → client")[0]
    documented = set(re.findall(r"^\| `(\w+)` \| `", client_to_server, re.MULTILINE))
    assert documented == actions == {"setName", "sendPublic", "sendPrivate", "sendBot"}


def test_the_limits_are_the_code_s():
    assert f"1 to {constant('MAX_NAME_LENGTH')} characters" in PROTOCOL
    assert f"at most {constant('MAX_MESSAGE_LENGTH'):,} characters" in PROTOCOL
    assert f"a frame at most {MAX_FRAME_BYTES // 1024} KB and a message at most {MAX_MESSAGE_BYTES // 1024} KB" \
        in PROTOCOL

"""The chat's rules and messages, taken from the Lambda functions' own code so both chats speak alike."""

from __future__ import annotations

import sys
from pathlib import Path

# lambda_functions/ is a folder of modules bundled into zips, not a package: import them by path.
_LAMBDA_FUNCTIONS = Path(__file__).resolve().parent.parent / "lambda_functions"
if str(_LAMBDA_FUNCTIONS) not in sys.path:
    sys.path.insert(0, str(_LAMBDA_FUNCTIONS))

import chat_text  # noqa: E402
from default import HELP  # noqa: E402
from send_bot import bot_reply  # noqa: E402

BOT_NAME = chat_text.BOT_NAME
ChatError = chat_text.ChatError
valid_name = chat_text.valid_name
valid_message = chat_text.valid_message
valid_recipient = chat_text.valid_recipient
name_key = chat_text.name_key
system_message = chat_text.system_message
error_message = chat_text.error_message
public_message = chat_text.public_message
private_message = chat_text.private_message

__all__ = [
    "BOT_NAME", "HELP", "ChatError", "bot_reply", "error_message", "name_key", "private_message",
    "public_message", "system_message", "valid_message", "valid_name", "valid_recipient",
]


def members_message(names: list[str]) -> dict[str, list[str]]:
    return chat_text.members_message([{"name": name} for name in names])

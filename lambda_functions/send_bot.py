"""sendBot: a public message that the chat bot answers publicly, as "Bot".

{"action": "sendBot", "message": "who is here?"} reaches everyone as "Alice: who is here?", followed by
"Bot: Here now: Alice, Bob.". The bot is small, deterministic and offline: its whole brain is
`bot_reply`, one function you can replace (a bonus step swaps in a language model).
"""

import re
from datetime import datetime, timezone

import chat_shared

MAX_ECHO = 100


def bot_reply(text: str, members: list[str], now: datetime) -> str:
    """What the bot says to `text`, knowing who is in the chat and the time (UTC)."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    if "help" in words:
        return "Ask me: help, who (who is here), time (the time in UTC). Anything else, I echo."
    if "who" in words:
        return "Here now: " + ", ".join(members) + "."
    if "time" in words:
        return f"It is {now:%H:%M} UTC."
    if words & {"hi", "hello", "hey"}:
        return "Hello! Ask me for help, who is here, or the time."
    echo = text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "..."
    return f"{echo}... {echo.lower()}... (that's my echo. Say help to see what I know.)"


def handler(event, context):
    with chat_shared.EventLog(event) as log:
        connection_id = chat_shared.connection_id_of(event)
        body = chat_shared.read_body(event)
        me = chat_shared.get_connection(connection_id)

        try:
            sender = chat_shared.require_name(me)
            text = chat_shared.valid_message(body.get("message"))
        except chat_shared.ChatError as refusal:
            chat_shared.send_error(event, refusal)
            log.outcome = refusal.code
            return chat_shared.OK

        members = chat_shared.with_member(chat_shared.list_members(), connection_id, sender)
        names = chat_shared.members_message(members)["members"]
        answer = bot_reply(text, names, datetime.now(timezone.utc))
        # One broadcast, two frames in order: everyone sees the question before the answer.
        messages = [chat_shared.public_message(sender, text), chat_shared.public_message(chat_shared.BOT_NAME, answer)]
        log.delivery = chat_shared.broadcast(event, messages, members)
        log.outcome = "sent"
        return chat_shared.OK

"""sendBot: a public message that the chat bot answers publicly, as "Bot".

{"action": "sendBot", "message": "who is here?"} reaches everyone as "Alice: who is here?", followed by
"Bot: Here now: Alice, Bob.". The bot is small, deterministic and offline: its whole brain is
`bot_reply`, one function you can replace (a bonus step swaps in a language model).

It speaks English and Portuguese, and answers in the language it was spoken to: "que horas são?" gets
"São 12:34 UTC." even in a chat deployed in English. Text it does not understand is echoed, in the chat's
language.
"""

import re
import unicodedata
from datetime import datetime, timezone

import chat_connections  # sending to clients: post_to_connection, broadcast
import chat_events  # the event, the settings, the log line
import chat_table  # the connections table in DynamoDB
import chat_text  # the chat's language, the rules for names and messages, the frames
from chat_text import ENGLISH, PORTUGUESE, _  # the text in a language's catalog (see chat_text)

MAX_ECHO = 100

# The words the bot knows, and the language each one is. Written without accents: "olá" is read as "ola".
HELP_WORDS = {"help": ENGLISH, "ajuda": PORTUGUESE}
WHO_WORDS = {"who": ENGLISH, "quem": PORTUGUESE}
TIME_WORDS = {"time": ENGLISH, "hora": PORTUGUESE, "horas": PORTUGUESE}
HELLO_WORDS = {"hi": ENGLISH, "hello": ENGLISH, "hey": ENGLISH, "oi": PORTUGUESE, "ola": PORTUGUESE}


def plain_words(text: str) -> set[str]:
    """The words of `text`, lower-case and without accents: "Que horas são?" -> {"que", "horas", "sao"}."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return set(re.findall(r"[a-z]+", text))


def spoken(words: set[str], known: dict[str, str]) -> str | None:
    """The language of the known word found in `words`, or None when there is none."""
    found = sorted(words & known.keys())
    return known[found[0]] if found else None


def bot_reply(text: str, members: list[str], now: datetime) -> str:
    """What the bot says to `text`, knowing who is in the chat and the time (UTC).

    Each answer is looked up in the language of the word that asked for it; an echo is in the chat's language.
    """
    words = plain_words(text)
    if language := spoken(words, HELP_WORDS):
        return _("Ask me: help, who (who is here), time (the time in UTC). Anything else, I echo.", language)
    if language := spoken(words, WHO_WORDS):
        return _("Here now: {names}.", language).format(names=", ".join(members))
    if language := spoken(words, TIME_WORDS):
        return _("It is {time} UTC.", language).format(time=f"{now:%H:%M}")
    if language := spoken(words, HELLO_WORDS):
        return _("Hello! Ask me for help, who is here, or the time.", language)
    echo = text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "..."
    return _("{echo}... {quiet_echo}... (that's my echo. Say help to see what I know.)").format(
        echo=echo, quiet_echo=echo.lower())


def handler(event, context):
    with chat_events.EventLog(event) as log:
        connection_id = chat_events.connection_id_of(event)
        body = chat_events.read_body(event)
        me = chat_table.get_connection(connection_id)

        try:
            sender = chat_text.require_name(me)
            text = chat_text.valid_message(body.get("message"))
        except chat_text.ChatError as refusal:
            chat_connections.send_error(event, refusal)
            log.outcome = refusal.code
            return chat_events.OK

        members = chat_table.with_member(chat_table.list_members(), connection_id, sender)
        names = chat_text.members_message(members)["members"]
        answer = bot_reply(text, names, datetime.now(timezone.utc))
        # One broadcast, two frames in order: everyone sees the question before the answer.
        messages = [chat_text.public_message(sender, text), chat_text.public_message(chat_text.BOT_NAME, answer)]
        log.delivery = chat_connections.broadcast(event, messages, members)
        log.outcome = "sent"
        return chat_events.OK

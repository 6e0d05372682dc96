"""What the chat says and accepts: its language, the rules for names and messages, and the frames it sends.

What the functions say to people is written in English and translated with gettext, the standard
Python way: `_("...")` looks the text up in the catalog of the language the deployment chose
(CHAT_LANGUAGE, see `_` below); the catalogs travel in the zip, in locale/. A request that breaks a
rule (an empty name, a message too long) raises ChatError, whose message tells the sender what to do.
The frames are the JSON objects the server posts to the clients: the keys the front ends read
(systemMessage, publicMessage, members...) plus structured extras. Nothing here touches AWS.
"""

import gettext
import os
import time
import unicodedata
from functools import cache

BOT_NAME = "Bot"
MAX_NAME_LENGTH = 32
MAX_MESSAGE_LENGTH = 1000
# More members than this leaving at once are announced in one line, not one line each.
LEFT_ONE_BY_ONE = 3


# --- the chat's language ----------------------------------------------------------------------------

ENGLISH = "en"
PORTUGUESE = "pt-BR"
# The catalogs sit next to this module, in the zip as in the repository: locale/pt_BR/LC_MESSAGES/chat.mo
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")
CATALOG = "chat"


def language_tag(value):
    """"pt-BR", "pt_BR" or "pt" -> "pt-BR"; anything else, or nothing, -> "en" (the text as written)."""
    value = (value or "").strip().lower()
    return PORTUGUESE if value.startswith("pt") else ENGLISH


def chat_language():
    """The language the deployment chose for the chat: CHAT_LANGUAGE ("en" when it is not set)."""
    return language_tag(os.environ.get("CHAT_LANGUAGE"))


@cache
def translation(language):
    """The gettext catalog of "en" or "pt-BR" (English is the source text, so it needs none)."""
    if language == ENGLISH:
        return gettext.NullTranslations()
    # gettext names its folders with an underscore (pt_BR); a missing catalog falls back to English
    return gettext.translation(CATALOG, LOCALE_DIR, languages=[language.replace("-", "_")], fallback=True)


def _(message, language=None):
    """`message` in the chat's language, or in `language` when given (the bot answers in the asker's).

    Placeholders are filled after the lookup: _("{name} joined the chat").format(name=name).
    """
    return translation(language or chat_language()).gettext(message)


def ngettext(singular, plural, count, language=None):
    """The singular or the plural form for `count`, in the chat's language (or in `language`)."""
    return translation(language or chat_language()).ngettext(singular, plural, count)


def N_(message):
    """Marks a text for the catalog where it is defined; _() translates it where it is used."""
    return message


# --- the rules for names and messages ----------------------------------------------------------------

class ChatError(Exception):
    """A refused request: answered to the sender alone, and nothing in the table changes.

    `code` is for programs, `message` tells the person what to do; `status` is what $connect answers.
    """

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def valid_name(name):
    """The trimmed name, or a ChatError saying what is wrong with it."""
    if not isinstance(name, str):
        raise ChatError("invalid_name", _('A name must be text, for example {"action": "setName", "name": "Alice"}.'))
    # NFC: "é" typed as one character or as e + accent is the same name
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise ChatError("invalid_name", _("A name cannot be empty. Choose a name of 1 to {limit} characters.").format(
            limit=MAX_NAME_LENGTH))
    if len(name) > MAX_NAME_LENGTH:
        raise ChatError("invalid_name", _("A name can have at most {limit} characters; this one has {length}. "
                                          "Choose a shorter one.").format(limit=MAX_NAME_LENGTH, length=len(name)))
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in name):
        raise ChatError("invalid_name", _("A name cannot contain control characters such as new lines or tabs."))
    # Invisible characters (zero-width spaces, right-to-left overrides...) would let "B\u200bot" pass for "Bot".
    if any(is_invisible(char) for char in name):
        raise ChatError("invalid_name", _("A name cannot contain invisible characters (such as zero-width spaces "
                                          "or text-direction marks). Type it again with letters, digits and spaces."))
    if looks_like(name, BOT_NAME):
        raise ChatError("name_taken", _("The name {bot} belongs to the chat bot, and {name!r} looks like it. "
                                        "Choose another one.").format(bot=BOT_NAME, name=name), 409)
    return name


# Letters that render like a Latin one (Cyrillic and Greek lookalikes), and a digit that passes for a letter.
LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "0": "o",
})
# Characters Unicode counts as letters or symbols that nonetheless show nothing.
BLANK_CHARACTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def is_invisible(char):
    """Format, private-use and unassigned characters, and the few blank letters, show nothing or mislead."""
    return unicodedata.category(char) in ("Cf", "Co", "Cs", "Cn") or char in BLANK_CHARACTERS


def looks_like(name, other):
    """Whether two names read the same: compatibility forms (Ｂｏｔ), case, accents and lookalike letters aside."""
    def skeleton(text):
        text = unicodedata.normalize("NFKD", text).casefold()
        text = "".join(char for char in text if not unicodedata.combining(char) and not char.isspace())
        return text.translate(LOOKALIKES)
    return skeleton(name) == skeleton(other)


def name_key(name):
    """Names are unique regardless of case: Alice, alice and ALICE are one name."""
    return name.lower()


def valid_message(message):
    """The trimmed message, or a ChatError saying what is wrong with it."""
    if not isinstance(message, str):
        raise ChatError("invalid_message", _('A message must be text, for example {"action": "sendPublic", "message": "Hi"}.'))
    message = message.strip()
    if not message:
        raise ChatError("invalid_message", _("A message cannot be empty."))
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ChatError("invalid_message", _("A message can have at most {limit} characters; this one has {length}. "
                                             "Split it into several messages.").format(
                                                 limit=MAX_MESSAGE_LENGTH, length=len(message)))
    return message


def valid_recipient(to):
    """The name a private message is for (trimmed), or a ChatError."""
    if not isinstance(to, str) or not to.strip():
        raise ChatError("invalid_recipient", _('Say who the message is for, for example '
                                               '{"action": "sendPrivate", "to": "Bob", "message": "Hi"}.'))
    return unicodedata.normalize("NFC", to).strip()


def require_name(me):
    """The sender's display name: members must choose a name before they talk."""
    if me is None or "name" not in me:
        raise ChatError("no_name", _('Choose a name first, for example {"action": "setName", "name": "Alice"}.'))
    return me["name"]


# --- the frames the server sends (the keys the front ends read, plus structured extras) ---------------

def now_ms():
    return int(time.time() * 1000)


def members_message(members):
    names = sorted((member["name"] for member in members), key=lambda name: (name.lower(), name))
    return {"members": names}


def left_messages(names):
    """ "Cleo left the chat", one line per member; a single line when many left at once (after a crash)."""
    if len(names) <= LEFT_ONE_BY_ONE:
        return [system_message(_("{name} left the chat").format(name=name)) for name in names]
    shown = ", ".join(sorted(names)[:LEFT_ONE_BY_ONE])
    others = len(names) - LEFT_ONE_BY_ONE
    return [system_message(ngettext("{names} and {count} other left the chat",
                                    "{names} and {count} others left the chat", others).format(names=shown, count=others))]


def system_message(text):
    return {"systemMessage": text, "ts": now_ms()}


def error_message(refusal):
    return {"systemMessage": refusal.message, "error": {"code": refusal.code, "message": refusal.message},
            "ts": now_ms()}


def public_message(sender, text):
    return {"publicMessage": f"{sender}: {text}", "from": sender, "text": text, "ts": now_ms()}


def private_message(sender, recipient, text):
    return {"privateMessage": f"{sender}: {text}", "from": sender, "to": recipient, "text": text, "ts": now_ms()}

"""What every chat function shares: the table, the rules for names and messages, sending, and the log line.

This module is copied into every function's zip next to the route's module, so each handler can
`import chat_shared`. It keeps no chat state: names and connections live in DynamoDB only. The only
module globals are boto3 objects (a table and management clients), which are safe to reuse while a
Lambda container stays warm.

What the functions say to people is written in English and translated with gettext, the standard
Python way: `_("...")` looks the text up in the catalog of the language the deployment chose
(CHAT_LANGUAGE, see `_` below); the catalogs travel in the zip, in locale/.

The data model (see docs/architecture.md):
- a connection item: connectionId, connectedAt and, once named, name and nameKey (the name lower-cased);
- a name claim item: connectionId = "name#" + nameKey, owner = the connection id holding the name;
- the index NAME_INDEX on nameKey: it holds only named members, so it lists the chat.
"""

import gettext
import json
import os
import random
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

BOT_NAME = "Bot"
MAX_NAME_LENGTH = 32
MAX_MESSAGE_LENGTH = 1000
CLAIM_PREFIX = "name#"
# Stale connections are removed with batch calls: BatchWriteItem takes at most 25 writes, BatchGetItem 100 keys,
# a transaction 100 items.
WRITES_PER_BATCH = 25
KEYS_PER_READ = 100
MAX_TRANSACTION_ITEMS = 100
# The key that marks a clean-up event for the $disconnect function (API Gateway never sends it), and how
# many connection ids of each kind one such event carries (an asynchronous invoke's payload is at most 256 KB).
CLEANUP = "cleanup"
IDS_PER_CLEANUP = 2500
# A broadcast posts this many connections at a time; when all of them answered Gone, the rest of the list is
# most likely what a crash left behind, and the clean-up takes it over (see send_until_stale).
POSTS_PER_ROUND = 100
# The clean-up posts to the connections handed over to it this many at a time (fewer, larger rounds go faster;
# the gone ones are removed after each round).
CLEANUP_POSTS_PER_ROUND = 500
# A clean-up that has less time left than this hands the rest over to a new run (Lambda stops it at its timeout).
CLEANUP_RESERVE_SECONDS = 3
# API Gateway waits up to 29 s for $connect; a connection younger than this may still be opening.
JOINING_GRACE_MS = 30_000
# More members than this leaving at once are announced in one line, not one line each.
LEFT_ONE_BY_ONE = 3
# Posts to members wait on the network, not on the CPU, so a few threads deliver much sooner.
# BROADCAST_WORKERS=1 posts one member after the other (the benchmark compares both).
DEFAULT_BROADCAST_WORKERS = 16
# Threads pay off only when a post waits on the network (on AWS, 5-20 ms a post). A post quicker than this
# waited on nothing (the local cloud, on the same machine), and there threads would only add their own cost.
THREADS_PAY_OFF_MS = 2.0
# Members are listed page by page; None lets DynamoDB fill pages of up to 1 MB (tests set a small size).
MEMBERS_PAGE_SIZE = None

OK = {"statusCode": 200}

# boto3 objects, created once per warm container (clients, not chat state).
_tables = {}
_management_clients = {}
_lambda_clients = []


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


# --- configuration ---------------------------------------------------------------------------------

def setting(name):
    """An environment variable the deployment sets on every chat function, with a clear error if missing."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"The environment variable {name} is not set: the deploy step sets "
                           f"CONNECTIONS_TABLE and NAME_INDEX on every chat function.")
    return value


def table_name():
    return setting("CONNECTIONS_TABLE")


def connections_table():
    """The connections table (a boto3 resource that takes plain Python values)."""
    name = table_name()
    if name not in _tables:
        _tables[name] = boto3.resource("dynamodb").Table(name)
    return _tables[name]


def broadcast_workers(first_post_ms=None):
    """How many posts run at once: BROADCAST_WORKERS when set, else chosen from how long the first post took."""
    if os.environ.get("BROADCAST_WORKERS"):
        return max(1, int(os.environ["BROADCAST_WORKERS"]))
    if first_post_ms is not None and first_post_ms < THREADS_PAY_OFF_MS:
        return 1
    return DEFAULT_BROADCAST_WORKERS


def lambda_client():
    """A Lambda client: $connect invokes itself again, and the senders invoke $disconnect to clean up."""
    if not _lambda_clients:
        _lambda_clients.append(boto3.client("lambda"))
    return _lambda_clients[0]


def management_client(event):
    """The client that posts to this API's WebSocket connections: https://{domainName}/{stage}.

    Without this API-specific endpoint the client cannot reach the connections at all.
    """
    context = event["requestContext"]
    endpoint = f"https://{context['domainName']}/{context['stage']}"
    if endpoint not in _management_clients:
        _management_clients[endpoint] = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=endpoint,
            # one pooled HTTP connection per broadcasting thread
            config=Config(max_pool_connections=max(10, DEFAULT_BROADCAST_WORKERS)),
        )
    return _management_clients[endpoint]


# --- one log line per event ---------------------------------------------------------------------------

class EventLog:
    """Prints one JSON line per event: route, connection id, outcome and duration. Never the message text.

        with chat_shared.EventLog(event) as log:
            ...
            log.delivery = chat_shared.broadcast(...)  # optional: recipients, removed, fanOutMs
            log.outcome = "sent"
    """

    def __init__(self, event):
        context = event.get("requestContext", {})
        self.route = context.get("routeKey")
        self.connection_id = context.get("connectionId")
        self.outcome = "ok"
        self.delivery = {}
        self.started = time.perf_counter()

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        record = {
            "level": "INFO" if error is None else "ERROR",
            "route": self.route,
            "connectionId": self.connection_id,
            "outcome": self.outcome if error is None else "crashed",
            "durationMs": round((time.perf_counter() - self.started) * 1000, 1),
            **self.delivery,
        }
        if error is not None:
            record["errorType"] = error_type.__name__
        print(json.dumps(record), flush=True)
        return False  # a crash still propagates, so Lambda reports it


# --- the rules for requests ------------------------------------------------------------------------

class ChatError(Exception):
    """A refused request: answered to the sender alone, and nothing in the table changes.

    `code` is for programs, `message` tells the person what to do; `status` is what $connect answers.
    """

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def connection_id_of(event):
    return event["requestContext"]["connectionId"]


def read_body(event):
    """The JSON object the client sent ({} when the body is not a JSON object)."""
    try:
        body = json.loads(event.get("body") or "")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


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


# --- the connections table -------------------------------------------------------------------------

def get_connection(connection_id):
    """The connection's item, or None. A consistent read: it sees a name taken a moment ago."""
    response = connections_table().get_item(Key={"connectionId": connection_id}, ConsistentRead=True)
    return response.get("Item")


def list_members():
    """Every named member ({"connectionId", "name"}), from a scan of the sparse name index.

    A scan returns at most 1 MB per call, so the paginator keeps asking until the last page.
    """
    paginator = connections_table().meta.client.get_paginator("scan")
    pages = paginator.paginate(
        TableName=table_name(),
        IndexName=setting("NAME_INDEX"),
        ProjectionExpression="connectionId, #name, connectedAt",
        ExpressionAttributeNames={"#name": "name"},  # "name" is a reserved word in expressions
        PaginationConfig={"PageSize": MEMBERS_PAGE_SIZE} if MEMBERS_PAGE_SIZE else {},
    )
    return [item for page in pages for item in page["Items"]]


def with_member(members, connection_id, name):
    """The members list as it is after `connection_id` took `name`.

    The index is updated a moment after the table, so a list read right after a join may miss the
    newcomer (or show an old name): the function that made the change knows better, and says so.
    """
    return without_member(members, connection_id) + [{"connectionId": connection_id, "name": name}]


def without_member(members, connection_id):
    return [member for member in members if member["connectionId"] != connection_id]


def claim_name(connection_id, name):
    """A transaction item that takes a name unless another connection holds it.

    The condition is checked by DynamoDB at the moment of the write, so when two people ask for
    one name at the same instant, exactly one transaction succeeds.
    """
    return {"Put": {
        "TableName": table_name(),
        "Item": {"connectionId": CLAIM_PREFIX + name_key(name), "owner": connection_id},
        "ConditionExpression": "attribute_not_exists(connectionId) OR #owner = :me",
        "ExpressionAttributeNames": {"#owner": "owner"},
        "ExpressionAttributeValues": {":me": connection_id},
    }}


def release_name(connection_id, name):
    """A transaction item that gives a name back (only if this connection holds it)."""
    return {"Delete": {
        "TableName": table_name(),
        "Key": {"connectionId": CLAIM_PREFIX + name_key(name)},
        "ConditionExpression": "attribute_not_exists(connectionId) OR #owner = :me",
        "ExpressionAttributeNames": {"#owner": "owner"},
        "ExpressionAttributeValues": {":me": connection_id},
    }}


def refusal_for(cancelled, name):
    """Turn a cancelled name transaction into the error the sender reads.

    The claim is always the transaction's first item, the connection item the second.
    """
    codes = [reason.get("Code") for reason in cancelled.response.get("CancellationReasons", [])]
    if codes[:1] == ["ConditionalCheckFailed"]:
        return ChatError("name_taken", _("The name {name} is taken. Choose another one.").format(name=name), 409)
    if codes[1:2] == ["ConditionalCheckFailed"]:
        return ChatError("try_again", _("Your connection changed while taking the name (or is closing). Try again."))
    return ChatError("try_again", _("Someone else was changing the chat at the same moment. Try again."), 409)


def forget_connection(connection_id):
    """Delete a connection and give its name back; return the name, or None if it had none.

    Several functions may notice the same closed connection at once; the conditions make sure
    exactly one of them removes it (and so announces "left" once).
    """
    table = connections_table()
    item = get_connection(connection_id)
    if item is None:
        return None
    if "nameKey" not in item:
        table.delete_item(Key={"connectionId": connection_id})
        return None
    try:
        table.meta.client.transact_write_items(TransactItems=forget_member(connection_id, item["name"]))
    except table.meta.client.exceptions.TransactionCanceledException:
        return None  # another function removed it first
    return item["name"]


def forget_member(connection_id, name):
    """The two writes that remove a named member: its connection item (if it still has that name) and its claim."""
    return [
        {"Delete": {
            "TableName": table_name(),
            "Key": {"connectionId": connection_id},
            "ConditionExpression": "nameKey = :key",
            "ExpressionAttributeValues": {":key": name_key(name)},
        }},
        release_name(connection_id, name),
    ]


def read_items(keys):
    """The items with these keys that exist, read 100 at a time with BatchGetItem (consistent reads).

    DynamoDB may answer only part of a batch when it is busy (UnprocessedKeys): those are asked again.
    """
    client = connections_table().meta.client
    items = []
    for start in range(0, len(keys), KEYS_PER_READ):
        request = {table_name(): {"Keys": keys[start:start + KEYS_PER_READ], "ConsistentRead": True}}
        while request:
            response = client.batch_get_item(RequestItems=request)
            items += response["Responses"].get(table_name(), [])
            request = response.get("UnprocessedKeys")
            if request:
                time.sleep(0.05)
    return items


def delete_items(keys):
    """Delete items 25 at a time with BatchWriteItem: one request for 25 deletes instead of 25 requests.

    A batch has no conditions (unlike a transaction) and may leave some deletes undone when DynamoDB is
    busy (UnprocessedItems): those are sent again.
    """
    client = connections_table().meta.client
    requests = [{"DeleteRequest": {"Key": key}} for key in keys]
    while requests:
        batch, requests = requests[:WRITES_PER_BATCH], requests[WRITES_PER_BATCH:]
        response = client.batch_write_item(RequestItems={table_name(): batch})
        unprocessed = response.get("UnprocessedItems", {}).get(table_name(), [])
        if unprocessed:
            requests += unprocessed
            time.sleep(0.05)


def release_claims(claims):
    """Give back names ({claim key: owner}) that these connections still hold; return the claim keys released.

    Up to 100 deletes go in one transaction, each on the condition that the claim still belongs to that
    connection. So when two functions remove the same stale member at once, only one releases its name (and
    announces that it left), and a name someone new took a moment ago is never released. When a condition
    fails, DynamoDB refuses the whole transaction and says which item failed: the others are tried again.
    """
    client = connections_table().meta.client
    keys = list(claims)
    released = []
    for start in range(0, len(keys), MAX_TRANSACTION_ITEMS):
        batch = keys[start:start + MAX_TRANSACTION_ITEMS]
        for _attempt in range(5):
            if not batch:
                break
            try:
                client.transact_write_items(TransactItems=[{"Delete": {
                    "TableName": table_name(),
                    "Key": {"connectionId": claim_key},
                    "ConditionExpression": "#owner = :me",
                    "ExpressionAttributeNames": {"#owner": "owner"},
                    "ExpressionAttributeValues": {":me": claims[claim_key]},
                }} for claim_key in batch])
                released += batch
                break
            except client.exceptions.TransactionCanceledException as cancelled:
                lost = [reason.get("Code") == "ConditionalCheckFailed"
                        for reason in cancelled.response.get("CancellationReasons", [])]
                if len(lost) != len(batch) or not any(lost):
                    time.sleep(0.1)  # refused for another reason (a conflicting write): try again shortly
                    continue
                batch = [claim_key for claim_key, gone in zip(batch, lost, strict=True) if not gone]
    return released


def forget_connections(connection_ids):
    """Remove many closed connections at once; return {connection id: name} of the members among them.

    After a crash there can be thousands, so this reads and deletes in batches. First it reads the
    connection items: the ones another function removed already are simply not found, and the ones younger
    than JOINING_GRACE_MS are kept (while a `?name=` join's $connect runs, a post to it answers Gone too; a
    later message finds it again if it really is gone). Their names are given back first (see release_claims),
    then their items deleted. In that order, a run stopped halfway leaves no name taken by nobody: at worst a
    connection item whose name is free again, which the next post that answers Gone removes.
    """
    joining_since = now_ms() - JOINING_GRACE_MS
    keys = [{"connectionId": connection_id} for connection_id in dict.fromkeys(connection_ids)]
    items = [item for item in read_items(keys) if item.get("connectedAt", 0) < joining_since]
    # the key of each named member's claim -> its connection item
    named = {CLAIM_PREFIX + item["nameKey"]: item for item in items if "nameKey" in item}
    released = release_claims({claim_key: item["connectionId"] for claim_key, item in named.items()})
    delete_items([{"connectionId": item["connectionId"]} for item in items])
    return {named[claim_key]["connectionId"]: named[claim_key]["name"] for claim_key in released}


# --- what the server sends (the keys the front ends read, plus structured extras) ---------------------

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


# --- sending -------------------------------------------------------------------------------------------

def post(client, connection_id, data):
    """Post one frame; return False when the connection is gone (it closed without $disconnect)."""
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data)
    # GoneException is a ClientError too: it must be caught first, or the cleanup never runs.
    except client.exceptions.GoneException:
        return False
    except (ClientError, BotoCoreError) as error:
        # Throttled, forbidden, a network hiccup: this member misses the frame, the others still get it.
        code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
        print(json.dumps({"level": "WARNING", "connectionId": connection_id, "postFailed": code}), flush=True)
    return True


def send(event, connection_ids, messages):
    """Post the messages, in order, to each connection; to many connections several at once when that helps.

    Returns the ids of the connections that are gone.
    """
    if not connection_ids:
        return []
    client = management_client(event)
    frames = [json.dumps(message, ensure_ascii=False).encode("utf-8") for message in messages]

    def deliver(connection_id):
        for frame in frames:
            if not post(client, connection_id, frame):
                return connection_id
        return None

    # The first connection is posted to alone, and timed: a post that waited on the network (AWS) means
    # threads will overlap those waits; a post that waited on nothing means a plain loop is fastest.
    started = time.perf_counter()
    results = [deliver(connection_ids[0])]
    first_post_ms = (time.perf_counter() - started) * 1000 / len(frames)
    rest = connection_ids[1:]
    workers = min(broadcast_workers(first_post_ms), len(rest))
    if workers <= 1:
        results += [deliver(connection_id) for connection_id in rest]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results += pool.map(deliver, rest)
    return [connection_id for connection_id in results if connection_id is not None]


def send_until_stale(event, connection_ids, messages):
    """Post to the connections a hundred at a time, until a whole hundred answered Gone.

    Such a run (the list is sorted newest first) means that the rest is most likely what a crash left
    behind, thousands of posts that would each answer Gone: the sender does not wait for those.
    Returns the ids that answered Gone and the ids not posted to yet, for the clean-up to take over.
    """
    gone = []
    for start in range(0, len(connection_ids), POSTS_PER_ROUND):
        batch = connection_ids[start:start + POSTS_PER_ROUND]
        batch_gone = send(event, batch, messages)
        gone += batch_gone
        if len(batch_gone) == len(batch):
            return gone, connection_ids[start + POSTS_PER_ROUND:]
    return gone, []


def broadcast(event, messages, members, exclude=None, already_sent=None):
    """Send the messages to every member (except `exclude`); the ones that are gone go to the clean-up.

    `already_sent` is a connection that got the messages before (sendPublic answers its sender first); it
    still hears who left. Returns figures for the log line: how many recipients, how many were gone, how many were handed over
    to the clean-up without a post, how long posting took.
    """
    started = time.perf_counter()
    # Newest connections first: after a crash, the members who came back are newer than the connections
    # the crash left behind, so they are not kept waiting behind thousands of posts that answer "gone".
    # (The member acting right now has no connectedAt in the list: it is surely alive, so it goes first.)
    recipients = sorted(without_member(without_member(members, exclude), already_sent),
                        key=lambda member: member.get("connectedAt", float("inf")), reverse=True)
    gone, undelivered = send_until_stale(event, [member["connectionId"] for member in recipients], messages)
    figures = {"recipients": len(recipients) + (already_sent is not None), "gone": len(gone),
               "fanOutMs": round((time.perf_counter() - started) * 1000, 1)}
    if undelivered:
        figures["handedOver"] = len(undelivered)
    cleanup = remove_stale(event, gone, undelivered, messages)
    if cleanup:
        figures["cleanup"] = cleanup
    return figures


def reply(event, messages):
    """Answer the sender alone."""
    gone = send(event, [connection_id_of(event)], messages)
    if gone:
        remove_stale(event, gone)


def send_error(event, refusal):
    reply(event, [error_message(refusal)])


def remove_stale(event, gone, undelivered=(), messages=()):
    """Have the connections that answered GoneException removed, without making the sender wait for it.

    Removing thousands of connections (after a crash) takes a while, and neither the sender's message
    nor its next one must wait behind it. So the ids go to the $disconnect function, invoked
    asynchronously: InvocationType="Event" queues the event and answers at once. That run removes them
    in batches, posts the messages to the connections the sender did not reach (`undelivered`), and
    tells the others who left (see clean_up). The role may invoke that one function (notebook 01),
    whose name the deployment sets in CLEANUP_FUNCTION (notebook 03).

    Returns what happened, for the log line: "requested", "done here" (the clean-up could not be handed
    over, so it ran here), or None when there was nothing to do.
    """
    if not gone and not undelivered:
        return None
    if os.environ.get("CLEANUP_FUNCTION"):
        try:
            for start in range(0, max(len(gone), len(undelivered)), IDS_PER_CLEANUP):
                ask_for_cleanup(event, {CLEANUP: list(gone[start:start + IDS_PER_CLEANUP]),
                                        "undelivered": list(undelivered[start:start + IDS_PER_CLEANUP]),
                                        "messages": list(messages)})
            return "requested"
        except (ClientError, BotoCoreError) as error:
            # Refused (a role from before notebook 01 allowed it) or unreachable: clean up here instead.
            code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
            print(json.dumps({"level": "WARNING", "cleanupInvoke": code}), flush=True)
    clean_up(event, gone, undelivered, messages)
    return "done here"


def ask_for_cleanup(event, cleanup):
    """Invoke the clean-up function asynchronously with this work, and the API stage to post to."""
    context_fields = ("connectionId", "domainName", "stage", "apiId")
    cleanup["requestContext"] = {key: event["requestContext"][key] for key in context_fields
                                 if key in event["requestContext"]}
    lambda_client().invoke(FunctionName=setting("CLEANUP_FUNCTION"), InvocationType="Event",
                           Payload=json.dumps(cleanup, ensure_ascii=False).encode("utf-8"))


def clean_up(event, gone, undelivered=(), messages=(), seconds_left=None, left=None, rounds=3):
    """The clean-up: remove stale connections in batches, finish a broadcast, tell the others who left.

    1. The connections known to be gone are removed at once.
    2. The connections the sender did not post to get the messages, CLEANUP_POSTS_PER_ROUND at a time; the
       ones that answer Gone are removed after each round, so the members list shrinks as this goes.
       A connection another clean-up removed meanwhile is skipped. With less than a few seconds left
       before the function's timeout, the rest goes to a new run of this function, with the names of
       those who left so far (`left`, {connection id: name}): that run tells the others.
    3. The others are told who left, in one line when many did. That may reveal more closed connections,
       so this repeats, a few rounds at most.
    Returns {connection id: name} of the members who left.
    """
    deadline = None if seconds_left is None else time.monotonic() + seconds_left - CLEANUP_RESERVE_SECONDS
    left = {**(left or {}), **forget_connections(gone)}
    # Two messages sent after a crash make two clean-ups walking the same list. Each starts at a random place,
    # so that it finds much of the list already removed by the other (and skips it) rather than racing it.
    start = random.randrange(0, len(undelivered), CLEANUP_POSTS_PER_ROUND) if undelivered else 0
    undelivered = list(undelivered[start:]) + list(undelivered[:start])
    while undelivered:
        if deadline is not None and time.monotonic() > deadline:
            try:
                ask_for_cleanup(event, {CLEANUP: [], "undelivered": undelivered, "messages": list(messages),
                                        "left": left})
                return left
            except (ClientError, BotoCoreError):
                deadline = None  # carry on here, as long as Lambda lets this run
        batch, undelivered = undelivered[:CLEANUP_POSTS_PER_ROUND], undelivered[CLEANUP_POSTS_PER_ROUND:]
        still_here = [item["connectionId"] for item in read_items([{"connectionId": key} for key in batch])]
        left.update(forget_connections(send(event, still_here, messages)))

    departed = dict(left)
    for _round in range(rounds):
        if not left:
            break
        # The index may list a deleted item for a moment longer: those are known to be gone.
        members = [member for member in list_members() if member["connectionId"] not in departed]
        news = left_messages(list(left.values())) + [members_message(members)]
        left = forget_connections(send(event, [member["connectionId"] for member in members], news))
        departed.update(left)
    return departed

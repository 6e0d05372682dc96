"""The connections table in DynamoDB: who is connected, who holds which name, and removing who has gone.

The chat keeps no state in the functions: names and connections live in this table only, so any
function, in any container, sees the same chat. The data model (see docs/architecture.md):
- a connection item: connectionId, connectedAt and, once named, name and nameKey (the name lower-cased);
- a name claim item: connectionId = "name#" + nameKey, owner = the connection id holding the name;
- the index NAME_INDEX on nameKey: it holds only named members, so it lists the chat.
Taking and giving back a name are DynamoDB transactions with conditions, so two people can never
hold one name. The table is a boto3 resource created once per warm container (a client, not chat state).
"""

import time

import boto3
import chat_events
import chat_text
from chat_text import _  # the text in the chat's language (CHAT_LANGUAGE, set at deploy; see chat_text)

CLAIM_PREFIX = "name#"
# Stale connections are removed with batch calls: BatchWriteItem takes at most 25 writes, BatchGetItem 100 keys,
# a transaction 100 items.
WRITES_PER_BATCH = 25
KEYS_PER_READ = 100
MAX_TRANSACTION_ITEMS = 100
# API Gateway waits up to 29 s for $connect; a connection younger than this may still be opening.
JOINING_GRACE_MS = 30_000
# Members are listed page by page; None lets DynamoDB fill pages of up to 1 MB (tests set a small size).
MEMBERS_PAGE_SIZE = None

# The boto3 table, created once per warm container.
_tables = {}


def table_name():
    return chat_events.setting("CONNECTIONS_TABLE")


def connections_table():
    """The connections table (a boto3 resource that takes plain Python values)."""
    name = table_name()
    if name not in _tables:
        _tables[name] = boto3.resource("dynamodb").Table(name)
    return _tables[name]


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
        IndexName=chat_events.setting("NAME_INDEX"),
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
        "Item": {"connectionId": CLAIM_PREFIX + chat_text.name_key(name), "owner": connection_id},
        "ConditionExpression": "attribute_not_exists(connectionId) OR #owner = :me",
        "ExpressionAttributeNames": {"#owner": "owner"},
        "ExpressionAttributeValues": {":me": connection_id},
    }}


def release_name(connection_id, name):
    """A transaction item that gives a name back (only if this connection holds it)."""
    return {"Delete": {
        "TableName": table_name(),
        "Key": {"connectionId": CLAIM_PREFIX + chat_text.name_key(name)},
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
        return chat_text.ChatError("name_taken", _("The name {name} is taken. Choose another one.").format(name=name), 409)
    if codes[1:2] == ["ConditionalCheckFailed"]:
        return chat_text.ChatError("try_again", _("Your connection changed while taking the name (or is closing). Try again."))
    return chat_text.ChatError("try_again", _("Someone else was changing the chat at the same moment. Try again."), 409)


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
            "ExpressionAttributeValues": {":key": chat_text.name_key(name)},
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
    joining_since = chat_text.now_ms() - JOINING_GRACE_MS
    keys = [{"connectionId": connection_id} for connection_id in dict.fromkeys(connection_ids)]
    items = [item for item in read_items(keys) if item.get("connectedAt", 0) < joining_since]
    # the key of each named member's claim -> its connection item
    named = {CLAIM_PREFIX + item["nameKey"]: item for item in items if "nameKey" in item}
    released = release_claims({claim_key: item["connectionId"] for claim_key, item in named.items()})
    delete_items([{"connectionId": item["connectionId"]} for item in items])
    return {named[claim_key]["connectionId"]: named[claim_key]["name"] for claim_key in released}

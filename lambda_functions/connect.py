"""$connect: register a new connection; with `?name=Alice` in the URL it also joins the chat as Alice.

API Gateway runs this function before it opens the WebSocket and opens it only when the answer's
statusCode is 2xx: an invalid name is refused with 400 and a taken one with 409, and the socket never
opens. Because the socket is not open yet, nothing can be posted to it here: the others hear
"Alice joined the chat" with the new members list (which already includes Alice), and Alice gets hers
from a follow-up: this function invokes itself asynchronously, and that second run posts the members
list to Alice as soon as her socket is open.
"""

import json
import time

import chat_connections  # sending to clients: post_to_connection, broadcast
import chat_events  # the event, the settings, the log line
import chat_table  # the connections table in DynamoDB
import chat_text  # the chat's language, the rules for names and messages, the frames
from botocore.exceptions import BotoCoreError, ClientError
from chat_text import _  # the text in the chat's language (CHAT_LANGUAGE, set at deploy; see chat_text)

FOLLOW_UP = "membersFor"  # the key that marks the follow-up event (API Gateway never sends it)
OPEN_WAIT_SECONDS = 5  # how long the follow-up waits for the socket to open


def handler(event, context):
    if FOLLOW_UP in event:
        return send_members_when_open(event)
    with chat_events.EventLog(event) as log:
        connection_id = chat_events.connection_id_of(event)
        connected_at = event["requestContext"].get("connectedAt") or chat_text.now_ms()
        name = (event.get("queryStringParameters") or {}).get("name")
        table = chat_table.connections_table()

        # No name yet: just remember the connection. It receives nothing until it chooses a name.
        if name is None:
            table.put_item(Item={"connectionId": connection_id, "connectedAt": connected_at})
            log.outcome = "connected"
            return chat_events.OK

        # A name in the URL: write the connection and the name claim in one transaction, so the
        # connection exists only if the name was free.
        try:
            name = chat_text.valid_name(name)
            table.meta.client.transact_write_items(TransactItems=[
                chat_table.claim_name(connection_id, name),
                {"Put": {
                    "TableName": chat_table.table_name(),
                    "Item": {"connectionId": connection_id, "connectedAt": connected_at,
                             "name": name, "nameKey": chat_text.name_key(name)},
                }},
            ])
        except chat_text.ChatError as refusal:
            log.outcome = refusal.code
            return {"statusCode": refusal.status, "body": refusal.message}
        except table.meta.client.exceptions.TransactionCanceledException as cancelled:
            refusal = chat_table.refusal_for(cancelled, name)
            log.outcome = refusal.code
            return {"statusCode": refusal.status, "body": refusal.message}

        members = chat_table.with_member(chat_table.list_members(), connection_id, name)
        news = [chat_text.system_message(_("{name} joined the chat").format(name=name)),
                chat_text.members_message(members)]
        log.delivery = chat_connections.broadcast(event, news, members, exclude=connection_id)
        log.delivery["followUp"] = ask_for_follow_up(event, context)
        log.outcome = "joined"
        return chat_events.OK


def ask_for_follow_up(event, context):
    """Invoke this same function again, asynchronously, to send the newcomer the members list.

    InvocationType="Event" queues the event and answers at once, so the handshake is not held up.
    The role allows lambda:InvokeFunction on this function and on $disconnect only (notebook 01).
    """
    context_fields = ("connectionId", "domainName", "stage", "apiId")
    follow_up = {
        FOLLOW_UP: chat_events.connection_id_of(event),
        "requestContext": {key: event["requestContext"][key] for key in context_fields},
    }
    try:
        chat_connections.lambda_client().invoke(FunctionName=context.invoked_function_arn, InvocationType="Event",
                                                Payload=json.dumps(follow_up).encode("utf-8"))
    except (ClientError, BotoCoreError) as error:
        # Not fatal: the newcomer is in the chat, and gets the list with the next change.
        return type(error).__name__ if isinstance(error, BotoCoreError) else error.response["Error"]["Code"]
    return "requested"


def send_members_when_open(event):
    """The follow-up: post the members list to the newcomer once API Gateway has opened the socket.

    Until then a post answers GoneException, so we try again every tenth of a second for a few seconds.
    The list is read again before every try, so it is as fresh as the next broadcast.
    """
    with chat_events.EventLog(event) as log:
        log.route = "$connect follow-up"
        connection_id = event[FOLLOW_UP]
        client = chat_connections.management_client(event)
        deadline = time.monotonic() + OPEN_WAIT_SECONDS
        while True:
            frame = json.dumps(chat_text.members_message(chat_table.list_members()), ensure_ascii=False)
            if chat_connections.post(client, connection_id, frame.encode("utf-8")):
                log.outcome = "members sent"
                return chat_events.OK
            if time.monotonic() > deadline:
                # The client left before its socket opened; $disconnect cleans up after it.
                log.outcome = "never opened"
                return chat_events.OK
            time.sleep(0.1)

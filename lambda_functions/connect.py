"""$connect: register a new connection; with `?name=Alice` in the URL it also joins the chat as Alice.

API Gateway runs this function before it opens the WebSocket and opens it only when the answer's
statusCode is 2xx: an invalid name is refused with 400 and a taken one with 409, and the socket never
opens. Because the socket is not open yet, nothing can be posted to it here: the others hear
"Alice joined the chat" with the new members list (which already includes Alice), and Alice gets the
list with the next change in the chat, or at once by sending setName with her own name.
"""

import chat_shared


def handler(event, context):
    with chat_shared.EventLog(event) as log:
        connection_id = chat_shared.connection_id_of(event)
        connected_at = event["requestContext"].get("connectedAt") or chat_shared.now_ms()
        name = (event.get("queryStringParameters") or {}).get("name")
        table = chat_shared.connections_table()

        # No name yet: just remember the connection. It receives nothing until it chooses a name.
        if name is None:
            table.put_item(Item={"connectionId": connection_id, "connectedAt": connected_at})
            log.outcome = "connected"
            return chat_shared.OK

        # A name in the URL: write the connection and the name claim in one transaction, so the
        # connection exists only if the name was free.
        try:
            name = chat_shared.valid_name(name)
            table.meta.client.transact_write_items(TransactItems=[
                chat_shared.claim_name(connection_id, name),
                {"Put": {
                    "TableName": chat_shared.table_name(),
                    "Item": {"connectionId": connection_id, "connectedAt": connected_at,
                             "name": name, "nameKey": chat_shared.name_key(name)},
                }},
            ])
        except chat_shared.ChatError as refusal:
            log.outcome = refusal.code
            return {"statusCode": refusal.status, "body": refusal.message}
        except table.meta.client.exceptions.TransactionCanceledException as cancelled:
            refusal = chat_shared.refusal_for(cancelled, name)
            log.outcome = refusal.code
            return {"statusCode": refusal.status, "body": refusal.message}

        members = chat_shared.with_member(chat_shared.list_members(), connection_id, name)
        news = [chat_shared.system_message(f"{name} joined the chat"), chat_shared.members_message(members)]
        log.delivery = chat_shared.broadcast(event, news, members, exclude=connection_id)
        log.outcome = "joined"
        return chat_shared.OK

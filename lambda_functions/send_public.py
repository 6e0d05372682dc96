"""sendPublic: a message to everyone in the chat, the sender included.

{"action": "sendPublic", "message": "Hello"} reaches every named member as
{"publicMessage": "Alice: Hello", ...}. The posts go out several at a time, and members whose
connection is gone are removed (see chat_shared.broadcast).
"""

import chat_shared


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
        log.delivery = chat_shared.broadcast(event, [chat_shared.public_message(sender, text)], members)
        log.outcome = "sent"
        return chat_shared.OK

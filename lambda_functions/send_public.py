"""sendPublic: a message to everyone in the chat, the sender included.

{"action": "sendPublic", "message": "Hello"} reaches every named member as
{"publicMessage": "Alice: Hello", ...}: the sender first, then the others (several at a time when the
posts wait on the network), and members whose connection is gone are removed (see chat_shared.broadcast).
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

        # The sender's own copy goes out first: it needs no list of members, so the sender sees at once
        # that the message was sent. Then everyone else, listed from the name index.
        message = [chat_shared.public_message(sender, text)]
        chat_shared.reply(event, message)
        members = chat_shared.with_member(chat_shared.list_members(), connection_id, sender)
        log.delivery = chat_shared.broadcast(event, message, members, already_sent=connection_id)
        log.outcome = "sent"
        return chat_shared.OK

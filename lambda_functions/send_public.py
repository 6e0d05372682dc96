"""sendPublic: a message to everyone in the chat, the sender included.

{"action": "sendPublic", "message": "Hello"} reaches every named member as
{"publicMessage": "Alice: Hello", ...}: the sender first, then the others (several at a time when the
posts wait on the network), and members whose connection is gone are removed (see chat_connections.broadcast).
"""

import chat_connections  # sending to clients: post_to_connection, broadcast
import chat_events  # the event, the settings, the log line
import chat_table  # the connections table in DynamoDB
import chat_text  # the chat's language, the rules for names and messages, the frames


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

        # The sender's own copy goes out first: it needs no list of members, so the sender sees at once
        # that the message was sent. Then everyone else, listed from the name index.
        message = [chat_text.public_message(sender, text)]
        chat_connections.reply(event, message)
        members = chat_table.with_member(chat_table.list_members(), connection_id, sender)
        log.delivery = chat_connections.broadcast(event, message, members, already_sent=connection_id)
        log.outcome = "sent"
        return chat_events.OK

"""sendPrivate: a message to one member, found by name.

{"action": "sendPrivate", "to": "Bob", "message": "Hi"} reaches Bob alone as
{"privateMessage": "Alice: Hi", ...}. Bob is found with a query on the name index (no scan);
names are matched regardless of case. An unknown name is answered with an error to the sender.
"""

import chat_connections  # sending to clients: post_to_connection, broadcast
import chat_events  # the event, the settings, the log line
import chat_table  # the connections table in DynamoDB
import chat_text  # the chat's language, the rules for names and messages, the frames
from boto3.dynamodb.conditions import Key
from chat_text import _  # the text in the chat's language (CHAT_LANGUAGE, set at deploy; see chat_text)


def handler(event, context):
    with chat_events.EventLog(event) as log:
        connection_id = chat_events.connection_id_of(event)
        body = chat_events.read_body(event)
        me = chat_table.get_connection(connection_id)

        try:
            sender = chat_text.require_name(me)
            text = chat_text.valid_message(body.get("message"))
            to = chat_text.valid_recipient(body.get("to"))

            # Find the recipient by name: the index is keyed on the lower-cased name.
            response = chat_table.connections_table().query(
                IndexName=chat_events.setting("NAME_INDEX"),
                KeyConditionExpression=Key("nameKey").eq(chat_text.name_key(to)),
            )
            if not response["Items"]:
                raise chat_text.ChatError("unknown_recipient", _("Nobody called {name} is in the chat. "
                                                                 "The members list shows who is here.").format(name=to))
        except chat_text.ChatError as refusal:
            chat_connections.send_error(event, refusal)
            log.outcome = refusal.code
            return chat_events.OK

        recipient = response["Items"][0]
        gone = chat_connections.send(event, [recipient["connectionId"]],
                                     [chat_text.private_message(sender, recipient["name"], text)])
        if gone:
            # The recipient closed without $disconnect: remove it, tell the others, and tell the sender.
            chat_connections.remove_stale(event, gone)
            chat_connections.send_error(event, chat_text.ChatError(
                "unknown_recipient",
                _("{name} has left the chat; the message was not delivered.").format(name=recipient["name"])))
            log.outcome = "recipient_gone"
            return chat_events.OK
        log.outcome = "sent"
        return chat_events.OK

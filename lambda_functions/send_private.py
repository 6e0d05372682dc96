"""sendPrivate: a message to one member, found by name.

{"action": "sendPrivate", "to": "Bob", "message": "Hi"} reaches Bob alone as
{"privateMessage": "Alice: Hi", ...}. Bob is found with a query on the name index (no scan);
names are matched regardless of case. An unknown name is answered with an error to the sender.
"""

import chat_shared
from boto3.dynamodb.conditions import Key
from chat_shared import _  # the text in the chat's language (CHAT_LANGUAGE, set at deploy; see chat_shared)


def handler(event, context):
    with chat_shared.EventLog(event) as log:
        connection_id = chat_shared.connection_id_of(event)
        body = chat_shared.read_body(event)
        me = chat_shared.get_connection(connection_id)

        try:
            sender = chat_shared.require_name(me)
            text = chat_shared.valid_message(body.get("message"))
            to = chat_shared.valid_recipient(body.get("to"))

            # Find the recipient by name: the index is keyed on the lower-cased name.
            response = chat_shared.connections_table().query(
                IndexName=chat_shared.setting("NAME_INDEX"),
                KeyConditionExpression=Key("nameKey").eq(chat_shared.name_key(to)),
            )
            if not response["Items"]:
                raise chat_shared.ChatError("unknown_recipient", _("Nobody called {name} is in the chat. "
                                                                   "The members list shows who is here.").format(name=to))
        except chat_shared.ChatError as refusal:
            chat_shared.send_error(event, refusal)
            log.outcome = refusal.code
            return chat_shared.OK

        recipient = response["Items"][0]
        gone = chat_shared.send(event, [recipient["connectionId"]],
                                [chat_shared.private_message(sender, recipient["name"], text)])
        if gone:
            # The recipient closed without $disconnect: remove it, tell the others, and tell the sender.
            chat_shared.remove_stale(event, gone)
            chat_shared.send_error(event, chat_shared.ChatError(
                "unknown_recipient",
                _("{name} has left the chat; the message was not delivered.").format(name=recipient["name"])))
            log.outcome = "recipient_gone"
            return chat_shared.OK
        log.outcome = "sent"
        return chat_shared.OK

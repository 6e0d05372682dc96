"""setName: choose a display name (joining the chat) or change it (a rename).

{"action": "setName", "name": "Alice"}. Names are unique regardless of case. Taking a name is one
DynamoDB transaction: claim the new name (refused if someone else holds it), record it on the
connection, and give the old name back. Either all of it happens or nothing does, and the sender
keeps the previous name. Everyone is told "Alice joined the chat" or "Alice is now known as Alicia",
then gets the new members list.
"""

import chat_connections  # sending to clients: post_to_connection, broadcast
import chat_events  # the event, the settings, the log line
import chat_table  # the connections table in DynamoDB
import chat_text  # the chat's language, the rules for names and messages, the frames
from chat_text import _  # the text in the chat's language (CHAT_LANGUAGE, set at deploy; see chat_text)


def handler(event, context):
    with chat_events.EventLog(event) as log:
        connection_id = chat_events.connection_id_of(event)
        body = chat_events.read_body(event)
        me = chat_table.get_connection(connection_id)
        table = chat_table.connections_table()

        try:
            new_name = chat_text.valid_name(body.get("name"))
            if me is None:
                raise chat_text.ChatError("not_connected", _("This connection is not registered (did $connect run?). "
                                                             "Reconnect and choose your name again."))
            old_name = me.get("name")

            # Same name again: nothing changes; answer with the members list (useful after a ?name= join).
            if new_name == old_name:
                chat_connections.reply(event, [chat_text.system_message(_("You are {name}.").format(name=new_name)),
                                               chat_text.members_message(chat_table.list_members())])
                log.outcome = "unchanged"
                return chat_events.OK

            # The connection item changes only if it still holds the name read above: two renames
            # from one connection at the same instant cannot both give back the same old name.
            if old_name is None:
                still_unchanged = "attribute_exists(connectionId) AND attribute_not_exists(nameKey)"
                values = {":name": new_name, ":key": chat_text.name_key(new_name)}
            else:
                still_unchanged = "nameKey = :oldKey"
                values = {":name": new_name, ":key": chat_text.name_key(new_name),
                          ":oldKey": chat_text.name_key(old_name)}
            transaction = [
                chat_table.claim_name(connection_id, new_name),
                {"Update": {
                    "TableName": chat_table.table_name(),
                    "Key": {"connectionId": connection_id},
                    "UpdateExpression": "SET #name = :name, nameKey = :key",
                    "ConditionExpression": still_unchanged,
                    "ExpressionAttributeNames": {"#name": "name"},
                    "ExpressionAttributeValues": values,
                }},
            ]
            # Alice -> alice keeps the same claim; Alice -> Alicia gives "alice" back.
            if old_name is not None and chat_text.name_key(old_name) != chat_text.name_key(new_name):
                transaction.append(chat_table.release_name(connection_id, old_name))
            try:
                table.meta.client.transact_write_items(TransactItems=transaction)
            except table.meta.client.exceptions.TransactionCanceledException as cancelled:
                raise chat_table.refusal_for(cancelled, new_name) from None
        except chat_text.ChatError as refusal:
            chat_connections.send_error(event, refusal)
            log.outcome = refusal.code
            return chat_events.OK

        if old_name is None:
            news = _("{name} joined the chat").format(name=new_name)
            log.outcome = "joined"
        else:
            news = _("{old} is now known as {new}").format(old=old_name, new=new_name)
            log.outcome = "renamed"
        members = chat_table.with_member(chat_table.list_members(), connection_id, new_name)
        messages = [chat_text.system_message(news), chat_text.members_message(members)]
        log.delivery = chat_connections.broadcast(event, messages, members)
        return chat_events.OK

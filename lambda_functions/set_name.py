"""setName: choose a display name (joining the chat) or change it (a rename).

{"action": "setName", "name": "Alice"}. Names are unique regardless of case. Taking a name is one
DynamoDB transaction: claim the new name (refused if someone else holds it), record it on the
connection, and give the old name back. Either all of it happens or nothing does, and the sender
keeps the previous name. Everyone is told "Alice joined the chat" or "Alice is now known as Alicia",
then gets the new members list.
"""

import chat_shared
from chat_shared import _  # the text in the chat's language (CHAT_LANGUAGE, set at deploy; see chat_shared)


def handler(event, context):
    with chat_shared.EventLog(event) as log:
        connection_id = chat_shared.connection_id_of(event)
        body = chat_shared.read_body(event)
        me = chat_shared.get_connection(connection_id)
        table = chat_shared.connections_table()

        try:
            new_name = chat_shared.valid_name(body.get("name"))
            if me is None:
                raise chat_shared.ChatError("not_connected", _("This connection is not registered (did $connect run?). "
                                                               "Reconnect and choose your name again."))
            old_name = me.get("name")

            # Same name again: nothing changes; answer with the members list (useful after a ?name= join).
            if new_name == old_name:
                chat_shared.reply(event, [chat_shared.system_message(_("You are {name}.").format(name=new_name)),
                                          chat_shared.members_message(chat_shared.list_members())])
                log.outcome = "unchanged"
                return chat_shared.OK

            # The connection item changes only if it still holds the name read above: two renames
            # from one connection at the same instant cannot both give back the same old name.
            if old_name is None:
                still_unchanged = "attribute_exists(connectionId) AND attribute_not_exists(nameKey)"
                values = {":name": new_name, ":key": chat_shared.name_key(new_name)}
            else:
                still_unchanged = "nameKey = :oldKey"
                values = {":name": new_name, ":key": chat_shared.name_key(new_name),
                          ":oldKey": chat_shared.name_key(old_name)}
            transaction = [
                chat_shared.claim_name(connection_id, new_name),
                {"Update": {
                    "TableName": chat_shared.table_name(),
                    "Key": {"connectionId": connection_id},
                    "UpdateExpression": "SET #name = :name, nameKey = :key",
                    "ConditionExpression": still_unchanged,
                    "ExpressionAttributeNames": {"#name": "name"},
                    "ExpressionAttributeValues": values,
                }},
            ]
            # Alice -> alice keeps the same claim; Alice -> Alicia gives "alice" back.
            if old_name is not None and chat_shared.name_key(old_name) != chat_shared.name_key(new_name):
                transaction.append(chat_shared.release_name(connection_id, old_name))
            try:
                table.meta.client.transact_write_items(TransactItems=transaction)
            except table.meta.client.exceptions.TransactionCanceledException as cancelled:
                raise chat_shared.refusal_for(cancelled, new_name) from None
        except chat_shared.ChatError as refusal:
            chat_shared.send_error(event, refusal)
            log.outcome = refusal.code
            return chat_shared.OK

        if old_name is None:
            news = _("{name} joined the chat").format(name=new_name)
            log.outcome = "joined"
        else:
            news = _("{old} is now known as {new}").format(old=old_name, new=new_name)
            log.outcome = "renamed"
        members = chat_shared.with_member(chat_shared.list_members(), connection_id, new_name)
        messages = [chat_shared.system_message(news), chat_shared.members_message(members)]
        log.delivery = chat_shared.broadcast(event, messages, members)
        return chat_shared.OK

"""$disconnect: forget the connection, give its name back, and tell the others who left.

API Gateway runs this after the socket closed, on a best-effort basis: a connection may also vanish
without it, which the other functions notice when a post answers GoneException. They hand those
connections to this same function, invoked asynchronously with {"cleanup": [connection ids], ...}, which
removes them all in batches (after a crash there can be thousands) and tells the others who left.
"""

import chat_connections  # sending to clients: post_to_connection, broadcast
import chat_events  # the event, the settings, the log line
import chat_table  # the connections table in DynamoDB
import chat_text  # the chat's language, the rules for names and messages, the frames
from chat_text import _  # the text in the chat's language (CHAT_LANGUAGE, set at deploy; see chat_text)


def handler(event, context):
    if chat_connections.CLEANUP in event:
        return clean_up_stale(event, context)
    with chat_events.EventLog(event) as log:
        connection_id = chat_events.connection_id_of(event)

        # Delete the connection item and its name claim together (see chat_table.forget_connection).
        name = chat_table.forget_connection(connection_id)
        if name is None:
            log.outcome = "disconnected"  # it had no name (or was already removed): nobody to tell
            return chat_events.OK

        members = chat_table.without_member(chat_table.list_members(), connection_id)
        news = [chat_text.system_message(_("{name} left the chat").format(name=name)), chat_text.members_message(members)]
        log.delivery = chat_connections.broadcast(event, news, members)
        log.outcome = "left"
        return chat_events.OK


def clean_up_stale(event, context):
    """The clean-up a sender asked for: remove connections that answered GoneException, in batches, and post
    the sender's messages to the connections it left to this run (see chat_connections.clean_up).

    Nobody waits for this run (it was invoked with InvocationType="Event"), so it may take its time while
    the chat goes on; it hands what is left over to a new run before its own timeout.
    """
    with chat_events.EventLog(event) as log:
        log.route = "$disconnect cleanup"
        gone, undelivered = event[chat_connections.CLEANUP], event.get("undelivered", [])
        left = chat_connections.clean_up(event, gone, undelivered, event.get("messages", []),
                                         seconds_left=context.get_remaining_time_in_millis() / 1000,
                                         left=event.get("left"))
        log.delivery = {"gone": len(gone), "undelivered": len(undelivered), "left": len(left)}
        log.outcome = "cleaned up"
        return chat_events.OK

"""$disconnect: forget the connection, give its name back, and tell the others who left.

API Gateway runs this after the socket closed, on a best-effort basis: a connection may also vanish
without it, which the other functions notice when a post answers GoneException. They hand those
connections to this same function, invoked asynchronously with {"cleanup": [connection ids], ...}, which
removes them all in batches (after a crash there can be thousands) and tells the others who left.
"""

import chat_shared
from chat_shared import _  # the text in the chat's language (CHAT_LANGUAGE, set at deploy; see chat_shared)


def handler(event, context):
    if chat_shared.CLEANUP in event:
        return clean_up_stale(event, context)
    with chat_shared.EventLog(event) as log:
        connection_id = chat_shared.connection_id_of(event)

        # Delete the connection item and its name claim together (see chat_shared.forget_connection).
        name = chat_shared.forget_connection(connection_id)
        if name is None:
            log.outcome = "disconnected"  # it had no name (or was already removed): nobody to tell
            return chat_shared.OK

        members = chat_shared.without_member(chat_shared.list_members(), connection_id)
        news = [chat_shared.system_message(_("{name} left the chat").format(name=name)), chat_shared.members_message(members)]
        log.delivery = chat_shared.broadcast(event, news, members)
        log.outcome = "left"
        return chat_shared.OK


def clean_up_stale(event, context):
    """The clean-up a sender asked for: remove connections that answered GoneException, in batches, and post
    the sender's messages to the connections it left to this run (see chat_shared.clean_up).

    Nobody waits for this run (it was invoked with InvocationType="Event"), so it may take its time while
    the chat goes on; it hands what is left over to a new run before its own timeout.
    """
    with chat_shared.EventLog(event) as log:
        log.route = "$disconnect cleanup"
        gone, undelivered = event[chat_shared.CLEANUP], event.get("undelivered", [])
        left = chat_shared.clean_up(event, gone, undelivered, event.get("messages", []),
                                    seconds_left=context.get_remaining_time_in_millis() / 1000,
                                    left=event.get("left"))
        log.delivery = {"gone": len(gone), "undelivered": len(undelivered), "left": len(left)}
        log.outcome = "cleaned up"
        return chat_shared.OK

"""$disconnect: forget the connection, give its name back, and tell the others who left.

API Gateway runs this after the socket closed, on a best-effort basis: a connection may also vanish
without it, which the other functions notice when a post answers GoneException.
"""

import chat_shared
from chat_shared import _  # the text in the chat's language (CHAT_LANGUAGE, set at deploy; see chat_shared)


def handler(event, context):
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

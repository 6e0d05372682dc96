"""$default: anything that matches no route (not JSON, no action, an unknown action) gets a short help text.

The answer goes to the sender alone, whether or not it has a name.
"""

import json

import chat_connections  # sending to clients: post_to_connection, broadcast
import chat_events  # the event, the settings, the log line
import chat_text  # the chat's language, the rules for names and messages, the frames
from chat_text import N_, _  # the text in the chat's language (CHAT_LANGUAGE, set at deploy; see chat_text)

KNOWN_ACTIONS = ("setName", "sendPublic", "sendPrivate", "sendBot")
# N_ only marks the text for the catalog; _(HELP) translates it when it is sent.
HELP = N_('Send JSON with an action: {"action": "setName", "name": "Alice"} to choose your name, '
          '{"action": "sendPublic", "message": "Hi all"} to talk to everyone, '
          '{"action": "sendPrivate", "to": "Bob", "message": "Hi Bob"} to talk to one member, '
          '{"action": "sendBot", "message": "help"} to ask the bot.')


def handler(event, context):
    with chat_events.EventLog(event) as log:
        try:
            body = json.loads(event.get("body") or "")
        except ValueError:
            body = None

        if not isinstance(body, dict):
            problem = _("Messages must be JSON objects.")
        elif "action" not in body:
            problem = _("That message has no action.")
        elif body["action"] in KNOWN_ACTIONS:
            # Only happens when the API lacks that route: a deployment problem, not the sender's.
            problem = _("The action {action} exists, but this API has no route for it yet "
                        "(deploy the routes).").format(action=body["action"])
        else:
            problem = _("Unknown action {action}.").format(action=json.dumps(body["action"])[:40])

        chat_connections.send_error(event, chat_text.ChatError("unknown_action", f"{problem} {_(HELP)}"))
        log.outcome = "help"
        return chat_events.OK

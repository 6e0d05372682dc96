"""What every chat function receives and answers: its event, its settings, and one log line per event.

API Gateway hands each function an event, a dict: `requestContext` says which route and which
connection it came from, and `body` holds what the client sent. The deployment (notebook 03) sets the
function's settings as environment variables: CONNECTIONS_TABLE, NAME_INDEX, CLEANUP_FUNCTION and
CHAT_LANGUAGE. A handler answers API Gateway with OK, and prints one JSON line per event (EventLog),
which is what notebook 06 reads in the functions' logs.
"""

import json
import os
import time

OK = {"statusCode": 200}


def connection_id_of(event):
    return event["requestContext"]["connectionId"]


def read_body(event):
    """The JSON object the client sent ({} when the body is not a JSON object)."""
    try:
        body = json.loads(event.get("body") or "")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def setting(name):
    """An environment variable the deployment sets on every chat function, with a clear error if missing."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"The environment variable {name} is not set: the deploy step (notebook 03) sets "
                           "CONNECTIONS_TABLE, NAME_INDEX and CLEANUP_FUNCTION on every chat function.")
    return value


class EventLog:
    """Prints one JSON line per event: route, connection id, outcome and duration. Never the message text.

        with chat_events.EventLog(event) as log:
            ...
            log.delivery = chat_connections.broadcast(...)  # optional: recipients, removed, fanOutMs
            log.outcome = "sent"
    """

    def __init__(self, event):
        context = event.get("requestContext", {})
        self.route = context.get("routeKey")
        self.connection_id = context.get("connectionId")
        self.outcome = "ok"
        self.delivery = {}
        self.started = time.perf_counter()

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        record = {
            "level": "INFO" if error is None else "ERROR",
            "route": self.route,
            "connectionId": self.connection_id,
            "outcome": self.outcome if error is None else "crashed",
            "durationMs": round((time.perf_counter() - self.started) * 1000, 1),
            **self.delivery,
        }
        if error is not None:
            record["errorType"] = error_type.__name__
        print(json.dumps(record), flush=True)
        return False  # a crash still propagates, so Lambda reports it

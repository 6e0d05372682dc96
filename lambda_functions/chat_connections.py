"""Sending to connections: `post_to_connection`, the one call by which a function talks to a client.

A client's WebSocket stays open on API Gateway, not on a function. To send a frame to it, a function
calls `post_to_connection` on the API's `@connections` endpoint (see `post`), with the client's
connection id. `broadcast` posts to every member, several at a time when the posts wait on the network.
A connection that closed without $disconnect answers GoneException: those are removed from the table,
not by the sender but by a clean-up run of the $disconnect function (see `remove_stale`), which also tells
the others who left. The clients (the management client, the Lambda client) are created once per warm
container.
"""

import json
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import chat_events
import chat_table
import chat_text
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# The key that marks a clean-up event for the $disconnect function (API Gateway never sends it), and how
# many connection ids of each kind one such event carries (an asynchronous invoke's payload is at most 256 KB).
CLEANUP = "cleanup"
IDS_PER_CLEANUP = 2500
# A broadcast posts this many connections at a time; when all of them answered Gone, the rest of the list is
# most likely what a crash left behind, and the clean-up takes it over (see send_until_stale).
POSTS_PER_ROUND = 100
# The clean-up posts to the connections handed over to it this many at a time (fewer, larger rounds go faster;
# the gone ones are removed after each round).
CLEANUP_POSTS_PER_ROUND = 500
# A clean-up that has less time left than this hands the rest over to a new run (Lambda stops it at its timeout).
CLEANUP_RESERVE_SECONDS = 3
# Posts to members wait on the network, not on the CPU, so a few threads deliver much sooner.
# BROADCAST_WORKERS=1 posts one member after the other (the benchmark compares both).
DEFAULT_BROADCAST_WORKERS = 16
# Threads pay off only when a post waits on the network (on AWS, 5-20 ms a post). A post quicker than this
# waited on nothing (the local cloud, on the same machine), and there threads would only add their own cost.
THREADS_PAY_OFF_MS = 2.0

# boto3 clients, created once per warm container (clients, not chat state).
_management_clients = {}
_lambda_clients = []


# --- one frame to one connection: post_to_connection --------------------------------------------------

def management_client(event):
    """The client that posts to this API's WebSocket connections: https://{domainName}/{stage}.

    Without this API-specific endpoint the client cannot reach the connections at all.
    """
    context = event["requestContext"]
    endpoint = f"https://{context['domainName']}/{context['stage']}"
    if endpoint not in _management_clients:
        _management_clients[endpoint] = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=endpoint,
            # one pooled HTTP connection per broadcasting thread
            config=Config(max_pool_connections=max(10, DEFAULT_BROADCAST_WORKERS)),
        )
    return _management_clients[endpoint]


def post(client, connection_id, data):
    """Post one frame; return False when the connection is gone (it closed without $disconnect)."""
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data)
    # GoneException is a ClientError too: it must be caught first, or the cleanup never runs.
    except client.exceptions.GoneException:
        return False
    except (ClientError, BotoCoreError) as error:
        # Throttled, forbidden, a network hiccup: this member misses the frame, the others still get it.
        code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
        print(json.dumps({"level": "WARNING", "connectionId": connection_id, "postFailed": code}), flush=True)
    return True


# --- many frames to many connections ------------------------------------------------------------------

def broadcast_workers(first_post_ms=None):
    """How many posts run at once: BROADCAST_WORKERS when set, else chosen from how long the first post took."""
    if os.environ.get("BROADCAST_WORKERS"):
        return max(1, int(os.environ["BROADCAST_WORKERS"]))
    if first_post_ms is not None and first_post_ms < THREADS_PAY_OFF_MS:
        return 1
    return DEFAULT_BROADCAST_WORKERS


def send(event, connection_ids, messages):
    """Post the messages, in order, to each connection; to many connections several at once when that helps.

    Returns the ids of the connections that are gone.
    """
    if not connection_ids:
        return []
    client = management_client(event)
    frames = [json.dumps(message, ensure_ascii=False).encode("utf-8") for message in messages]

    def deliver(connection_id):
        for frame in frames:
            if not post(client, connection_id, frame):
                return connection_id
        return None

    def timed_deliver(connection_id):
        """deliver, and how many milliseconds each post took."""
        started = time.perf_counter()
        result = deliver(connection_id)
        return result, (time.perf_counter() - started) * 1000 / len(frames)

    # The first connection is posted to alone, and timed: a post that waited on the network (AWS) means
    # threads will overlap those waits; a post that waited on nothing means a plain loop is fastest.
    result, post_ms = timed_deliver(connection_ids[0])
    results = [result]
    if post_ms >= THREADS_PAY_OFF_MS and len(connection_ids) > 2:
        # One slow post may just be a busy moment (a laptop doing something else): time a second one.
        result, second_post_ms = timed_deliver(connection_ids[1])
        results.append(result)
        post_ms = min(post_ms, second_post_ms)
    rest = connection_ids[len(results):]
    workers = min(broadcast_workers(post_ms), len(rest))
    if workers <= 1:
        results += [deliver(connection_id) for connection_id in rest]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results += pool.map(deliver, rest)
    return [connection_id for connection_id in results if connection_id is not None]


def send_until_stale(event, connection_ids, messages):
    """Post to the connections a hundred at a time, until a whole hundred answered Gone.

    Such a run (the list is sorted newest first) means that the rest is most likely what a crash left
    behind, thousands of posts that would each answer Gone: the sender does not wait for those.
    Returns the ids that answered Gone and the ids not posted to yet, for the clean-up to take over.
    """
    gone = []
    for start in range(0, len(connection_ids), POSTS_PER_ROUND):
        batch = connection_ids[start:start + POSTS_PER_ROUND]
        batch_gone = send(event, batch, messages)
        gone += batch_gone
        if len(batch_gone) == len(batch):
            return gone, connection_ids[start + POSTS_PER_ROUND:]
    return gone, []


def broadcast(event, messages, members, exclude=None, already_sent=None):
    """Send the messages to every member (except `exclude`); the ones that are gone go to the clean-up.

    `already_sent` is a connection that got the messages before (sendPublic answers its sender first); it
    still hears who left. Returns figures for the log line: how many recipients, how many were gone, how many were handed over
    to the clean-up without a post, how long posting took.
    """
    started = time.perf_counter()
    # Newest connections first: after a crash, the members who came back are newer than the connections
    # the crash left behind, so they are not kept waiting behind thousands of posts that answer "gone".
    # (The member acting right now has no connectedAt in the list: it is surely alive, so it goes first.)
    recipients = sorted(chat_table.without_member(chat_table.without_member(members, exclude), already_sent),
                        key=lambda member: member.get("connectedAt", float("inf")), reverse=True)
    gone, undelivered = send_until_stale(event, [member["connectionId"] for member in recipients], messages)
    figures = {"recipients": len(recipients) + (already_sent is not None), "gone": len(gone),
               "fanOutMs": round((time.perf_counter() - started) * 1000, 1)}
    if undelivered:
        figures["handedOver"] = len(undelivered)
    cleanup = remove_stale(event, gone, undelivered, messages)
    if cleanup:
        figures["cleanup"] = cleanup
    return figures


def reply(event, messages):
    """Answer the sender alone."""
    gone = send(event, [chat_events.connection_id_of(event)], messages)
    if gone:
        remove_stale(event, gone)


def send_error(event, refusal):
    reply(event, [chat_text.error_message(refusal)])


# --- connections that are gone: the clean-up ----------------------------------------------------------

def lambda_client():
    """A Lambda client: $connect invokes itself again, and the senders invoke $disconnect to clean up."""
    if not _lambda_clients:
        _lambda_clients.append(boto3.client("lambda"))
    return _lambda_clients[0]


def remove_stale(event, gone, undelivered=(), messages=()):
    """Have the connections that answered GoneException removed, without making the sender wait for it.

    Removing thousands of connections (after a crash) takes a while, and neither the sender's message
    nor its next one must wait behind it. So the ids go to the $disconnect function, invoked
    asynchronously: InvocationType="Event" queues the event and answers at once. That run removes them
    in batches, posts the messages to the connections the sender did not reach (`undelivered`), and
    tells the others who left (see clean_up). The role may invoke that one function (notebook 01),
    whose name the deployment sets in CLEANUP_FUNCTION (notebook 03).

    Returns what happened, for the log line: "requested", "done here" (the clean-up could not be handed
    over, so it ran here), or None when there was nothing to do.
    """
    if not gone and not undelivered:
        return None
    if os.environ.get("CLEANUP_FUNCTION"):
        try:
            for start in range(0, max(len(gone), len(undelivered)), IDS_PER_CLEANUP):
                ask_for_cleanup(event, {CLEANUP: list(gone[start:start + IDS_PER_CLEANUP]),
                                        "undelivered": list(undelivered[start:start + IDS_PER_CLEANUP]),
                                        "messages": list(messages)})
            return "requested"
        except (ClientError, BotoCoreError) as error:
            # Refused (a role from before notebook 01 allowed it) or unreachable: clean up here instead.
            code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
            print(json.dumps({"level": "WARNING", "cleanupInvoke": code}), flush=True)
    clean_up(event, gone, undelivered, messages)
    return "done here"


def ask_for_cleanup(event, cleanup):
    """Invoke the clean-up function asynchronously with this work, and the API stage to post to."""
    context_fields = ("connectionId", "domainName", "stage", "apiId")
    cleanup["requestContext"] = {key: event["requestContext"][key] for key in context_fields
                                 if key in event["requestContext"]}
    lambda_client().invoke(FunctionName=chat_events.setting("CLEANUP_FUNCTION"), InvocationType="Event",
                           Payload=json.dumps(cleanup, ensure_ascii=False).encode("utf-8"))


def clean_up(event, gone, undelivered=(), messages=(), seconds_left=None, left=None, rounds=3):
    """The clean-up: remove stale connections in batches, finish a broadcast, tell the others who left.

    1. The connections known to be gone are removed at once.
    2. The connections the sender did not post to get the messages, CLEANUP_POSTS_PER_ROUND at a time; the
       ones that answer Gone are removed after each round, so the members list shrinks as this goes.
       A connection another clean-up removed meanwhile is skipped. With less than a few seconds left
       before the function's timeout, the rest goes to a new run of this function, with the names of
       those who left so far (`left`, {connection id: name}): that run tells the others.
    3. The others are told who left, in one line when many did. That may reveal more closed connections,
       so this repeats, a few rounds at most.
    Returns {connection id: name} of the members who left.
    """
    deadline = None if seconds_left is None else time.monotonic() + seconds_left - CLEANUP_RESERVE_SECONDS
    left = {**(left or {}), **chat_table.forget_connections(gone)}
    # Two messages sent after a crash make two clean-ups walking the same list. Each starts at a random place,
    # so that it finds much of the list already removed by the other (and skips it) rather than racing it.
    start = random.randrange(0, len(undelivered), CLEANUP_POSTS_PER_ROUND) if undelivered else 0
    undelivered = list(undelivered[start:]) + list(undelivered[:start])
    while undelivered:
        if deadline is not None and time.monotonic() > deadline:
            try:
                ask_for_cleanup(event, {CLEANUP: [], "undelivered": undelivered, "messages": list(messages),
                                        "left": left})
                return left
            except (ClientError, BotoCoreError):
                deadline = None  # carry on here, as long as Lambda lets this run
        batch, undelivered = undelivered[:CLEANUP_POSTS_PER_ROUND], undelivered[CLEANUP_POSTS_PER_ROUND:]
        still_here = [item["connectionId"] for item in chat_table.read_items([{"connectionId": key} for key in batch])]
        left.update(chat_table.forget_connections(send(event, still_here, messages)))

    departed = dict(left)
    for _round in range(rounds):
        if not left:
            break
        # The index may list a deleted item for a moment longer: those are known to be gone.
        members = [member for member in chat_table.list_members() if member["connectionId"] not in departed]
        news = chat_text.left_messages(list(left.values())) + [chat_text.members_message(members)]
        left = chat_table.forget_connections(send(event, [member["connectionId"] for member in members], news))
        departed.update(left)
    return departed

# %% [markdown]
# # 06 · Chatting from the notebook, and reading the logs (about 15 minutes)
#
# Time to use the chat. We open three WebSocket connections with **websocket-client** — Alice, Bob and
# Carol — right here in the notebook. Each message is one JSON object with an `action`
# (`setName`, `sendPublic`, `sendPrivate`, `sendBot`); each answer is one JSON object with one of
# `members`, `publicMessage`, `privateMessage` or `systemMessage`.

# %%
import json
import time

from workshop import check, lookup, setup
from workshop.chat_member import ChatMember
from workshop.diagnosis import not_ready
from workshop.terminal import show

session = setup()
print(session)
names = session.names
url = lookup.websocket_url(session)
if url is None:
    raise not_ready(session, "06")
print("Connecting to", url)
started_ms = int(time.time() * 1000)

# %% [markdown]
# Each member is a `ChatMember` (`workshop/chat_member.py`): one websocket-client connection
# (`websocket.create_connection(url)`) with one method per action, named like the protocol:
# `bob.set_name("Bob")` sends `{"action": "setName", "name": "Bob"}` as one text frame
# (`ws.send(json.dumps(...))`), and `alice.send_public("Hi")` sends `{"action": "sendPublic", "message": "Hi"}`.
# `member.receive_all()` reads every frame that arrives until the connection is quiet for a second, and
# `show(frame)` prints one as `kind: text`. We use them to see what each member got.

# %%
def inbox(person, member):
    for frame in member.receive_all(quiet_seconds=1.0):
        print(f"  {person} got {show(frame)}")


# %% [markdown]
# ## Join
#
# Alice gives her name in the URL (`?name=Alice`): the `$connect` function claims it before the socket
# opens. Bob and Carol connect first and then send `setName`.

# %%
alice = ChatMember(f"{url}?name=Alice", timeout=10)
bob = ChatMember(url, timeout=10)
carol = ChatMember(url, timeout=10)
bob.set_name("Bob")
carol.set_name("Carol")
for person, member in [("Alice", alice), ("Bob", bob), ("Carol", carol)]:
    inbox(person, member)

# %% [markdown]
# ## A public message, a private one, and the bot
#
# `sendPublic` reaches everyone with a name, the sender included. `sendPrivate` reaches one member.
# `sendBot` is a public message that the bot answers publicly.

# %%
alice.send_public("Hello everyone!")
bob.send_private("Carol", "Psst, Carol: lunch later?")
carol.send_bot("help")
for person, member in [("Alice", alice), ("Bob", bob), ("Carol", carol)]:
    inbox(person, member)

# %% [markdown]
# Look at the order Alice got her messages in: often Carol's question and the bot's answer come **before**
# Alice's own "Hello everyone!", although Alice sent hers first. The three messages were three events,
# handled at the same time by three functions (`sendPublic`, `sendPrivate`, `sendBot`), each in its own
# execution environment, and each posts to the members when **it** is done. Whichever is ready first —
# often one that did not have to start cold — arrives first. Notebook 08 measures this.

# %% [markdown]
# ## Answering a client: `post_to_connection`
#
# This is how every function talks to a client: a `post_to_connection` call on the `@connections` API of
# the stage. We make the same call from here, built the same way the functions build it: an
# `apigatewaymanagementapi` client whose endpoint is the stage's HTTPS URL (`https://{apiId}.execute-api.{region}.amazonaws.com/dev`
# on AWS; the local cloud's address here). We look up Alice's connection id by her name, as `sendPrivate`
# does, ask API Gateway about her connection, and post her one frame.

# %%
api = lookup.api(session)
management_url = api["ApiEndpoint"].replace("wss://", "https://").replace("ws://", "http://") + "/" + names.stage
management = session.boto_session.client("apigatewaymanagementapi", endpoint_url=management_url)

found = session.client("dynamodb").query(
    TableName=names.table, IndexName=names.name_index,
    KeyConditionExpression="nameKey = :key", ExpressionAttributeValues={":key": {"S": "alice"}})
alice_connection = found["Items"][0]["connectionId"]["S"]
connection = management.get_connection(ConnectionId=alice_connection)
print(f"Alice's connection {alice_connection}: connected at {connection['ConnectedAt']:%H:%M:%S}, "
      f"from {connection['Identity']['SourceIp']}")

management.post_to_connection(
    ConnectionId=alice_connection,
    Data=json.dumps({"systemMessage": "Hello Alice, this frame comes from the notebook."}).encode(),
)
inbox("Alice", alice)

# %% [markdown]
# ## Inputs the chat refuses
#
# The functions check every input. A taken name, an empty message, a private message to nobody and
# text that is not JSON each get an error `systemMessage` for the sender alone; nobody else sees anything.

# %%
carol.set_name("alice")  # names are unique, ignoring case
bob.send_public("   ")
bob.send_private("Zoe", "are you there?")
alice.send("hello?")  # not JSON: the $default route answers with help
for person, member in [("Alice", alice), ("Bob", bob), ("Carol", carol)]:
    inbox(person, member)

# %% [markdown]
# ## Leave
#
# Closing a socket runs the `$disconnect` function: it deletes the connection and tells the others.

# %%
carol.close()
inbox("Alice", alice)
alice.close()
bob.close()

# %% [markdown]
# ## The functions' logs
#
# Each function writes to the CloudWatch Logs group `/aws/lambda/<function>`: one line per event it
# handled, plus anything it printed and any error. `filter_log_events` reads them, here since this
# notebook started. This is where to look first when something does not work. After every invocation
# Lambda adds a **REPORT** line: its duration, the billed duration, the memory used and, after a cold
# start, the `Init Duration` (notebook 08 explains it).

# %%
logs = session.client("logs")
for route in names.routes:
    try:
        events = logs.filter_log_events(logGroupName=names.log_group(route), startTime=started_ms)["events"]
    except logs.exceptions.ResourceNotFoundException:
        events = []
    print(f"--- {names.log_group(route)}: {len(events)} lines")
    for event in events[-6:]:
        print("   ", event["message"].rstrip())

# %% [markdown]
# **What could go wrong**
# - `Handshake status 403`: wrong URL (missing stage?) or no deployment (notebook 05).
# - `Handshake status 409` for Alice: the name is taken — often by Alice's connection from an earlier run of
#   this notebook that is still open in this kernel. Run the "Leave" cell, or restart the kernel.
# - Every message answers `{"message": "Internal server error"}`: a function failed or may not be invoked —
#   its log above says which; re-run notebook 04 for permissions, 03 for code.
# - Nothing arrives: you have not chosen a name yet (members without a name receive nothing), or the role
#   lacks `execute-api:ManageConnections` (notebook 04).
# - On AWS, a connection idle for 10 minutes is closed; reconnect.

# %% [markdown]
# ## Check
#
# The check connects two throw-away members and sends a public and a private message between them.

# %%
check("06")

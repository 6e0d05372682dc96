# %% [markdown]
# # 09 · Serverless versus a server: latency, restarts, two servers, cost (about 20 minutes)
#
# The course compares two ways to run a backend: **a server** you run yourself (an EC2 instance: one
# long-running program) and **serverless** (functions that run per event, with managed services around
# them). We built the serverless way. The repository also has the same chat built **the server way**:
# `server_way/chat.py`, one aiohttp WebSocket server process that keeps every connection and name in its
# own memory and sends to the members itself. It speaks the same protocol (it even uses the functions'
# own rules and bot), so the same clients work with both.
#
# Here we run both on your machine and compare what the slides talk about: how fast a message reaches
# everyone, what a restart does, what happens with a second server, and what each costs per month on AWS.
# Every figure comes from your run or from the price list in `workshop/data/`.

# %%
import inspect
import os
import sys
import time

import websocket

import server_way
from server_way.chat import ChatServer
from workshop import check, fanout, lookup, prices, setup
from workshop.chat_member import ChatMember
from workshop.steps import NotReady
from workshop.terminal import show

session = setup()
print(session)
names = session.names
serverless_url = lookup.websocket_url(session)
if serverless_url is None:
    raise NotReady("The serverless chat has no URL yet: run notebooks 01 to 05 first.")

# %% [markdown]
# ## The server way: state in memory
#
# This is where the server keeps the chat — two dictionaries in the process's memory — and how it sends a
# message to everyone: it loops over its own sockets. No database, no API call between the parts.

# %%
print(inspect.getsource(ChatServer.__init__))
print(inspect.getsource(ChatServer.broadcast))

# %% [markdown]
# `server_way.launch()` starts it as a real process — `python -m server_way --port 0` — on a free port of
# `127.0.0.1` (only programs on your machine can reach it), and returns its URL and process id.

# %%
server = server_way.launch()
print(server)

# %% [markdown]
# ## How fast does a message reach everyone?
#
# For each chat, `fanout.measure` connects that many real WebSocket clients, gives each a name, then sends
# five public messages from the first one and times each message's arrival at every member (the sender
# included). Joining 100 members takes a while on the serverless chat: each join is announced to everyone.

# %%
sizes = [int(size) for size in os.environ.get("WORKSHOP_FANOUT_SIZES", "10,100").split(",")]
latency = {}
for size in sizes:
    for label, chat_url in (("server", server.url), ("serverless", serverless_url)):
        latency[label, size] = fanout.measure(chat_url, size)
        print(latency[label, size].line(label))

print("\nmembers   to each member (median)          to the last member (median)")
print("          server      serverless             server      serverless")
for size in sizes:
    server_run, serverless_run = latency["server", size], latency["serverless", size]
    print(f"{size:>7} {server_run.median_to_each_ms:8.1f} ms {serverless_run.median_to_each_ms:10.1f} ms    "
          f"{server_run.median_to_last_ms:12.1f} ms {serverless_run.median_to_last_ms:10.1f} ms")

# %% [markdown]
# The server is faster: it already holds every socket and posts straight to them. The serverless message
# takes more steps — the gateway invokes `sendPublic`, which reads the members from DynamoDB and posts to
# each through the `@connections` API — each a network call on AWS (a few ms each), and sometimes a cold
# start. For a chat both are quick enough (people notice from about 100–200 ms). What matters more is
# what happens when something changes.

# %% [markdown]
# ## What a restart loses
#
# Alice and Bob join the server. Then the server restarts — a new version is deployed, the machine is
# patched, the process crashes — on the same port.

# %%
def connected(member):
    """True while the connection is open (a frame or silence), False once the server closed or vanished."""
    try:
        member.ws.settimeout(2)
        return bool(member.ws.recv())
    except websocket.WebSocketTimeoutException:
        return True
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        return False


alice = ChatMember(f"{server.url}?name=Alice", timeout=10)
bob = ChatMember(f"{server.url}?name=Bob", timeout=10)
for person, member in (("Alice", alice), ("Bob", bob)):
    print(person, "got", [show(frame) for frame in member.receive_all(quiet_seconds=0.5)])

port = server.port
print("stopping the server, exit code", server.stop())
print("Alice still connected:", connected(alice), "· Bob still connected:", connected(bob))
server = server_way.launch(port)
print("started again:", server)

alice = ChatMember(f"{server.url}?name=Alice", timeout=10)
print("Alice reconnects and gets", [show(frame) for frame in alice.receive_all(quiet_seconds=0.5)])
print("The new process knows nothing of Bob: whoever was in the chat and under which name is gone.")

# %% [markdown]
# The serverless chat under the same event: Ana and Ben join it, and we replace **every execution
# environment** of `sendPublic` (a configuration change, as in notebook 08). The connections are held by
# API Gateway and the members by DynamoDB, so nobody notices.

# %%
ana = ChatMember(f"{serverless_url}?name=Ana", timeout=10)
ben = ChatMember(f"{serverless_url}?name=Ben", timeout=10)
for member in (ana, ben):
    member.receive_all(quiet_seconds=0.5)

lambda_client = session.client("lambda")
send_public = names.function("sendPublic")
environment = lambda_client.get_function_configuration(FunctionName=send_public)["Environment"]
lambda_client.update_function_configuration(FunctionName=send_public, Environment={
    "Variables": {**environment["Variables"], "DEPLOYED_AT": time.strftime("%H:%M:%S")}})
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=send_public)

ana.send_public("still here after the update?")
print("Ben got", [show(frame) for frame in ben.receive_all(quiet_seconds=1.5)])
lambda_client.update_function_configuration(FunctionName=send_public, Environment=environment)  # as it was
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=send_public)
for member in (ana, ben):
    member.close()

# %% [markdown]
# ## A second server
#
# One server has a limit (its CPU, its memory, its network), and it is a single point of failure. The
# usual answer is a second one behind a load balancer. We start a second process and put Bob on it.

# %%
second = server_way.launch()
print("first:", server, "· second:", second)
bob = ChatMember(f"{second.url}?name=Bob", timeout=10)
bob.receive_all(quiet_seconds=0.5)
alice.receive_all(quiet_seconds=0.5)

alice.send_public("Bob, are you there?")
alice.send_private("Bob", "psst")
print("Alice (first server) got:", [show(frame) for frame in alice.receive_all(quiet_seconds=1.0)])
got = bob.receive_all(quiet_seconds=1.0)
print("Bob (second server) got:", [show(frame) for frame in got] or "nothing")
bob.set_name("Bob")
print("Bob asks who is here:", [show(frame) for frame in bob.receive_all(quiet_seconds=0.5)])

# %% [markdown]
# Each process knows only its own members: Alice's server has never heard of Bob, so her public message
# does not reach him and her private one is refused. To scale a server out, the servers need **shared
# state** and a way to pass messages between them (e.g. Redis, or a database and a message bus), plus a
# load balancer that keeps WebSockets open — and then you run all of that. The serverless chat has this
# from the start: API Gateway holds every connection, DynamoDB holds every member, and any number of
# execution environments (notebook 08) handle the messages.

# %%
for member in (alice, bob):
    member.close()
print("exit codes:", server.stop(), second.stop())

# %% [markdown]
# ## Cost per month
#
# Prices come from one dated file, `workshop/data/prices-us-east-1.json`: us-east-1 list prices, each with
# the AWS pricing page it comes from. Read its note: they were written down from the published pages
# without network access, and prices change, so check the pages before you quote a figure.

# %%
price_list = prices.load()
print(price_list.describe())
print()
print(price_list.note)

# %% [markdown]
# What the serverless chat is billed for, per month: every WebSocket **message** in and out of API Gateway
# (a public message to a room of 20 is 1 in + 20 out) and every **connection minute**; each Lambda
# **request** and its **duration** (GB-seconds: seconds × memory); DynamoDB **read and write request
# units**. The server way: one instance running all month (730 hours), its disk and its public IPv4
# address, busy or not. Both pay for data sent to the internet (left out: the same for both).
#
# Two loads, written down as assumptions you can change:

# %%
loads = {
    "class": {"members": 30, "hours_online": 6, "sessions": 2, "messages_per_hour": 20, "room_size": 30},
    "startup": {"members": 2000, "hours_online": 30, "sessions": 30, "messages_per_hour": 30, "room_size": 20},
}
# Per invocation: the chat's functions have 256 MB, and a message to a room takes about 40 ms on AWS.
# Per message: one consistent read of the sender (1 unit) and a scan of the room (about 0.5).
# Per session: the name claim and the connection item, written at the join and deleted at the leave.
per_event = {"ms_per_invocation": 40, "memory_gb": 0.25, "read_units_per_message": 1.5, "write_units_per_session": 8}


def serverless_cost(load):
    sent = load["members"] * load["hours_online"] * load["messages_per_hour"]
    joins = load["members"] * load["sessions"]
    posts = sent * load["room_size"] + joins * 4 * load["room_size"]  # join and leave: a notice + the members list
    invocations = sent + joins * 3  # each message, and $connect, setName and $disconnect per session
    return {
        "API Gateway messages": (sent + joins + posts) * price_list.usd("apigateway_websocket_message"),
        "API Gateway connection minutes": load["members"] * load["hours_online"] * 60
        * price_list.usd("apigateway_websocket_connection_minute"),
        "Lambda requests": invocations * price_list.usd("lambda_request"),
        "Lambda duration": invocations * per_event["ms_per_invocation"] / 1000 * per_event["memory_gb"]
        * price_list.usd("lambda_gb_second"),
        "DynamoDB reads": sent * per_event["read_units_per_message"] * price_list.usd("dynamodb_read_request_unit"),
        "DynamoDB writes": joins * per_event["write_units_per_session"] * price_list.usd("dynamodb_write_request_unit"),
    }


def server_cost():
    hours = 730
    return {
        "EC2 t3.small, always on": hours * price_list.usd("ec2_t3_small_hour"),
        "its 8 GB gp3 disk": 8 * price_list.usd("ebs_gp3_gb_month"),
        "its public IPv4 address": hours * price_list.usd("public_ipv4_hour"),
    }


costs = {name: serverless_cost(load) for name, load in loads.items()}
print(f"{'USD per month':32} {'class':>10} {'startup':>10}")
for item in costs["class"]:
    print(f"{'  ' + item:32} {costs['class'][item]:10.4f} {costs['startup'][item]:10.2f}")
serverless_total = {name: sum(items.values()) for name, items in costs.items()}
print(f"{'serverless chat':32} {serverless_total['class']:10.2f} {serverless_total['startup']:10.2f}")
for item, usd in server_cost().items():
    print(f"{'  ' + item:32} {usd:10.2f} {usd:10.2f}")
server_total = sum(server_cost().values())
print(f"{'one server':32} {server_total:10.2f} {server_total:10.2f}")

# %% [markdown]
# And as a picture: the startup's load scaled from a handful of users to many. The serverless cost
# grows with use and is nearly zero at rest; the server costs the same every month, busy or idle — until
# one is not enough.

# %%
import matplotlib.pyplot as plt

shape = loads["startup"]
members_axis = [round(10 ** (exponent / 4)) for exponent in range(4, 23)]  # 10 to about 300,000 users
messages_axis = [m * shape["hours_online"] * shape["messages_per_hour"] for m in members_axis]
serverless_axis = [sum(serverless_cost({**shape, "members": m}).values()) for m in members_axis]
crossing = next((messages for messages, usd in zip(messages_axis, serverless_axis, strict=True) if usd > server_total), None)

figure, axes = plt.subplots(figsize=(8, 4.5))
axes.loglog(messages_axis, serverless_axis, label="serverless chat (pay per use)")
axes.loglog(messages_axis, [server_total] * len(messages_axis), label="one always-on server (t3.small)")
for name, load in loads.items():
    sent = load["members"] * load["hours_online"] * load["messages_per_hour"]
    axes.scatter([sent], [serverless_total[name]], zorder=3)
    axes.annotate(f"{name}: ${serverless_total[name]:.2f}", (sent, serverless_total[name]),
                  textcoords="offset points", xytext=(6, -12))
axes.set_xlabel("chat messages sent per month")
axes.set_ylabel("USD per month (us-east-1 list prices)")
axes.set_title(f"Serverless chat versus one server (prices as of {price_list.as_of})")
axes.legend()
axes.grid(True, which="major", alpha=0.3)
figure.tight_layout()
if "ipykernel" in sys.modules:
    plt.show()
else:
    plt.close(figure)
print(f"With the startup's habits, the serverless chat costs more than one server from about "
      f"{crossing:,} messages a month." if crossing else "Serverless stays cheaper over the whole range.")

# %% [markdown]
# ## When each wins
#
# - **Serverless wins** when traffic is small, irregular or unknown: a class, a new product, a chat that is
#   busy at 9 am and empty at night. It costs cents at rest, never needs patching or restarting, survives
#   deployments without dropping anyone, and grows to many execution environments without new code —
#   because the state already lives in shared services (API Gateway, DynamoDB).
# - **A server wins** when traffic is steady and high enough to keep a machine busy all month, and one
#   machine is enough: each message is cheaper and faster (you saw it above). The price is yours to pay
#   in work: patching, monitoring, restarts that drop everyone, and — to grow past one machine or survive
#   its loss — shared state and a load balancer, which is exactly what the second server was missing.
#
# Many teams start serverless and move the busiest part to servers or containers once the traffic is
# steady and the bill says so.

# %% [markdown]
# **What could go wrong**
# - `The server-way chat did not start`: run `python -m server_way` in a terminal to see its error.
# - The serverless measurement stops with `only N of M members got the message`: the chat lost members
#   while joining; run notebook 06's check, then this cell again.
# - No plot in a terminal run: plots show in the notebook; the table above has the same figures.

# %% [markdown]
# ## Check

# %%
check("09")

# %% [markdown]
# # 08 · Under the hood: cold starts, stateless functions, scale and ordering (about 20 minutes)
#
# The course says three things about Lambda functions: they are **decoupled** (one function per route,
# notebook 03), they are **stateless**, and they have **cold starts**. Here we measure the last two on your
# target, see how Lambda **scales**, and why chat messages handled by different invocations can arrive in
# **any order**.
#
# A word first: an **execution environment** is what runs your function — a small, isolated machine with
# your code loaded. Lambda creates one when an event arrives and none is free (a **cold start**: it starts
# the runtime and imports your module), reuses it for the next events (**warm** invokes), runs several side
# by side when events arrive at the same time, and throws them away when it likes.
#
# Everything this notebook creates — one small function, `<prefix>-counter` — carries your prefix and tags,
# and notebook 10 deletes it.

# %%
import base64
import io
import json
import os
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

from workshop import check, lookup, setup
from workshop.chat_member import ChatMember
from workshop.local_settings import SettingsUnavailable, spare_workers
from workshop.steps import NotReady
from workshop.terminal import show

session = setup()
print(session)
names = session.names
lambda_client = session.client("lambda")
role = lookup.role(session)
url = lookup.websocket_url(session)
if role is None or url is None:
    raise NotReady("This notebook looks at the chat you built: run notebooks 01 to 05 first.")

# %% [markdown]
# ## A small function to look inside
#
# The function below counts its invocations in a **module-level variable**, `invocations`. Module code
# (everything outside `handler`) runs once per execution environment, at its cold start; the handler runs
# once per event. It answers with its count and the name of its **log stream**: Lambda gives every
# execution environment its own log stream, so that name tells the environments apart.
#
# It imports boto3 like the chat's functions do, because that import is a large part of a Python cold
# start. It runs with the chat's role from notebook 01 (it needs no permission of its own).

# %%
COUNTER_CODE = '''\
import time

import boto3  # like the chat's functions: a large part of a Python cold start

environment_started = time.time()  # module code: runs once per execution environment
invocations = 0                    # lives in this execution environment, and only in it


def handler(event, context):
    global invocations
    invocations += 1
    time.sleep(event.get("sleep_seconds", 0))  # to keep this environment busy for a moment
    return {
        "environment": context.log_stream_name,  # one log stream per execution environment
        "invocations_here": invocations,
        "environment_age_seconds": round(time.time() - environment_started, 1),
    }
'''
print(COUNTER_CODE)

# %% [markdown]
# Lambda wants a zip with the module at its root. We build it in memory, then create the function (or
# update its code if it already exists from an earlier run).

# %%
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr(zipfile.ZipInfo("counter.py", date_time=(2024, 1, 1, 0, 0, 0)), COUNTER_CODE)
counter_zip = buffer.getvalue()

counter = names.counter_function
try:
    lambda_client.get_function(FunctionName=counter)
    lambda_client.update_function_code(FunctionName=counter, ZipFile=counter_zip)
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=counter)
    print("updated", counter)
except lambda_client.exceptions.ResourceNotFoundException:
    lambda_client.create_function(
        FunctionName=counter,
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="counter.handler",
        Code={"ZipFile": counter_zip},
        Timeout=30,
        MemorySize=256,
        Description="Notebook 08: a counter in the module, to see execution environments",
        Tags=session.tags,
    )
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=counter)
    print("created", counter)

# %% [markdown]
# ## Cold and warm starts, measured
#
# **On the local cloud** one spare worker process, with boto3 already imported, normally waits to become
# the next execution environment: it makes cold starts short, so they would look like 15 ms here. We turn
# it off for these measurements so that the number is honest (the last cell turns it back on).
# On AWS there is nothing to turn off.

# %%
try:
    spares_before = spare_workers(session)
    spare_workers(session, 0)
    print(f"Spare workers on the local cloud: {spares_before} → 0 (for this notebook's measurements)")
except SettingsUnavailable as reason:
    spares_before = None
    print(reason)

# %% [markdown]
# Any change of code or configuration makes Lambda start **new** execution environments: the old ones
# keep the old code. We change the configuration (an environment variable), then invoke five times in a
# row. `LogType="Tail"` returns the end of each invocation's log, whose last line is the **REPORT** line
# Lambda writes after every invocation:
#
# - `Duration`: the handler's own time; `Billed Duration`: what you pay for, in ms;
# - `Max Memory Used`: the environment's peak memory;
# - `Init Duration`: **only on a cold start**: the time to start the environment and run the module code
#   (the imports), before the handler could run.


# %%
def report_line(response):
    """The REPORT line from the log tail of one invoke (LogType="Tail")."""
    log_tail = base64.b64decode(response["LogResult"]).decode()
    return next(line for line in log_tail.splitlines() if line.startswith("REPORT"))


def report_field(report, field):
    """A number from a REPORT line, e.g. report_field(line, "Init Duration") -> 235.1, or None."""
    for part in report.split("\t"):
        if part.startswith(field + ":"):
            return float(part.split(":")[1].split()[0])
    return None


lambda_client.update_function_configuration(
    FunctionName=counter, Environment={"Variables": {"CHANGED_AT": time.strftime("%H:%M:%S")}})
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=counter)

starts = []
for _ in range(5):
    began = time.perf_counter()
    response = lambda_client.invoke(FunctionName=counter, Payload=b"{}", LogType="Tail")
    waited_ms = (time.perf_counter() - began) * 1000
    answer = json.loads(response["Payload"].read())
    report = report_line(response)
    starts.append({"waited_ms": waited_ms, "init_ms": report_field(report, "Init Duration"),
                   "duration_ms": report_field(report, "Duration"), **answer})
    print(report)

print()
print("invoke  we waited  Init Duration  Duration  environment (log stream)            count there")
for number, start in enumerate(starts, 1):
    init = f"{start['init_ms']:9.1f} ms" if start["init_ms"] is not None else "        —   "
    print(f"{number:>6} {start['waited_ms']:8.1f} ms  {init}  {start['duration_ms']:6.1f} ms  "
          f"…{start['environment'][-30:]}  {start['invocations_here']:>5}")
cold, warm = starts[0], starts[1:]
print(f"\nThe cold start took {cold['waited_ms']:.0f} ms from our side; the warm ones "
      f"{min(s['waited_ms'] for s in warm):.0f}–{max(s['waited_ms'] for s in warm):.0f} ms.")

# %% [markdown]
# Read the table: only the first invoke has an `Init Duration`, and it is most of the time we waited.
# The next four found the environment ready: same log stream, no init, a few milliseconds.
#
# **On AWS**, a Python function that imports boto3 typically shows an `Init Duration` of a few hundred
# milliseconds (often 200–500 ms at 256 MB), more with big libraries. A cold start happens on the first
# event, after every change of code or configuration, when more events arrive at once than there are free
# environments, and after an environment was idle for a while (minutes; AWS does not promise how long).
# In a chat, a cold start means the first message after a quiet moment arrives a few hundred ms late.
#
# What reduces it: import only what you need, and do it at module level once (not in the handler); keep
# the package small; more memory also means more CPU for the init; **provisioned concurrency** keeps a
# number of environments initialised (you pay for them while they wait), and **SnapStart** for Python
# resumes from a snapshot taken after the init. AWS also bills the init time since August 2025.
#
# On the local cloud, an execution environment is a worker process on your machine, and `Init Duration`
# is the time to start it and import your module: the same idea, measured on your laptop.

# %% [markdown]
# ## Stateless: what a module variable really is
#
# The counter went 1, 2, 3, 4, 5 above: **warm invokes of one environment share its module variables**.
# Now six invokes at the same moment, each keeping its environment busy for one second: no environment is
# free for the others, so Lambda runs them in different environments, and each has **its own** counter.

# %%
def invoke_counter(sleep_seconds):
    response = lambda_client.invoke(FunctionName=counter, Payload=json.dumps({"sleep_seconds": sleep_seconds}))
    return json.loads(response["Payload"].read())


with ThreadPoolExecutor(max_workers=6) as pool:
    answers = list(pool.map(invoke_counter, [1.0] * 6))

counts_by_environment = {}
for answer in answers:
    counts_by_environment.setdefault(answer["environment"], []).append(answer["invocations_here"])
for environment, counts in counts_by_environment.items():
    print(f"environment …{environment[-30:]}: counts {sorted(counts)}")
print(f"{len(answers)} simultaneous invokes ran in {len(counts_by_environment)} execution environments, "
      f"each with its own counter.")

# %% [markdown]
# And a change throws every environment away, with whatever it held: after this update the counter
# starts again at 1.

# %%
lambda_client.update_function_configuration(
    FunctionName=counter, Environment={"Variables": {"CHANGED_AT": time.strftime("%H:%M:%S") + "b"}})
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=counter)
after_update = invoke_counter(0)
print(f"after the update: environment …{after_update['environment'][-30:]}, counter {after_update['invocations_here']}")

# %% [markdown]
# So a function must not keep anything it needs later in memory: the next event may run in another
# environment, or in a new one. That is why the chat keeps every connection and name in **DynamoDB**.
# Here is the chat's table while three members are connected: any function, in any environment, reads
# the same items. (Each member is a connection item; each name also has a `name#…` claim item, which
# makes names unique.)

# %%
ana = ChatMember(f"{url}?name=Ana", timeout=10)
ben = ChatMember(f"{url}?name=Ben", timeout=10)
cleo = ChatMember(f"{url}?name=Cleo", timeout=10)
for member in (ana, ben, cleo):
    member.receive_all(quiet_seconds=0.5)

items = session.client("dynamodb").scan(TableName=names.table)["Items"]
for item in sorted(items, key=lambda item: item["connectionId"]["S"]):
    print({key: list(value.values())[0] for key, value in item.items()})

# %% [markdown]
# ## Scale: many events at once
#
# Lambda's answer to more events is more execution environments. We send many invokes at once, each
# taking half a second, and count the environments that served them. If every invoke had its own
# environment, all would be done in about half a second.

# %%
simultaneous = int(os.environ.get("WORKSHOP_SCALE_INVOKES", "50"))
began = time.perf_counter()
with ThreadPoolExecutor(max_workers=simultaneous) as pool:
    answers = list(pool.map(invoke_counter, [0.5] * simultaneous))
elapsed = time.perf_counter() - began
environments = {answer["environment"] for answer in answers}
busiest = max(sum(answer["environment"] == environment for answer in answers) for environment in environments)
print(f"{simultaneous} invokes at once took {elapsed:.1f} s, served by {len(environments)} execution "
      f"environments (the busiest served {busiest}).")

# %% [markdown]
# How many environments may run at once is the **concurrency**. On AWS a region's functions share a
# quota of concurrent executions (1,000 by default; a new account may start much lower, e.g. 10), and
# `put_function_concurrency` can reserve part of it for one function — which also caps that function.
# Past the limit Lambda does not queue synchronous invokes: it **throttles** them
# (`TooManyRequestsException`, HTTP 429), and API Gateway answers the chat client with an error. A rule of
# thumb: concurrency ≈ events per second × seconds per event; a chat message handled in 50 ms at 100
# messages per second needs about 5 environments.
#
# The local cloud runs at most `LOCAL_CLOUD_LAMBDA_MAX_WORKERS` (default 4) environments per function and
# makes the others **wait** for a free one: that is what the figure above shows on your laptop.

# %% [markdown]
# ## Ordering: why messages can overtake each other
#
# Each chat message is its own event, handled by its own invocation — of another function, or in another
# environment — and each posts to the members when **it** is done. Nothing puts them back in the order they
# were sent. To see it, we make `sendPublic` start cold (we add an environment variable: a configuration
# change, like a deployment), then Ana sends a public message and, 20 ms later, Ben asks the bot
# (`sendBot`, warm). What does Cleo see?

# %%
send_public = names.function("sendPublic")
environment = lambda_client.get_function_configuration(FunctionName=send_public)["Environment"]
lambda_client.update_function_configuration(FunctionName=send_public, Environment={
    "Variables": {**environment["Variables"], "DEPLOYED_AT": time.strftime("%H:%M:%S")}})
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=send_public)

ben.send_bot("time")  # the bot's environment is warm after this
for member in (ana, ben, cleo):
    member.receive_all(quiet_seconds=1.0)

began = time.perf_counter()
ana.send_public("1 (sent first)")
time.sleep(0.02)
ben.send_bot("2 (sent second) hello")
print("Ana sent at 0 ms, Ben at 20 ms. Cleo received:")
arrivals = []
while len(arrivals) < 3 and (frame := cleo.wait_for("publicMessage", timeout=30)) is not None:
    arrivals.append(frame["publicMessage"])
    print(f"  after {(time.perf_counter() - began) * 1000:6.0f} ms  {show(frame)}")
if arrivals and arrivals[0].startswith("Ben:"):
    print("Cleo saw the second message first: Ana's went to a cold sendPublic, Ben's to a warm sendBot.")
else:
    print("This time Ana's message still arrived first (her function started quickly): run the cell again.")

lambda_client.update_function_configuration(FunctionName=send_public, Environment=environment)  # as it was
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=send_public)
for member in (ana, ben, cleo):
    member.close()

# %% [markdown]
# This is what happened in notebook 06, where Alice got the bot's answer before her own message: three
# messages sent one right after the other were handled by three functions, each starting its own
# environment, and whichever was ready first posted first. Even two messages of one sender to one function
# can run in two environments at once. (Within one invocation the order holds: the bot's function posts
# the question before the answer.)
#
# When order matters, the messages must carry it: every frame of the chat carries `ts`, the time its
# function built it, so a front end can sort by it. A strict order needs one place that orders, e.g. an
# SQS FIFO queue in front of the function, or a counter in DynamoDB.

# %% [markdown]
# ## Back to normal
#
# The local cloud gets its spare worker back.

# %%
if spares_before is not None:
    print("Spare workers on the local cloud:", spare_workers(session, spares_before))

# %% [markdown]
# **What could go wrong**
# - `Handshake status 409` for Ana, Ben or Cleo: the name is held by a connection of an earlier run that is
#   still open in this kernel; restart the kernel.
# - `TooManyRequestsException` on AWS in the scale cell: your account's concurrency quota is low; lower
#   `WORKSHOP_SCALE_INVOKES` (e.g. 10) or ask AWS for more.
# - The counter never differs across environments: your machine is very slow to start workers; run the
#   cell again.

# %% [markdown]
# ## Check

# %%
check("08")

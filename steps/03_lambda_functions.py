# %% [markdown]
# # 03 · One Lambda function per route (about 15 minutes)
#
# Each kind of WebSocket message (a **route**) gets its own small function. They all share the role from
# notebook 01 and four helper modules, `chat_*.py`, that every function's zip carries:
#
# | route | function | handler |
# | --- | --- | --- |
# | `$connect` | `<prefix>-connect` | `connect.handler` |
# | `$disconnect` | `<prefix>-disconnect` | `disconnect.handler` |
# | `setName` | `<prefix>-setName` | `set_name.handler` |
# | `sendPublic` | `<prefix>-sendPublic` | `send_public.handler` |
# | `sendPrivate` | `<prefix>-sendPrivate` | `send_private.handler` |
# | `sendBot` | `<prefix>-sendBot` | `send_bot.handler` |
# | `$default` | `<prefix>-default` | `default.handler` |
#
# The code is in `lambda_functions/`; below we print each function's code before deploying it.
#
# **Events, functions and resources.** The course describes Lambda with three words, and all three are in
# this notebook:
#
# - an **event** starts the function: here, a WebSocket message that API Gateway routed, handed to the
#   function as a Python `dict` (we build one by hand at the end of this notebook);
# - the **function** is the unit you deploy: a handler (`connect.handler`: module `connect`, function
#   `handler`) and its code, in a zip;
# - the **resources** are what it runs with: its memory, its timeout, its role (what it may do), its
#   environment variables — and the services it uses, here the DynamoDB table.
#
# **Decoupled functions.** One function per route means each route has its own code, its own settings
# and its own execution environments: a bug in `sendBot` does not stop `sendPublic`, and updating
# `sendPrivate` leaves the other six running (notebook 08 updates one while the chat goes on).

# %%
import base64
import json
import time

from workshop import check, lookup, ownership, setup
from workshop.packaging import FUNCTIONS_DIR, build_zip, code_sha256
from workshop.diagnosis import not_ready
from workshop.language import current_language

session = setup()
print(session)
# Another learner's resources under this prefix (their `owner` or `learner` tag)? Stop here, changing nothing.
ownership.refuse_if_taken(session)
names = session.names
lambda_client = session.client("lambda")
role = lookup.role(session)
if role is None:
    raise not_ready(session, "03")
role_arn = role["Arn"]

# %% [markdown]
# ## The code of each function
#
# Each route's module is short and reads top to bottom: it reads the event, checks the input, reads or writes
# the table, and answers. What the seven share sits in four helper modules, each named for what it holds:
#
# - `chat_events.py`: the event a function receives, its settings (environment variables), its log line;
# - `chat_text.py`: the chat's language, the rules for names and messages, the frames sent to clients;
# - `chat_table.py`: the connections table in DynamoDB (members, name claims, removing who has gone);
# - `chat_connections.py`: sending to clients (one frame, a broadcast, the clean-up of closed connections).
#
# A handler calls them by module, `chat_table.list_members()`, so every line says where its helper lives.

# %%
code_folder = FUNCTIONS_DIR  # lambda_functions/, at the repository's root
for route in names.routes:
    module_file = code_folder / f"{names.module(route)}.py"
    print(f"# ===== {route} → {names.function(route)}: lambda_functions/{module_file.name} =====")
    print(module_file.read_text(encoding="utf-8"))

# %% [markdown]
# How a function answers a client is `post` in `chat_connections.py`: one `post_to_connection` call on the
# API's `@connections` endpoint, with the client's connection id. A connection that closed without saying so
# answers `GoneException`: `post` returns False, and the caller has it removed. Notebook 06 makes that same
# call from the notebook, to a real connection (there is none yet here).

# %%
shared_code = (code_folder / "chat_connections.py").read_text(encoding="utf-8")
post_code = shared_code[shared_code.index("def post("):]
print("# ===== lambda_functions/chat_connections.py: post =====")
print(post_code[:post_code.index("\n\n\n")])

# %% [markdown]
# ## Package the code
#
# Lambda receives a **zip** with the handler's module at its root. `build_zip` puts the route's module and
# the four `chat_*.py` in it, with the chat's translations (`locale/pt_BR/LC_MESSAGES/chat.mo`). It builds the same
# bytes from the same source, so comparing the zip's SHA-256 with the function's `CodeSha256` tells whether the
# deployed code is current.

# %%
packages = {route: build_zip(route) for route in names.routes}
for route, package in packages.items():
    print(f"{route:12} {names.handler(route):22} {len(package):6} bytes  sha256 {code_sha256(package)[:12]}…")

# %% [markdown]
# ## Create or update each function
#
# - A new function: `create_function`. On AWS a role created seconds ago is often not yet usable by Lambda
#   ("The role defined for the function cannot be assumed by Lambda"): we retry with a growing pause.
# - An existing function whose code changed: `update_function_code`. Unchanged code is left alone.
# - The environment holds the functions' settings: where the table is (`CONNECTIONS_TABLE`, `NAME_INDEX`),
#   which function removes members whose connection is gone (`CLEANUP_FUNCTION`, the `$disconnect` one) and
#   which language to speak to the chat's members (`CHAT_LANGUAGE`). No account or region in the code.
# - `CHAT_LANGUAGE` is your language, `en` or `pt-BR` (`WORKSHOP_LANG`, else your system's), taken now, at
#   deploy: the notices ("Ana joined the chat"), the error messages and the bot's echo are then in your class's
#   language. It is a setting, not code, so one zip serves every class, and changing it updates only the
#   configuration.
# - In `create_function`, `Handler` and `Code` are the **function**; `Role`, `Environment`, `Timeout` (10 s)
#   and `MemorySize` (256 MB) are its **resources**.
#
# The waiters `function_active_v2` and `function_updated_v2` wait until the function can run the new code.

# %%
environment = {"Variables": {"CONNECTIONS_TABLE": names.table, "NAME_INDEX": names.name_index,
                             "CLEANUP_FUNCTION": names.function("$disconnect"), "CHAT_LANGUAGE": current_language()}}
print("the functions will speak:", environment["Variables"]["CHAT_LANGUAGE"])

for route, function_name in names.functions.items():
    package = packages[route]
    try:
        current = lambda_client.get_function(FunctionName=function_name)["Configuration"]
    except lambda_client.exceptions.ResourceNotFoundException:
        current = None

    if current is None:
        for attempt in range(1, 11):
            try:
                lambda_client.create_function(
                    FunctionName=function_name,
                    Runtime="python3.12",
                    Role=role_arn,
                    Handler=names.handler(route),
                    Code={"ZipFile": package},
                    Environment=environment,
                    Timeout=10,
                    MemorySize=256,
                    Description=f"Chat route {route}",
                    Tags=session.tags,
                )
                break
            except lambda_client.exceptions.InvalidParameterValueException as error:
                if "cannot be assumed" not in str(error) or attempt == 10:
                    raise
                print(f"  the new role is not usable yet (IAM propagates); retrying in {attempt * 2} s")
                time.sleep(attempt * 2)
        lambda_client.get_waiter("function_active_v2").wait(FunctionName=function_name)
        print(f"created   {function_name}")
        continue

    if current["CodeSha256"] != code_sha256(package):
        lambda_client.update_function_code(FunctionName=function_name, ZipFile=package)
        lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function_name)
        print(f"updated   {function_name} (new code)")
    else:
        print(f"unchanged {function_name}")
    settings_differ = (current["Handler"] != names.handler(route) or current["Role"] != role_arn
                       or current.get("Environment", {}).get("Variables") != environment["Variables"])
    if settings_differ:
        lambda_client.update_function_configuration(
            FunctionName=function_name, Handler=names.handler(route), Role=role_arn, Environment=environment)
        lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function_name)
        print(f"          {function_name}: handler, role and environment set again")
    lambda_client.tag_resource(Resource=current["FunctionArn"], Tags=session.tags)

# %% [markdown]
# ## Try one: invoke `$connect` with a sample event
#
# Before any API exists we can call a function directly with `invoke`, handing it the **event** API Gateway
# would send when a client connects: a dict whose `requestContext` says which route, which connection and
# which API stage it came from. `LogType="Tail"` returns the last 4 KB of its log, base64-encoded.
# The function should answer `{"statusCode": 200}` and have written a connection item to the table.

# %%
sample_connection = "SampleConnId="
connect_event = {
    "requestContext": {
        "routeKey": "$connect", "eventType": "CONNECT", "connectionId": sample_connection,
        "connectedAt": int(time.time() * 1000), "requestTimeEpoch": int(time.time() * 1000),
        "domainName": f"example.execute-api.{session.region}.amazonaws.com", "stage": names.stage,
        "apiId": "example", "requestId": "sample-request", "messageDirection": "IN",
        "identity": {"sourceIp": "127.0.0.1", "userAgent": "notebook"},
    },
    "isBase64Encoded": False,
}

response = lambda_client.invoke(
    FunctionName=names.function("$connect"),
    Payload=json.dumps(connect_event).encode(),
    LogType="Tail",
)
print("status:", response["StatusCode"], "· function error:", response.get("FunctionError"))
print("result:", response["Payload"].read().decode())
print("log tail:")
print(base64.b64decode(response.get("LogResult", "")).decode())

# %% [markdown]
# The sample connection is now an item in the table. Invoking `$disconnect` for it removes it again, as
# API Gateway does when a client leaves.

# %%
item = session.client("dynamodb").get_item(TableName=names.table, Key={"connectionId": {"S": sample_connection}})
print("item written by $connect:", item.get("Item"))

disconnect_event = {**connect_event, "requestContext": {
    **connect_event["requestContext"], "routeKey": "$disconnect", "eventType": "DISCONNECT",
    "disconnectStatusCode": 1000, "disconnectReason": "sample"}}
response = lambda_client.invoke(FunctionName=names.function("$disconnect"), Payload=json.dumps(disconnect_event).encode())
print("$disconnect answered:", response["Payload"].read().decode())

# %% [markdown]
# **What could go wrong**
# - `Runtime.ImportModuleError`: the handler name does not match a module in the zip (e.g. `setName.handler`
#   instead of `set_name.handler`).
# - `AccessDeniedException` in the log when the function touches the table: the role's policy (notebook 01)
#   does not cover the table or index ARN.
# - You edited a file in `lambda_functions/`: run this notebook again; only the changed functions are updated.

# %% [markdown]
# ## Check

# %%
check("03")

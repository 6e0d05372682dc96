# %% [markdown]
# # 00 · Setup: what we build, where it runs (about 10 minutes)
#
# In this workshop you build the backend of a **real-time chat**: people connect with a WebSocket,
# pick a name, and send public messages, private messages and questions to a bot. Every part is
# created with **boto3**, the AWS SDK for Python, one notebook per part:
#
# ```mermaid
# flowchart LR
#     C1[chat client] <-->|WebSocket| GW[API Gateway<br/>WebSocket API]
#     C2[chat client] <-->|WebSocket| GW
#     GW -->|one route, one function| L[Lambda functions<br/>connect · setName · sendPublic · ...]
#     L -->|connections and names| DB[(DynamoDB table)]
#     L -->|POST @connections| GW
#     S3[S3 static website<br/>the web page] -->|HTTP| C2
# ```
#
# | notebook | you create | minutes |
# | --- | --- | --- |
# | 01 | the IAM role the functions run with | 10 |
# | 02 | the DynamoDB table of connections and names | 10 |
# | 03 | seven Lambda functions, one per route | 15 |
# | 04 | the WebSocket API: routes, integrations, permissions | 15 |
# | 05 | a deployment and a stage: the chat's URL | 5 |
# | 06 | a chat between clients right here, and the functions' logs | 15 |
# | 07 | the chat's web page, published as an S3 static website | 15 |
# | 08 | a small function to measure cold starts, statelessness, scale and message order | 20 |
# | 09 | nothing new on AWS: the same chat as one server process, compared with yours, and the cost | 20 |
# | 10 | the clean-up: delete everything you created | 5 |
#
# Every notebook can be re-run, in any order, in a new kernel: it never fails on "already exists"
# and never creates a second copy. Each one ends with a **check** that says ✅ or ❌ and what to fix.

# %% [markdown]
# ## Where your resources go: the target
#
# The same boto3 calls work in three places. The workshop picks one from your environment:
#
# - **the local cloud** (default): an AWS emulator on `127.0.0.1:4566`, started in the background the first
#   time a notebook needs it. No account, no cost. Its log is in `.workshop/local-cloud.log`;
#   `python -m workshop status` shows it.
# - **another endpoint**: set `AWS_ENDPOINT_URL=http://host:port` before starting Jupyter.
# - **real AWS**: set `WORKSHOP_TARGET=aws` (and your usual AWS credentials). The notebook shows the account
#   and region and asks you to type `yes` before creating anything (`WORKSHOP_CONFIRM=yes` for scripts).
#
# Your **prefix** (`WORKSHOP_PREFIX`, default `chat`) starts the name of everything you create, and every
# resource is tagged `workshop=serverless-chat` and `learner=<prefix>`. In a class sharing one AWS account,
# each learner picks their own prefix, so nobody touches anyone else's chat. Set it before Jupyter starts,
# e.g. `python -m workshop lab --prefix alice` (or `WORKSHOP_PREFIX=alice make lab`), so every notebook uses it.

# %% [markdown]
# `setup()` finds the target, starts the local cloud if needed, and returns a **session**: it hands out
# boto3 clients for the target and knows your prefix, region, account id and the names of everything.

# %%
from workshop import check, setup

session = setup()
print(session)

# %% [markdown]
# The names this prefix will use. They are computed from the prefix, never remembered, so any notebook
# finds the resources of the others even after a restart.

# %%
names = session.names
print("role:     ", names.role)
print("table:    ", names.table, "with index", names.name_index)
print("functions:", ", ".join(names.functions.values()))
print("API:      ", names.api, "stage", names.stage)
print("tags:     ", session.tags)

# %% [markdown]
# ## What it costs
#
# On the local cloud: nothing. On AWS the chat fits in the free tiers of Lambda and DynamoDB on-demand;
# API Gateway WebSocket APIs cost $1.00 per million messages and $0.25 per million connection-minutes —
# cents for a workshop. What costs money is **forgetting to clean up**: notebook 10 (or
# `python -m workshop destroy`) deletes everything your prefix created and proves nothing is left.
#
# **What could go wrong**
# - `No AWS credentials found` on AWS: run `aws configure` or `aws sso login`, then restart the kernel.
# - `Port 4566 is taken`: another program uses the port; stop it or point `AWS_ENDPOINT_URL` elsewhere.
# - `WORKSHOP_PREFIX=... cannot start resource names`: use lowercase letters, digits and hyphens.

# %% [markdown]
# ## Check: is everything ready?

# %%
check("00")

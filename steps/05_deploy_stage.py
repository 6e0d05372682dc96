# %% [markdown]
# # 05 · Deployment and stage: the chat's URL (about 5 minutes)
#
# A **deployment** is a snapshot of the API's routes and integrations. A **stage** (here `dev`) is a named,
# reachable version of the API that serves one deployment. Clients connect to
# `ApiEndpoint + "/" + stage`. Routes you add or change later reach clients only with a new deployment.

# %%
from workshop import check, lookup, ownership, setup
from workshop.diagnosis import not_ready

session = setup()
print(session)
# Another learner's resources under this prefix (their `owner` or `learner` tag)? Stop here, changing nothing.
ownership.refuse_if_taken(session)
names = session.names
apigw = session.client("apigatewayv2")
api = lookup.api(session)
if api is None:
    raise not_ready(session, "05")
api_id = api["ApiId"]

# %% [markdown]
# ## Deploy the current routes
#
# Every run takes a fresh snapshot, so the stage always serves the routes as they are now.

# %%
deployment = apigw.create_deployment(ApiId=api_id, Description="routes of the serverless chat")
print("Deployment", deployment["DeploymentId"], deployment.get("DeploymentStatus"))

# %% [markdown]
# ## Point the stage at it
#
# The first run creates the stage; later runs move it to the new deployment with `update_stage`.

# %%
stage = lookup.stage(session, api_id)
if stage is None:
    apigw.create_stage(ApiId=api_id, StageName=names.stage, DeploymentId=deployment["DeploymentId"],
                       Description="the chat's stage", Tags=session.tags)
    print("Created stage", names.stage)
else:
    apigw.update_stage(ApiId=api_id, StageName=names.stage, DeploymentId=deployment["DeploymentId"])
    print("Stage", names.stage, "now serves deployment", deployment["DeploymentId"])

# %% [markdown]
# Older deployments are no longer served by any stage. Deleting them keeps exactly one, however often
# this notebook runs.

# %%
for page in apigw.get_paginator("get_deployments").paginate(ApiId=api_id):
    for old in page["Items"]:
        if old["DeploymentId"] != deployment["DeploymentId"]:
            apigw.delete_deployment(ApiId=api_id, DeploymentId=old["DeploymentId"])
            print("Deleted old deployment", old["DeploymentId"])

# %% [markdown]
# ## The URL
#
# On AWS it looks like `wss://abc123.execute-api.us-east-1.amazonaws.com/dev`, on the local cloud
# `ws://127.0.0.1:4566/abc123/dev`. Any WebSocket client can connect to it — notebook 06 does, and so does
# `python -m workshop chat --name YourName` in a terminal.

# %%
websocket_url = f"{api['ApiEndpoint']}/{names.stage}"
print("The chat's URL:", websocket_url)

# %% [markdown]
# **What could go wrong**
# - You changed routes in notebook 04 but clients do not see it: run this notebook again (new deployment).
# - The handshake is refused with 403: the URL lacks the stage, or the stage does not exist.
# - The handshake is refused with 500/502: the `$connect` function failed — read its log (notebook 06).

# %% [markdown]
# ## Check

# %%
check("05")

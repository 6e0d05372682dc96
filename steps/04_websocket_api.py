# %% [markdown]
# # 04 · The WebSocket API: routes, integrations, permissions (about 15 minutes)
#
# API Gateway keeps the WebSocket connections open and calls a function for every event:
#
# - the **API** reads each message's JSON and picks a route by its `action` field
#   (`RouteSelectionExpression = $request.body.action`); anything else goes to `$default`;
# - an **integration** says how to call a function (`AWS_PROXY`: hand it the whole event);
# - a **route** links a route key (`sendPublic`, `$connect`, ...) to an integration;
# - a **permission** on each function lets API Gateway invoke it — for this API and this route only;
# - and the other way round, a policy on the role lets the functions **post to the connections** of this
#   API (`execute-api:ManageConnections`), which is how messages reach the clients.

# %%
import json

from workshop import check, lookup, ownership, setup
from workshop.diagnosis import not_ready

session = setup()
print(session)
# Another learner's resources under this prefix (their `owner` or `learner` tag)? Stop here, changing nothing.
ownership.refuse_if_taken(session)
names = session.names
apigw = session.client("apigatewayv2")
lambda_client = session.client("lambda")
iam = session.client("iam")
missing = [name for name in names.functions.values() if lookup.function(session, name) is None]
if missing or lookup.role(session) is None:
    raise not_ready(session, "04")

# %% [markdown]
# ## The API
#
# API names need not be unique, so a careless re-run would create a second API with the same name. We
# look for ours by name first and create it only when it is missing. `get_apis` answers page by page;
# its paginator walks through all pages (an account may hold many APIs).

# %%
paginator = apigw.get_paginator("get_apis")
same_name = [api for page in paginator.paginate() for api in page["Items"] if api["Name"] == names.api]
api = same_name[0] if same_name else None
if api is None:
    api = apigw.create_api(
        Name=names.api,
        ProtocolType="WEBSOCKET",
        RouteSelectionExpression="$request.body.action",
        Description="Serverless chat",
        Tags=session.tags,
    )
    print("Created API", api["ApiId"])
else:
    print("Found API", api["ApiId"])
api_id = api["ApiId"]
print("ApiEndpoint:", api["ApiEndpoint"])

# %% [markdown]
# ## Integrations and routes
#
# An integration's URI is a fixed form around the function's ARN. For each route: if the route exists,
# we point its integration at the right function; otherwise we create the integration, then the route
# with `Target="integrations/<id>"`.

# %%
existing_routes = lookup.routes(session, api_id)
for route, function_name in names.functions.items():
    function_arn = lambda_client.get_function(FunctionName=function_name)["Configuration"]["FunctionArn"]
    integration_uri = f"arn:aws:apigateway:{session.region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    if route in existing_routes and existing_routes[route].get("Target", "").startswith("integrations/"):
        integration_id = existing_routes[route]["Target"].removeprefix("integrations/")
        apigw.update_integration(ApiId=api_id, IntegrationId=integration_id, IntegrationUri=integration_uri)
        print(f"route {route:12} exists  → {function_name}")
        continue
    integration = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationMethod="POST",
        IntegrationUri=integration_uri,
    )
    target = f"integrations/{integration['IntegrationId']}"
    if route in existing_routes:  # a route left without a target by an interrupted run
        apigw.update_route(ApiId=api_id, RouteId=existing_routes[route]["RouteId"], Target=target)
    else:
        apigw.create_route(ApiId=api_id, RouteKey=route, Target=target)
    print(f"route {route:12} created → {function_name}")

# %% [markdown]
# ## Let API Gateway invoke each function — for this API and route only
#
# `add_permission` adds a statement to the function's *resource policy*. The `SourceArn`
# `arn:aws:execute-api:REGION:ACCOUNT:API_ID/*/ROUTE` limits it to this API's route (any stage).
# Without a `SourceArn`, any API in any account could invoke the function. Forgetting the permission is
# the classic cause of `Internal server error` on every message.
#
# A statement id is unique per function: on a re-run `ResourceConflictException` says it exists. If it was
# made for an older API (a different id), we replace it.

# %%
for route, function_name in names.functions.items():
    source_arn = f"arn:aws:execute-api:{session.region}:{session.account_id}:{api_id}/*/{route}"
    statement_id = names.permission_statement_id(route)
    current = {s.get("Sid"): s for s in lookup.function_policy(session, function_name)}.get(statement_id)
    if current and current.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn") == source_arn:
        print(f"{function_name:24} may be invoked by {source_arn} (already)")
        continue
    if current:
        lambda_client.remove_permission(FunctionName=function_name, StatementId=statement_id)
    lambda_client.add_permission(
        FunctionName=function_name,
        StatementId=statement_id,
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=source_arn,
    )
    print(f"{function_name:24} may be invoked by {source_arn}")

# %% [markdown]
# ## Let the functions post to this API's connections
#
# A function answers a client with `post_to_connection` on the API's `@connections` endpoint. That needs
# `execute-api:ManageConnections`, and we scope it to POSTs on this API's stage — not
# `AmazonAPIGatewayInvokeFullAccess`, which would cover every API in the account.

# %%
manage_connections = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "PostToThisChatsConnections",
        "Effect": "Allow",
        "Action": ["execute-api:ManageConnections"],
        "Resource": [f"arn:aws:execute-api:{session.region}:{session.account_id}:{api_id}/{names.stage}/POST/@connections/*"],
    }],
}
iam.put_role_policy(RoleName=names.role, PolicyName=names.manage_connections_policy,
                    PolicyDocument=json.dumps(manage_connections))
print(json.dumps(manage_connections, indent=2))

# %% [markdown]
# The routes exist now, but clients cannot connect yet: an API serves traffic only through a **stage**
# with a **deployment** — that is notebook 05.
#
# **What could go wrong**
# - `Internal server error` on every message: a function lacks the `lambda:InvokeFunction` permission, or
#   its `SourceArn` names another API id (the API was deleted and created again). Re-run this notebook.
# - `Forbidden` answers: no route matched and there is no `$default` route.
# - Nobody receives messages: the role lacks `execute-api:ManageConnections` for this API.
#
# **Try it (optional, once the chat works in notebook 06).** The local cloud enforces IAM like AWS: the
# functions run as the role and get exactly what its policies allow. Take the permission away:
# `iam.delete_role_policy(RoleName=names.role, PolicyName=names.manage_connections_policy)`, then send a
# message in notebook 06. Nobody receives it, and the function's log (`/aws/lambda/{prefix}-sendPublic`, as
# notebook 06 reads it) and the local cloud's log (`.workshop/local-cloud.log`) say, as AWS would, `User:
# arn:aws:sts::...:assumed-role/ROLE/FUNCTION is not authorized to perform: execute-api:ManageConnections on
# resource: arn:aws:execute-api:...` with the `put_role_policy` call that fixes it. Re-run this notebook
# to put the permission back.

# %% [markdown]
# ## Check

# %%
check("04")

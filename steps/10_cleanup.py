# %% [markdown]
# # 10 · Cleaning up: delete everything this prefix created (about 5 minutes)
#
# Leftover resources are where surprise bills come from. This notebook deletes everything **your prefix**
# created — and nothing else: it only looks at the exact names derived from your prefix, so in a shared
# account other learners' chats are safe. It deletes in **dependency order** (what uses something goes
# first): the web page's bucket, the API, the functions, the table, the role, and last the functions' log
# groups.
#
# First a dry run: it only lists. Set `WORKSHOP_DRY_RUN=1` (or run `python -m workshop destroy --dry-run`) to
# stop after the list.

# %%
import os
import time

from workshop import check, lookup, setup
from workshop.cleanup import find_leftovers

session = setup()
print(session)
names = session.names
dry_run = os.environ.get("WORKSHOP_DRY_RUN", "") == "1"

# %% [markdown]
# ## Dry run: what would be deleted

# %%
leftovers = find_leftovers(session)
print(f"{len(leftovers)} resources of prefix {session.prefix!r}:")
for kind, name, resource_id in leftovers:
    print(f"  {kind:9} {name}   ({resource_id})")
if dry_run:
    print("Dry run: nothing was deleted.")

# %% [markdown]
# ## 1. The web page's bucket
#
# S3 refuses to delete a bucket that still holds objects, so we delete them first, a page of up to 1,000
# at a time (`delete_objects`), then the bucket. Its policy, website and public-access settings go with it.

# %%
if not dry_run:
    bucket = lookup.website_bucket(session)
    if bucket is not None:
        s3 = session.client("s3")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                print(f"deleted {len(keys)} objects from", bucket)
        s3.delete_bucket(Bucket=bucket)
        print("deleted bucket", bucket)

# %% [markdown]
# ## 2. The API
#
# `delete_api` removes the API with its routes, integrations, stages and deployments; open connections
# are closed. (An interrupted run may have left two APIs with our name: we delete each.)

# %%
if not dry_run:
    apigw = session.client("apigatewayv2")
    for api in lookup.apis_named(session, names.api):
        apigw.delete_api(ApiId=api["ApiId"])
        print("deleted API", api["ApiId"])

# %% [markdown]
# ## 3. The functions
#
# The chat's seven, and the small counter function of notebook 08. Deleting a function also deletes its
# permissions (its resource policy).

# %%
if not dry_run:
    lambda_client = session.client("lambda")
    for function_name in names.every_function:
        try:
            lambda_client.delete_function(FunctionName=function_name)
            print("deleted function", function_name)
        except lambda_client.exceptions.ResourceNotFoundException:
            pass

# %% [markdown]
# ## 4. The table
#
# This deletes the table and every item in it. The `table_not_exists` waiter waits until it is gone.

# %%
if not dry_run:
    dynamodb = session.client("dynamodb")
    try:
        dynamodb.delete_table(TableName=names.table)
        dynamodb.get_waiter("table_not_exists").wait(TableName=names.table)
        print("deleted table", names.table)
    except dynamodb.exceptions.ResourceNotFoundException:
        pass

# %% [markdown]
# ## 5. The role
#
# IAM refuses to delete a role that still has policies: first its inline policies, then any attached
# managed policy, then the role.

# %%
if not dry_run:
    iam = session.client("iam")
    try:
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=names.role):
            for policy_name in page["PolicyNames"]:
                iam.delete_role_policy(RoleName=names.role, PolicyName=policy_name)
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=names.role):
            for policy in page["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=names.role, PolicyArn=policy["PolicyArn"])
        iam.delete_role(RoleName=names.role)
        print("deleted role", names.role)
    except iam.exceptions.NoSuchEntityException:
        pass

# %% [markdown]
# ## 6. The log groups
#
# Log groups outlive their functions, so we delete them ourselves — last: closing the API's connections
# ran the `$disconnect` function once more, and a function still running when it was deleted writes its
# final lines afterwards, which creates its log group again. So we look a few times, a second apart,
# until none of our log groups is left.

# %%
if not dry_run:
    logs = session.client("logs")
    our_log_groups = set(names.every_log_group)
    for attempt in range(5):
        found = [group["logGroupName"]
                 for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=f"/aws/lambda/{names.prefix}-")
                 for group in page["logGroups"] if group["logGroupName"] in our_log_groups]
        if not found and attempt > 0:
            break
        for group_name in found:
            logs.delete_log_group(logGroupName=group_name)
            print("deleted log group", group_name)
        time.sleep(1)

# %% [markdown]
# **What could go wrong**
# - `DeleteConflict` on the role: a policy is still attached (the cell above removes them first).
# - In a shared account, never delete by a broader pattern than your own names.

# %% [markdown]
# ## Stopping the local cloud
#
# On the local cloud, your resources are gone after this notebook, but the local cloud itself still runs
# in the background (it outlives this kernel, so that every notebook could share it). It costs nothing but
# some memory. When you are done for the day, stop it from a terminal in the repository folder:
#
# ```
# python -m workshop stop
# ```
#
# (Windows: `.venv\Scripts\python -m workshop stop`.) The next notebook that needs it starts it again. On AWS
# there is nothing to stop: the check below is the proof that nothing is left.

# %% [markdown]
# ## Check: proof that nothing is left

# %%
if dry_run:
    print("Dry run: the check runs after a real clean-up.")
else:
    check("10")
if session.target == "local":
    print("The local cloud still runs in the background. Done for the day? python -m workshop stop")

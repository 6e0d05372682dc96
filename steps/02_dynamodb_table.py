# %% [markdown]
# # 02 · The DynamoDB table of connections and names (about 10 minutes)
#
# The chat keeps **no state in the functions**: a Lambda container may be replaced at any time, and
# several run side by side. Every connection and every name lives in one DynamoDB table:
#
# - a **connection item** per open WebSocket: `connectionId`, `connectedAt`, and once named `name` and
#   `nameKey` (the name in lower case, so `Alice` and `alice` are the same name);
# - a **name claim** item per taken name (`connectionId = "name#alice"`), written in one transaction with
#   the connection, so two people cannot take one name at the same instant.
#
# A **global secondary index** `by-name` on `nameKey` lists the named members, and finds one by name.
# Only items with a `nameKey` appear in it (a *sparse* index), so it holds exactly the chat's members.

# %%
from workshop import check, ownership, setup

session = setup()
print(session)
# Another learner's resources under this prefix (their `owner` or `learner` tag)? Stop here, changing nothing.
ownership.refuse_if_taken(session)
names = session.names
dynamodb = session.client("dynamodb")

# %% [markdown]
# ## Create the table
#
# Only key attributes are declared (`AttributeDefinitions`): DynamoDB is schemaless otherwise.
# `PAY_PER_REQUEST` (on-demand) means no capacity to plan and nothing to pay while idle.
# If the table exists from an earlier run, `ResourceInUseException` tells us so and we keep it.

# %%
try:
    dynamodb.create_table(
        TableName=names.table,
        AttributeDefinitions=[
            {"AttributeName": "connectionId", "AttributeType": "S"},
            {"AttributeName": "nameKey", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{
            "IndexName": names.name_index,
            "KeySchema": [{"AttributeName": "nameKey", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        BillingMode="PAY_PER_REQUEST",
        Tags=session.tag_list,
    )
    print("Creating table", names.table)
except dynamodb.exceptions.ResourceInUseException:
    print("The table", names.table, "already exists: keeping it (and its data)")

# %% [markdown]
# A new table takes a few seconds to become `ACTIVE` on AWS. The `table_exists` waiter polls
# `describe_table` until it is.

# %%
dynamodb.get_waiter("table_exists").wait(TableName=names.table)
table = dynamodb.describe_table(TableName=names.table)["Table"]
# Tags again, in case an earlier run created the table without them.
dynamodb.tag_resource(ResourceArn=table["TableArn"], Tags=session.tag_list)
print(table["TableName"], table["TableStatus"], "· index:",
      [(index["IndexName"], index.get("IndexStatus")) for index in table.get("GlobalSecondaryIndexes", [])])

# %% [markdown]
# **What could go wrong**
# - `ValidationException: ... AttributeDefinitions`: every attribute in `AttributeDefinitions` must be used
#   in a key (of the table or an index), and every key attribute must be declared.
# - A table's key cannot change. If the check says the key or index is wrong, delete the table
#   (notebook 10) and run this notebook again.

# %% [markdown]
# ## Check

# %%
check("02")

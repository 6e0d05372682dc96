# %% [markdown]
# # 01 · The IAM role the functions run with (about 10 minutes)
#
# A Lambda function acts with the permissions of an **IAM role**. A role has two policies:
#
# - a **trust policy**: *who* may take on the role — here only the Lambda service;
# - **permission policies**: *what* the role may do. We grant the least that works: named actions on
#   our table and its index, and writing to our functions' log groups. Nothing with `*`.
#
# (The right to post to the chat's connections comes in notebook 04, once the API exists.)

# %%
import json

from workshop import check, ownership, setup

session = setup()
print(session)
# Another learner's resources under this prefix (their `owner` or `learner` tag)? Stop here, changing nothing.
ownership.refuse_if_taken(session)
names = session.names
iam = session.client("iam")

# %% [markdown]
# ## The trust policy, and the role
#
# `create_role` fails with `EntityAlreadyExists` when the role is there from an earlier run. That is
# fine: we then update its trust policy and tags instead, so a re-run also repairs a changed role.

# %%
trust_policy = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
}

try:
    role = iam.create_role(
        RoleName=names.role,
        AssumeRolePolicyDocument=json.dumps(trust_policy),
        Description="Runs the serverless chat's Lambda functions",
        Tags=session.tag_list,
    )["Role"]
    print("Created role", role["Arn"])
except iam.exceptions.EntityAlreadyExistsException:
    iam.update_assume_role_policy(RoleName=names.role, PolicyDocument=json.dumps(trust_policy))
    iam.tag_role(RoleName=names.role, Tags=session.tag_list)
    role = iam.get_role(RoleName=names.role)["Role"]
    print("The role already exists; trust policy and tags are up to date:", role["Arn"])

# A waiter polls until IAM answers for the new role (instant locally, a few seconds on AWS).
iam.get_waiter("role_exists").wait(RoleName=names.role)

# %% [markdown]
# ## The permission policy: least privilege
#
# ARNs (Amazon Resource Names) name exactly one resource each. The table's index has its own ARN
# (`.../table/NAME/index/INDEX`). A function writes its logs to the log group `/aws/lambda/FUNCTION`;
# we list our log groups one by one (the seven chat functions', and the one of notebook 08's small
# counter function) rather than `/aws/lambda/*`, which would cover every function in the account.
# One more statement lets the functions invoke two of the chat's functions (and nothing else), asynchronously:
# `$connect` invokes **itself**, because someone who joins with `?name=` gets the members list from a second
# run of that function (a socket cannot receive anything before `$connect` has answered; notebook 07 explains
# it); and a function that finds members whose connection is gone (closed without `$disconnect`, e.g. after a
# crash) hands them to `$disconnect`, which removes them in batches (`BatchGetItem`, `BatchWriteItem`) while
# the chat goes on.
# `put_role_policy` creates or replaces the inline policy, so re-running is safe.

# %%
table_arn = f"arn:aws:dynamodb:{session.region}:{session.account_id}:table/{names.table}"
log_group_arns = [
    f"arn:aws:logs:{session.region}:{session.account_id}:log-group:{log_group}:*"
    for log_group in names.every_log_group
]
function_arn = f"arn:aws:lambda:{session.region}:{session.account_id}:function:"
invoked_function_arns = [function_arn + names.function("$connect"), function_arn + names.function("$disconnect")]

permissions = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ChatTableAndNameIndex",
            "Effect": "Allow",
            "Action": [
                "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                "dynamodb:ConditionCheckItem", "dynamodb:Query", "dynamodb:Scan",
                "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
            ],
            "Resource": [table_arn, f"{table_arn}/index/{names.name_index}"],
        },
        {
            "Sid": "OwnLogGroups",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": log_group_arns,
        },
        {
            "Sid": "FollowUpAndCleanup",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": invoked_function_arns,
        },
    ],
}

iam.put_role_policy(RoleName=names.role, PolicyName=names.role_policy, PolicyDocument=json.dumps(permissions))
print(f"Inline policy {names.role_policy} on {names.role}:")
print(json.dumps(permissions, indent=2))

# %% [markdown]
# **What could go wrong**
# - `AccessDenied` on AWS: your own user may not create roles. In a class, the instructor grants
#   `iam:CreateRole`/`iam:PutRolePolicy` on roles named `<prefix>-*`.
# - Attaching `AdministratorAccess` or `AmazonDynamoDBFullAccess` "to make it work" also works — for anyone
#   who gets hold of the function. The check below refuses wildcards.
# - On AWS a new role takes a few seconds to be usable by Lambda; notebook 03 retries for that.
# - An action missing here shows up later, when a function runs: `AccessDeniedException` ("... is not
#   authorized to perform: dynamodb:PutItem ...") in its log. The local cloud enforces the role's policies
#   like AWS, and its hint names the `put_role_policy` statement that fixes it.

# %% [markdown]
# ## Check

# %%
check("01")

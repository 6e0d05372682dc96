"""Which (action, resource) pairs IAM checks for a boto3 call: real requests, as botocore signs and sends them."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from local_cloud.iam import operations, resources
from local_cloud.iam.policy import UNKNOWN_RESOURCE

ACCOUNT = "123456789012"
REGION = "us-east-1"


class _Raw:
    def stream(self, **_):
        yield b""


def checks_of(service: str, operation: str, **params) -> list[tuple[str, str]]:
    """Build the request boto3 would send (signed with a session key), and return what IAM checks for it."""
    return [(check.action, check.resource) for check in full_checks_of(service, operation, **params)]


def full_checks_of(service: str, operation: str, **params) -> list[resources.Check]:
    """The checks of the request boto3 would send, with their condition keys."""
    client = boto3.client(service, region_name=REGION, endpoint_url="http://127.0.0.1:4566",
                          aws_access_key_id="ASIAEXAMPLE", aws_secret_access_key="secret", aws_session_token="t")
    seen = {}

    def capture(request, **_):
        seen["request"] = request
        return AWSResponse(request.url, 200, {}, _Raw())

    client.meta.events.register_first("before-send", capture)  # before moto's own, inside mock_aws
    # The empty answer may not parse; the request is what matters.
    with contextlib.suppress(Exception):
        getattr(client, operation)(**params)
    request = seen["request"]
    url = urlsplit(request.url)
    body = request.body if isinstance(request.body, bytes) else b"" if not isinstance(request.body, str) else request.body.encode()
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    call = operations.parse(request.method, url.path or "/", url.query, headers, body)
    assert call is not None and call.access_key == "ASIAEXAMPLE" and call.region == REGION
    return resources.checks(call, ACCOUNT)


TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/chat-connections"


def test_dynamodb_an_index_is_its_own_resource():
    assert checks_of("dynamodb", "query", TableName="chat-connections", IndexName="by-name",
                     KeyConditionExpression="nameKey = :k", ExpressionAttributeValues={":k": {"S": "a"}}) == [
        ("dynamodb:Query", f"{TABLE}/index/by-name")]
    assert checks_of("dynamodb", "scan", TableName="chat-connections") == [("dynamodb:Scan", TABLE)]


def test_dynamodb_each_item_of_a_transaction_is_checked():
    items = [{"Put": {"TableName": "chat-connections", "Item": {"connectionId": {"S": "a"}}}},
             {"Update": {"TableName": "other", "Key": {"connectionId": {"S": "a"}}, "UpdateExpression": "SET x = :x",
                         "ExpressionAttributeValues": {":x": {"S": "1"}}}},
             {"ConditionCheck": {"TableName": "chat-connections", "Key": {"connectionId": {"S": "b"}},
                                 "ConditionExpression": "attribute_exists(connectionId)"}},
             {"Delete": {"TableName": "chat-connections", "Key": {"connectionId": {"S": "c"}}}}]
    assert checks_of("dynamodb", "transact_write_items", TransactItems=items) == [
        ("dynamodb:PutItem", TABLE), ("dynamodb:UpdateItem", TABLE.replace("chat-connections", "other")),
        ("dynamodb:ConditionCheckItem", TABLE), ("dynamodb:DeleteItem", TABLE)]
    assert checks_of("dynamodb", "batch_write_item", RequestItems={
        "chat-connections": [{"DeleteRequest": {"Key": {"connectionId": {"S": "a"}}}}]}) == [
        ("dynamodb:BatchWriteItem", TABLE)]


def test_lambda_invoke_and_create_function():
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:chat-sendPublic"
    assert checks_of("lambda", "invoke", FunctionName="chat-sendPublic") == [("lambda:InvokeFunction", function)]
    assert checks_of("lambda", "invoke", FunctionName="chat-sendPublic", Qualifier="live") == [
        ("lambda:InvokeFunction", f"{function}:live")]
    role = f"arn:aws:iam::{ACCOUNT}:role/chat-lambda-role"
    assert checks_of("lambda", "create_function", FunctionName="chat-x", Role=role, Runtime="python3.12",
                     Handler="a.b", Code={"ZipFile": b"zip"}) == [
        ("lambda:CreateFunction", function.replace("chat-sendPublic", "chat-x")), ("iam:PassRole", role)]
    assert checks_of("lambda", "list_functions") == [("lambda:ListFunctions", "*")]


def test_logs_name_groups_and_streams_as_their_authorization_does():
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/f"
    assert checks_of("logs", "create_log_group", logGroupName="/aws/lambda/f") == [
        ("logs:CreateLogGroup", f"{group}:log-stream:")]
    assert checks_of("logs", "put_log_events", logGroupName="/aws/lambda/f", logStreamName="s",
                     logEvents=[{"timestamp": 1, "message": "m"}]) == [("logs:PutLogEvents", f"{group}:log-stream:s")]


def test_iam_sts_and_api_gateway():
    assert checks_of("iam", "put_role_policy", RoleName="r", PolicyName="p", PolicyDocument="{}") == [
        ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/r")]
    role = f"arn:aws:iam::{ACCOUNT}:role/r"
    assert checks_of("sts", "assume_role", RoleArn=role, RoleSessionName="me") == [("sts:AssumeRole", role)]
    assert checks_of("sts", "get_caller_identity") == []  # always allowed
    assert checks_of("apigatewayv2", "get_api", ApiId="abc123") == [
        ("apigateway:GET", f"arn:aws:apigateway:{REGION}::/apis/abc123")]


def test_s3_actions_are_iams_names_not_the_operations():
    assert checks_of("s3", "list_objects_v2", Bucket="chat-web") == [("s3:ListBucket", "arn:aws:s3:::chat-web")]
    assert checks_of("s3", "head_object", Bucket="chat-web", Key="index.html") == [
        ("s3:GetObject", "arn:aws:s3:::chat-web/index.html")]
    assert checks_of("s3", "put_object", Bucket="chat-web", Key="a/b.js", Body=b"x") == [
        ("s3:PutObject", "arn:aws:s3:::chat-web/a/b.js")]
    assert checks_of("s3", "list_buckets") == [("s3:ListAllMyBuckets", "*")]


@pytest.mark.parametrize(("service", "operation", "params", "action"), [
    ("sqs", "list_queues", {}, "sqs:ListQueues"),
    ("sns", "list_topics", {}, "sns:ListTopics"),
    ("events", "list_rules", {}, "events:ListRules"),
])
def test_other_services_are_checked_on_their_action(service, operation, params, action):
    assert checks_of(service, operation, **params) == [(action, UNKNOWN_RESOURCE)]


TAGS = {"workshop": "serverless-chat", "learner": "ana"}


@pytest.mark.parametrize(("service", "operation", "params"), [
    ("apigatewayv2", "create_api", {"Name": "a", "ProtocolType": "WEBSOCKET",
                                    "RouteSelectionExpression": "$request.body.action", "Tags": TAGS}),
    ("lambda", "tag_resource", {"Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ana-connect", "Tags": TAGS}),
    ("dynamodb", "tag_resource", {"ResourceArn": TABLE, "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}),
    ("iam", "create_role", {"RoleName": "ana-lambda-role", "AssumeRolePolicyDocument": "{}",
                            "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}),
])
def test_the_tags_a_request_sets_are_aws_request_tag_and_aws_tag_keys(service, operation, params):
    [check] = full_checks_of(service, operation, **params)
    assert check.context["aws:requesttag/learner"] == "ana"
    assert check.context["aws:requesttag/workshop"] == "serverless-chat"
    assert sorted(check.context["aws:tagkeys"]) == ["learner", "workshop"]


def test_lambda_tagging_is_checked_on_the_function_it_names():
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ana-connect"
    assert checks_of("lambda", "list_tags", Resource=arn) == [("lambda:ListTags", arn)]


def test_a_request_without_tags_has_no_request_tag_keys():
    [check] = full_checks_of("dynamodb", "describe_table", TableName="chat-connections")
    assert not any(key.startswith(("aws:requesttag/", "aws:tagkeys")) for key in check.context)


def test_s3_public_access_block_has_its_iam_action_name():
    assert checks_of("s3", "put_public_access_block", Bucket="b", PublicAccessBlockConfiguration={
        "BlockPublicPolicy": False}) == [("s3:PutBucketPublicAccessBlock", "arn:aws:s3:::b")]


def test_api_gateway_paths_carry_their_apis_tags_as_aws_resource_tag():
    """Routes, integrations and stages are checked with their API's tags; a stage adds its own."""
    from moto import mock_aws

    with mock_aws():
        apigw = boto3.client("apigatewayv2", region_name=REGION)
        api_id = apigw.create_api(Name="ana-websocket-api", ProtocolType="WEBSOCKET",
                                  RouteSelectionExpression="$request.body.action", Tags=TAGS)["ApiId"]
        apigw.create_stage(ApiId=api_id, StageName="dev", Tags={"stage-only": "yes"})
        [route] = full_checks_of("apigatewayv2", "create_route", ApiId=api_id, RouteKey="sendPublic")
        [stage] = full_checks_of("apigatewayv2", "update_stage", ApiId=api_id, StageName="dev", Description="x")
        [delete] = full_checks_of("apigatewayv2", "delete_api", ApiId=api_id)
        [other] = full_checks_of("apigatewayv2", "delete_api", ApiId="nosuchapi")
    assert route.action == "apigateway:POST" and route.context["aws:resourcetag/learner"] == "ana"
    assert stage.context["aws:resourcetag/learner"] == "ana" and stage.context["aws:resourcetag/stage-only"] == "yes"
    assert delete.resource.endswith(f"::/apis/{api_id}") and delete.context["aws:resourcetag/workshop"] == "serverless-chat"
    assert not any(key.startswith("aws:resourcetag/") for key in other.context)

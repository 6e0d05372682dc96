"""A learner's WebSocket API on a local cloud, built with the workshop's boto3 calls: for tests and benchmarks.

`LearnerApi` creates a role, an events table, probe functions, an API with routes and a stage, the way the
steps do; the probe function records every event it gets, so a caller can read what API Gateway sent.
"""

from __future__ import annotations

import io
import json
import textwrap
import time
import zipfile
from typing import Any

from local_cloud import LocalCloud

REGION = "us-east-1"
TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})

# A Lambda that records every event it gets in DynamoDB (so tests can read what API Gateway sent) and
# behaves as the message (or the $connect query string) asks: raise, sleep, print a lot, post to itself...
PROBE_SOURCE = '''
import json
import os
import time

import boto3

table = boto3.resource("dynamodb").Table(os.environ["EVENTS_TABLE"])


def handler(event, context):
    context_ = event["requestContext"]
    table.put_item(Item={
        "requestId": context_["requestId"],
        "connectionId": context_["connectionId"],
        "eventType": context_["eventType"],
        "routeKey": context_["routeKey"],
        "event": json.dumps(event),
    })
    if context_["eventType"] == "CONNECT":
        query = event.get("queryStringParameters") or {}
        if "crash" in query:
            raise RuntimeError("the $connect handler crashed on purpose")
        if "nostatus" in query:
            return {"body": "no status code here"}
        return {"statusCode": int(query.get("status", 200)), "body": query.get("say", "")}
    if context_["eventType"] == "DISCONNECT":
        return {"statusCode": 200}
    try:
        message = json.loads(event["body"])
    except ValueError:
        message = {}
    do = message.get("do") if isinstance(message, dict) else None
    if do == "raise":
        raise ValueError("the handler raised on purpose")
    if do == "sleep":
        time.sleep(float(message.get("seconds", 5)))
    if do == "print":
        print("x" * int(message.get("bytes", 1_000_000)))
    if do == "post_self":
        # As AWS's samples do: the management endpoint built from the event.
        client = boto3.client("apigatewaymanagementapi",
                              endpoint_url=f"https://{context_['domainName']}/{context_['stage']}")
        client.post_to_connection(ConnectionId=context_["connectionId"], Data=message.get("data", "hi").encode())
    if do == "plain":
        return message.get("value")
    return {"statusCode": 200, "body": json.dumps({"route": context_["routeKey"], "echo": message,
                                                  "requestId": context_["requestId"]})}
'''


# The probe's role may use the tables of its prefix and manage the connections of any API (IAM is enforced).
PROBE_POLICY = "probe-permissions"


def zip_source(source: str, module: str = "handler") -> bytes:
    """A deployment package with one module at its root, as `zip function.zip handler.py` makes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{module}.py", textwrap.dedent(source))
    return buffer.getvalue()


class LearnerApi:
    """The boto3 calls of the workshop's steps, on one local cloud: role, table, functions, API, routes, stage."""

    def __init__(self, cloud: LocalCloud, prefix: str) -> None:
        self.cloud = cloud
        self.prefix = prefix
        self.iam = cloud.client("iam")
        self.lambda_ = cloud.client("lambda")
        self.apigw = cloud.client("apigatewayv2")
        self.dynamodb = cloud.client("dynamodb")
        self.account = cloud.client("sts").get_caller_identity()["Account"]
        self.events_table = f"{prefix}-events"
        self.role_arn = self._role()
        self.dynamodb.create_table(
            TableName=self.events_table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "requestId", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "requestId", "KeyType": "HASH"}],
        )

    def _role(self) -> str:
        role = self.iam.create_role(RoleName=f"{self.prefix}-role", AssumeRolePolicyDocument=TRUST_POLICY)
        self.iam.attach_role_policy(RoleName=f"{self.prefix}-role",
                                    PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*",
             "Resource": f"arn:aws:dynamodb:{REGION}:{self.account}:table/{self.prefix}-*"},
            {"Effect": "Allow", "Action": "execute-api:ManageConnections",
             "Resource": f"arn:aws:execute-api:{REGION}:{self.account}:*/*/*/@connections/*"},
        ]}
        self.iam.put_role_policy(RoleName=f"{self.prefix}-role", PolicyName=PROBE_POLICY,
                                 PolicyDocument=json.dumps(policy))
        return role["Role"]["Arn"]

    def function(self, name: str, source: str = PROBE_SOURCE, timeout: int = 30,
                 environment: dict[str, str] | None = None) -> str:
        """create_function with a zip written here; returns the function ARN."""
        created = self.lambda_.create_function(
            FunctionName=f"{self.prefix}-{name}", Runtime="python3.11", Role=self.role_arn,
            Handler="handler.handler", Code={"ZipFile": zip_source(source)}, Timeout=timeout,
            Environment={"Variables": {"EVENTS_TABLE": self.events_table, **(environment or {})}},
        )
        return created["FunctionArn"]

    def api(self, name: str, expression: str = "$request.body.action") -> str:
        created = self.apigw.create_api(Name=f"{self.prefix}-{name}", ProtocolType="WEBSOCKET",
                                        RouteSelectionExpression=expression)
        return created["ApiId"]

    def route(self, api_id: str, route_key: str, function_arn: str, *, permission: str | None = "route",
              two_way: bool = False) -> str:
        """create_integration + create_route (+ route response) + add_permission scoped to this route.

        permission: "route" (SourceArn .../*/{routeKey}), "api" (.../*), None (forgotten), or a SourceArn.
        """
        uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        integration = self.apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                                    IntegrationMethod="POST", IntegrationUri=uri)
        route = self.apigw.create_route(ApiId=api_id, RouteKey=route_key,
                                        Target=f"integrations/{integration['IntegrationId']}")
        if two_way:
            self.apigw.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
        if permission is not None:
            base = f"arn:aws:execute-api:{REGION}:{self.account}:{api_id}"
            source_arn = {"route": f"{base}/*/{route_key}", "api": f"{base}/*"}.get(permission, permission)
            self.lambda_.add_permission(
                FunctionName=function_arn, StatementId=f"{api_id}-{route_key.strip('$')}-{int(time.time() * 1e6)}",
                Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com", SourceArn=source_arn,
            )
        return route["RouteId"]

    def deploy(self, api_id: str, stage: str = "test", auto_deploy: bool = False) -> str:
        """create_deployment + create_stage(DeploymentId) (or a new deployment for an existing stage)."""
        if auto_deploy:
            self.apigw.create_stage(ApiId=api_id, StageName=stage, AutoDeploy=True)
            return self.url(api_id, stage)
        deployment = self.apigw.create_deployment(ApiId=api_id)
        existing = {s["StageName"] for s in self.apigw.get_stages(ApiId=api_id)["Items"]}
        if stage in existing:
            self.apigw.update_stage(ApiId=api_id, StageName=stage, DeploymentId=deployment["DeploymentId"])
        else:
            self.apigw.create_stage(ApiId=api_id, StageName=stage, DeploymentId=deployment["DeploymentId"])
        return self.url(api_id, stage)

    def url(self, api_id: str, stage: str = "test") -> str:
        return self.apigw.get_api(ApiId=api_id)["ApiEndpoint"] + "/" + stage

    # -- what the probe recorded ----------------------------------------------------------------
    def events(self, connection_id: str, event_type: str | None = None, wait: float = 10.0,
               count: int = 1) -> list[dict[str, Any]]:
        """The events the probe recorded for a connection (waits until `count` of them arrived)."""
        deadline = time.monotonic() + wait
        while True:
            items = self._scan()
            found = [json.loads(item["event"]["S"]) for item in items
                     if item["connectionId"]["S"] == connection_id
                     and (event_type is None or item["eventType"]["S"] == event_type)]
            if len(found) >= count or time.monotonic() > deadline:
                return sorted(found, key=lambda e: e["requestContext"]["requestTimeEpoch"])
            time.sleep(0.1)

    def _scan(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=self.events_table):
            items += page["Items"]
        return items

    def management(self, api_id: str | None = None, stage: str = "test") -> Any:
        """An apigatewaymanagementapi client: for one stage (like a Lambda) or the plain endpoint (like a notebook)."""
        if api_id is None:
            return self.cloud.client("apigatewaymanagementapi")
        return self.cloud.client("apigatewaymanagementapi",
                                 endpoint_url=f"{self.cloud.endpoint_url}/{api_id}/{stage}")

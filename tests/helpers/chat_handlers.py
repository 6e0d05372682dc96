"""Test kit for the chat's Lambda handlers: moto's DynamoDB in-process and a recording @connections client.

moto's own apigatewaymanagementapi never answers GoneException, so posts go to `FakeConnections`,
which records every frame and raises the real botocore GoneException class for chosen ids.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from workshop.naming import ROUTES

LAMBDA_DIR = Path(__file__).resolve().parent.parent.parent / "lambda_functions"
if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))


def lambda_module(name: str) -> Any:
    """A module of lambda_functions/ (on sys.path from here on), imported as the functions import each other."""
    return importlib.import_module(name)


# the modules every function's zip carries besides its own (see workshop.packaging.SHARED_MODULES)
chat_events = lambda_module("chat_events")
chat_text = lambda_module("chat_text")
chat_table = lambda_module("chat_table")
chat_connections = lambda_module("chat_connections")
# route key -> handler module, as deployed by step 03
HANDLERS = {route: lambda_module(module).handler for route, module in ROUTES.items()}

TABLE = "chat-connections"
INDEX = "by-name"
API_ID = "abc123defg"
STAGE = "dev"
DOMAIN = f"{API_ID}.execute-api.us-east-1.amazonaws.com"
CLEANUP_FUNCTION = "chat-disconnect"


class FakeConnections:
    """Stands in for the apigatewaymanagementapi client: records posts, answers Gone for `gone` ids."""

    def __init__(self) -> None:
        real = boto3.client("apigatewaymanagementapi", region_name="us-east-1",
                            endpoint_url=f"https://{DOMAIN}/{STAGE}")
        self.exceptions = real.exceptions  # so `except client.exceptions.GoneException` works
        self.gone: set[str] = set()
        self.throttled: set[str] = set()
        self.frames: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.attempts: list[str] = []
        self.threads: set[int] = set()
        self.delay = 0.0
        self._lock = threading.Lock()

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        with self._lock:
            self.attempts.append(ConnectionId)
            self.threads.add(threading.get_ident())
        if self.delay:
            threading.Event().wait(self.delay)
        if ConnectionId in self.gone:
            raise self.exceptions.GoneException(
                {"Error": {"Code": "GoneException", "Message": "Gone"}}, "PostToConnection")
        if ConnectionId in self.throttled:
            raise self.exceptions.LimitExceededException(
                {"Error": {"Code": "LimitExceededException", "Message": "Slow down"}}, "PostToConnection")
        with self._lock:
            self.frames[ConnectionId].append(json.loads(Data.decode("utf-8")))
        return {}


class FakeLambda:
    """Stands in for the Lambda client: records asynchronous invokes (the $connect follow-up, the clean-up)."""

    def __init__(self) -> None:
        self.invokes: list[dict[str, Any]] = []
        self.refuse_with: str | None = None  # e.g. "AccessDeniedException"

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        if self.refuse_with:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": self.refuse_with, "Message": "not allowed"}}, "Invoke")
        self.invokes.append(kwargs)
        return {"StatusCode": 202}


class FakeContext:
    """The Lambda context object's fields the handlers use."""

    function_name = "chat-connect"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:chat-connect"
    aws_request_id = "request-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


class ChatWorld:
    """A fresh table, the handlers wired to it, and helpers to play members: `with ChatWorld() as chat:`.

    `language` is the deployment's CHAT_LANGUAGE ("pt-BR"); None leaves it unset, as English.
    """

    def __init__(self, language: str | None = None) -> None:
        self.language = language
        self._mock = mock_aws()
        self._saved_env: dict[str, str | None] = {}
        self.posts = FakeConnections()
        self.lambdas = FakeLambda()

    def __enter__(self) -> ChatWorld:
        self._mock.start()
        for name, value in {"CONNECTIONS_TABLE": TABLE, "NAME_INDEX": INDEX, "CLEANUP_FUNCTION": CLEANUP_FUNCTION,
                            "BROADCAST_WORKERS": None, "CHAT_LANGUAGE": self.language}.items():
            self._saved_env[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        self.table = self.dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"},
                                  {"AttributeName": "nameKey", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[{"IndexName": INDEX,
                                     "KeySchema": [{"AttributeName": "nameKey", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
        )
        chat_table._tables.clear()
        chat_connections._management_clients.clear()
        chat_connections._management_clients[f"https://{DOMAIN}/{STAGE}"] = self.posts
        chat_connections._lambda_clients[:] = [self.lambdas]
        return self

    def __exit__(self, *exc_info: object) -> None:
        chat_table._tables.clear()
        chat_connections._management_clients.clear()
        chat_connections._lambda_clients.clear()
        chat_table.MEMBERS_PAGE_SIZE = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._mock.stop()

    # -- events, shaped like API Gateway's ----------------------------------------------------------
    @staticmethod
    def event(route: str, connection_id: str, body: str | None = None,
              query: dict[str, str] | None = None) -> dict[str, Any]:
        event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
        event: dict[str, Any] = {
            "requestContext": {
                "routeKey": route, "eventType": event_type, "connectionId": connection_id,
                "domainName": DOMAIN, "stage": STAGE, "apiId": API_ID,
                "requestId": f"req-{connection_id}", "connectedAt": 1_700_000_000_000,
                "messageDirection": "IN",
            },
            "isBase64Encoded": False,
        }
        if body is not None:
            event["body"] = body
        if query is not None:
            event["queryStringParameters"] = query
        return event

    def call(self, route: str, connection_id: str, body: Any = None,
             query: dict[str, str] | None = None) -> dict[str, Any]:
        """Run a route's handler; a dict body is sent as JSON with its action, a str body as is."""
        if isinstance(body, dict):
            body = json.dumps({"action": route, **body})
        return HANDLERS[route](self.event(route, connection_id, body, query), FakeContext())

    def run_follow_ups(self) -> list[dict[str, Any]]:
        """Run the asynchronous invokes the handlers asked for (as Lambda would, a moment later), in order,
        including the ones these runs ask for: $connect's follow-ups and the clean-ups by $disconnect."""
        results = []
        while self.lambdas.invokes:
            invoke = self.lambdas.invokes.pop(0)
            route = "$disconnect" if invoke["FunctionName"] == CLEANUP_FUNCTION else "$connect"
            results.append(HANDLERS[route](json.loads(invoke["Payload"]), FakeContext()))
        return results

    def cleanups(self) -> list[list[str]]:
        """The connection ids of each clean-up asked for and not yet run."""
        return [json.loads(invoke["Payload"])["cleanup"] for invoke in self.lambdas.invokes
                if invoke["FunctionName"] == CLEANUP_FUNCTION]

    # -- members -----------------------------------------------------------------------------------
    def connect(self, connection_id: str, name: str | None = None) -> dict[str, Any]:
        return self.call("$connect", connection_id, query=None if name is None else {"name": name})

    def join(self, connection_id: str, name: str) -> None:
        """Connect, then take a name with setName; forget the frames this produced."""
        assert self.connect(connection_id)["statusCode"] == 200
        self.call("setName", connection_id, {"name": name})
        assert self.item(connection_id)["name"] == name
        self.clear()

    def clear(self) -> None:
        self.posts.frames.clear()
        self.posts.attempts.clear()

    def frames(self, connection_id: str) -> list[dict[str, Any]]:
        return list(self.posts.frames.get(connection_id, []))

    def texts(self, connection_id: str, key: str) -> list[str]:
        return [frame[key] for frame in self.frames(connection_id) if key in frame]

    def errors(self, connection_id: str) -> list[str]:
        return [frame["error"]["code"] for frame in self.frames(connection_id) if "error" in frame]

    def item(self, key: str) -> dict[str, Any] | None:
        return self.table.get_item(Key={"connectionId": key}, ConsistentRead=True).get("Item")

    def all_items(self) -> list[dict[str, Any]]:
        return sorted(self.table.scan(ConsistentRead=True)["Items"], key=lambda item: item["connectionId"])

"""IAM benchmark: what enforcing a function's role costs per request, and the chat's fan-out with IAM on.

Run with `python -m bench iam`. It prints figures (nothing here is a pass/fail test):
- the authorization itself, in-process: the front door's IAM step for a DynamoDB PutItem and for an
  @connections post signed with a function's role credentials (the workshop's least-privilege policies),
  p50/p95 with IAM on minus IAM off (target: p50 < 0.3 ms);
- end to end from inside a function: p50 of put_item and post_to_connection on a cloud with IAM on and one with
  IAM off (the difference includes the machine's noise, which on a shared laptop is larger than the cost);
- the sequential fan-out per recipient with IAM on against the bare boto3 floor (bench/gateway.py's measure).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import make_mocked_request  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from bench.gateway import percentile  # noqa: E402
from local_cloud import LocalCloud  # noqa: E402
from local_cloud.learner_api import TRUST_POLICY, LearnerApi  # noqa: E402

REGION = "us-east-1"
SAMPLES = 5000
CALLS_IN_FUNCTION = 300
TABLE = "bench-iam-connections"

# Inside a function: time each of N put_item calls, or N posts to the caller's own connection.
TIMED_SOURCE = '''
import json
import time
import boto3

def handler(event, context):
    n = event.get("n", 300) if "requestContext" not in event else json.loads(event["body"])["n"]
    timings = []
    if "requestContext" in event:
        ctx = event["requestContext"]
        client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
        for i in range(n):
            started = time.perf_counter()
            client.post_to_connection(ConnectionId=ctx["connectionId"], Data=b"x")
            timings.append(time.perf_counter() - started)
        return {"statusCode": 200, "body": json.dumps(sorted(timings)[len(timings) // 2])}
    table = boto3.client("dynamodb")
    for i in range(n):
        started = time.perf_counter()
        table.put_item(TableName=event["table"], Item={"connectionId": {"S": f"c{i}"}})
        timings.append(time.perf_counter() - started)
    return sorted(timings)[len(timings) // 2]
'''


def workshop_policy(account: str) -> dict[str, Any]:
    """The shape of the workshop's role policies (steps 01 and 04)."""
    table = f"arn:aws:dynamodb:{REGION}:{account}:table/{TABLE}"
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                                       "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query",
                                       "dynamodb:Scan"], "Resource": [table, f"{table}/index/by-name"]},
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [f"arn:aws:logs:{REGION}:{account}:log-group:/aws/lambda/bench-{r}:*" for r in range(7)]},
        {"Effect": "Allow", "Action": "execute-api:ManageConnections",
         "Resource": f"arn:aws:execute-api:{REGION}:{account}:*/dev/POST/@connections/*"},
    ]}


def signed(credentials: dict[str, str], method: str, url: str, body: bytes, service: str,
           headers: dict[str, str]) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials(credentials["AWS_ACCESS_KEY_ID"], credentials["AWS_SECRET_ACCESS_KEY"],
                          credentials["AWS_SESSION_TOKEN"]), service, REGION).add_auth(request)
    return dict(request.headers.items())


def mocked(method: str, path: str, headers: dict[str, str], body: bytes) -> web.Request:
    request = make_mocked_request(method, path, headers=headers)
    request._read_bytes = body  # what aiohttp caches once the body was read
    return request


async def time_guard(iam: Any, request: web.Request) -> list[float]:
    async def handler(_: web.Request) -> web.Response:
        return web.Response()

    timings = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        await iam.guard(request, handler)
        timings.append(time.perf_counter() - started)
    return timings


def time_connections(iam: Any, request: web.Request) -> list[float]:
    timings = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        iam.authorize_connections(request, "abc123", "dev", "AAAAAAAAAAAAAAA=")
        timings.append(time.perf_counter() - started)
    return timings


def in_process() -> None:
    """The authorization step alone, with the role and policies in this process's moto."""
    from local_cloud.iam import IAM

    with LocalCloud(mode="thread") as cloud:
        iam_client = cloud.client("iam")
        account = cloud.client("sts").get_caller_identity()["Account"]
        role_arn = iam_client.create_role(RoleName="bench-role", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
        iam_client.put_role_policy(RoleName="bench-role", PolicyName="workshop",
                                   PolicyDocument=json.dumps(workshop_policy(account)))
        enforcing, lenient = IAM(True), IAM(False)
        credentials = enforcing.function_credentials(role_arn, "bench-0", REGION)
        assert credentials is not None
        body = json.dumps({"TableName": TABLE, "Item": {"connectionId": {"S": "c1"}}}).encode()
        headers = signed(credentials, "POST", "http://127.0.0.1:4566/", body, "dynamodb",
                         {"X-Amz-Target": "DynamoDB_20120810.PutItem",
                          "Content-Type": "application/x-amz-json-1.0"})
        put = mocked("POST", "/", headers, body)
        post_headers = signed(credentials, "POST", "http://127.0.0.1:4566/abc123/dev/@connections/AAAAAAAAAAAAAAA=",
                              b"x", "execute-api", {})
        post = mocked("POST", "/abc123/dev/@connections/AAAAAAAAAAAAAAA=", post_headers, b"x")

        loop = asyncio.new_event_loop()
        try:
            for iam in (enforcing, lenient):  # warm-up: caches, compiled patterns
                loop.run_until_complete(time_guard(iam, put))
            on = loop.run_until_complete(time_guard(enforcing, put))
            off = loop.run_until_complete(time_guard(lenient, put))
        finally:
            loop.close()
        time_connections(enforcing, post)
        post_on, post_off = time_connections(enforcing, post), time_connections(lenient, post)
        denied = enforcing.decide(enforcing.principals.find(credentials["AWS_ACCESS_KEY_ID"]), "dynamodb:PutItem",
                                  f"arn:aws:dynamodb:{REGION}:{account}:table/{TABLE}")
        assert denied is not None, "the benchmark's role must be allowed (else it times the denial path)"

    print(f"IAM authorization, in-process ({SAMPLES} requests each, role credentials, the workshop's policies)")
    for label, with_iam, without in (("DynamoDB PutItem (front door)", on, off),
                                     ("@connections POST", post_on, post_off)):
        added50 = percentile(with_iam, 0.5) - percentile(without, 0.5)
        added95 = percentile(with_iam, 0.95) - percentile(without, 0.95)
        print(f"  {label:<30} IAM on p50 {percentile(with_iam, 0.5) * 1e3:.3f} ms, off {percentile(without, 0.5) * 1e3:.3f}"
              f" ms -> added p50 {added50 * 1e3:.3f} ms, p95 {added95 * 1e3:.3f} ms (target p50 < 0.3 ms)")


class TimedChat:
    """One local cloud with a function that times its own put_item and post_to_connection calls."""

    def __init__(self, iam_setting: str) -> None:
        self.cloud = LocalCloud(mode="subprocess", env={"LOCAL_CLOUD_IAM": iam_setting}).start()
        learner = LearnerApi(self.cloud, "bench-iam")
        role_name = learner.role_arn.rsplit("/", 1)[1]
        self.cloud.client("iam").put_role_policy(RoleName=role_name, PolicyName="probe-permissions",
                                                 PolicyDocument=json.dumps(workshop_policy(learner.account)))
        self.cloud.client("dynamodb").create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}])
        self.function = learner.function("timed", TIMED_SOURCE)
        self.lam = self.cloud.client("lambda")
        api_id = learner.api("timed")
        learner.route(api_id, "$default", self.function, two_way=True)
        import websocket

        self.ws = websocket.create_connection(learner.deploy(api_id, stage="dev"), timeout=60)
        self.put_p50(20), self.post_p50(20)  # warm-up: workers, clients, caches

    def put_p50(self, n: int = CALLS_IN_FUNCTION) -> float:
        payload = json.dumps({"table": TABLE, "n": n}).encode()
        return float(json.loads(self.lam.invoke(FunctionName=self.function, Payload=payload)["Payload"].read()))

    def post_p50(self, n: int = CALLS_IN_FUNCTION) -> float:
        self.ws.send(json.dumps({"n": n}))
        while (frame := self.ws.recv()) == "x":
            pass
        return float(frame)

    def close(self) -> None:
        self.ws.close()
        self.cloud.stop()


def end_to_end(rounds: int = 5) -> None:
    """Both clouds run side by side and are measured in turns, so the machine's load drifts over both alike."""
    chats = {setting: TimedChat(setting) for setting in ("on", "off")}
    results: dict[str, dict[str, list[float]]] = {s: {"put": [], "post": []} for s in chats}
    try:
        for _ in range(rounds):
            for setting, chat in chats.items():
                results[setting]["put"].append(chat.put_p50())
                results[setting]["post"].append(chat.post_p50())
    finally:
        for chat in chats.values():
            chat.close()
    print(f"\nfrom inside a function (p50 of {CALLS_IN_FUNCTION} sequential calls; {rounds} rounds taken in turns on "
          "a cloud with IAM on and one with IAM off; best and median round)")
    for key, label in (("put", "dynamodb put_item"), ("post", "post_to_connection")):
        on, off = sorted(results["on"][key]), sorted(results["off"][key])
        best, median = on[0] - off[0], on[len(on) // 2] - off[len(off) // 2]
        print(f"  {label:<20} on {on[0] * 1e3:.3f} / {on[len(on) // 2] * 1e3:.3f} ms, off {off[0] * 1e3:.3f} / "
              f"{off[len(off) // 2] * 1e3:.3f} ms -> added {best * 1e3:+.3f} / {median * 1e3:+.3f} ms")


def fan_out(rounds: int = 2) -> None:
    """The sequential handler's cost per recipient at N=500 with IAM on and off (in turns), and the boto3 floor."""
    from bench import gateway

    gateway.SIZES = (500,)  # only the size the 1.3x target is about
    connections_server, port = gateway.start_bare("connections")
    clouds = {setting: LocalCloud(mode="subprocess", env={"LOCAL_CLOUD_IAM": setting}).start()
              for setting in ("on", "off")}
    per_recipient: dict[str, list[float]] = {setting: [] for setting in clouds}
    try:
        urls = {setting: gateway.build_api(cloud)["full"] for setting, cloud in clouds.items()}
        floors = [gateway.measure_boto3_floor(port)]
        for _ in range(rounds):
            for setting, url in urls.items():
                measured = asyncio.run(gateway.measure_fan_out(url, ["sequential"]))
                per_recipient[setting].append(measured[("sequential", 500)]["per_recipient"])
        floors.append(gateway.measure_boto3_floor(port))
    finally:
        for cloud in clouds.values():
            cloud.stop()
        connections_server.terminate()
    floor = min(floors)
    on, off = min(per_recipient["on"]), min(per_recipient["off"])
    print(f"\nsequential fan-out, N=500 (best round of {rounds} per cloud, taken in turns) against the boto3 floor")
    print(f"  boto3 floor {floor * 1e3:.2f} ms per recipient (before / after: {floors[0] * 1e3:.2f} / {floors[1] * 1e3:.2f})")
    print(f"  IAM on  {on * 1e3:.2f} ms per recipient: {on / floor:.2f}x the floor (target <= 1.3x)")
    print(f"  IAM off {off * 1e3:.2f} ms per recipient: {off / floor:.2f}x the floor")


def main() -> None:
    in_process()
    end_to_end()
    fan_out()


if __name__ == "__main__":
    main()

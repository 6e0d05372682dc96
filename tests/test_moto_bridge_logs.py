"""The bridge writes queued function logs before a CloudWatch Logs request, and only then."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import make_mocked_request
from moto.logs.models import logs_backends

from local_cloud.lambda_runtime import cloudwatch
from local_cloud.moto_bridge import MotoBridge, reads_logs

ACCOUNT, REGION, GROUP, STREAM = "000000000000", "us-east-1", "/aws/lambda/bridge-test", "2026/12/05/[$LATEST]abc"
DYNAMODB = {"X-Amz-Target": "DynamoDB_20120810.GetItem",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20261205/us-east-1/dynamodb/aws4_request, ..."}
LOGS = {"X-Amz-Target": "Logs_20140328.FilterLogEvents",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20261205/us-east-1/logs/aws4_request, ..."}


def test_only_logs_requests_read_logs():
    assert reads_logs(make_mocked_request("POST", "/", headers=LOGS))
    assert reads_logs(make_mocked_request("POST", "/", headers={"Authorization": LOGS["Authorization"]}))
    assert not reads_logs(make_mocked_request("POST", "/", headers=DYNAMODB))
    assert not reads_logs(make_mocked_request("GET", "/", headers={}))


@pytest.mark.parametrize(("headers", "flushed"), [(DYNAMODB, False), (LOGS, True)], ids=["dynamodb", "logs"])
def test_queued_lines_are_written_before_a_logs_request_and_left_queued_for_others(headers, flushed):
    seen: dict[str, bool] = {}

    def app(environ, start_response):  # what moto would be: notes whether the lines were still queued
        seen["queued"] = bool(cloudwatch._pending)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    async def run() -> None:
        cloudwatch._pending.clear()
        cloudwatch._pending[(ACCOUNT, REGION, GROUP, STREAM)] = [(1, ["START RequestId: r1"])]
        try:
            await MotoBridge(threads=1, app=app).handle(make_mocked_request("POST", "/", headers=headers))
        finally:
            cloudwatch._pending.clear()

    asyncio.run(run())
    assert seen["queued"] is not flushed
    written = logs_backends[ACCOUNT][REGION].groups.get(GROUP)
    assert (written is not None and STREAM in written.streams) is flushed
    if written is not None:
        logs_backends[ACCOUNT][REGION].delete_log_group(GROUP)

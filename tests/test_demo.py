"""`python -m workshop demo` end to end: its transcript shows every part worked; --keep lets a terminal client join."""

from __future__ import annotations

import re
import sys

import boto3
import pytest

from tests.helpers.ports import free_port
from tests.helpers.processes import DrivenClient, DrivenProcess
from tests.helpers.transcripts import STEP_LINES, assert_in_order

LEGEND_LINES = [r"^  Legend:$", r"· the member list .* \* a system message .* ! an error or refusal",
                r"\[private\] a private message", r"^    λ function ", r"^    table "]
CHAT_LINES = [
    r"✔ Ana's handshake was accepted",
    r"Ana ← · in the chat: Ana, Bo$",
    r"^      λ demo-connect \d+ ms, (warm|cold \(init \d+ ms\))$",
    r"^      λ demo-setName \d+ ms, (warm|cold \(init \d+ ms\))$",
    r"✔ Bo joined with setName, and both see Ana",
    r"Cy ← ! The name ana is taken",
    r"✔ the name 'ana' was refused",
    r"✔ Cy joined$",
    r"^      table demo-connections: 6 items$",
    r"^        connectionId=\S+  connectedAt=\d+  name=Ana  nameKey=ana$",
    r"^        connectionId=name#ana  owner=\S+$",
    r"Bo ← Ana: Hello everyone!$",
    r"Cy ← Ana: Hello everyone!$",
    r"^      λ demo-sendPublic \d+ ms, (warm|cold \(init \d+ ms\))$",
    r"✔ the public message reached all three members",
    r"Cy ← \[private\] Bo: psst, lunch at noon\?$",
    r"✔ the private message reached Cy",
    r"Ana ← Bot: ",
    r"✔ the bot answered everyone",
    r"✔ nobody else saw the private message",
    r"^      λ demo-disconnect \d+ ms, (warm|cold \(init \d+ ms\))$",
    r"✔ Cy left and the others got the new member list",
    r"^      table demo-connections: 4 items$",
]
CHECK_LINES = [rf"✔ check {number}: (\d+)/\1 items" for number in ("00", "01", "02", "03", "04", "05", "06")]
END_LINES = [
    r"✔ 10_cleanup deleted \d+ resources in .* nothing of prefix 'demo' is left",
    r"✔ local cloud shut down",
    r"Everything worked, in \d+\.\d s\.",
]


def test_demo_runs_the_whole_workshop_and_says_so():
    demo = DrivenProcess("-m", "workshop", "demo")
    try:
        code, stderr = demo.finish(timeout=240)
    finally:
        demo.kill()
    lines = demo.lines
    assert code == 0, "\n".join(lines) + stderr
    assert not any("\x1b[" in line for line in lines), "NO_COLOR is set: the transcript must be plain text"
    assert not any("✘" in line for line in lines)
    assert_in_order(lines, [r"✔ private local cloud at http://127\.0\.0\.1:(?!4566\b)\d+",
                            # the "local" target a learner's setup() takes, on the demo's own cloud
                            r"✔ Target: the local cloud at http://127\.0\.0\.1:(?!4566\b)\d+ · account",
                            *STEP_LINES, *LEGEND_LINES, *CHAT_LINES, *CHECK_LINES, *END_LINES])
    # Each λ line is an invocation of a scene: the connect and disconnect of step 05's check ran before the chat.
    assert sum("λ demo-disconnect" in line for line in lines) == 1  # Cy leaving


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="the demo is stopped with SIGINT (Ctrl-C), which Windows lacks")
def test_demo_keep_leaves_a_chat_a_terminal_client_can_join():
    demo = DrivenProcess("-m", "workshop", "demo", "--keep", own_process_group=True)
    client = None
    try:
        url = demo.expect(r"^  URL: ws://", timeout=240).split("URL: ")[1]
        demo.expect(rf"python -m workshop chat --url {re.escape(url)} --name Ana")
        demo.expect(r"Press Ctrl-C here")

        # The terminal client against the real chat: Lambda functions behind the local cloud's gateway.
        # Without --url it looks the chat up by prefix on the target, here the demo's own cloud.
        endpoint = "http://" + url.split("/")[2]
        target = {"AWS_ENDPOINT_URL": endpoint, "WORKSHOP_PREFIX": "demo"}
        client = DrivenClient("--name", "Dee", env=target)
        client.expect(rf"connected to {re.escape(url)} as Dee")
        client.expect(r"^\* You are Dee\.$")
        client.expect(r"^· in the chat: Dee$")
        client.type("hello from a terminal")
        client.expect(r"^Dee: hello from a terminal$")
        client.type("/bot who is here?")
        client.expect(r"^Bot: .*Dee")
        client.type("/to Nobody hi")
        client.expect(r"^! .*Nobody")
        taken = DrivenClient("--name", "dee", env=target)
        code, stderr = taken.finish()
        assert code == 1
        assert "refused the connection with HTTP 409" in stderr and "taken" in stderr
        assert "Choose another name with --name" in stderr
        # The gateway drops Dee (as on an idle timeout): the client reconnects and re-joins by itself.
        boto = {"endpoint_url": endpoint, "region_name": "us-east-1"}
        items = boto3.resource("dynamodb", **boto).Table("demo-connections").scan()["Items"]
        dee_id = next(item["connectionId"] for item in items if item.get("name") == "Dee")
        boto3.client("apigatewaymanagementapi", **boto).delete_connection(ConnectionId=dee_id)
        client.expect(r"connection lost \(closed by the server")
        client.expect(r"reconnected as Dee", timeout=60)
        client.expect(r"^· in the chat: Dee$")
        client.type("/who")
        client.expect(r"^in the chat: Dee$")
        client.type("/quit")
        assert client.finish()[0] == 0

        # `make chat NAME=Fay` as the README says, on the default target (no cloud on its port): the demo's chat.
        default_target = {"WORKSHOP_LOCAL_PORT": str(free_port())}  # conftest removed AWS_ENDPOINT_URL
        status = DrivenProcess("-m", "workshop", "status", env=default_target)
        assert status.finish()[0] == 0
        assert any(f"The demo (make demo ARGS=--keep) runs its own local cloud at {endpoint}; its chat: {url}" in line
                   for line in status.lines), status.lines
        found = DrivenProcess("-m", "workshop", "url", env=default_target)
        assert found.finish()[0] == 0 and found.lines == [url]
        fay = DrivenClient("--name", "Fay", env=default_target)
        fay.expect(rf"no local cloud runs at .*: joining the chat of the demo \(make demo ARGS=--keep\) at {re.escape(url)}")
        fay.expect(rf"connected to {re.escape(url)} as Fay")
        fay.type("/quit")
        assert fay.finish()[0] == 0

        nobody = DrivenClient("--name", "Eve", env={**target, "WORKSHOP_PREFIX": "nobody"})
        code, stderr = nobody.finish()
        assert code == 1
        assert "The chat of prefix 'nobody' is not deployed" in stderr
        assert "python -m workshop deploy" in stderr

        demo.press_ctrl_c()
        code, stderr = demo.finish(timeout=120)
        assert code == 0, "\n".join(demo.lines) + stderr
        assert_in_order(demo.lines, [r"Press Ctrl-C here", *END_LINES])
    finally:
        demo.kill()
        if client is not None:
            client.kill()


def test_demo_on_aws_without_credentials_stops_before_creating_anything(tmp_path):
    no_credentials = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
                      "AWS_EC2_METADATA_DISABLED": "true",
                      "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    demo = DrivenProcess("-m", "workshop", "demo", "--target", "aws", env=no_credentials)
    code, stderr = demo.finish(timeout=60)
    assert code == 1
    assert "No AWS credentials found" in stderr
    assert not any("Steps 00" in line or "local cloud" in line for line in demo.lines)


def test_demo_refuses_a_prefix_aws_cannot_use():
    demo = DrivenProcess("-m", "workshop", "demo", "--prefix", "Demo_1")
    code, stderr = demo.finish(timeout=60)
    assert code == 2
    assert "WORKSHOP_PREFIX='Demo_1' cannot start resource names" in stderr

"""Each permission the chat's role has, taken away, breaks exactly what needs it, as on AWS, with a hint.

The whole chat is deployed with the workshop's own steps (its least-privilege policies) on a fresh local cloud
with IAM enforced; each test removes one action from the role's inline policy, shows the behaviour a learner
would meet on AWS, finds the teaching hint in the function's log group and in the console, then restores it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator

import pytest
import websocket

from local_cloud import LocalCloud
from tests.helpers.deployed_chat import WAIT, expect, key_is
from workshop.chat_member import ChatMember
from workshop.chat_protocol import members_are

PREFIX = "perm"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    return tmp_path_factory.mktemp("iam") / "local-cloud.log"


@pytest.fixture(scope="module")
def cloud(console):
    with LocalCloud(mode="subprocess", log_path=console) as running:
        yield running


@pytest.fixture(scope="module")
def chat(cloud):
    from workshop.deploy import deploy_all
    from workshop.session import WorkshopSession

    yield deploy_all(quiet=True, session=WorkshopSession.local(cloud, prefix=PREFIX))


@pytest.fixture
def members(chat) -> Iterator[list[ChatMember]]:
    opened: list[ChatMember] = []
    yield opened
    for member in opened:
        member.close()


def open_member(members: list[ChatMember], url: str, name: str | None = None) -> ChatMember:
    member = ChatMember(url, name, timeout=WAIT)
    members.append(member)
    return member


@contextlib.contextmanager
def without(cloud, action: str) -> Iterator[None]:
    """Remove one action from whichever of the role's inline policies grants it; put the policy back afterwards."""
    iam = cloud.client("iam")
    role = f"{PREFIX}-lambda-role"
    saved = {}
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        changed = json.loads(json.dumps(document))
        for statement in changed["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            statement["Action"] = [a for a in actions if a != action]
        changed["Statement"] = [s for s in changed["Statement"] if s["Action"]]
        if changed != document:
            saved[name] = document
            if changed["Statement"]:
                iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(changed))
            else:
                iam.delete_role_policy(RoleName=role, PolicyName=name)
    assert saved, f"no policy of {role} grants {action}"
    try:
        yield
    finally:
        for name, document in saved.items():
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))


def log_text(cloud, function: str) -> str:
    logs = cloud.client("logs")
    group = f"/aws/lambda/{PREFIX}-{function}"
    try:
        events = logs.filter_log_events(logGroupName=group)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return ""
    return "\n".join(event["message"] for event in events)


def logged(cloud, function: str, text: str) -> bool:
    """Whether the function's log group shows `text` within WAIT: the handler's own lines arrive when its
    invocation ends, after the [IAM] hint written at the refused call."""
    deadline = time.monotonic() + WAIT
    while text not in log_text(cloud, function) and time.monotonic() < deadline:
        time.sleep(0.1)
    return text in log_text(cloud, function)


def wait_for_hint(cloud, console, function: str, action: str, resource_part: str) -> str:
    """The [IAM] hint naming the action and resource, in the function's log group and in the console."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        hints = [line for line in log_text(cloud, function).splitlines()
                 if line.startswith("[IAM]") and action in line and resource_part in line]
        if hints and any(action in line and "HINT" in line for line in console.read_text().splitlines()):
            return hints[-1]
        time.sleep(0.1)
    pytest.fail(f"no [IAM] hint about {action} on {resource_part} in the log group of {function} and the console")


def assert_fix_is_put_role_policy(hint: str, action: str) -> None:
    assert f"assumed-role/{PREFIX}-lambda-role/{PREFIX}-" in hint
    assert f"iam.put_role_policy(RoleName='{PREFIX}-lambda-role'" in hint
    assert f'"Action": "{action}"' in hint


def test_without_manage_connections_nobody_receives_anything(cloud, console, chat, members):
    alice = open_member(members, chat.url, "Alice")
    bob = open_member(members, chat.url, "Bob")
    bob.set_name("Bob")
    expect(bob, members_are("Alice", "Bob"))
    with without(cloud, "execute-api:ManageConnections"):
        alice.send_public("anyone there?")
        hint = wait_for_hint(cloud, console, "sendPublic", "execute-api:ManageConnections",
                             f"{chat.api_id}/{chat.stage}/POST/@connections/")
        assert_fix_is_put_role_policy(hint, "execute-api:ManageConnections")
        assert "ForbiddenException" in hint
        assert not [frame for frame in bob.receive_all(quiet_seconds=0.5) if "publicMessage" in frame]
        assert not [frame for frame in alice.receive_all(quiet_seconds=0.5) if "publicMessage" in frame]
        # What the handler logged: the post was refused with AWS's error code.
        assert logged(cloud, "sendPublic", '"postFailed": "ForbiddenException"')
    alice.send_public("now?")
    expect(bob, key_is("publicMessage", "Alice: now?"))


def test_without_put_item_nobody_can_connect(cloud, console, chat, members):
    with without(cloud, "dynamodb:PutItem"):
        with pytest.raises(websocket.WebSocketBadStatusException):
            open_member(members, chat.url)
        hint = wait_for_hint(cloud, console, "connect", "dynamodb:PutItem", f"table/{chat.table}")
        assert_fix_is_put_role_policy(hint, "dynamodb:PutItem")
        assert logged(cloud, "connect", "AccessDeniedException")
    open_member(members, chat.url).set_name("Carol")
    expect(members[-1], lambda frame: "Carol" in frame.get("members", []))


def test_without_get_item_every_message_fails(cloud, console, chat, members):
    dave = open_member(members, chat.url, "Dave")
    with without(cloud, "dynamodb:GetItem"):
        dave.send_public("hello")
        expect(dave, key_is("message", "Internal server error"))
        hint = wait_for_hint(cloud, console, "sendPublic", "dynamodb:GetItem", f"table/{chat.table}")
        assert_fix_is_put_role_policy(hint, "dynamodb:GetItem")


def test_without_update_item_nobody_can_take_a_name(cloud, console, chat, members):
    erin = open_member(members, chat.url)
    with without(cloud, "dynamodb:UpdateItem"):
        erin.set_name("Erin")
        expect(erin, key_is("message", "Internal server error"))
        hint = wait_for_hint(cloud, console, "setName", "dynamodb:UpdateItem", f"table/{chat.table}")
        assert_fix_is_put_role_policy(hint, "dynamodb:UpdateItem")
    table = cloud.client("dynamodb")
    # Every action of the transaction is checked: the refused Update left the name claim unwritten too.
    assert "Item" not in table.get_item(TableName=chat.table, Key={"connectionId": {"S": "name#erin"}})


def test_without_query_private_messages_fail(cloud, console, chat, members):
    frank = open_member(members, chat.url, "Frank")
    open_member(members, chat.url, "Grace")
    with without(cloud, "dynamodb:Query"):
        frank.send_private("Grace", "psst")
        expect(frank, key_is("message", "Internal server error"))
        hint = wait_for_hint(cloud, console, "sendPrivate", "dynamodb:Query",
                             f"table/{chat.table}/index/by-name")
        assert_fix_is_put_role_policy(hint, "dynamodb:Query")


def test_without_scan_the_members_list_fails(cloud, console, chat, members):
    heidi = open_member(members, chat.url)
    with without(cloud, "dynamodb:Scan"):
        heidi.set_name("Heidi")
        expect(heidi, key_is("message", "Internal server error"))
        hint = wait_for_hint(cloud, console, "setName", "dynamodb:Scan", f"table/{chat.table}/index/by-name")
        assert_fix_is_put_role_policy(hint, "dynamodb:Scan")


def test_without_delete_item_a_closed_connection_stays_in_the_table(cloud, console, chat, members):
    ivan = open_member(members, chat.url)
    ivan.set_name("Ivan")
    expect(ivan, lambda frame: "Ivan" in frame.get("members", []))
    table = cloud.client("dynamodb")
    with without(cloud, "dynamodb:DeleteItem"):
        ivan.close()
        hint = wait_for_hint(cloud, console, "disconnect", "dynamodb:DeleteItem", f"table/{chat.table}")
        assert_fix_is_put_role_policy(hint, "dynamodb:DeleteItem")
        claim = table.get_item(TableName=chat.table, Key={"connectionId": {"S": "name#ivan"}})
        assert "Item" in claim, "the refused transaction must not have released the name"


def test_without_logs_permissions_nothing_reaches_the_log_group(cloud, console, chat, members):
    judy = open_member(members, chat.url, "Judy")
    judy.send_bot("hello bot")
    expect(judy, lambda frame: "Bot" in json.dumps(frame))
    deadline = time.monotonic() + WAIT  # the log arrives a moment after the answer (more so on a busy machine)
    while (before := log_text(cloud, "sendBot").count("START RequestId")) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert before >= 1
    with without(cloud, "logs:PutLogEvents"):
        judy.send_bot("again")
        expect(judy, lambda frame: "again" in json.dumps(frame))
        # Other functions of the chat (a $disconnect of an earlier test) may log their own hint in this window.
        log_group = f"/aws/lambda/{PREFIX}-sendBot"
        deadline = time.monotonic() + WAIT
        while not (hints := [line for line in console.read_text().splitlines()
                             if "HINT" in line and "logs:PutLogEvents" in line and log_group in line]):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert hints, f"no hint about logs:PutLogEvents on {log_group} in the cloud's console"
        assert "AWSLambdaBasicExecutionRole" in hints[0]
        assert log_text(cloud, "sendBot").count("START RequestId") == before
    judy.send_bot("and now")
    expect(judy, lambda frame: "and now" in json.dumps(frame))
    deadline = time.monotonic() + WAIT
    while log_text(cloud, "sendBot").count("START RequestId") == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert log_text(cloud, "sendBot").count("START RequestId") > before


def add_stale_member(cloud, chat, name: str) -> str:
    """A named member whose connection vanished without $disconnect (AWS-shaped id, unknown to the gateway)."""
    ghost_id = f"U3RhbGU{name[:8]:_<8}="
    cloud.client("dynamodb").batch_write_item(RequestItems={chat.table: [
        {"PutRequest": {"Item": {"connectionId": {"S": ghost_id}, "connectedAt": {"N": "1"},
                                 "name": {"S": name}, "nameKey": {"S": name.lower()}}}},
        {"PutRequest": {"Item": {"connectionId": {"S": f"name#{name.lower()}"}, "owner": {"S": ghost_id}}}}]})
    return ghost_id


def test_without_batch_write_item_stale_members_stay_in_the_table(cloud, console, chat, members):
    kim = open_member(members, chat.url, "Kim")
    expect(kim, lambda frame: "Kim" in frame.get("members", []))
    ghost_id = add_stale_member(cloud, chat, "Ghostly")
    table = cloud.client("dynamodb")
    ghost_item = {"TableName": chat.table, "Key": {"connectionId": {"S": ghost_id}}}
    with without(cloud, "dynamodb:BatchWriteItem"):
        kim.send_public("anyone?")
        expect(kim, key_is("text", "anyone?"))  # the message itself still goes out
        hint = wait_for_hint(cloud, console, "disconnect", "dynamodb:BatchWriteItem", f"table/{chat.table}")
        assert_fix_is_put_role_policy(hint, "dynamodb:BatchWriteItem")
        assert "Item" in table.get_item(**ghost_item)
    # The failed clean-up gave the name back before it crashed (no name is left held by nobody); with the
    # permission back, the next message that finds the connection gone removes its item.
    assert "Item" not in table.get_item(TableName=chat.table, Key={"connectionId": {"S": "name#ghostly"}})
    kim.send_public("and now?")
    deadline = time.monotonic() + WAIT
    while "Item" in table.get_item(**ghost_item) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Item" not in table.get_item(**ghost_item)


def test_without_invoking_the_clean_up_the_sender_removes_stale_members_itself(cloud, console, chat, members):
    lee = open_member(members, chat.url, "Lee")
    expect(lee, lambda frame: "Lee" in frame.get("members", []))
    add_stale_member(cloud, chat, "Phantom")
    with without(cloud, "lambda:InvokeFunction"):
        lee.send_public("hello?")
        expect(lee, key_is("systemMessage", "Phantom left the chat"))
    assert logged(cloud, "sendPublic", '"cleanupInvoke": "AccessDeniedException"')
    assert logged(cloud, "sendPublic", '"cleanup": "done here"')

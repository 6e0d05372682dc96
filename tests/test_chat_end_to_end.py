"""The deployed chat, end to end: websocket-client members on a fresh local cloud, through the real gateway.

The whole chat is deployed with the workshop's own code (steps 01-05), so these tests also prove that
the handlers, their packaging and the deployment fit together.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import websocket

from tests.helpers.deployed_chat import WAIT, expect, join, key_is, named_members, wait_until_chat_is_empty
from workshop.chat_member import ChatMember
from workshop.chat_protocol import Frame, error_code, members_are

PREFIX = "e2e"
TABLE = f"{PREFIX}-connections"


@pytest.fixture(scope="module")
def chat_url(cloud) -> Iterator[str]:
    """Deploy the whole chat on the module's fresh local cloud with the workshop's code; yield its URL."""
    from workshop.deploy import deploy_all
    from workshop.session import WorkshopSession
    from workshop.temporary_environ import temporary_environ

    with temporary_environ({"WORKSHOP_LANG": "en"}):  # English, whatever the locale
        yield deploy_all(quiet=True, session=WorkshopSession.local(cloud, prefix=PREFIX)).url


@pytest.fixture
def table(cloud, chat_url):
    return cloud.client("dynamodb")


@pytest.fixture
def people(chat_url, table) -> Iterator[Callable[..., ChatMember]]:
    """Open members with people(name=None); all are closed, and the chat is empty again, afterwards."""
    opened: list[ChatMember] = []

    def open_member(name: str | None = None) -> ChatMember:
        member = ChatMember(chat_url, name, timeout=WAIT)
        opened.append(member)
        return member

    yield open_member
    for member in opened:
        member.close()
    wait_until_chat_is_empty(table, TABLE)


# --- the tests --------------------------------------------------------------------------------------------

def test_join_with_set_name_and_with_the_url_then_leave(people):
    alice = join(people, "Alice")
    bob = people("Bob")  # ?name=Bob: $connect cannot post to Bob's socket, the others hear of him
    expect(alice, key_is("systemMessage", "Bob joined the chat"))
    expect(alice, members_are("Alice", "Bob"))

    bob.set_name("Bob")  # the same name again answers with the members list
    expect(bob, members_are("Alice", "Bob"))

    cleo = join(people, "Cleo")
    for member in (alice, bob):
        expect(member, key_is("systemMessage", "Cleo joined the chat"))
    cleo.set_name("Cleopatra")
    for member in (alice, bob, cleo):
        expect(member, key_is("systemMessage", "Cleo is now known as Cleopatra"))
        expect(member, members_are("Alice", "Bob", "Cleopatra"))

    cleo.close()
    for member in (alice, bob):
        expect(member, key_is("systemMessage", "Cleopatra left the chat"))
        expect(member, members_are("Alice", "Bob"))


def test_public_private_and_bot(people):
    alice, bob = join(people, "Alice"), join(people, "Bob")
    lurker = people()  # no name: receives nothing

    alice.send_public("Hello <b>everyone</b>")
    for member in (alice, bob):
        expect(member, key_is("publicMessage", "Alice: Hello <b>everyone</b>"))

    bob.send_private("alice", "psst")
    expect(alice, key_is("privateMessage", "Bob: psst"))

    bob.send_bot("who is here?")
    for member in (alice, bob):
        question, answer = expect(member, lambda frame: frame.get("publicMessage", "").startswith(("Bob: who", "Bot: ")), 2)
        assert question["publicMessage"] == "Bob: who is here?"
        assert answer["publicMessage"] == "Bot: Here now: Alice, Bob."

    alice.send_public("last")
    expect(bob, key_is("publicMessage", "Alice: last"))
    assert bob.matching("privateMessage") == []
    assert lurker.receive_all(quiet_seconds=0.5) == []


def test_refusals_reach_the_sender_alone(people, chat_url):
    alice = join(people, "Alice")
    newcomer = people()

    newcomer.set_name("ALICE")
    expect(newcomer, error_code("name_taken"))
    newcomer.send_public("hi")
    expect(newcomer, error_code("no_name"))
    newcomer.send("this is not JSON")
    help_frame = expect(newcomer, error_code("unknown_action"))[0]
    assert '"action": "sendPrivate"' in help_frame["systemMessage"]

    alice.send_private("Nobody", "hello?")
    expect(alice, error_code("unknown_recipient"))
    alice.send_public("x" * 1001)
    expect(alice, error_code("invalid_message"))

    for bad_name, status in (("x" * 33, 400), ("alice", 409), ("Bot", 409)):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(f"{chat_url}?name={quote(bad_name)}", timeout=WAIT)
        assert refused.value.status_code == status

    alice.send_public("still here")
    expect(alice, key_is("publicMessage", "Alice: still here"))
    newcomer.receive_all(quiet_seconds=0.5)
    assert all("error" in frame for frame in newcomer.received)  # nothing of Alice's chat reached it
    assert len(alice.matching(lambda frame: "error" in frame)) == 2


def test_a_connection_that_vanished_is_removed_and_the_others_told(people, table):
    alice, bob = join(people, "Alice"), join(people, "Bob")
    # A member whose socket vanished without $disconnect: in the table, unknown to the gateway.
    ghost_id = "Z2hvc3RfY29ubiE="  # AWS-shaped: base64 of 11 bytes
    table.transact_write_items(TransactItems=[
        {"Put": {"TableName": f"{PREFIX}-connections",
                 "Item": {"connectionId": {"S": ghost_id}, "connectedAt": {"N": "1"},
                          "name": {"S": "Ghost"}, "nameKey": {"S": "ghost"}}}},
        {"Put": {"TableName": f"{PREFIX}-connections",
                 "Item": {"connectionId": {"S": "name#ghost"}, "owner": {"S": ghost_id}}}},
    ])

    alice.send_public("anyone there?")
    for member in (alice, bob):
        expect(member, key_is("systemMessage", "Ghost left the chat"))
        expect(member, members_are("Alice", "Bob"))
    assert named_members(table, TABLE) == ["Alice", "Bob"]
    assert "Item" not in table.get_item(TableName=f"{PREFIX}-connections", Key={"connectionId": {"S": "name#ghost"}})


def departures(frame: Frame) -> int:
    """How many members a "left the chat" line names ("A left the chat", "A, B, C and 297 others left the chat")."""
    text = frame.get("systemMessage", "")
    if not text.endswith(" left the chat"):
        return 0
    others = re.search(r" and (\d+) others left the chat$", text)
    return 3 + int(others.group(1)) if others else 1


def test_hundreds_of_stale_members_are_removed_off_the_senders_path(people, table, cloud):
    alice, bob = join(people, "Alice"), join(people, "Bob")
    ghosts = [f"R2hvc3RfY29u{number:03d}=" for number in range(300)]  # a crash left 300 members behind (AWS-shaped ids)
    writes = [item for number, ghost_id in enumerate(ghosts) for item in (
        {"connectionId": {"S": ghost_id}, "connectedAt": {"N": "1"},
         "name": {"S": f"Ghost{number:03d}"}, "nameKey": {"S": f"ghost{number:03d}"}},
        {"connectionId": {"S": f"name#ghost{number:03d}"}, "owner": {"S": ghost_id}})]
    for start in range(0, len(writes), 25):
        table.batch_write_item(RequestItems={f"{PREFIX}-connections": [
            {"PutRequest": {"Item": item}} for item in writes[start:start + 25]]})

    alice.send_public("after the crash")
    alice.send_public("right after")  # a second clean-up of the same members, at once
    for member in (alice, bob):
        expect(member, key_is("text", "after the crash"))
        expect(member, key_is("text", "right after"))
    deadline = time.monotonic() + WAIT
    while named_members(table, TABLE) != ["Alice", "Bob"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert named_members(table, TABLE) == ["Alice", "Bob"]
    claims = table.scan(TableName=f"{PREFIX}-connections", FilterExpression="begins_with(connectionId, :ghost)",
                        ExpressionAttributeValues={":ghost": {"S": "name#ghost"}})["Items"]
    assert claims == []
    for member in (alice, bob):  # each departure announced once, in few lines (a clean-up's many make one)
        expect(member, members_are("Alice", "Bob"), count=2)  # the one at Bob's join, then the clean-up's
        while sum(map(departures, member.matching(departures))) < 300 and (left := deadline - time.monotonic()) > 0:
            if member.read(left) is None:
                break
        lines = member.matching(departures)
        assert sum(map(departures, lines)) == 300 and len(lines) <= 2 * 3

    # The senders handed the work to $disconnect (asynchronously) rather than doing it themselves.
    events = cloud.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{PREFIX}-sendPublic")["events"]
    records = [json.loads(event["message"]) for event in events if event["message"].startswith("{")]
    sent = [record for record in records if record.get("recipients") == 302]
    assert len(sent) == 2 and all(record["cleanup"] == "requested" for record in sent)
    assert any(record.get("handedOver") for record in sent)  # a hundred Gone in a row: the rest went unposted
    events = cloud.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{PREFIX}-disconnect")["events"]
    assert any('"$disconnect cleanup"' in event["message"] for event in events)


@pytest.mark.slow
def test_fifty_members_each_receive_every_public_message_exactly_once(people):
    names = [f"Member{number:02d}" for number in range(50)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        members = list(pool.map(lambda name: join(people, name), names))
    for member in members:
        expect(member, lambda frame: len(frame.get("members", [])) == 50)

    senders = members[:5]
    expected = sorted(f"{sender_name}: message {index}" for sender_name in names[:5] for index in range(4))

    def talk(sender: ChatMember) -> None:
        for index in range(4):
            sender.send_public(f"message {index}")

    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(talk, senders))

    for member in members:
        expect(member, lambda frame: "publicMessage" in frame, count=len(expected))
    time.sleep(1.0)  # room for any duplicate to show up before counting
    for member in members:
        member.receive_all(quiet_seconds=0.05)
        received = sorted(frame["publicMessage"] for frame in member.matching(lambda frame: "publicMessage" in frame))
        assert received == expected

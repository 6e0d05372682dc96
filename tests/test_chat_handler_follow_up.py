"""A `?name=` join gets the members list at once: $connect's asynchronous follow-up (moto's DynamoDB)."""

import json
import threading

import pytest

from tests.helpers.chat_handlers import HANDLERS, ChatWorld, FakeContext


@pytest.fixture
def chat():
    with ChatWorld() as world:
        yield world


def test_a_name_join_asks_for_one_asynchronous_follow_up_of_the_same_function(chat):
    assert chat.connect("A", "Alice")["statusCode"] == 200

    [invoke] = chat.lambdas.invokes
    assert invoke["FunctionName"] == FakeContext.invoked_function_arn
    assert invoke["InvocationType"] == "Event"  # queued: the handshake does not wait for it
    payload = json.loads(invoke["Payload"])
    assert payload["membersFor"] == "A"
    assert payload["requestContext"]["connectionId"] == "A"
    assert payload["requestContext"]["domainName"] and payload["requestContext"]["stage"] == "dev"


def test_the_follow_up_sends_the_newcomer_alone_the_members_list(chat):
    chat.join("B", "Bob")
    chat.connect("A", "Alice")
    assert chat.frames("A") == []  # nothing can reach a socket during $connect
    bob_before = chat.frames("B")
    assert [list(frame)[0] for frame in bob_before] == ["systemMessage", "members"]  # what others got before

    assert chat.run_follow_ups() == [{"statusCode": 200}]

    assert chat.frames("A") == [{"members": ["Alice", "Bob"]}]
    assert chat.frames("B") == bob_before  # the others get nothing more


def test_the_follow_up_waits_until_the_socket_is_open(chat):
    chat.connect("A", "Alice")
    chat.posts.gone.add("A")  # API Gateway has not opened the socket yet: posts answer Gone
    threading.Timer(0.35, chat.posts.gone.discard, args=["A"]).start()

    chat.run_follow_ups()

    assert chat.frames("A") == [{"members": ["Alice"]}]
    assert chat.posts.attempts.count("A") >= 2  # it tried again
    assert chat.item("A")["name"] == "Alice"  # and removed nothing while waiting


def test_the_follow_up_gives_up_on_a_socket_that_never_opens(chat, monkeypatch, capsys):
    monkeypatch.setattr(HANDLERS["$connect"].__globals__["time"], "monotonic",
                        iter([0.0, 0.0, 1.0, 99.0]).__next__)
    chat.connect("A", "Alice")
    chat.posts.gone.add("A")

    assert chat.run_follow_ups() == [{"statusCode": 200}]

    assert chat.frames("A") == []
    assert '"outcome": "never opened"' in capsys.readouterr().out


def test_a_join_without_a_name_asks_for_no_follow_up(chat):
    chat.connect("A")
    assert chat.lambdas.invokes == []


def test_a_refused_name_asks_for_no_follow_up(chat):
    chat.join("B", "Bob")
    assert chat.connect("A", "bob")["statusCode"] == 409
    assert chat.lambdas.invokes == []


def test_a_refused_invoke_does_not_refuse_the_join(chat, capsys):
    chat.lambdas.refuse_with = "AccessDeniedException"  # e.g. the role lacks lambda:InvokeFunction
    assert chat.connect("A", "Alice")["statusCode"] == 200
    assert chat.item("A")["name"] == "Alice"
    assert '"followUp": "AccessDeniedException"' in capsys.readouterr().out

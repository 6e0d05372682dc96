"""Talking: sendPublic, sendPrivate, sendBot (and its brain) and the $default help, against moto's DynamoDB."""

import json
from datetime import datetime, timezone

import pytest

from tests.helpers.chat_handlers import ChatWorld, lambda_module

bot_reply = lambda_module("send_bot").bot_reply  # the bot's brain, a plain function of the text


@pytest.fixture
def chat():
    with ChatWorld() as world:
        world.join("A", "Alice")
        world.join("B", "Bob")
        world.connect("X")  # connected, never named
        world.clear()
        yield world


# --- sendPublic ----------------------------------------------------------------------------------------

def test_public_message_reaches_every_named_member_and_the_sender(chat):
    chat.call("sendPublic", "A", {"message": "  Hello <b>all</b>  "})

    for member in ("A", "B"):
        assert chat.frames(member) == [{
            "publicMessage": "Alice: Hello <b>all</b>", "from": "Alice", "text": "Hello <b>all</b>",
            "ts": chat.frames(member)[0]["ts"],
        }]
    assert chat.frames("X") == []


@pytest.mark.parametrize("route", ["sendPublic", "sendBot"])
@pytest.mark.parametrize("bad_message, why", [
    ("", "empty"),
    ("  \n ", "empty"),
    ("m" * 1001, "at most 1000"),
    (7, "must be text"),
    (["hi"], "must be text"),
    (None, "must be text"),
])
def test_invalid_messages_are_refused_to_the_sender_alone(chat, route, bad_message, why):
    chat.call(route, "A", {"message": bad_message})

    assert chat.errors("A") == ["invalid_message"]
    assert why in chat.texts("A", "systemMessage")[0]
    assert chat.frames("B") == []


def test_a_message_of_1000_characters_is_delivered(chat):
    chat.call("sendPublic", "A", {"message": "m" * 1000})
    assert chat.texts("B", "publicMessage") == ["Alice: " + "m" * 1000]


@pytest.mark.parametrize("route, body", [
    ("sendPublic", {"message": "hi"}),
    ("sendPrivate", {"to": "Bob", "message": "hi"}),
    ("sendBot", {"message": "hi"}),
])
def test_a_member_without_name_must_choose_one_first(chat, route, body):
    chat.call(route, "X", body)

    assert chat.errors("X") == ["no_name"]
    assert "setName" in chat.texts("X", "systemMessage")[0]
    assert chat.frames("A") == [] and chat.frames("B") == []


# --- sendPrivate ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("to", ["Bob", "bob", " BOB "])
def test_private_message_reaches_the_recipient_alone(chat, to):
    chat.call("sendPrivate", "A", {"to": to, "message": "psst"})

    assert chat.texts("B", "privateMessage") == ["Alice: psst"]
    assert chat.frames("B")[0]["to"] == "Bob" and chat.frames("B")[0]["from"] == "Alice"
    assert chat.frames("A") == [] and chat.frames("X") == []


def test_private_message_to_an_unknown_name_is_refused(chat):
    chat.call("sendPrivate", "A", {"to": "Zed", "message": "psst"})

    assert chat.errors("A") == ["unknown_recipient"]
    assert "Nobody called Zed" in chat.texts("A", "systemMessage")[0]
    assert chat.frames("B") == []


@pytest.mark.parametrize("to", [None, "", "  ", 5])
def test_private_message_without_recipient_is_refused(chat, to):
    chat.call("sendPrivate", "A", {"to": to, "message": "psst"})
    assert chat.errors("A") == ["invalid_recipient"]
    assert chat.frames("B") == []


def test_private_message_to_a_vanished_member_removes_it_and_tells_the_sender(chat):
    chat.posts.gone.add("B")
    chat.call("sendPrivate", "A", {"to": "Bob", "message": "psst"})
    chat.run_follow_ups()  # the clean-up the sender handed to $disconnect

    assert chat.item("B") is None and chat.item("name#bob") is None
    assert chat.errors("A") == ["unknown_recipient"]
    assert "not delivered" in chat.texts("A", "systemMessage")[0]
    assert chat.texts("A", "systemMessage")[1:] == ["Bob left the chat"]
    assert chat.texts("A", "members") == [["Alice"]]


# --- sendBot -------------------------------------------------------------------------------------------

def test_bot_question_and_answer_reach_everyone_in_order(chat):
    chat.call("sendBot", "B", {"message": "who is here?"})

    for member in ("A", "B"):
        assert chat.texts(member, "publicMessage") == ["Bob: who is here?", "Bot: Here now: Alice, Bob."]
        assert chat.frames(member)[1]["from"] == "Bot"
    assert chat.frames("X") == []


NOON = datetime(2026, 5, 1, 12, 34, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, expected", [
    ("help", "Ask me: help, who"),
    ("Who is here?", "Here now: Alice, Bob."),
    ("what time is it", "It is 12:34 UTC."),
    ("hello bot", "Hello!"),
    ("Marco", "Marco... marco..."),
])
def test_bot_brain_answers_the_same_way_every_time(text, expected):
    answer = bot_reply(text, ["Alice", "Bob"], NOON)
    assert answer.startswith(expected)
    assert bot_reply(text, ["Alice", "Bob"], NOON) == answer


def test_bot_echo_is_kept_short():
    assert len(bot_reply("x" * 1000, [], NOON)) < 300


# --- $default ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, problem", [
    ("not json at all", "must be JSON"),
    ('["a", "list"]', "must be JSON"),
    ('{"message": "hi"}', "no action"),
    ('{"action": "dance"}', 'Unknown action "dance"'),
    ('{"action": "sendPublic", "message": "hi"}', "no route"),
])
def test_default_answers_the_sender_alone_with_help(chat, body, problem):
    chat.call("$default", "X", body)

    [frame] = chat.frames("X")
    assert problem in frame["systemMessage"]
    for action in ("setName", "sendPublic", "sendPrivate", "sendBot"):
        assert f'"action": "{action}"' in frame["systemMessage"]
    assert frame["error"]["code"] == "unknown_action"
    assert chat.frames("A") == [] and chat.frames("B") == []


def test_frames_are_json_objects_with_exactly_one_protocol_key(chat):
    chat.call("sendPublic", "A", {"message": "one"})
    chat.call("sendPrivate", "A", {"to": "Bob", "message": "two"})
    chat.call("setName", "A", {"name": "Alicia"})
    chat.call("$default", "A", "???")
    protocol_keys = {"members", "publicMessage", "privateMessage", "systemMessage"}

    frames = chat.frames("A") + chat.frames("B")
    assert len(frames) == 8
    for frame in frames:
        assert len(protocol_keys & set(frame)) == 1, json.dumps(frame)

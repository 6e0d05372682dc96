"""The chat kit: chat_protocol's requests and frame tests, and ChatMember against a real chat server (server_way)."""

from __future__ import annotations

import json

import pytest
import websocket

import server_way
from workshop import chat_protocol as protocol
from workshop.chat_member import ChatMember
from workshop.terminal import Palette, render_frame, show


@pytest.fixture(scope="module")
def server():
    with server_way.launch() as running:
        yield running


# -- the protocol module ----------------------------------------------------------------------------------

def test_the_requests_are_the_documented_json():
    assert json.loads(protocol.encode(protocol.set_name("Ana"))) == {"action": "setName", "name": "Ana"}
    assert json.loads(protocol.encode(protocol.send_public("hi"))) == {"action": "sendPublic", "message": "hi"}
    assert protocol.send_private("Bo", "psst") == {"action": "sendPrivate", "to": "Bo", "message": "psst"}
    assert protocol.send_bot("help") == {"action": "sendBot", "message": "help"}
    assert protocol.encode("not JSON") == "not JSON"
    assert {request["action"] for request in (protocol.set_name("a"), protocol.send_public("b"),
                                              protocol.send_private("c", "d"), protocol.send_bot("e"))} \
        == set(protocol.ACTIONS)


@pytest.mark.parametrize(("frame", "kind"), [
    ({"members": ["Ana"]}, "members"),
    ({"publicMessage": "Ana: hi", "from": "Ana", "text": "hi"}, "public"),
    ({"privateMessage": "Bo: psst"}, "private"),
    ({"systemMessage": "Ana joined the chat"}, "system"),
    ({"systemMessage": "The name ana is taken.", "error": {"code": "name_taken"}}, "error"),
    ({"message": "Internal server error", "connectionId": "x"}, "gateway"),
    ({"raw": "plain text"}, "unknown"),
])
def test_frame_kinds(frame, kind):
    assert protocol.frame_kind(frame) == kind


def test_decode_keeps_what_is_not_a_json_object():
    assert protocol.decode('{"members": []}') == {"members": []}
    assert protocol.decode("hello") == {"raw": "hello"}
    assert protocol.decode("[1, 2]") == {"raw": [1, 2]}


def test_frame_tests():
    assert protocol.members_are("bo", "Ana")({"members": ["Ana", "bo"]})
    assert not protocol.members_are("Ana", "bo")({"members": ["bo", "Ana"]})  # the protocol's order is part of it
    assert protocol.has("publicMessage", "hi")({"publicMessage": "Ana: hi"})
    assert not protocol.has("privateMessage", "hi")({"publicMessage": "Ana: hi"})
    taken = {"systemMessage": "taken", "error": {"code": "name_taken"}}
    assert protocol.is_refusal(taken) and protocol.error_code("name_taken")(taken)
    assert not protocol.error_code("no_name")(taken) and not protocol.is_refusal({"systemMessage": "hi"})


def test_text_that_was_not_json_is_shown_as_text():
    assert render_frame({"raw": "oops"}, Palette(False)) == "? oops"
    assert show({"publicMessage": "Ana: hi"}) == "publicMessage: Ana: hi"


# -- ChatMember on a real server ----------------------------------------------------------------------------

def test_members_join_talk_and_read_what_they_got(server):
    with ChatMember(server.url, name="Ana", timeout=5) as ana, ChatMember(server.url, timeout=5) as bo:
        bo.set_name("Bo")
        assert bo.wait_for("members") == {"members": ["Ana", "Bo"]}
        assert ana.wait_for(protocol.members_are("Ana", "Bo")) is not None

        ana.send_public("hello")
        assert bo.wait_for("publicMessage")["publicMessage"] == "Ana: hello"
        ana.send_private("Bo", "psst")
        assert bo.wait_for(protocol.has("privateMessage", "psst"))["privateMessage"] == "Ana: psst"
        got = ana.receive_all(quiet_seconds=0.3)
        assert [frame["publicMessage"] for frame in got] == ["Ana: hello"]  # and no copy of the private one
        assert [frame["publicMessage"] for frame in ana.matching("publicMessage")] == ["Ana: hello"]


def test_wait_for_gives_up_with_none_and_keeps_what_it_read(server):
    with ChatMember(server.url, name="Cy", timeout=5) as cy:
        assert cy.wait_for("privateMessage", timeout=0.5) is None
        assert cy.matching("members") == [{"members": ["Cy"]}]  # read on the way, kept in `received`


def test_wait_for_received_counts_everything_read_so_far(server):
    with ChatMember(server.url, name="Di", timeout=5) as di:
        for text in ("one", "two"):
            di.send_public(text)
        assert len(di.wait_for_received("publicMessage", count=2)) == 2
        assert len(di.wait_for_received("publicMessage", count=3, timeout=0.3)) == 2  # fewer after the timeout


def test_a_name_given_in_the_url_is_quoted(server):
    with ChatMember(server.url, name="Ed Wood", timeout=5) as ed:
        assert ed.url.endswith("?name=Ed%20Wood")
        assert ed.wait_for(protocol.members_are("Ed Wood")) is not None


def test_a_refused_handshake_raises_and_a_closed_member_reads_none(server):
    with ChatMember(server.url, name="Flo", timeout=5) as flo:
        with pytest.raises(websocket.WebSocketBadStatusException):
            ChatMember(server.url, name="flo", timeout=5)  # names are unique, ignoring case
        flo.close()
        assert flo.read(timeout=0.5) is None
        flo.close()  # twice is harmless

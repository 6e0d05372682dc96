"""The server-way chat: a real `python -m server_way` process speaking the chat protocol, on loopback only."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import websocket

import server_way
from workshop.chat_member import ChatMember
from workshop.terminal import show


@pytest.fixture(scope="module")
def server():
    with server_way.launch() as running:
        yield running


def frames(member: ChatMember) -> list[str]:
    return [show(frame) for frame in member.receive_all(quiet_seconds=0.4)]


def test_members_join_talk_in_public_and_private_and_ask_the_bot(server):
    alice = ChatMember(f"{server.url}?name=Alice", timeout=5)
    bob = ChatMember(server.url, timeout=5)
    bob.send(json.dumps({"action": "setName", "name": "Bob"}))
    assert "members: ['Alice', 'Bob']" in frames(bob)
    frames(alice)
    alice.send(json.dumps({"action": "sendPublic", "message": "hi all"}))
    alice.send(json.dumps({"action": "sendPrivate", "to": "bob", "message": "psst"}))
    bob.send(json.dumps({"action": "sendBot", "message": "who is here?"}))
    got = frames(bob)
    assert "publicMessage: Alice: hi all" in got and "privateMessage: Alice: psst" in got
    assert "publicMessage: Bot: Here now: Alice, Bob." in got
    assert "privateMessage: Alice: psst" not in frames(alice)  # private means private
    bob.close()
    assert "systemMessage: Bob left the chat" in frames(alice)
    alice.close()


def test_bad_inputs_are_refused_to_the_sender(server):
    carol = ChatMember(server.url, timeout=5)
    carol.send(json.dumps({"action": "sendPublic", "message": "before a name"}))
    carol.send("not json")
    carol.send(json.dumps({"action": "setName", "name": "Bot"}))
    got = frames(carol)
    assert got[0].startswith("systemMessage: Choose a name first")
    assert got[1].startswith("systemMessage: Messages must be JSON.")
    assert got[2].startswith("systemMessage: The name Bot belongs to the chat bot")
    dave = ChatMember(f"{server.url}?name=Dave", timeout=5)
    carol.send(json.dumps({"action": "setName", "name": "DAVE"}))  # names are unique, ignoring case
    assert any(line.startswith("systemMessage: The name DAVE is taken") for line in frames(carol))
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"{server.url}?name=dave", timeout=5)
    assert refused.value.status_code == 409
    carol.close()
    dave.close()


def test_browser_pages_from_elsewhere_and_foreign_host_names_are_refused(server):
    for options in ({"origin": "https://example.com"}, {"host": "attacker.example"}):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(server.url, timeout=5, **options)
        assert refused.value.status_code == 403


def test_a_restart_forgets_everyone(server):
    other = server_way.launch()
    member = ChatMember(f"{other.url}?name=Erin", timeout=5)
    frames(member)
    port = other.port
    other.stop()
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError, OSError)):
        member.ws.recv()
    with server_way.launch(port) as again:
        newcomer = ChatMember(f"{again.url}?name=Finn", timeout=5)
        assert "members: ['Finn']" in frames(newcomer)
        newcomer.close()


def test_the_server_stops_when_its_standard_input_closes():
    process = subprocess.Popen([sys.executable, "-m", "server_way", "--exit-with-stdin"], cwd=server_way.process.PROJECT_ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("listening on ws://127.0.0.1:")
        process.stdin.close()
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()

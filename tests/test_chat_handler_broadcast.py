"""Broadcasting: post errors, pagination, concurrent posts, the management client and the log lines.

Stale connections (posts that answer Gone) are in test_chat_handler_stale.py.
"""

import json
import threading

import pytest

from tests.helpers.chat_handlers import DOMAIN, STAGE, ChatWorld, chat_connections, chat_table


@pytest.fixture
def chat():
    with ChatWorld() as world:
        yield world


def test_another_post_error_skips_that_member_but_keeps_it(chat, capsys):
    for connection_id, name in (("A", "Alice"), ("B", "Bob"), ("C", "Cleo")):
        chat.join(connection_id, name)
    chat.posts.throttled.add("B")
    chat.call("sendPublic", "A", {"message": "hi"})

    assert chat.item("B") is not None
    assert chat.texts("C", "publicMessage") == ["Alice: hi"]
    assert chat.texts("A", "publicMessage") == ["Alice: hi"]
    assert '"postFailed": "LimitExceededException"' in capsys.readouterr().out


def test_members_are_listed_page_by_page(chat):
    chat_table.MEMBERS_PAGE_SIZE = 2
    names = [f"Member{number}" for number in range(7)]
    for number, name in enumerate(names):
        chat.join(f"M{number}", name)
    chat.call("sendPublic", "M0", {"message": "roll call"})

    for number in range(7):
        assert chat.texts(f"M{number}", "publicMessage") == ["Member0: roll call"]
    chat.clear()
    chat.call("setName", "M3", {"name": "Zoe"})
    assert chat.texts("M0", "members") == [sorted(names[:3] + names[4:]) + ["Zoe"]]


def test_posts_run_on_several_threads_and_on_one_when_told(chat, monkeypatch):
    for number in range(8):
        chat.join(f"M{number}", f"Member{number}")
    chat.posts.delay = 0.02  # each post waits, like a network round trip

    chat.posts.threads.clear()
    chat.call("sendPublic", "M0", {"message": "fan out"})
    assert len(chat.posts.threads) > 1
    assert all(chat.texts(f"M{number}", "publicMessage") == ["Member0: fan out"] for number in range(8))

    monkeypatch.setenv("BROADCAST_WORKERS", "1")
    chat.posts.threads.clear()
    chat.call("sendPublic", "M0", {"message": "one by one"})
    assert len(chat.posts.threads) == 1


def test_one_slow_post_is_timed_again_before_threads_are_chosen(chat, monkeypatch):
    for number in range(8):
        chat.join(f"M{number}", f"Member{number}")
    chat.call("sendPublic", "M0", {"message": "warm"})  # the first call's client setup is not what is timed
    real_post = chat.posts.post_to_connection
    slow = []

    def post(ConnectionId, Data):  # noqa: N803 (boto3's names)
        if ConnectionId != "M0" and not slow:  # the broadcast's first post (M0's own copy went before)
            slow.append(ConnectionId)
            threading.Event().wait(0.05)  # a busy moment, then the machine is quick again
        return real_post(ConnectionId=ConnectionId, Data=Data)

    monkeypatch.setattr(chat.posts, "post_to_connection", post)
    monkeypatch.setattr(chat_connections, "THREADS_PAY_OFF_MS", 20.0)  # room for a busy test machine's quick post
    chat.posts.threads.clear()
    chat.call("sendPublic", "M0", {"message": "one slow post"})
    assert slow
    assert len(chat.posts.threads) == 1  # the second post was quick: a plain loop
    assert all(chat.texts(f"M{number}", "publicMessage")[-1] == "Member0: one slow post" for number in range(8))


def test_the_management_client_is_built_from_the_event_once_per_endpoint(chat):
    chat_connections._management_clients.clear()
    event = chat.event("sendPublic", "A")
    client = chat_connections.management_client(event)

    assert client.meta.endpoint_url == f"https://{DOMAIN}/{STAGE}"
    assert chat_connections.management_client(event) is client
    other_stage = chat.event("sendPublic", "A")
    other_stage["requestContext"]["stage"] = "prod"
    assert chat_connections.management_client(other_stage).meta.endpoint_url == f"https://{DOMAIN}/prod"


def test_each_event_logs_one_json_line_without_the_message_text(chat, capsys):
    chat.join("A", "Alice")
    capsys.readouterr()
    chat.call("sendPublic", "A", {"message": "a secret plan"})
    chat.call("sendPublic", "A", {"message": ""})

    lines = capsys.readouterr().out.strip().splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["route"], r["connectionId"], r["outcome"]) for r in records] == [
        ("sendPublic", "A", "sent"), ("sendPublic", "A", "invalid_message")]
    assert all(isinstance(r["durationMs"], float) and r["level"] == "INFO" for r in records)
    assert records[0]["recipients"] == 1 and records[0]["gone"] == 0 and "cleanup" not in records[0] and records[0]["fanOutMs"] >= 0
    assert "secret" not in "".join(lines)


def test_a_crash_is_logged_and_still_raised(chat, capsys, monkeypatch):
    monkeypatch.delenv("NAME_INDEX")
    chat.connect("A")
    with pytest.raises(RuntimeError, match="NAME_INDEX is not set"):
        chat.call("setName", "A", {"name": "Alice"})
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["outcome"] == "crashed" and record["level"] == "ERROR"


def test_quick_posts_go_out_from_one_thread(chat):
    for number in range(8):
        chat.join(f"M{number}", f"Member{number}")
    chat.posts.delay = 0  # a post that waits on no network: threads would only add their cost

    chat.posts.threads.clear()
    chat.call("sendPublic", "M0", {"message": "fan out"})
    assert len(chat.posts.threads) == 1
    assert all(chat.texts(f"M{number}", "publicMessage") == ["Member0: fan out"] for number in range(8))


def test_the_sender_gets_its_message_before_the_members_are_listed(chat, monkeypatch):
    for connection_id, name in (("A", "Alice"), ("B", "Bob"), ("C", "Cleo")):
        chat.join(connection_id, name)
    chat.posts.attempts.clear()
    posted_before_listing = []
    list_members = chat_table.list_members

    def listing():
        posted_before_listing.extend(chat.posts.attempts)
        return list_members()

    monkeypatch.setattr(chat_table, "list_members", listing)
    chat.call("sendPublic", "A", {"message": "me first"})
    assert posted_before_listing == ["A"]
    assert sorted(chat.posts.attempts) == ["A", "B", "C"]  # and nobody twice

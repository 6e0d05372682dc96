"""Broadcasting: stale connections, pagination, concurrent posts, the management client and the log lines."""

import json

import pytest
from chat_handler_kit import DOMAIN, STAGE, ChatWorld, chat_shared


@pytest.fixture
def chat():
    with ChatWorld() as world:
        yield world


def test_a_vanished_member_is_removed_and_the_others_get_the_new_members(chat):
    for connection_id, name in (("A", "Alice"), ("B", "Bob"), ("C", "Cleo")):
        chat.join(connection_id, name)
    chat.posts.gone.add("C")  # closed without $disconnect
    chat.call("sendPublic", "A", {"message": "anyone?"})

    assert chat.item("C") is None and chat.item("name#cleo") is None
    assert chat.item("A") is not None  # the sender is never the one removed
    for member in ("A", "B"):
        assert chat.texts(member, "publicMessage") == ["Alice: anyone?"]
        assert chat.texts(member, "systemMessage") == ["Cleo left the chat"]
        assert chat.texts(member, "members") == [["Alice", "Bob"]]


def test_connections_found_gone_while_telling_the_others_are_removed_too(chat):
    for connection_id, name in (("A", "Alice"), ("B", "Bob"), ("C", "Cleo"), ("D", "Dan")):
        chat.join(connection_id, name)
    chat.posts.gone.add("C")
    chat.call("sendPublic", "A", {"message": "hi"})
    # Dan vanishes after the first broadcast: the "Cleo left" round finds him gone.
    chat.clear()
    chat.posts.gone.add("D")
    chat.call("$disconnect", "B")

    assert chat.item("D") is None and chat.item("name#dan") is None
    assert chat.texts("A", "systemMessage") == ["Bob left the chat", "Dan left the chat"]
    assert chat.texts("A", "members")[-1] == ["Alice"]


def add_members(chat, count, connected_at=0, first=0):
    """Named members straight in the table, as a crash leaves them (their connections are gone)."""
    table = chat_shared.connections_table()
    ids = [f"G{number:04d}" for number in range(first, first + count)]
    with table.batch_writer() as batch:
        for connection_id in ids:
            name = f"Ghost{connection_id}"
            batch.put_item(Item={"connectionId": connection_id, "connectedAt": connected_at, "name": name,
                                 "nameKey": name.lower()})
            batch.put_item(Item={"connectionId": f"name#{name.lower()}", "owner": connection_id})
    return ids


def test_many_vanished_members_are_removed_in_batches_and_announced_in_one_line(chat, monkeypatch):
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    ghosts = add_members(chat, 120)
    chat.posts.gone.update(ghosts)
    transactions = []
    client = chat_shared.connections_table().meta.client
    real = client.transact_write_items
    monkeypatch.setattr(client, "transact_write_items",
                        lambda **kwargs: transactions.append(len(kwargs["TransactItems"])) or real(**kwargs))
    chat.call("sendPublic", "A", {"message": "still here?"})

    assert [item["connectionId"] for item in chat.all_items() if "nameKey" in item] in (["A", "B"], ["B", "A"])
    assert not any(item["connectionId"].startswith("name#ghost") for item in chat.all_items())
    assert transactions == [100, 100, 40]  # 50 members to a transaction, not one each
    for member in ("A", "B"):
        assert chat.texts(member, "publicMessage") == ["Alice: still here?"]
        assert chat.texts(member, "systemMessage") == ["GhostG0000, GhostG0001, GhostG0002 and 117 others left the chat"]
        assert chat.texts(member, "members") == [["Alice", "Bob"]]


def test_a_batch_with_a_member_removed_meanwhile_falls_back_to_one_by_one(chat):
    chat.join("A", "Alice")
    ghosts = add_members(chat, 60)
    chat.posts.gone.update(ghosts)
    members = chat_shared.list_members()
    assert chat_shared.forget_connection("G0007") == "GhostG0007"  # another function got there first

    left = chat_shared.forget_connections(ghosts, members)
    assert sorted(left) == sorted(f"Ghost{ghost}" for ghost in ghosts if ghost != "G0007")  # each once
    assert [item["connectionId"] for item in chat.all_items()] == ["A", "name#alice"]


def test_a_member_still_joining_is_not_taken_for_a_stale_one(chat):
    chat.join("A", "Alice")
    joining = add_members(chat, 1, connected_at=chat_shared.now_ms())  # its $connect still runs
    stale = add_members(chat, 1, connected_at=1, first=1)
    chat.posts.gone.update(joining + stale)  # until its socket opens, a post to it answers Gone too
    chat.call("sendPublic", "A", {"message": "hi"})

    assert chat.item(joining[0]) is not None and chat.item(stale[0]) is None
    assert chat.texts("A", "systemMessage") == [f"Ghost{stale[0]} left the chat"]


def test_the_newest_connections_are_posted_to_first(chat, monkeypatch):
    ghosts = add_members(chat, 30, connected_at=1)
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    chat.posts.gone.update(ghosts)
    chat.posts.attempts.clear()
    monkeypatch.setattr(chat_shared, "broadcast_workers", lambda *_: 1)  # posts in the order they are made
    chat.call("sendPublic", "A", {"message": "hi"})
    assert set(chat.posts.attempts[:2]) == {"A", "B"}  # before the connections a crash left behind


def test_a_vanished_sender_is_removed_when_its_answer_bounces(chat):
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    chat.posts.gone.add("B")
    chat.call("$default", "B", "oops")

    assert chat.item("B") is None
    assert chat.texts("A", "systemMessage") == ["Bob left the chat"]


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
    chat_shared.MEMBERS_PAGE_SIZE = 2
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


def test_the_management_client_is_built_from_the_event_once_per_endpoint(chat):
    chat_shared._management_clients.clear()
    event = chat.event("sendPublic", "A")
    client = chat_shared.management_client(event)

    assert client.meta.endpoint_url == f"https://{DOMAIN}/{STAGE}"
    assert chat_shared.management_client(event) is client
    other_stage = chat.event("sendPublic", "A")
    other_stage["requestContext"]["stage"] = "prod"
    assert chat_shared.management_client(other_stage).meta.endpoint_url == f"https://{DOMAIN}/prod"


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
    assert records[0]["recipients"] == 1 and records[0]["removed"] == 0 and records[0]["fanOutMs"] >= 0
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
    list_members = chat_shared.list_members

    def listing():
        posted_before_listing.extend(chat.posts.attempts)
        return list_members()

    monkeypatch.setattr(chat_shared, "list_members", listing)
    chat.call("sendPublic", "A", {"message": "me first"})
    assert posted_before_listing == ["A"]
    assert sorted(chat.posts.attempts) == ["A", "B", "C"]  # and nobody twice

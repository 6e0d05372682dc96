"""Stale members (connections closed without $disconnect): handed to $disconnect's clean-up, removed in batches."""

import json

import pytest

from tests.helpers.chat_handlers import CLEANUP_FUNCTION, HANDLERS, ChatWorld, chat_connections, chat_table, chat_text


@pytest.fixture
def chat():
    with ChatWorld() as world:
        yield world


def add_members(chat, count, connected_at=0, first=0):
    """Named members straight in the table, as a crash leaves them (their connections are gone)."""
    table = chat_table.connections_table()
    ids = [f"G{number:04d}" for number in range(first, first + count)]
    with table.batch_writer() as batch:
        for connection_id in ids:
            name = f"Ghost{connection_id}"
            batch.put_item(Item={"connectionId": connection_id, "connectedAt": connected_at, "name": name,
                                 "nameKey": name.lower()})
            batch.put_item(Item={"connectionId": f"name#{name.lower()}", "owner": connection_id})
    return ids


def count_calls(monkeypatch, operation):
    """Record the size of each call of a DynamoDB client operation (the number of keys or writes it names)."""
    client = chat_table.connections_table().meta.client
    real = getattr(client, operation)
    sizes = []

    def counted(**kwargs):
        [requests] = kwargs["RequestItems"].values()
        sizes.append(len(requests["Keys"]) if isinstance(requests, dict) else len(requests))
        return real(**kwargs)

    monkeypatch.setattr(client, operation, counted)
    return sizes


def named_ids(chat):
    return sorted(item["connectionId"] for item in chat.all_items() if "nameKey" in item)


def test_the_sender_hands_the_gone_connections_to_disconnect_and_does_not_wait(chat, capsys):
    for connection_id, name in (("A", "Alice"), ("B", "Bob"), ("C", "Cleo")):
        chat.join(connection_id, name)
    chat.posts.gone.add("C")  # closed without $disconnect
    capsys.readouterr()
    chat.call("sendPublic", "A", {"message": "anyone?"})

    # The message is out, and Cleo is still in the table: removing her is $disconnect's job, queued.
    assert chat.texts("B", "publicMessage") == ["Alice: anyone?"] and chat.item("C") is not None
    [invoke] = chat.lambdas.invokes
    assert invoke["FunctionName"] == CLEANUP_FUNCTION and invoke["InvocationType"] == "Event"
    payload = json.loads(invoke["Payload"])
    assert payload["cleanup"] == ["C"] and payload["undelivered"] == []  # every member was posted to
    assert payload["requestContext"]["domainName"] and payload["requestContext"]["stage"] == "dev"
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (record["gone"], record["cleanup"]) == (1, "requested")

    assert chat.run_follow_ups() == [{"statusCode": 200}]
    assert chat.item("C") is None and chat.item("name#cleo") is None
    assert chat.item("A") is not None  # the sender is never the one removed
    for member in ("A", "B"):
        assert chat.texts(member, "systemMessage") == ["Cleo left the chat"]
        assert chat.texts(member, "members") == [["Alice", "Bob"]]


def test_many_stale_members_are_removed_in_batches_and_announced_in_one_line(chat, monkeypatch):
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    ghosts = add_members(chat, 120)
    chat.posts.gone.update(ghosts)
    writes = count_calls(monkeypatch, "batch_write_item")
    reads = count_calls(monkeypatch, "batch_get_item")
    transactions = []
    client = chat_table.connections_table().meta.client
    real = client.transact_write_items
    monkeypatch.setattr(client, "transact_write_items",
                        lambda **kwargs: transactions.append(len(kwargs["TransactItems"])) or real(**kwargs))
    chat.call("sendPublic", "A", {"message": "still here?"})
    assert chat.cleanups() == [ghosts] and named_ids(chat) == sorted(["A", "B", *ghosts])
    chat.run_follow_ups()

    assert named_ids(chat) == ["A", "B"]
    assert not any(item["connectionId"].startswith("name#ghost") for item in chat.all_items())
    assert reads == [100, 20]  # the connection items, 100 keys a call
    assert writes == [25] * 4 + [20]  # 120 connection items deleted, 25 a call, none one by one
    assert transactions == [100, 20]  # their names given back, 100 to a transaction
    for member in ("A", "B"):
        assert chat.texts(member, "publicMessage") == ["Alice: still here?"]
        assert chat.texts(member, "systemMessage") == ["GhostG0000, GhostG0001, GhostG0002 and 117 others left the chat"]
        assert chat.texts(member, "members") == [["Alice", "Bob"]]


def test_names_are_given_back_before_the_connection_items_are_deleted(chat, monkeypatch):
    """A clean-up stopped between the two leaves no name held by nobody (nothing would ever free it)."""
    chat.join("A", "Alice")
    ghosts = add_members(chat, 30)
    deleted = []
    client = chat_table.connections_table().meta.client
    real_batch, real_transaction = client.batch_write_item, client.transact_write_items
    monkeypatch.setattr(client, "batch_write_item", lambda **kwargs: deleted.extend(
        request["DeleteRequest"]["Key"]["connectionId"] for request in kwargs["RequestItems"]["chat-connections"])
        or real_batch(**kwargs))
    monkeypatch.setattr(client, "transact_write_items", lambda **kwargs: deleted.extend(
        item["Delete"]["Key"]["connectionId"] for item in kwargs["TransactItems"]) or real_transaction(**kwargs))
    assert chat_table.forget_connections(ghosts) == {ghost: f"Ghost{ghost}" for ghost in ghosts}
    assert deleted == [f"name#ghost{ghost.lower()}" for ghost in ghosts] + ghosts


def test_later_senders_do_not_post_to_the_removed_members_again(chat):
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    ghosts = add_members(chat, 40)
    chat.posts.gone.update(ghosts)
    chat.call("sendPublic", "A", {"message": "first"})
    chat.run_follow_ups()
    chat.posts.attempts.clear()

    chat.call("sendPublic", "B", {"message": "second"})
    assert sorted(chat.posts.attempts) == ["A", "B"]
    assert chat.lambdas.invokes == []


def test_two_clean_ups_of_the_same_members_announce_them_once_and_free_no_new_claim(chat):
    """Two senders found the same ghost gone; between the clean-ups someone new took the ghost's name."""
    chat.join("A", "Alice")
    [ghost] = add_members(chat, 1)
    chat.posts.gone.add(ghost)
    chat.call("sendPublic", "A", {"message": "one"})
    chat.call("sendPublic", "A", {"message": "two"})
    assert chat.cleanups() == [[ghost], [ghost]]
    first, second = chat.lambdas.invokes
    chat.lambdas.invokes[:] = [first]
    chat.run_follow_ups()
    chat.join("N", f"Ghost{ghost}")  # the name is free again: a newcomer takes it
    chat.clear()

    chat.lambdas.invokes[:] = [second]
    chat.run_follow_ups()
    assert chat.item(f"name#ghost{ghost.lower()}") == {"connectionId": f"name#ghost{ghost.lower()}", "owner": "N"}
    assert chat.item("N")["name"] == f"Ghost{ghost}"
    assert chat.frames("A") == []  # nobody left this time: nothing to tell


def test_a_member_removed_meanwhile_by_disconnect_is_announced_once(chat):
    chat.join("A", "Alice")
    ghosts = add_members(chat, 60)
    chat.posts.gone.update(ghosts)
    chat.call("sendPublic", "A", {"message": "hi"})
    chat.call("$disconnect", "G0007")  # API Gateway's $disconnect got there first
    chat.clear()
    chat.run_follow_ups()

    assert [item["connectionId"] for item in chat.all_items()] == ["A", "name#alice"]
    assert chat.texts("A", "systemMessage") == ["GhostG0000, GhostG0001, GhostG0002 and 56 others left the chat"]


def test_connections_found_gone_while_announcing_are_removed_too(chat):
    for connection_id, name in (("A", "Alice"), ("B", "Bob"), ("C", "Cleo"), ("D", "Dan")):
        chat.join(connection_id, name)
    chat.posts.gone.add("C")
    chat.call("sendPublic", "A", {"message": "hi"})
    chat.posts.gone.add("D")  # Dan vanishes before the clean-up tells him that Cleo left
    chat.clear()
    chat.run_follow_ups()

    assert chat.item("D") is None and chat.item("name#dan") is None
    assert chat.texts("A", "systemMessage") == ["Cleo left the chat", "Dan left the chat"]
    assert chat.texts("A", "members")[-1] == ["Alice", "Bob"]
    assert chat.lambdas.invokes == []  # the clean-up's own rounds removed Dan: nothing more to ask for


def test_a_member_still_joining_is_not_taken_for_a_stale_one(chat):
    chat.join("A", "Alice")
    joining = add_members(chat, 1, connected_at=chat_text.now_ms())  # its $connect still runs
    stale = add_members(chat, 1, connected_at=1, first=1)
    chat.posts.gone.update(joining + stale)  # until its socket opens, a post to it answers Gone too
    chat.call("sendPublic", "A", {"message": "hi"})
    assert chat.cleanups() == [joining + stale]  # the clean-up reads when each connected
    chat.run_follow_ups()

    assert chat.item(joining[0]) is not None and chat.item(stale[0]) is None
    assert chat.texts("A", "systemMessage") == [f"Ghost{stale[0]} left the chat"]


def test_the_newest_connections_are_posted_to_first(chat, monkeypatch):
    ghosts = add_members(chat, 30, connected_at=1)
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    chat.posts.gone.update(ghosts)
    chat.posts.attempts.clear()
    monkeypatch.setattr(chat_connections, "broadcast_workers", lambda first_post_ms=None: 1)  # posts in the order they are made
    chat.call("sendPublic", "A", {"message": "hi"})
    assert set(chat.posts.attempts[:2]) == {"A", "B"}  # before the connections a crash left behind


def test_a_vanished_sender_is_removed_when_its_answer_bounces(chat):
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    chat.posts.gone.add("B")
    chat.call("$default", "B", "oops")
    assert chat.cleanups() == [["B"]]
    chat.run_follow_ups()

    assert chat.item("B") is None
    assert chat.texts("A", "systemMessage") == ["Bob left the chat"]


def test_a_vanished_private_recipient_is_handed_over_and_the_sender_told(chat):
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    chat.posts.gone.add("B")
    chat.call("sendPrivate", "A", {"to": "Bob", "message": "psst"})

    assert chat.errors("A") == ["unknown_recipient"]
    assert chat.cleanups() == [["B"]]
    chat.run_follow_ups()
    assert chat.item("B") is None and chat.texts("A", "systemMessage")[-1] == "Bob left the chat"


def test_a_large_clean_up_is_split_over_several_invokes(chat, monkeypatch):
    monkeypatch.setattr(chat_connections, "IDS_PER_CLEANUP", 50)  # an asynchronous payload is at most 256 KB
    chat.join("A", "Alice")
    ghosts = add_members(chat, 120)
    chat.posts.gone.update(ghosts)
    chat.call("sendPublic", "A", {"message": "hi"})

    # A hundred posts answered Gone, so the sender handed the other twenty over unposted (see send_until_stale).
    payloads = [json.loads(invoke["Payload"]) for invoke in chat.lambdas.invokes]
    assert [payload["cleanup"] for payload in payloads] == [ghosts[:50], ghosts[50:100]]
    assert [payload["undelivered"] for payload in payloads] == [ghosts[100:], []]
    chat.run_follow_ups()
    assert named_ids(chat) == ["A"]


def test_the_default_limit_keeps_an_asynchronous_payload_small():
    ids = ["AbCdEfGhIjKlMnO="] * chat_connections.IDS_PER_CLEANUP
    longest = chat_text.public_message("N" * chat_text.MAX_NAME_LENGTH, "é" * chat_text.MAX_MESSAGE_LENGTH)
    payload = json.dumps({"cleanup": ids, "undelivered": ids, "messages": [longest, longest],
                          "requestContext": {"connectionId": "AbCdEfGhIjKlMnO=", "stage": "dev", "apiId": "abc123defg",
                                             "domainName": "abc123defg.execute-api.eu-west-1.amazonaws.com"}})
    assert len(payload.encode()) < 256 * 1024


@pytest.mark.parametrize("refusal", ["AccessDeniedException", None])
def test_without_the_clean_up_function_the_sender_removes_them_itself(chat, monkeypatch, capsys, refusal):
    """A role or an environment from before this change: the chat still works, only the sender waits longer."""
    if refusal:
        chat.lambdas.refuse_with = refusal
    else:
        monkeypatch.delenv("CLEANUP_FUNCTION")
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    ghosts = add_members(chat, 30)
    chat.posts.gone.update(ghosts)
    capsys.readouterr()
    chat.call("sendPublic", "A", {"message": "hi"})

    assert named_ids(chat) == ["A", "B"] and chat.lambdas.invokes == []
    assert chat.texts("B", "systemMessage") == ["GhostG0000, GhostG0001, GhostG0002 and 27 others left the chat"]
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert records[-1]["cleanup"] == "done here"
    warnings = [record["cleanupInvoke"] for record in records if "cleanupInvoke" in record]
    assert warnings == ([refusal] if refusal else [])


def test_after_a_whole_hundred_gone_the_sender_hands_the_rest_over_unposted(chat):
    old_timer = add_members(chat, 1, connected_at=0)  # a live member who connected before the crash
    ghosts = add_members(chat, 250, connected_at=1, first=1)
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    chat.posts.gone.update(ghosts)
    chat.call("sendPublic", "A", {"message": "after the crash"})

    # A's own copy first (sendPublic answers its sender before the others), then B (the newest), then
    # ghosts: a hundred posts all answering Gone stop the sender.
    assert len(chat.posts.attempts) == 201 and chat.texts("A", "publicMessage") == ["Alice: after the crash"]
    assert chat.posts.attempts[:2] == ["A", "B"] and chat.frames(old_timer[0]) == []
    [payload] = [json.loads(invoke["Payload"]) for invoke in chat.lambdas.invokes]
    assert payload["cleanup"] == ghosts[:199] and payload["undelivered"] == ghosts[199:] + old_timer
    assert [message.get("text") for message in payload["messages"]] == ["after the crash"]

    chat.run_follow_ups()
    assert chat.texts(old_timer[0], "publicMessage") == ["Alice: after the crash"]
    assert named_ids(chat) == sorted(["A", "B", *old_timer])
    assert chat.texts("B", "systemMessage") == ["GhostG0001, GhostG0002, GhostG0003 and 247 others left the chat"]
    assert chat.texts(old_timer[0], "members") == [["Alice", "Bob", "GhostG0000"]]


def test_a_clean_up_short_of_time_hands_the_rest_to_a_new_run(chat, monkeypatch):
    chat.join("A", "Alice")
    ghosts = add_members(chat, 30)
    chat.posts.gone.update(ghosts)
    event = {**chat.event("$disconnect", "A"), "cleanup": ghosts[:10], "undelivered": ghosts[10:],
             "messages": [chat_text.public_message("Alice", "hi")]}

    class ShortOfTime:
        @staticmethod
        def get_remaining_time_in_millis():
            return chat_connections.CLEANUP_RESERVE_SECONDS * 1000  # no time left for the posts

    assert HANDLERS["$disconnect"](event, ShortOfTime()) == {"statusCode": 200}

    assert named_ids(chat) == ["A", *ghosts[10:]]  # the ten known gone are removed, nobody told yet
    assert chat.frames("A") == []
    [payload] = [json.loads(invoke["Payload"]) for invoke in chat.lambdas.invokes]
    assert payload["cleanup"] == [] and payload["undelivered"] == ghosts[10:]
    assert payload["left"] == {ghost: f"Ghost{ghost}" for ghost in ghosts[:10]}
    chat.run_follow_ups()
    assert named_ids(chat) == ["A"]
    assert chat.texts("A", "systemMessage") == ["GhostG0000, GhostG0001, GhostG0002 and 27 others left the chat"]


def test_a_name_already_given_back_is_skipped_and_the_others_released(chat):
    chat.join("A", "Alice")
    ghosts = add_members(chat, 5)
    chat.table.delete_item(Key={"connectionId": "name#ghostg0002"})  # another clean-up released it
    chat.table.put_item(Item={"connectionId": "name#ghostg0003", "owner": "N"})  # and someone new took this one

    assert chat_table.forget_connections(ghosts) == {ghost: f"Ghost{ghost}" for ghost in ("G0000", "G0001", "G0004")}
    assert chat.item("name#ghostg0003") == {"connectionId": "name#ghostg0003", "owner": "N"}
    assert named_ids(chat) == ["A"]


def test_a_member_whose_name_was_given_back_by_a_stopped_clean_up_is_removed_by_the_next(chat):
    chat.join("A", "Alice")
    [ghost] = add_members(chat, 1)
    chat.table.delete_item(Key={"connectionId": f"name#ghost{ghost.lower()}"})  # a clean-up stopped after this
    chat.posts.gone.add(ghost)
    chat.call("sendPublic", "A", {"message": "hi"})
    chat.run_follow_ups()

    assert named_ids(chat) == ["A"]
    assert chat.texts("A", "systemMessage") == []  # its departure was the stopped run's to announce

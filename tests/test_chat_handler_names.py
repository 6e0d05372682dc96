"""Joining, naming and leaving: $connect, setName and $disconnect against moto's DynamoDB."""

import threading

import pytest
from moto.dynamodb.models import DynamoDBBackend

from tests.helpers.chat_handlers import ChatWorld, chat_table


@pytest.fixture
def chat():
    with ChatWorld() as world:
        yield world


# --- setName ------------------------------------------------------------------------------------------

def test_set_name_joins_and_everyone_named_hears_it(chat):
    chat.join("A", "Alice")
    chat.connect("X")  # connected, no name yet
    chat.connect("B")
    chat.call("setName", "B", {"name": "  Bob "})

    assert chat.item("B")["name"] == "Bob" and chat.item("B")["nameKey"] == "bob"
    assert chat.item("name#bob")["owner"] == "B"
    for member in ("A", "B"):
        frames = chat.frames(member)
        assert [list(frame)[0] for frame in frames] == ["systemMessage", "members"]  # in this order
        assert frames[0]["systemMessage"] == "Bob joined the chat"
        assert frames[1] == {"members": ["Alice", "Bob"]}
    assert chat.frames("X") == []  # a member without a name receives nothing


@pytest.mark.parametrize("bad_name, why", [
    ("", "empty"),
    ("   ", "empty"),
    ("x" * 33, "at most 32"),
    ("Al\nice", "control"),
    ("Al\tice", "control"),
    ("B\u200bot", "invisible"),  # a zero-width space: shown as "Bot"
    ("\u200b", "invisible"),  # nothing visible at all
    ("\u200d\u200c", "invisible"),
    ("Ana\u202eadmin", "invisible"),  # a right-to-left override
    ("\u2066Ana", "invisible"),
    ("\u3164", "invisible"),  # the Hangul filler: a "letter" that shows nothing
    ("\ue000Ana", "invisible"),  # private use
    (42, "must be text"),
    (None, "must be text"),
])
def test_set_name_refuses_invalid_names_to_the_sender_alone(chat, bad_name, why):
    chat.join("A", "Alice")
    chat.connect("B")
    chat.call("setName", "B", {"name": bad_name})

    assert chat.errors("B") == ["invalid_name"]
    assert why in chat.texts("B", "systemMessage")[0]
    assert chat.frames("A") == []
    assert "name" not in chat.item("B")


@pytest.mark.parametrize("lookalike", ["bot", "BOT", "Ｂｏｔ", "Bòt", "Вот", "B0t", "B o t", "bοt"])
def test_names_that_look_like_the_bot_are_refused(chat, lookalike):
    chat.connect("B")
    chat.call("setName", "B", {"name": lookalike})
    assert chat.errors("B") == ["name_taken"]
    assert "belongs to the chat bot" in chat.texts("B", "systemMessage")[0]


@pytest.mark.parametrize("fine", ["Bota", "Robot", "José", "Zoë", "李雷", "Ana Clara", "Анна", "Bob"])
def test_names_that_merely_resemble_bot_or_use_other_scripts_are_accepted(chat, fine):
    chat.connect("B")
    chat.call("setName", "B", {"name": fine})
    assert chat.errors("B") == [] and chat.item("B")["name"] == fine


def test_set_name_without_name_field_is_refused(chat):
    chat.connect("B")
    chat.call("setName", "B", {})
    assert chat.errors("B") == ["invalid_name"]


def test_names_of_32_characters_are_accepted(chat):
    chat.connect("B")
    chat.call("setName", "B", {"name": "y" * 32})
    assert chat.item("B")["name"] == "y" * 32


@pytest.mark.parametrize("taken", ["Alice", "alice", "ALICE", " aLiCe "])
def test_a_taken_name_is_refused_whatever_its_case_and_the_old_name_stays(chat, taken):
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    chat.call("setName", "B", {"name": taken})

    assert chat.errors("B") == ["name_taken"]
    assert "taken" in chat.texts("B", "systemMessage")[0]
    assert chat.frames("A") == []
    assert chat.item("B")["name"] == "Bob"
    assert chat.item("name#bob")["owner"] == "B"
    assert chat.item("name#alice")["owner"] == "A"


def test_bot_is_a_reserved_name(chat):
    chat.connect("B")
    chat.call("setName", "B", {"name": "bot"})
    assert chat.errors("B") == ["name_taken"]
    assert "chat bot" in chat.texts("B", "systemMessage")[0]
    assert "name" not in chat.item("B")


def test_rename_tells_everyone_and_gives_the_old_name_back(chat):
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    chat.call("setName", "A", {"name": "Alicia"})

    for member in ("A", "B"):
        assert chat.texts(member, "systemMessage") == ["Alice is now known as Alicia"]
        assert chat.texts(member, "members") == [["Alicia", "Bob"]]
    assert chat.item("name#alice") is None
    assert chat.item("name#alicia")["owner"] == "A"

    # the old name is free again
    chat.connect("C")
    chat.call("setName", "C", {"name": "Alice"})
    assert chat.item("C")["name"] == "Alice"


def test_rename_to_another_case_keeps_the_claim(chat):
    chat.join("A", "alice")
    chat.call("setName", "A", {"name": "Alice"})

    assert chat.texts("A", "systemMessage") == ["alice is now known as Alice"]
    assert chat.item("A")["name"] == "Alice"
    assert chat.item("name#alice")["owner"] == "A"


def test_set_name_to_the_current_name_answers_the_sender_with_the_members(chat):
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    chat.call("setName", "B", {"name": "Bob"})

    assert chat.frames("B")[0]["systemMessage"] == "You are Bob."
    assert chat.frames("B")[1] == {"members": ["Alice", "Bob"]}
    assert chat.frames("A") == []


def test_set_name_from_an_unregistered_connection_is_refused(chat):
    chat.call("setName", "ghost", {"name": "Casper"})
    assert chat.errors("ghost") == ["not_connected"]
    assert chat.all_items() == []


def test_two_connections_taking_one_name_at_the_same_instant_only_one_wins(chat, monkeypatch):
    """Both handlers read "no name yet" and write at once; the conditional write refuses the second.

    DynamoDB applies transactions one at a time; moto does not, so a lock plays that part here.
    """
    chat.connect("A")
    chat.connect("B")
    both_read = threading.Barrier(2, timeout=10)
    serial = threading.Lock()
    real_transact = DynamoDBBackend.transact_write_items

    def transact_after_both_read(self, transact_items):
        both_read.wait()  # neither has written yet: a true race
        with serial:
            return real_transact(self, transact_items)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", transact_after_both_read)
    threads = [threading.Thread(target=chat.call, args=("setName", cid, {"name": name}))
               for cid, name in (("A", "Sam"), ("B", "sam"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winner = chat.item("name#sam")["owner"]
    loser = "B" if winner == "A" else "A"
    assert "name" in chat.item(winner)
    assert "name" not in chat.item(loser)
    assert chat.errors(loser) == ["name_taken"]
    assert chat.errors(winner) == []


# --- $connect with ?name= -----------------------------------------------------------------------------

def test_connect_without_a_name_registers_the_connection(chat):
    assert chat.connect("A") == {"statusCode": 200}
    assert chat.item("A") == {"connectionId": "A", "connectedAt": 1_700_000_000_000}


def test_connect_with_a_name_joins_and_tells_the_others(chat):
    chat.join("B", "Bob")
    assert chat.connect("A", "Alice")["statusCode"] == 200

    assert chat.item("A")["name"] == "Alice"
    assert chat.item("name#alice")["owner"] == "A"
    assert chat.texts("B", "systemMessage") == ["Alice joined the chat"]
    assert chat.texts("B", "members") == [["Alice", "Bob"]]
    # the socket is not open during $connect: nothing is posted to it
    assert "A" not in chat.posts.attempts


@pytest.mark.parametrize("bad_name", ["", "   ", "z" * 33, "a\x00b"])
def test_connect_refuses_an_invalid_name_with_400(chat, bad_name):
    chat.join("B", "Bob")
    response = chat.connect("A", bad_name)

    assert response["statusCode"] == 400
    assert "name" in response["body"].lower()
    assert chat.item("A") is None
    assert chat.frames("B") == []


@pytest.mark.parametrize("taken", ["Bob", "BOB", "Bot"])
def test_connect_refuses_a_taken_or_reserved_name_with_409(chat, taken):
    chat.join("B", "Bob")
    response = chat.connect("A", taken)

    assert response["statusCode"] == 409
    assert "Choose another" in response["body"]
    assert chat.item("A") is None
    assert chat.item("name#bob")["owner"] == "B"
    assert chat.frames("B") == []


# --- $disconnect ---------------------------------------------------------------------------------------

def test_disconnect_gives_the_name_back_and_tells_the_others(chat):
    chat.join("A", "Alice")
    chat.join("B", "Bob")
    chat.call("$disconnect", "A")

    assert chat.item("A") is None
    assert chat.item("name#alice") is None
    assert chat.texts("B", "systemMessage") == ["Alice left the chat"]
    assert chat.texts("B", "members") == [["Bob"]]
    assert "A" not in chat.posts.attempts

    # a second $disconnect for the same id (AWS may retry) changes nothing and says nothing
    chat.clear()
    chat.call("$disconnect", "A")
    assert chat.frames("B") == []


def test_disconnect_of_a_member_without_name_says_nothing(chat):
    chat.join("B", "Bob")
    chat.connect("X")
    chat.call("$disconnect", "X")

    assert chat.item("X") is None
    assert chat.frames("B") == []
    assert [item["connectionId"] for item in chat.all_items()] == ["B", "name#bob"]


def test_names_are_compared_after_unicode_normalisation(chat):
    chat.join("A", "Jos\u00e9")  # é as one character
    chat.connect("B")
    chat.call("setName", "B", {"name": "jose\u0301"})  # e + combining accent: the same name

    assert chat.errors("B") == ["name_taken"]


def test_a_rename_based_on_a_stale_read_changes_nothing(chat, monkeypatch):
    """The connection changed between the read and the write (another rename): the condition refuses."""
    chat.join("A", "Alice")
    stale = {"connectionId": "A", "name": "Ally", "nameKey": "ally"}
    monkeypatch.setattr(chat_table, "get_connection", lambda connection_id: stale)
    chat.call("setName", "A", {"name": "Alicia"})

    assert chat.errors("A") == ["try_again"]
    assert chat.item("A")["name"] == "Alice"
    assert chat.item("name#alicia") is None
    assert chat.item("name#alice")["owner"] == "A"

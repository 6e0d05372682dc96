"""Helpers for tests of the deployed chat: waiting on ChatMember frames with a test failure, and an empty chat again."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from workshop.chat_member import ChatMember
from workshop.chat_protocol import Frame, FrameTest

WAIT = 20.0  # generous: the machine is shared; tests wait for frames, they never time anything


def expect(member: ChatMember, matches: str | FrameTest, count: int = 1) -> list[Frame]:
    """Wait until `count` frames this member received match; return them all (fails the test after WAIT seconds)."""
    found = member.wait_for_received(matches, count, timeout=WAIT)
    if len(found) < count:
        pytest.fail(f"waited {WAIT:.0f} s for {count} matching frame(s); received: {member.received}")
    return found


def key_is(key: str, text: Any) -> FrameTest:
    """A frame whose `key` is exactly `text`."""
    return lambda frame: frame.get(key) == text


def join(open_member: Callable[..., ChatMember], name: str) -> ChatMember:
    """Connect without a name, then take one with setName, and wait for the members list to confirm it."""
    member = open_member()
    member.set_name(name)
    expect(member, lambda frame: name in frame.get("members", []))
    return member


def named_members(dynamodb: Any, table: str) -> list[str]:
    items = dynamodb.scan(TableName=table, IndexName="by-name")["Items"]
    return sorted(item["name"]["S"] for item in items)


def wait_until_chat_is_empty(dynamodb: Any, table: str) -> None:
    """$disconnect runs after a socket closed; wait for it so the next test starts with an empty chat."""
    deadline = time.monotonic() + WAIT
    while (names := named_members(dynamodb, table)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not names, f"members still in the chat: {names}"

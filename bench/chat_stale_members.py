"""Stale members: a public message in a chat whose table still lists 2,000 connections that are gone.

A crash or a lost $disconnect leaves connection items behind; the chat finds them when a post answers
GoneException and removes them. Prints how long the live members wait for a public message, how long until
every stale member is removed, and how long a second message then takes (private local cloud).
"""

from __future__ import annotations

import base64
import os
import time

import boto3

from local_cloud import LocalCloud
from workshop.chat_member import ChatMember

PREFIX = "stale"
STALE = 2000
LIVE = 3


def stale_connection_id() -> str:
    """An AWS-shaped connection id that no gateway connection has."""
    return base64.urlsafe_b64encode(os.urandom(11)).decode()[:15] + "="


def add_stale_members(cloud: LocalCloud, count: int) -> None:
    with boto3.resource("dynamodb", **cloud.client_kwargs).Table(f"{PREFIX}-connections").batch_writer() as batch:
        for number in range(count):
            name = f"Ghost{number:04d}"
            connection_id = stale_connection_id()
            batch.put_item(Item={"connectionId": connection_id, "connectedAt": 0, "name": name,
                                 "nameKey": name.lower()})
            batch.put_item(Item={"connectionId": f"name#{name.lower()}", "owner": connection_id})


def named_items(cloud: LocalCloud) -> int:
    """The named members left, counted on the name index (it holds only them: a cheaper scan than the table's)."""
    pages = cloud.client("dynamodb").get_paginator("scan").paginate(
        TableName=f"{PREFIX}-connections", IndexName="by-name", Select="COUNT")
    return sum(page["Count"] for page in pages)


def join(url: str, name: str) -> ChatMember:
    """A member who has taken a name (its members list has arrived), so the next message reaches it."""
    member = ChatMember(url, timeout=120)
    member.set_name(name)
    if member.wait_for("members") is None:
        raise RuntimeError(f"{name} got no members list within 120 s")
    return member


def wait_for_public(member: ChatMember, text: str, began: float) -> float:
    if member.wait_for(lambda frame: "publicMessage" in frame and frame.get("text") == text) is None:
        raise RuntimeError(f"{text!r} did not arrive within 120 s")
    return (time.perf_counter() - began) * 1000


def send_and_time(members: list[ChatMember], text: str) -> list[float]:
    began = time.perf_counter()
    members[0].send_public(text)
    return [wait_for_public(member, text, began) for member in members]


def main() -> None:
    print(f"\n== Stale members: {STALE} gone connections in the table, {LIVE} live members ==")
    from workshop.deploy import deploy_all
    from workshop.temporary_environ import temporary_environ

    with LocalCloud() as cloud:
        with temporary_environ({**cloud.environ, "WORKSHOP_PREFIX": PREFIX, "WORKSHOP_TARGET": None}):
            url = deploy_all(quiet=True).url
        members = [join(url, f"Live{number}") for number in range(LIVE)]
        send_and_time(members, "warm-up")  # every function warm, every member named
        add_stale_members(cloud, STALE)
        began = time.perf_counter()
        arrivals = send_and_time(members, "first after the crash")
        print(f"  first message: first live member after {min(arrivals):.0f} ms, last after {max(arrivals):.0f} ms")
        second = send_and_time(members, "second")
        print(f"  second message, sent right after: last live member after {max(second):.0f} ms")
        deadline = time.monotonic() + 600
        while named_items(cloud) > LIVE and time.monotonic() < deadline:
            time.sleep(0.5)  # counting takes the local cloud's DynamoDB from the clean-up: not too often
        left = named_items(cloud) - LIVE
        print(f"  stale members removed: {STALE - left} of {STALE}, "
              f"{(time.perf_counter() - began):.1f} s after the first message")
        third = send_and_time(members, "third")
        print(f"  a message once they are gone: last live member after {max(third):.0f} ms")
        for member in members:
            member.close()


if __name__ == "__main__":
    main()

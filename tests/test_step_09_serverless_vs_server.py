"""Step 09 on a fresh local cloud: both chats measured, a restart forgets, a second server misses members, costs."""

from __future__ import annotations

import pytest

from workshop import check, run_step, setup
from workshop.prices import load
from workshop.testing import run_steps_through, target


@pytest.fixture(scope="module")
def run(cloud):
    with target(cloud):
        run_steps_through("05")
        yield run_step("09", quiet=True, env={"WORKSHOP_FANOUT_SIZES": "3,12"})  # learners: 10 and 100


def test_both_chats_were_timed_with_real_members_at_each_size(run):
    latency = run.namespace["latency"]
    assert set(latency) == {(chat, size) for chat in ("server", "serverless") for size in (3, 12)}
    for (_, size), result in latency.items():
        assert result.members == size
        assert len(result.to_last_ms) == 5 and len(result.to_each_ms) == 5 * size
        assert all(ms > 0 for ms in result.to_each_ms)


def test_a_restart_drops_everyone_and_forgets_them(run):
    assert "Alice still connected: False · Bob still connected: False" in run.output
    assert "Alice reconnects and gets ['systemMessage: Alice joined the chat', \"members: ['Alice']\"]" in run.output


def test_the_serverless_chat_kept_its_members_through_an_update(run):
    assert "Ben got ['publicMessage: Ana: still here after the update?']" in run.output


def test_a_member_of_a_second_server_misses_the_first_servers_messages(run):
    assert "Bob (second server) got: nothing" in run.output
    assert "Nobody called Bob is in the chat" in run.output
    assert "members: ['Bob']" in run.output
    assert not run.namespace["server"].running and not run.namespace["second"].running


def test_costs_come_from_the_dated_price_file(run):
    prices = load()
    server = run.namespace["server_total"]
    assert server == pytest.approx(730 * prices.usd("ec2_t3_small_hour") + 8 * prices.usd("ebs_gp3_gb_month")
                                   + 730 * prices.usd("public_ipv4_hour"))
    totals = run.namespace["serverless_total"]
    assert 0 < totals["class"] < server < totals["startup"]  # with these loads, each side wins once
    assert f"as of {prices.as_of}" in run.output


def test_the_check_passes(run, cloud):
    with target(cloud):
        assert check("09", setup(), quiet=True, raise_on_failure=False).ok

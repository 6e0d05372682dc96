"""Step 08 on a fresh local cloud: a real cold start, per-environment counters, scale, a reordered message."""

from __future__ import annotations

import pytest

from workshop import check, run_step, setup
from workshop.cleanup import destroy_all, find_leftovers
from workshop.local_settings import spare_workers
from workshop.testing import run_steps_through, target


@pytest.fixture(scope="module")
def runs(cloud):
    with target(cloud):
        run_steps_through("05")
        env = {"WORKSHOP_SCALE_INVOKES": "8"}  # modest for the test machine; learners get 50
        first, second = run_step("08", quiet=True, env=env), run_step("08", quiet=True, env=env)
        yield first, second


def test_the_cold_start_has_an_init_duration_and_takes_longer_than_the_warm_ones(runs):
    for run in runs:
        cold, *warm = run.namespace["starts"]
        assert cold["init_ms"] is not None and cold["init_ms"] > 0
        assert all(start["init_ms"] is None for start in warm)
        assert cold["waited_ms"] > max(start["waited_ms"] for start in warm)
        assert "Init Duration: " in run.output  # the whole REPORT line is printed


def test_warm_invokes_share_the_counter_of_one_environment(runs):
    for run in runs:
        starts = run.namespace["starts"]
        assert len({start["environment"] for start in starts}) == 1
        assert [start["invocations_here"] for start in starts] == [1, 2, 3, 4, 5]


def test_simultaneous_invokes_run_in_environments_with_their_own_counters(runs):
    for run in runs:
        counts = run.namespace["counts_by_environment"]
        assert len(counts) > 1
        first_counts = sorted(min(values) for values in counts.values())
        assert first_counts[0] < first_counts[-1]  # a new environment starts at 1, the warm one goes on at 6
        after_update = run.namespace["after_update"]
        assert after_update["invocations_here"] == 1 and after_update["environment"] not in counts


def test_the_chat_state_is_in_the_table_and_scale_used_several_environments(runs):
    for run in runs:
        names = {item["name"]["S"] for item in run.namespace["items"] if "name" in item}
        assert names == {"Ana", "Ben", "Cleo"}
        assert len(run.namespace["environments"]) > 1


def test_a_message_sent_second_overtook_one_sent_to_a_cold_function(runs):
    for run in runs:
        arrivals = run.namespace["arrivals"]
        assert arrivals[0].startswith("Ben: 2 (sent second)")
        assert any(text.startswith("Ana: 1 (sent first)") for text in arrivals)
        assert "Cleo saw the second message first" in run.output


def test_the_check_passes_the_spare_worker_is_back_and_sendpublic_is_as_before(runs, cloud):
    with target(cloud):
        session = setup()
        assert check("08", session, quiet=True, raise_on_failure=False).ok
        assert check("03", session, quiet=True, raise_on_failure=False).ok
        assert spare_workers(session) == 1
        variables = session.client("lambda").get_function_configuration(
            FunctionName=session.names.function("sendPublic"))["Environment"]["Variables"]
        assert "DEPLOYED_AT" not in variables
        assert "created chat-counter" in runs[0].output and "updated chat-counter" in runs[1].output


def test_cleanup_deletes_the_counter_function_and_its_log_group(runs, cloud):
    with target(cloud):
        session = setup()
        kinds = {(kind, name) for kind, name, _ in find_leftovers(session)}
        assert ("function", "chat-counter") in kinds and ("log group", "/aws/lambda/chat-counter") in kinds
        destroy_all()
        assert find_leftovers(session) == []

"""Step 03 on a fresh local cloud: seven tagged functions running the current code; stale code is redeployed."""

from __future__ import annotations

import io
import zipfile

import pytest

from workshop import check, run_step, setup
from workshop.packaging import build_zip, code_sha256
from workshop.temporary_environ import temporary_environ
from workshop.testing import run_steps_through, target


@pytest.fixture(scope="module")
def runs(cloud):
    # English, whatever this machine's locale: the functions' CHAT_LANGUAGE follows the learner's language
    with target(cloud), temporary_environ({"WORKSHOP_LANG": "en"}):
        yield run_steps_through("03")


@pytest.fixture(scope="module")
def session(runs):
    return setup()


def test_checks_pass(session):
    for step in ("00", "01", "02", "03"):
        assert check(step, session, quiet=True, raise_on_failure=False).ok


def test_every_function_is_configured_as_the_architecture_says(session):
    client = session.client("lambda")
    for route, name in session.names.functions.items():
        function = client.get_function(FunctionName=name)
        config = function["Configuration"]
        assert config["Handler"] == session.names.handler(route)
        assert config["Environment"]["Variables"] == {"CONNECTIONS_TABLE": "chat-connections", "NAME_INDEX": "by-name",
                                                      "CLEANUP_FUNCTION": "chat-disconnect", "CHAT_LANGUAGE": "en"}
        assert config["CodeSha256"] == code_sha256(build_zip(route))
        assert function["Tags"]["learner"] == "chat" and function["Tags"]["workshop"] == "serverless-chat"


def test_the_step_invoked_connect_and_showed_the_result(runs):
    output = runs[-1].output
    assert "result: {\"statusCode\": 200}" in output
    assert "\"route\": \"$connect\", \"connectionId\": \"SampleConnId=\", \"outcome\": \"connected\"" in output  # its log tail
    assert "item written by $connect: {'connectionId': {'S': 'SampleConnId='}" in output


def test_each_function_s_code_was_shown_before_it_was_deployed(runs):
    output = runs[-1].output
    for route, module in (("$connect", "connect"), ("sendPublic", "send_public"), ("$default", "default")):
        header = f"# ===== {route} → chat-{route.lstrip('$')}: lambda_functions/{module}.py ====="
        assert header in output
        assert output.index(header) < output.index("created   chat-connect")
    assert "def handler(event, context):" in output


def test_the_post_to_connection_call_was_shown_in_its_module(runs):
    output = runs[-1].output
    shown = output[output.index("# ===== lambda_functions/chat_connections.py: post ====="):output.index("created   chat-connect")]
    assert shown.splitlines()[1] == "def post(client, connection_id, data):"
    assert "client.post_to_connection(ConnectionId=connection_id, Data=data)" in shown
    assert "def send(" not in shown  # the one function, not the rest of the module


def test_the_sample_connection_was_removed_again(session):
    item = session.client("dynamodb").get_item(TableName="chat-connections", Key={"connectionId": {"S": "SampleConnId="}})
    assert "Item" not in item


def test_a_stale_function_is_redeployed_and_others_are_left_alone(session):
    client = session.client("lambda")
    stale = io.BytesIO()
    with zipfile.ZipFile(stale, "w") as archive:
        archive.writestr("send_public.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
    client.update_function_code(FunctionName="chat-sendPublic", ZipFile=stale.getvalue())
    client.get_waiter("function_updated_v2").wait(FunctionName="chat-sendPublic")
    result = check("03", session, quiet=True, raise_on_failure=False)
    assert [item.what.strip() for item in result.failures] == ["chat-sendPublic is active, current, configured and tagged"]
    assert "not redeployed" in result.failures[0].fix

    run = run_step("03", quiet=True)
    assert "updated   chat-sendPublic (new code)" in run.output
    assert "unchanged chat-setName" in run.output
    assert check("03", session, quiet=True, raise_on_failure=False).ok


def test_the_functions_speak_the_learner_s_language_and_the_check_says_when_they_do_not(session):
    with temporary_environ({"WORKSHOP_LANG": "pt-BR"}):
        result = check("03", session, quiet=True, raise_on_failure=False)
        assert len(result.failures) == 7
        # the check speaks the learner's language too
        assert "CHAT_LANGUAGE é 'en', o seu idioma é 'pt-BR'" in result.failures[0].fix
        run = run_step("03", quiet=True)
        assert "the functions will speak: pt-BR" in run.output
        assert "environment set again" in run.output and "updated   chat-" not in run.output  # settings only
        assert check("03", session, quiet=True, raise_on_failure=False).ok
        variables = session.client("lambda").get_function_configuration(FunctionName="chat-setName")["Environment"]
        assert variables["Variables"]["CHAT_LANGUAGE"] == "pt-BR"
    run_step("03", quiet=True)  # back to English for the tests that follow
    assert check("03", session, quiet=True, raise_on_failure=False).ok

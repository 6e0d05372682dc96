"""The chat deployed by a Portuguese-speaking learner (WORKSHOP_LANG=pt-BR), end to end on a fresh local cloud.

Real WebSocket members through the real gateway and worker processes: the functions read CHAT_LANGUAGE,
set by step 03, and their catalog from their own zip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
import websocket

from tests.helpers.deployed_chat import WAIT, expect, join, key_is, wait_until_chat_is_empty
from workshop.chat_member import ChatMember
from workshop.chat_protocol import error_code

PREFIX = "e2e"


@pytest.fixture(scope="module")
def chat_url(cloud) -> Iterator[str]:
    from workshop.deploy import deploy_all
    from workshop.session import WorkshopSession
    from workshop.temporary_environ import temporary_environ

    with temporary_environ({"WORKSHOP_LANG": "pt-BR"}):
        yield deploy_all(quiet=True, session=WorkshopSession.local(cloud, prefix=PREFIX)).url


@pytest.fixture
def people(cloud, chat_url) -> Iterator[Callable[..., ChatMember]]:
    opened: list[ChatMember] = []

    def open_member(name: str | None = None) -> ChatMember:
        opened.append(ChatMember(chat_url, name, timeout=WAIT))
        return opened[-1]

    yield open_member
    for member in opened:
        member.close()
    wait_until_chat_is_empty(cloud.client("dynamodb"), f"{PREFIX}-connections")


def test_every_function_was_deployed_speaking_portuguese(cloud, chat_url):
    lambda_client = cloud.client("lambda")
    for route in ("$connect", "$disconnect", "setName", "sendPublic", "sendPrivate", "sendBot", "$default"):
        name = f"{PREFIX}-{route.lstrip('$')}"
        variables = lambda_client.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
        assert variables["CHAT_LANGUAGE"] == "pt-BR", name


def test_a_bad_name_and_an_unknown_action_are_answered_in_portuguese(people):
    alice = join(people, "Alice")
    newcomer = people()

    newcomer.set_name("ALICE")
    taken = expect(newcomer, error_code("name_taken"))[0]
    assert taken["systemMessage"] == "O nome ALICE já está em uso. Escolha outro."
    newcomer.set_name("x" * 33)
    too_long = expect(newcomer, error_code("invalid_name"))[0]
    assert too_long["systemMessage"] == "Um nome pode ter no máximo 32 caracteres; este tem 33. Escolha um mais curto."

    newcomer.send({"action": "dance"})
    unknown = expect(newcomer, error_code("unknown_action"))[0]
    assert unknown["systemMessage"].startswith('Ação desconhecida: "dance". Envie JSON com uma ação: ')
    assert '{"action": "sendBot", "message": "ajuda"} para perguntar ao bot.' in unknown["systemMessage"]
    newcomer.send("isto não é JSON")
    not_json = expect(newcomer, error_code("unknown_action"), count=2)[1]
    assert not_json["systemMessage"].startswith("As mensagens devem ser objetos JSON. Envie JSON")

    bob = people("Bob")
    expect(alice, key_is("systemMessage", "Bob entrou no chat"))
    bob.close()
    expect(alice, key_is("systemMessage", "Bob saiu do chat"))


def test_a_name_refused_at_connect_is_explained_in_portuguese(people, chat_url):
    join(people, "Alice")
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"{chat_url}?name=alice", timeout=WAIT)
    assert refused.value.status_code == 409
    body = refused.value.resp_body
    assert (body.decode("utf-8") if isinstance(body, bytes) else body) == "O nome alice já está em uso. Escolha outro."


def test_the_bot_answers_que_horas_sao_in_portuguese_and_english_in_english(people):
    alice, bob = join(people, "Alice"), join(people, "Bob")

    asked = []

    def bot_answer_to(question: str) -> str:
        """Ask, one question at a time: the bot's answers arrive in the order of the questions."""
        asked.append(question)
        alice.send_bot(question)
        answer = expect(alice, lambda frame: frame.get("from") == "Bot", count=len(asked))[-1]["publicMessage"]
        expect(bob, key_is("publicMessage", f"Alice: {question}"))
        expect(bob, key_is("publicMessage", answer))
        return answer

    assert re.fullmatch(r"Bot: São \d\d:\d\d UTC\.", bot_answer_to("que horas são?"))
    assert bot_answer_to("Quem está aqui?") == "Bot: Aqui agora: Alice, Bob."
    assert re.fullmatch(r"Bot: It is \d\d:\d\d UTC\.", bot_answer_to("what time is it?"))
    assert bot_answer_to("bom dia") == "Bot: bom dia... bom dia... (é o meu eco. Diga ajuda para ver o que eu sei.)"

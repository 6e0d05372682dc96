"""The chat functions speak the deployed language (CHAT_LANGUAGE), and the bot answers in the language it was asked in."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from send_bot import bot_reply

from tests.helpers.chat_handlers import ChatWorld, chat_text

# What each language says, for the same events
SAYS = {
    "en": {
        "taken": "The name alice is taken. Choose another one.",
        "empty": "A name cannot be empty. Choose a name of 1 to 32 characters.",
        "joined": "Cleo joined the chat",
        "renamed": "Cleo is now known as Cleopatra",
        "left": "Cleopatra left the chat",
        "nobody": "Nobody called Nobody is in the chat. The members list shows who is here.",
        "unknown": 'Unknown action "dance". Send JSON with an action: {"action": "setName", "name": "Alice"}',
        "bot_name": "The name Bot belongs to the chat bot, and 'B0T' looks like it. Choose another one.",
        "too_long": "A message can have at most 1000 characters; this one has 1001. Split it into several messages.",
        "same": "You are Alice.",
    },
    "pt-BR": {
        "taken": "O nome alice já está em uso. Escolha outro.",
        "empty": "Um nome não pode ser vazio. Escolha um nome de 1 a 32 caracteres.",
        "joined": "Cleo entrou no chat",
        "renamed": "Cleo agora se chama Cleopatra",
        "left": "Cleopatra saiu do chat",
        "nobody": "Ninguém chamado Nobody está no chat. A lista de membros mostra quem está aqui.",
        "unknown": 'Ação desconhecida: "dance". Envie JSON com uma ação: {"action": "setName", "name": "Alice"}',
        "bot_name": "O nome Bot é do bot do chat, e 'B0T' se parece com ele. Escolha outro.",
        "too_long": "Uma mensagem pode ter no máximo 1000 caracteres; esta tem 1001. Divida-a em várias mensagens.",
        "same": "Você é Alice.",
    },
}


@pytest.fixture(params=["en", "pt-BR"])
def chat(request):
    with ChatWorld(language=request.param) as world:
        world.join("A", "Alice")
        world.join("B", "Bob")
        yield world


def test_notices_and_refusals_are_in_the_deployed_language(chat):
    says = SAYS[chat.language]

    chat.connect("C")
    chat.call("setName", "C", {"name": "alice"})
    chat.call("setName", "C", {"name": "   "})
    assert chat.texts("C", "systemMessage") == [says["taken"], says["empty"]]
    assert chat.errors("C") == ["name_taken", "invalid_name"]  # the codes stay the same: programs read them

    chat.call("setName", "C", {"name": "Cleo"})
    chat.call("setName", "C", {"name": "Cleopatra"})
    chat.call("$disconnect", "C")
    assert chat.texts("A", "systemMessage") == [says["joined"], says["renamed"], says["left"]]

    chat.clear()
    chat.call("sendPrivate", "A", {"to": "Nobody", "message": "hi"})
    chat.call("sendPublic", "A", {"message": "x" * 1001})
    chat.call("setName", "A", {"name": "Alice"})
    chat.call("$default", "A", '{"action": "dance"}')
    nobody, too_long, same, unknown = chat.texts("A", "systemMessage")
    assert (nobody, too_long, same) == (says["nobody"], says["too_long"], says["same"])
    assert unknown.startswith(says["unknown"])
    assert chat.frames("A")[-1]["error"]["message"] == unknown


def test_a_refused_name_in_the_url_is_answered_in_the_deployed_language(chat):
    answer = chat.connect("D", "B0T")
    assert answer == {"statusCode": 409, "body": SAYS[chat.language]["bot_name"]}


def test_many_leaving_at_once_are_counted_in_the_deployed_language(monkeypatch):
    monkeypatch.setenv("CHAT_LANGUAGE", "pt-BR")
    [one] = chat_text.left_messages(["Ana", "Bia", "Caio", "Davi"])
    [two] = chat_text.left_messages(["Ana", "Bia", "Caio", "Davi", "Eva"])
    assert (one["systemMessage"], two["systemMessage"]) == ("Ana, Bia, Caio e mais 1 pessoa saíram do chat",
                                                            "Ana, Bia, Caio e mais 2 pessoas saíram do chat")
    monkeypatch.setenv("CHAT_LANGUAGE", "en")
    [one] = chat_text.left_messages(["Ana", "Bia", "Caio", "Davi"])
    assert one["systemMessage"] == "Ana, Bia, Caio and 1 other left the chat"


@pytest.mark.parametrize("setting, language", [
    (None, "en"), ("", "en"), ("en", "en"), ("pt-BR", "pt-BR"), ("pt_BR", "pt-BR"), ("pt", "pt-BR"), ("fr", "en"),
])
def test_chat_language_reads_the_setting_and_falls_back_to_english(monkeypatch, setting, language):
    if setting is None:
        monkeypatch.delenv("CHAT_LANGUAGE", raising=False)
    else:
        monkeypatch.setenv("CHAT_LANGUAGE", setting)
    assert chat_text.chat_language() == language
    joined = chat_text._("{name} joined the chat").format(name="Ana")
    assert joined == ("Ana entrou no chat" if language == "pt-BR" else "Ana joined the chat")


# --- the bot -------------------------------------------------------------------------------------------

NOON = datetime(2026, 5, 1, 12, 34, tzinfo=timezone.utc)


@pytest.mark.parametrize("deployed", ["en", "pt-BR"])
@pytest.mark.parametrize("text, answer", [
    ("que horas são?", "São 12:34 UTC."),
    ("Que horas sao", "São 12:34 UTC."),
    ("QUE HORAS SÃO!!!", "São 12:34 UTC."),
    ("que horas sa\u0303o?", "São 12:34 UTC."),  # the accent typed as a separate combining mark
    ("Bot, que hora é?", "São 12:34 UTC."),
    ("quem está aqui?", "Aqui agora: Alice, Bob."),
    ("Quem esta aqui", "Aqui agora: Alice, Bob."),
    ("ajuda", "Pergunte: ajuda, quem (quem está aqui), horas (que horas são, em UTC). O resto, eu repito."),
    ("Ajuda!", "Pergunte: ajuda, quem"),
    ("oi", "Olá! Peça ajuda"),
    ("Olá, bot", "Olá! Peça ajuda"),
    ("ola", "Olá! Peça ajuda"),
    ("what time is it?", "It is 12:34 UTC."),
    ("Who is here?", "Here now: Alice, Bob."),
    ("help", "Ask me: help, who (who is here), time (the time in UTC). Anything else, I echo."),
    ("hello bot", "Hello! Ask me for help"),
])
def test_the_bot_answers_in_the_language_it_was_asked_in(monkeypatch, deployed, text, answer):
    monkeypatch.setenv("CHAT_LANGUAGE", deployed)
    assert bot_reply(text, ["Alice", "Bob"], NOON).startswith(answer)


@pytest.mark.parametrize("deployed, echo", [
    ("en", "Marco... marco... (that's my echo. Say help to see what I know.)"),
    ("pt-BR", "Marco... marco... (é o meu eco. Diga ajuda para ver o que eu sei.)"),
])
def test_text_the_bot_does_not_understand_is_echoed_in_the_deployed_language(monkeypatch, deployed, echo):
    monkeypatch.setenv("CHAT_LANGUAGE", deployed)
    assert bot_reply("Marco", [], NOON) == echo


def test_through_the_handler_a_portuguese_question_in_an_english_chat_gets_a_portuguese_answer():
    with ChatWorld(language="en") as chat:
        chat.join("A", "Alice")
        chat.call("sendBot", "A", {"message": "que horas são?"})
        chat.call("sendBot", "A", {"message": "who is here?"})
        chat.call("sendBot", "A", {"message": "bom dia"})
        question, answer, *others = chat.texts("A", "publicMessage")
    assert question == "Alice: que horas são?"
    assert re.fullmatch(r"Bot: São \d\d:\d\d UTC\.", answer)
    assert others == ["Alice: who is here?", "Bot: Here now: Alice.",
                      "Alice: bom dia", "Bot: bom dia... bom dia... (that's my echo. Say help to see what I know.)"]


def test_through_the_handler_an_english_question_in_a_portuguese_chat_gets_an_english_answer():
    with ChatWorld(language="pt-BR") as chat:
        chat.join("A", "Alice")
        chat.call("sendBot", "A", {"message": "What time is it?"})
        chat.call("sendBot", "A", {"message": "quem está aqui?"})
        _, answer, *others = chat.texts("A", "publicMessage")
    assert re.fullmatch(r"Bot: It is \d\d:\d\d UTC\.", answer)
    assert others == ["Alice: quem está aqui?", "Bot: Aqui agora: Alice."]

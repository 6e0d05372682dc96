"""`WORKSHOP_LANG=pt-BR python -m workshop demo`: the same demo, its transcript, legend and checks in Portuguese.

The chat's own answers (the functions' systemMessage texts, the bot) are not asserted here: they belong to the
Lambda functions, translated on their own.
"""

from __future__ import annotations

from tests.helpers.processes import DrivenProcess
from tests.helpers.transcripts import STEP_LINES, assert_in_order

HEADER_LINES = [r"^O workshop do chat serverless · demonstração · destino local · prefixo 'demo'$",
                r"━━ Destino ━━",
                r"✔ nuvem local privada em http://127\.0\.0\.1:\d+ \(\d+\.\d s; log: ",
                r"✔ Destino: a nuvem local em http://127\.0\.0\.1:\d+ · conta \d+ · região us-east-1 · prefixo 'demo'",
                r"━━ Etapas 00–05 \(o código dos notebooks\) ━━"]
CREATED_LINES = [r"^  01_iam_role\s+\d+\.\d s  função do IAM demo-lambda-role$",
                 r"^  02_dynamodb_table\s+\d+\.\d s  tabela demo-connections \(índice by-name\)$",
                 r"^  03_lambda_functions\s+\d+\.\d s  7 funções: demo-connect, ",
                 r"^  04_websocket_api\s+\d+\.\d s  API WebSocket \w+ com as rotas "]
LEGEND_LINES = [r"━━ Chat: três participantes na API implantada ━━",
                r"^  Legenda:$",
                r"^    Ana → …      o que Ana envia \(um frame JSON\) ou faz$",
                r"· a lista de participantes .* \* uma mensagem do sistema .* ! um erro ou recusa",
                r"\[privado\] uma mensagem privada",
                r"^    λ função     a função Lambda que tratou um frame",
                r"^    tabela       os itens do DynamoDB"]
CHAT_LINES = [r"Ana → conecta-se a ws://",
              r"✔ o handshake de Ana foi aceito: o \$connect pegou o nome dela da URL",
              r"Ana ← · no chat: Ana, Bo$",
              r"^      λ demo-setName \d+ ms, a (quente|frio \(inicialização \d+ ms\))$",
              r"✔ Bo entrou com setName, e os dois veem Ana",
              r"✔ o nome 'ana' foi recusado: os nomes são únicos",
              r"^      tabela demo-connections: 6 itens$",
              r'Ana → \{"action": "sendPublic", "message": "Olá, pessoal!"\}',
              r"Bo ← Ana: Olá, pessoal!$",
              r"✔ a mensagem pública chegou aos três participantes",
              r"Cy ← \[privado\] Bo: psiu, almoço ao meio-dia\?$",
              r"✔ a mensagem privada chegou a Cy",
              r"✔ o bot respondeu a todos",
              r"✔ ninguém mais viu a mensagem privada",
              r"Cy → sai \(fecha a conexão\)",
              r"✔ Cy saiu e os outros receberam a nova lista de participantes"]
CHECK_LINES = [r"━━ Verificações \(a última célula de cada notebook\) ━━",
               *(rf"✔ verificação {number}: (\d+)/\1 itens$" for number in ("00", "01", "02", "03", "04", "05", "06"))]
END_LINES = [r"━━ Limpeza \(etapa 10\) ━━",
             r"✔ 10_cleanup excluiu \d+ recursos em \d+\.\d s; verificação 10: nada do prefixo 'demo' restou",
             r"✔ nuvem local desligada \(\d+\.\d s\)",
             r"━━ Resultado ━━",
             r"^  Tudo funcionou, em \d+\.\d s\.$"]


def test_the_demo_speaks_portuguese_when_asked():
    demo = DrivenProcess("-m", "workshop", "demo", env={"WORKSHOP_LANG": "pt-BR"})
    try:
        code, stderr = demo.finish(timeout=240)
    finally:
        demo.kill()
    lines = demo.lines
    assert code == 0, "\n".join(lines) + stderr
    assert not any("✘" in line for line in lines), "\n".join(lines)
    assert_in_order(lines, [*HEADER_LINES, *STEP_LINES, *LEGEND_LINES, *CHAT_LINES, *CHECK_LINES, *END_LINES])
    assert_in_order(lines, CREATED_LINES)
    # Nothing of the workshop's own English is left in the transcript (names, commands and the chat's answers are).
    for english in ("Legend:", "Everything worked", "the public message reached", "check 00:", "local cloud shut down"):
        assert not any(english in line for line in lines), english

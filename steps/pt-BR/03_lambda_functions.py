# %% [markdown]
# # 03 · Uma função Lambda por rota (cerca de 15 minutos)
#
# Cada tipo de mensagem WebSocket (uma **rota**) ganha uma pequena função Lambda só sua. Todas compartilham a
# função do IAM do notebook 01 e quatro módulos auxiliares, `chat_*.py`, que vão no zip de toda função:
#
# | rota | função Lambda | handler |
# | --- | --- | --- |
# | `$connect` | `<prefixo>-connect` | `connect.handler` |
# | `$disconnect` | `<prefixo>-disconnect` | `disconnect.handler` |
# | `setName` | `<prefixo>-setName` | `set_name.handler` |
# | `sendPublic` | `<prefixo>-sendPublic` | `send_public.handler` |
# | `sendPrivate` | `<prefixo>-sendPrivate` | `send_private.handler` |
# | `sendBot` | `<prefixo>-sendBot` | `send_bot.handler` |
# | `$default` | `<prefixo>-default` | `default.handler` |
#
# O código fica em `lambda_functions/`; abaixo imprimimos o código de cada função antes de implantá-la.
#
# **Eventos, funções e recursos.** O curso descreve o Lambda com três palavras, e as três aparecem neste
# notebook:
#
# - um **evento** desencadeia a execução da função: aqui, uma mensagem WebSocket que o API Gateway roteou,
#   entregue à função como um `dict` do Python (montamos um à mão no fim deste notebook);
# - a **função** é a unidade independente de implantação: um handler (`connect.handler`: módulo `connect`,
#   função `handler`) e o seu código, num zip;
# - os **recursos** são os componentes usados pela função: a memória, o tempo limite, a função do IAM (o que
#   ela pode fazer), as variáveis de ambiente — e os serviços que ela usa, aqui a tabela do DynamoDB.
#
# **Funções desacopladas.** Uma função por rota quer dizer que cada rota tem o seu próprio código, as suas
# próprias configurações e os seus próprios ambientes de execução: um bug em `sendBot` não para o `sendPublic`,
# e atualizar o `sendPrivate` deixa as outras seis rodando (o notebook 08 atualiza uma enquanto o chat continua).

# %%
import base64
import json
import time

from workshop import check, lookup, ownership, setup
from workshop.packaging import FUNCTIONS_DIR, build_zip, code_sha256
from workshop.diagnosis import not_ready
from workshop.language import current_language

session = setup()
print(session)
# Recursos de outro aluno com este prefixo (tag `owner` ou `learner` dele)? Para aqui, sem mudar nada.
ownership.refuse_if_taken(session)
names = session.names
lambda_client = session.client("lambda")
role = lookup.role(session)
if role is None:
    raise not_ready(session, "03")
role_arn = role["Arn"]

# %% [markdown]
# ## O código de cada função
#
# O módulo de cada rota é curto e se lê de cima para baixo: ele lê o evento, valida a entrada, lê ou grava na
# tabela e responde. O que as sete compartilham fica em quatro módulos auxiliares, cada um com o nome do que
# guarda:
#
# - `chat_events.py`: o evento que a função recebe, as configurações dela (variáveis de ambiente), a linha de log;
# - `chat_text.py`: o idioma do chat, as regras para nomes e mensagens, os frames enviados aos clientes;
# - `chat_table.py`: a tabela de conexões no DynamoDB (membros, reservas de nome, remoção de quem já saiu);
# - `chat_connections.py`: o envio aos clientes (um frame, um broadcast, a limpeza das conexões fechadas).
#
# Um handler os chama pelo módulo, `chat_table.list_members()`, então cada linha diz onde mora o auxiliar.

# %%
code_folder = FUNCTIONS_DIR  # lambda_functions/, na raiz do repositório
for route in names.routes:
    module_file = code_folder / f"{names.module(route)}.py"
    print(f"# ===== {route} → {names.function(route)}: lambda_functions/{module_file.name} =====")
    print(module_file.read_text(encoding="utf-8"))

# %% [markdown]
# A forma como uma função responde a um cliente é o `post` do `chat_connections.py`: uma chamada
# `post_to_connection` no endpoint `@connections` da API, com o id da conexão do cliente. Uma conexão que fechou
# sem avisar responde `GoneException`: o `post` devolve False, e quem chamou manda removê-la. O notebook 06 faz
# essa mesma chamada a partir do notebook, para uma conexão de verdade (aqui ainda não existe nenhuma).

# %%
shared_code = (code_folder / "chat_connections.py").read_text(encoding="utf-8")
post_code = shared_code[shared_code.index("def post("):]
print("# ===== lambda_functions/chat_connections.py: post =====")
print(post_code[:post_code.index("\n\n\n")])

# %% [markdown]
# ## Empacotar o código
#
# O Lambda recebe um **zip** com o módulo do handler na raiz. O `build_zip` coloca nele o módulo da rota e os
# quatro `chat_*.py`, com as traduções do chat (`locale/pt_BR/LC_MESSAGES/chat.mo`). Ele gera os mesmos bytes a
# partir do mesmo código-fonte, então comparar o SHA-256 do zip com o `CodeSha256` da função diz se o código
# implantado está atualizado.

# %%
packages = {route: build_zip(route) for route in names.routes}
for route, package in packages.items():
    print(f"{route:12} {names.handler(route):22} {len(package):6} bytes  sha256 {code_sha256(package)[:12]}…")

# %% [markdown]
# ## Criar ou atualizar cada função
#
# - Uma função nova: `create_function`. Na AWS, uma função do IAM criada há poucos segundos muitas vezes ainda
#   não pode ser usada pelo Lambda ("The role defined for the function cannot be assumed by Lambda"): tentamos
#   de novo, com uma pausa cada vez maior.
# - Uma função que já existe e cujo código mudou: `update_function_code`. Código que não mudou fica como está.
# - O ambiente guarda as configurações das funções: onde está a tabela (`CONNECTIONS_TABLE`, `NAME_INDEX`),
#   qual função remove os membros cuja conexão se foi (`CLEANUP_FUNCTION`, a do `$disconnect`) e em que idioma
#   falar com os membros do chat (`CHAT_LANGUAGE`). Nenhuma conta ou região no código.
# - `CHAT_LANGUAGE` é o seu idioma, `en` ou `pt-BR` (`WORKSHOP_LANG`, senão o do seu sistema), lido agora, na
#   implantação: os avisos ("Ana entrou no chat"), as mensagens de erro e o eco do bot ficam no idioma da sua
#   turma. É uma configuração, não código: um mesmo zip serve a todas as turmas, e mudá-la atualiza só a
#   configuração.
# - No `create_function`, `Handler` e `Code` são a **função**; `Role`, `Environment`, `Timeout` (10 s)
#   e `MemorySize` (256 MB) são os seus **recursos**.
#
# Os waiters `function_active_v2` e `function_updated_v2` esperam até a função poder rodar o código novo.

# %%
environment = {"Variables": {"CONNECTIONS_TABLE": names.table, "NAME_INDEX": names.name_index,
                             "CLEANUP_FUNCTION": names.function("$disconnect"), "CHAT_LANGUAGE": current_language()}}
print("the functions will speak:", environment["Variables"]["CHAT_LANGUAGE"])

for route, function_name in names.functions.items():
    package = packages[route]
    try:
        current = lambda_client.get_function(FunctionName=function_name)["Configuration"]
    except lambda_client.exceptions.ResourceNotFoundException:
        current = None

    if current is None:
        for attempt in range(1, 11):
            try:
                lambda_client.create_function(
                    FunctionName=function_name,
                    Runtime="python3.12",
                    Role=role_arn,
                    Handler=names.handler(route),
                    Code={"ZipFile": package},
                    Environment=environment,
                    Timeout=10,
                    MemorySize=256,
                    Description=f"Chat route {route}",
                    Tags=session.tags,
                )
                break
            except lambda_client.exceptions.InvalidParameterValueException as error:
                if "cannot be assumed" not in str(error) or attempt == 10:
                    raise
                print(f"  the new role is not usable yet (IAM propagates); retrying in {attempt * 2} s")
                time.sleep(attempt * 2)
        lambda_client.get_waiter("function_active_v2").wait(FunctionName=function_name)
        print(f"created   {function_name}")
        continue

    if current["CodeSha256"] != code_sha256(package):
        lambda_client.update_function_code(FunctionName=function_name, ZipFile=package)
        lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function_name)
        print(f"updated   {function_name} (new code)")
    else:
        print(f"unchanged {function_name}")
    settings_differ = (current["Handler"] != names.handler(route) or current["Role"] != role_arn
                       or current.get("Environment", {}).get("Variables") != environment["Variables"])
    if settings_differ:
        lambda_client.update_function_configuration(
            FunctionName=function_name, Handler=names.handler(route), Role=role_arn, Environment=environment)
        lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function_name)
        print(f"          {function_name}: handler, role and environment set again")
    lambda_client.tag_resource(Resource=current["FunctionArn"], Tags=session.tags)

# %% [markdown]
# ## Experimente: invoque o `$connect` com um evento de exemplo
#
# Antes de existir qualquer API, podemos chamar uma função diretamente com `invoke`, entregando a ela o
# **evento** que o API Gateway enviaria quando um cliente se conecta: um dict cujo `requestContext` diz de qual
# rota, de qual conexão e de qual estágio da API ele veio. `LogType="Tail"` devolve os últimos 4 KB do log
# dela, codificados em base64. A função deve responder `{"statusCode": 200}` e ter gravado um item de conexão
# na tabela.

# %%
sample_connection = "SampleConnId="
connect_event = {
    "requestContext": {
        "routeKey": "$connect", "eventType": "CONNECT", "connectionId": sample_connection,
        "connectedAt": int(time.time() * 1000), "requestTimeEpoch": int(time.time() * 1000),
        "domainName": f"example.execute-api.{session.region}.amazonaws.com", "stage": names.stage,
        "apiId": "example", "requestId": "sample-request", "messageDirection": "IN",
        "identity": {"sourceIp": "127.0.0.1", "userAgent": "notebook"},
    },
    "isBase64Encoded": False,
}

response = lambda_client.invoke(
    FunctionName=names.function("$connect"),
    Payload=json.dumps(connect_event).encode(),
    LogType="Tail",
)
print("status:", response["StatusCode"], "· function error:", response.get("FunctionError"))
print("result:", response["Payload"].read().decode())
print("log tail:")
print(base64.b64decode(response.get("LogResult", "")).decode())

# %% [markdown]
# A conexão de exemplo agora é um item na tabela. Invocar o `$disconnect` para ela remove o item de novo, como
# o API Gateway faz quando um cliente sai.

# %%
item = session.client("dynamodb").get_item(TableName=names.table, Key={"connectionId": {"S": sample_connection}})
print("item written by $connect:", item.get("Item"))

disconnect_event = {**connect_event, "requestContext": {
    **connect_event["requestContext"], "routeKey": "$disconnect", "eventType": "DISCONNECT",
    "disconnectStatusCode": 1000, "disconnectReason": "sample"}}
response = lambda_client.invoke(FunctionName=names.function("$disconnect"), Payload=json.dumps(disconnect_event).encode())
print("$disconnect answered:", response["Payload"].read().decode())

# %% [markdown]
# **O que pode dar errado**
# - `Runtime.ImportModuleError`: o nome do handler não corresponde a um módulo do zip (por exemplo,
#   `setName.handler` em vez de `set_name.handler`).
# - `AccessDeniedException` no log quando a função acessa a tabela: a política da função do IAM (notebook 01)
#   não cobre o ARN da tabela ou do índice.
# - Você editou um arquivo em `lambda_functions/`: execute este notebook de novo; só as funções alteradas são
#   atualizadas.

# %% [markdown]
# ## Verificação

# %%
check("03")

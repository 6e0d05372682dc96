# %% [markdown]
# # 06 · Conversando pelo notebook e lendo os logs (cerca de 15 minutos)
#
# Chegou a hora de usar o chat. Abrimos três conexões WebSocket com o **websocket-client** — Alice, Bob e
# Carol — aqui mesmo no notebook. Cada mensagem é um objeto JSON com uma `action`
# (`setName`, `sendPublic`, `sendPrivate`, `sendBot`); cada resposta é um objeto JSON com uma destas chaves:
# `members`, `publicMessage`, `privateMessage` ou `systemMessage`.

# %%
import json
import time

from workshop import check, lookup, setup
from workshop.chat_member import ChatMember
from workshop.diagnosis import not_ready
from workshop.terminal import show

session = setup()
print(session)
names = session.names
url = lookup.websocket_url(session)
if url is None:
    raise not_ready(session, "06")
print("Connecting to", url)
started_ms = int(time.time() * 1000)

# %% [markdown]
# Cada membro é um `ChatMember` (`workshop/chat_member.py`): uma conexão do websocket-client
# (`websocket.create_connection(url)`) com um método por ação, com os nomes do protocolo:
# `bob.set_name("Bob")` envia `{"action": "setName", "name": "Bob"}` como um frame de texto
# (`ws.send(json.dumps(...))`), e `alice.send_public("Hi")` envia `{"action": "sendPublic", "message": "Hi"}`.
# `member.receive_all()` lê todos os frames que chegam até a conexão ficar em silêncio por um segundo, e
# `show(frame)` imprime cada um no formato `tipo: texto`. Com eles vemos o que cada membro recebeu.

# %%
def inbox(person, member):
    for frame in member.receive_all(quiet_seconds=1.0):
        print(f"  {person} got {show(frame)}")


# %% [markdown]
# ## Entrar no chat
#
# Alice informa o nome na URL (`?name=Alice`): a função do `$connect` reserva esse nome antes de o socket
# abrir. Bob e Carol se conectam primeiro e depois enviam `setName`.

# %%
alice = ChatMember(f"{url}?name=Alice", timeout=10)
bob = ChatMember(url, timeout=10)
carol = ChatMember(url, timeout=10)
bob.set_name("Bob")
carol.set_name("Carol")
for person, member in [("Alice", alice), ("Bob", bob), ("Carol", carol)]:
    inbox(person, member)

# %% [markdown]
# ## Uma mensagem pública, uma privada e o bot
#
# `sendPublic` chega a todos que têm nome, inclusive a quem enviou. `sendPrivate` chega a um único membro.
# `sendBot` é uma mensagem pública que o bot responde publicamente.

# %%
alice.send_public("Hello everyone!")
bob.send_private("Carol", "Psst, Carol: lunch later?")
carol.send_bot("help")
for person, member in [("Alice", alice), ("Bob", bob), ("Carol", carol)]:
    inbox(person, member)

# %% [markdown]
# Repare na ordem em que Alice recebeu as mensagens: muitas vezes a pergunta de Carol e a resposta do bot
# chegam **antes** do "Hello everyone!" da própria Alice, embora ela tenha enviado a dela primeiro. As três
# mensagens foram três eventos, tratados ao mesmo tempo por três funções (`sendPublic`, `sendPrivate`,
# `sendBot`), cada uma no seu próprio ambiente de execução, e cada uma envia aos membros quando **ela**
# termina. A que fica pronta primeiro — muitas vezes uma que não teve partida a frio —
# chega primeiro. O notebook 08 mede isso.

# %% [markdown]
# ## Respondendo a um cliente: `post_to_connection`
#
# É assim que toda função fala com um cliente: uma chamada `post_to_connection` na API `@connections` do
# estágio. Fazemos a mesma chamada daqui, montada do mesmo jeito que as funções a montam: um cliente
# `apigatewaymanagementapi` cujo endpoint é a URL HTTPS do estágio (`https://{apiId}.execute-api.{region}.amazonaws.com/dev`
# na AWS; aqui, o endereço da nuvem local). Buscamos o ID da conexão da Alice pelo nome dela, como faz o
# `sendPrivate`, perguntamos ao API Gateway sobre a conexão dela e enviamos a ela um frame.

# %%
api = lookup.api(session)
management_url = api["ApiEndpoint"].replace("wss://", "https://").replace("ws://", "http://") + "/" + names.stage
management = session.boto_session.client("apigatewaymanagementapi", endpoint_url=management_url)

found = session.client("dynamodb").query(
    TableName=names.table, IndexName=names.name_index,
    KeyConditionExpression="nameKey = :key", ExpressionAttributeValues={":key": {"S": "alice"}})
alice_connection = found["Items"][0]["connectionId"]["S"]
connection = management.get_connection(ConnectionId=alice_connection)
print(f"Alice's connection {alice_connection}: connected at {connection['ConnectedAt']:%H:%M:%S}, "
      f"from {connection['Identity']['SourceIp']}")

management.post_to_connection(
    ConnectionId=alice_connection,
    Data=json.dumps({"systemMessage": "Hello Alice, this frame comes from the notebook."}).encode(),
)
inbox("Alice", alice)

# %% [markdown]
# ## Entradas que o chat recusa
#
# As funções validam toda entrada. Um nome já em uso, uma mensagem vazia, uma mensagem privada para
# ninguém e um texto que não é JSON recebem, cada um, um `systemMessage` de erro só para quem enviou;
# ninguém mais vê nada.

# %%
carol.set_name("alice")  # nomes são únicos, sem distinguir maiúsculas
bob.send_public("   ")
bob.send_private("Zoe", "are you there?")
alice.send("hello?")  # não é JSON: a rota $default responde com a ajuda
for person, member in [("Alice", alice), ("Bob", bob), ("Carol", carol)]:
    inbox(person, member)

# %% [markdown]
# ## Sair do chat
#
# Fechar um socket executa a função do `$disconnect`: ela exclui a conexão e avisa os outros.

# %%
carol.close()
inbox("Alice", alice)
alice.close()
bob.close()

# %% [markdown]
# ## Os logs das funções
#
# Cada função grava no grupo de logs do CloudWatch Logs `/aws/lambda/<função>`: uma linha por evento
# tratado, mais tudo o que ela imprimiu e qualquer erro. `filter_log_events` lê esses logs, aqui a partir
# do início deste notebook. É o primeiro lugar para olhar quando algo não funciona. Depois de cada
# invocação, o Lambda acrescenta uma linha **REPORT**: a duração, a duração faturada, a memória usada e,
# depois de uma partida a frio (cold start), a `Init Duration` (o notebook 08 explica).

# %%
logs = session.client("logs")
for route in names.routes:
    try:
        events = logs.filter_log_events(logGroupName=names.log_group(route), startTime=started_ms)["events"]
    except logs.exceptions.ResourceNotFoundException:
        events = []
    print(f"--- {names.log_group(route)}: {len(events)} lines")
    for event in events[-6:]:
        print("   ", event["message"].rstrip())

# %% [markdown]
# **O que pode dar errado**
# - `Handshake status 403`: URL errada (faltou o estágio?) ou nenhuma implantação (notebook 05).
# - `Handshake status 409` para a Alice: o nome já está em uso — muitas vezes pela conexão da Alice de uma
#   execução anterior deste notebook, ainda aberta neste kernel. Execute a célula "Sair do chat" ou
#   reinicie o kernel.
# - Toda mensagem responde `{"message": "Internal server error"}`: uma função falhou ou não pode ser
#   invocada — o log dela, acima, diz qual; execute de novo o notebook 04 para as permissões, o 03 para o
#   código.
# - Nada chega: você ainda não escolheu um nome (membros sem nome não recebem nada), ou falta à função do
#   IAM a permissão `execute-api:ManageConnections` (notebook 04).
# - Na AWS, uma conexão ociosa por 10 minutos é fechada; conecte-se de novo.

# %% [markdown]
# ## Verificação
#
# A verificação conecta dois membros descartáveis e troca entre eles uma mensagem pública e uma privada.

# %%
check("06")

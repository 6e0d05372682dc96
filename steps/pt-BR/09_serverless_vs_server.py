# %% [markdown]
# # 09 · Serverless versus um servidor: latência, reinícios, dois servidores, custo (cerca de 20 minutos)
#
# O curso compara duas maneiras de rodar um backend: **um servidor** que você mesmo mantém (uma instância
# do EC2: um programa que fica rodando o tempo todo) e **serverless**, ou "sem servidor" (funções que
# rodam a cada evento, cercadas de serviços gerenciados). Nós construímos do jeito serverless. O
# repositório também tem o mesmo chat construído **do jeito servidor**: `server_way/chat.py`, um único
# processo servidor WebSocket em aiohttp que guarda cada conexão e cada nome na própria memória e ele mesmo
# envia as mensagens aos membros. Ele fala o mesmo protocolo (usa até as regras e o bot das próprias funções),
# então os mesmos clientes funcionam com os dois.
#
# Aqui rodamos os dois na sua máquina e comparamos o que os slides discutem: com que rapidez uma mensagem
# chega a todos, o que um reinício faz, o que acontece com um segundo servidor e quanto cada um custa por
# mês na AWS. Cada número vem da sua execução ou da lista de preços em `workshop/data/`.

# %%
import inspect
import os
import sys
import time

import websocket

import server_way
from server_way.chat import ChatServer
from workshop import check, fanout, lookup, prices, setup
from workshop.chat_member import ChatMember
from workshop.steps import NotReady
from workshop.terminal import show

session = setup()
print(session)
names = session.names
serverless_url = lookup.websocket_url(session)
if serverless_url is None:
    raise NotReady("The serverless chat has no URL yet: run notebooks 01 to 05 first.")

# %% [markdown]
# ## O jeito servidor: o estado na memória
#
# É aqui que o servidor guarda o chat — dois dicionários na memória do processo — e é assim que ele envia
# uma mensagem a todos: percorre os próprios sockets. Nenhum banco de dados, nenhuma chamada de API entre
# as partes.

# %%
print(inspect.getsource(ChatServer.__init__))
print(inspect.getsource(ChatServer.broadcast))

# %% [markdown]
# `server_way.launch()` o inicia como um processo de verdade — `python -m server_way --port 0` — numa porta
# livre de `127.0.0.1` (só programas da sua máquina conseguem alcançá-lo) e devolve a URL e o id do
# processo.

# %%
server = server_way.launch()
print(server)

# %% [markdown]
# ## Com que rapidez uma mensagem chega a todos?
#
# Para cada tamanho de chat, `fanout.measure` conecta essa quantidade de clientes WebSocket de verdade, dá
# um nome a cada um, depois envia cinco mensagens públicas a partir do primeiro e mede a chegada de cada
# mensagem a cada membro (incluindo quem enviou). Entrar com 100 membros leva um tempo no chat serverless:
# cada entrada é anunciada a todos.

# %%
sizes = [int(size) for size in os.environ.get("WORKSHOP_FANOUT_SIZES", "10,100").split(",")]
latency = {}
for size in sizes:
    for label, chat_url in (("server", server.url), ("serverless", serverless_url)):
        latency[label, size] = fanout.measure(chat_url, size)
        print(latency[label, size].line(label))

print("\nmembers   to each member (median)          to the last member (median)")
print("          server      serverless             server      serverless")
for size in sizes:
    server_run, serverless_run = latency["server", size], latency["serverless", size]
    print(f"{size:>7} {server_run.median_to_each_ms:8.1f} ms {serverless_run.median_to_each_ms:10.1f} ms    "
          f"{server_run.median_to_last_ms:12.1f} ms {serverless_run.median_to_last_ms:10.1f} ms")

# %% [markdown]
# O servidor é mais rápido: ele já tem todos os sockets na mão e envia direto por eles. A mensagem serverless
# passa por mais etapas — o gateway invoca `sendPublic`, que lê os membros no DynamoDB e envia a cada um
# pela API `@connections` —, e cada uma delas é uma chamada de rede na AWS (alguns ms cada), às vezes com
# uma partida a frio (cold start). Para um chat, os dois são rápidos o bastante (as pessoas percebem a
# partir de uns 100–200 ms). O que importa mais é o que acontece quando algo muda.

# %% [markdown]
# ## O que um reinício perde
#
# A Alice e o Bob entram no servidor. Então o servidor reinicia — uma nova versão é implantada, a máquina
# recebe patches, o processo cai — na mesma porta.

# %%
def connected(member):
    """True while the connection is open (a frame or silence), False once the server closed or vanished."""
    try:
        member.ws.settimeout(2)
        return bool(member.ws.recv())
    except websocket.WebSocketTimeoutException:
        return True
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        return False


alice = ChatMember(f"{server.url}?name=Alice", timeout=10)
bob = ChatMember(f"{server.url}?name=Bob", timeout=10)
for person, member in (("Alice", alice), ("Bob", bob)):
    print(person, "got", [show(frame) for frame in member.receive_all(quiet_seconds=0.5)])

port = server.port
print("stopping the server, exit code", server.stop())
print("Alice still connected:", connected(alice), "· Bob still connected:", connected(bob))
server = server_way.launch(port)
print("started again:", server)

alice = ChatMember(f"{server.url}?name=Alice", timeout=10)
print("Alice reconnects and gets", [show(frame) for frame in alice.receive_all(quiet_seconds=0.5)])
print("The new process knows nothing of Bob: whoever was in the chat and under which name is gone.")

# %% [markdown]
# O chat serverless diante do mesmo acontecimento: a Ana e o Ben entram nele, e substituímos **todos os
# ambientes de execução** de `sendPublic` (uma mudança de configuração, como no notebook 08). As conexões
# ficam com o API Gateway e os membros com o DynamoDB, então ninguém percebe.

# %%
ana = ChatMember(f"{serverless_url}?name=Ana", timeout=10)
ben = ChatMember(f"{serverless_url}?name=Ben", timeout=10)
for member in (ana, ben):
    member.receive_all(quiet_seconds=0.5)

lambda_client = session.client("lambda")
send_public = names.function("sendPublic")
environment = lambda_client.get_function_configuration(FunctionName=send_public)["Environment"]
lambda_client.update_function_configuration(FunctionName=send_public, Environment={
    "Variables": {**environment["Variables"], "DEPLOYED_AT": time.strftime("%H:%M:%S")}})
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=send_public)

ana.send_public("still here after the update?")
print("Ben got", [show(frame) for frame in ben.receive_all(quiet_seconds=1.5)])
lambda_client.update_function_configuration(FunctionName=send_public, Environment=environment)  # como estava
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=send_public)
for member in (ana, ben):
    member.close()

# %% [markdown]
# ## Um segundo servidor
#
# Um servidor tem um limite (a CPU, a memória, a rede dele) e é um ponto único de falha. A resposta
# habitual é um segundo servidor atrás de um balanceador de carga. Iniciamos um segundo processo e
# colocamos o Bob nele.

# %%
second = server_way.launch()
print("first:", server, "· second:", second)
bob = ChatMember(f"{second.url}?name=Bob", timeout=10)
bob.receive_all(quiet_seconds=0.5)
alice.receive_all(quiet_seconds=0.5)

alice.send_public("Bob, are you there?")
alice.send_private("Bob", "psst")
print("Alice (first server) got:", [show(frame) for frame in alice.receive_all(quiet_seconds=1.0)])
got = bob.receive_all(quiet_seconds=1.0)
print("Bob (second server) got:", [show(frame) for frame in got] or "nothing")
bob.set_name("Bob")
print("Bob asks who is here:", [show(frame) for frame in bob.receive_all(quiet_seconds=0.5)])

# %% [markdown]
# Cada processo conhece só os próprios membros: o servidor da Alice nunca ouviu falar do Bob, então a
# mensagem pública dela não chega a ele e a privada é recusada. Para escalar servidores horizontalmente,
# eles precisam de **estado compartilhado** e de um jeito de passar mensagens entre si (por exemplo, Redis,
# ou um banco de dados e um barramento de mensagens), além de um balanceador de carga que mantenha os
# WebSockets abertos — e aí é você quem roda tudo isso. O chat serverless tem isso desde o início: o API
# Gateway guarda todas as conexões, o DynamoDB guarda todos os membros, e qualquer número de ambientes de
# execução (notebook 08) trata as mensagens.

# %%
for member in (alice, bob):
    member.close()
print("exit codes:", server.stop(), second.stop())

# %% [markdown]
# ## Custo por mês
#
# Os preços vêm de um único arquivo datado, `workshop/data/prices-us-east-1.json`: preços de tabela da
# região us-east-1, cada um com a página de preços da AWS de onde veio. Leia a nota do arquivo: os preços
# foram anotados a partir das páginas publicadas, sem acesso à rede, e preços mudam; então confira as
# páginas antes de citar um valor.

# %%
price_list = prices.load()
print(price_list.describe())
print()
print(price_list.note)

# %% [markdown]
# Pelo que o chat serverless é cobrado, por mês: cada **mensagem** WebSocket que entra e sai do API Gateway
# (uma mensagem pública para uma sala de 20 pessoas é 1 de entrada + 20 de saída) e cada **minuto de
# conexão**; cada **solicitação** ao Lambda e a sua **duração** (GB-segundos: segundos × memória); as
# **unidades de solicitação de leitura e de gravação** do DynamoDB. O jeito servidor: uma instância rodando
# o mês inteiro (730 horas), o disco dela e o endereço IPv4 público, ocupada ou não. Os dois pagam pelos
# dados enviados para a internet (deixados de fora: são iguais para os dois).
#
# Duas cargas, anotadas como premissas que você pode mudar:

# %%
loads = {
    "class": {"members": 30, "hours_online": 6, "sessions": 2, "messages_per_hour": 20, "room_size": 30},
    "startup": {"members": 2000, "hours_online": 30, "sessions": 30, "messages_per_hour": 30, "room_size": 20},
}
# Por invocação: as funções do chat têm 256 MB, e uma mensagem para uma sala leva uns 40 ms na AWS.
# Por mensagem: uma leitura consistente de quem enviou (1 unidade) e um scan da sala (cerca de 0,5).
# Por sessão: a reserva do nome e o item de conexão, gravados na entrada e excluídos na saída.
per_event = {"ms_per_invocation": 40, "memory_gb": 0.25, "read_units_per_message": 1.5, "write_units_per_session": 8}


def serverless_cost(load):
    sent = load["members"] * load["hours_online"] * load["messages_per_hour"]
    joins = load["members"] * load["sessions"]
    posts = sent * load["room_size"] + joins * 4 * load["room_size"]  # entrada e saída: um aviso + a lista de membros
    invocations = sent + joins * 3  # cada mensagem, e $connect, setName e $disconnect por sessão
    return {
        "API Gateway messages": (sent + joins + posts) * price_list.usd("apigateway_websocket_message"),
        "API Gateway connection minutes": load["members"] * load["hours_online"] * 60
        * price_list.usd("apigateway_websocket_connection_minute"),
        "Lambda requests": invocations * price_list.usd("lambda_request"),
        "Lambda duration": invocations * per_event["ms_per_invocation"] / 1000 * per_event["memory_gb"]
        * price_list.usd("lambda_gb_second"),
        "DynamoDB reads": sent * per_event["read_units_per_message"] * price_list.usd("dynamodb_read_request_unit"),
        "DynamoDB writes": joins * per_event["write_units_per_session"] * price_list.usd("dynamodb_write_request_unit"),
    }


def server_cost():
    hours = 730
    return {
        "EC2 t3.small, always on": hours * price_list.usd("ec2_t3_small_hour"),
        "its 8 GB gp3 disk": 8 * price_list.usd("ebs_gp3_gb_month"),
        "its public IPv4 address": hours * price_list.usd("public_ipv4_hour"),
    }


costs = {name: serverless_cost(load) for name, load in loads.items()}
print(f"{'USD per month':32} {'class':>10} {'startup':>10}")
for item in costs["class"]:
    print(f"{'  ' + item:32} {costs['class'][item]:10.4f} {costs['startup'][item]:10.2f}")
serverless_total = {name: sum(items.values()) for name, items in costs.items()}
print(f"{'serverless chat':32} {serverless_total['class']:10.2f} {serverless_total['startup']:10.2f}")
for item, usd in server_cost().items():
    print(f"{'  ' + item:32} {usd:10.2f} {usd:10.2f}")
server_total = sum(server_cost().values())
print(f"{'one server':32} {server_total:10.2f} {server_total:10.2f}")

# %% [markdown]
# E em forma de gráfico: a carga da startup, escalada de um punhado de usuários até muitos. O custo
# serverless cresce com o uso e é quase zero em repouso; o servidor custa o mesmo todo mês, ocupado ou
# ocioso — até que um só não dê conta.

# %%
import matplotlib.pyplot as plt

shape = loads["startup"]
members_axis = [round(10 ** (exponent / 4)) for exponent in range(4, 23)]  # de 10 a uns 300.000 usuários
messages_axis = [m * shape["hours_online"] * shape["messages_per_hour"] for m in members_axis]
serverless_axis = [sum(serverless_cost({**shape, "members": m}).values()) for m in members_axis]
crossing = next((messages for messages, usd in zip(messages_axis, serverless_axis, strict=True) if usd > server_total), None)

figure, axes = plt.subplots(figsize=(8, 4.5))
axes.loglog(messages_axis, serverless_axis, label="serverless chat (pay per use)")
axes.loglog(messages_axis, [server_total] * len(messages_axis), label="one always-on server (t3.small)")
for name, load in loads.items():
    sent = load["members"] * load["hours_online"] * load["messages_per_hour"]
    axes.scatter([sent], [serverless_total[name]], zorder=3)
    axes.annotate(f"{name}: ${serverless_total[name]:.2f}", (sent, serverless_total[name]),
                  textcoords="offset points", xytext=(6, -12))
axes.set_xlabel("chat messages sent per month")
axes.set_ylabel("USD per month (us-east-1 list prices)")
axes.set_title(f"Serverless chat versus one server (prices as of {price_list.as_of})")
axes.legend()
axes.grid(True, which="major", alpha=0.3)
figure.tight_layout()
if "ipykernel" in sys.modules:
    plt.show()
else:
    plt.close(figure)
print(f"With the startup's habits, the serverless chat costs more than one server from about "
      f"{crossing:,} messages a month." if crossing else "Serverless stays cheaper over the whole range.")

# %% [markdown]
# ## Quando cada um ganha
#
# - **O serverless ganha** quando o tráfego é pequeno, irregular ou desconhecido: uma turma, um produto
#   novo, um chat movimentado às 9h e vazio à noite. Custa centavos em repouso, nunca precisa de patches
#   nem de reinício, atravessa implantações sem derrubar ninguém e cresce para muitos ambientes de execução
#   sem código novo — porque o estado já mora em serviços compartilhados (API Gateway, DynamoDB).
# - **Um servidor ganha** quando o tráfego é constante e alto o bastante para manter uma máquina ocupada o
#   mês todo, e uma máquina basta: cada mensagem sai mais barata e mais rápida (você viu acima). Em troca,
#   você paga em trabalho: patches, monitoramento, reinícios que derrubam todo mundo e — para crescer além
#   de uma máquina ou sobreviver à perda dela — estado compartilhado e um balanceador de carga, exatamente
#   o que faltou ao segundo servidor.
#
# Muitas equipes começam com serverless e levam a parte mais movimentada para servidores ou contêineres
# quando o tráfego se estabiliza e a fatura justifica.

# %% [markdown]
# **O que pode dar errado**
# - `The server-way chat did not start` (em inglês, como tudo o que o servidor escreve): rode
#   `python -m server_way` num terminal para ver o erro.
# - A medição serverless para com `only N of M members got the message` (em português:
#   `só N de M membros receberam a mensagem`): o chat perdeu membros durante as entradas; rode a
#   verificação do notebook 06 e depois esta célula de novo.
# - Nenhum gráfico numa execução pelo terminal: os gráficos aparecem no notebook; a tabela acima tem os
#   mesmos números.

# %% [markdown]
# ## Verificação

# %%
check("09")

# %% [markdown]
# # 08 · Por dentro: partidas a frio, funções sem estado, escala e ordem (cerca de 20 minutos)
#
# O curso diz três coisas sobre as funções Lambda: elas são **desacopladas** (uma função por rota,
# notebook 03), são **sem estado** (stateless) e têm **partidas a frio** (cold starts). Aqui medimos as duas
# últimas no seu alvo, vemos como o Lambda **escala** e por que mensagens do chat tratadas por invocações
# diferentes podem chegar **em qualquer ordem**.
#
# Antes, uma palavra: um **ambiente de execução** é o que roda a sua função — uma máquina pequena e isolada,
# com o seu código carregado. O Lambda cria um quando chega um evento e não há nenhum livre (uma **partida a
# frio**, ou *cold start*: ele inicia o runtime e importa o seu módulo), reaproveita esse ambiente nos
# eventos seguintes (invocações **a quente**, *warm*), roda vários lado a lado quando os eventos chegam ao
# mesmo tempo e os descarta quando bem entende.
#
# Tudo o que este notebook cria — uma função pequena, `<prefix>-counter` — leva o seu prefixo e as suas
# tags, e o notebook 10 a exclui.

# %%
import base64
import io
import json
import os
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

from workshop import check, lookup, setup
from workshop.chat_member import ChatMember
from workshop.local_settings import SettingsUnavailable, spare_workers
from workshop.steps import NotReady
from workshop.terminal import show

session = setup()
print(session)
names = session.names
lambda_client = session.client("lambda")
role = lookup.role(session)
url = lookup.websocket_url(session)
if role is None or url is None:
    raise NotReady("This notebook looks at the chat you built: run notebooks 01 to 05 first.")

# %% [markdown]
# ## Uma função pequena para olhar por dentro
#
# A função abaixo conta as suas invocações numa **variável de módulo**, `invocations`. O código do módulo
# (tudo o que está fora de `handler`) roda uma vez por ambiente de execução, na partida a frio dele; o
# handler roda uma vez por evento. Ela responde com a sua contagem e com o nome do seu **fluxo de logs**
# (log stream): o Lambda dá a cada ambiente de execução o seu próprio fluxo de logs, então esse nome
# distingue os ambientes.
#
# Ela importa o boto3, como fazem as funções do chat, porque essa importação é boa parte de uma partida a
# frio em Python. Ela roda com a função do IAM do chat, criada no notebook 01 (não precisa de nenhuma
# permissão própria).

# %%
COUNTER_CODE = '''\
import time

import boto3  # like the chat's functions: a large part of a Python cold start

environment_started = time.time()  # module code: runs once per execution environment
invocations = 0                    # lives in this execution environment, and only in it


def handler(event, context):
    global invocations
    invocations += 1
    time.sleep(event.get("sleep_seconds", 0))  # to keep this environment busy for a moment
    return {
        "environment": context.log_stream_name,  # one log stream per execution environment
        "invocations_here": invocations,
        "environment_age_seconds": round(time.time() - environment_started, 1),
    }
'''
print(COUNTER_CODE)

# %% [markdown]
# O Lambda quer um zip com o módulo na raiz. Montamos o zip na memória e depois criamos a função (ou
# atualizamos o código dela, se ela já existir de uma execução anterior).

# %%
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr(zipfile.ZipInfo("counter.py", date_time=(2024, 1, 1, 0, 0, 0)), COUNTER_CODE)
counter_zip = buffer.getvalue()

counter = names.counter_function
try:
    lambda_client.get_function(FunctionName=counter)
    lambda_client.update_function_code(FunctionName=counter, ZipFile=counter_zip)
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=counter)
    print("updated", counter)
except lambda_client.exceptions.ResourceNotFoundException:
    lambda_client.create_function(
        FunctionName=counter,
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="counter.handler",
        Code={"ZipFile": counter_zip},
        Timeout=30,
        MemorySize=256,
        Description="Notebook 08: a counter in the module, to see execution environments",
        Tags=session.tags,
    )
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=counter)
    print("created", counter)

# %% [markdown]
# ## Partidas a frio e a quente, medidas
#
# **Na nuvem local**, um processo worker reserva, com o boto3 já importado, normalmente fica esperando para
# virar o próximo ambiente de execução: ele deixa as partidas a frio curtas, e aqui elas pareceriam levar
# 15 ms. Nós o desligamos durante estas medições para que o número seja honesto (a última célula o liga
# de novo). Na AWS não há nada para desligar.

# %%
try:
    spares_before = spare_workers(session)
    spare_workers(session, 0)
    print(f"Spare workers on the local cloud: {spares_before} → 0 (for this notebook's measurements)")
except SettingsUnavailable as reason:
    spares_before = None
    print(reason)

# %% [markdown]
# Qualquer mudança de código ou de configuração faz o Lambda iniciar ambientes de execução **novos**: os
# antigos ficam com o código antigo. Mudamos a configuração (uma variável de ambiente) e invocamos cinco
# vezes seguidas. `LogType="Tail"` devolve o final do log de cada invocação, cuja última linha é a linha
# **REPORT** que o Lambda escreve depois de toda invocação:
#
# - `Duration`: o tempo do próprio handler; `Billed Duration`: o que você paga, em ms;
# - `Max Memory Used`: o pico de memória do ambiente;
# - `Init Duration`: **só numa partida a frio**: o tempo para iniciar o ambiente e rodar o código do módulo
#   (as importações) antes que o handler pudesse rodar.


# %%
def report_line(response):
    """The REPORT line from the log tail of one invoke (LogType="Tail")."""
    log_tail = base64.b64decode(response["LogResult"]).decode()
    return next(line for line in log_tail.splitlines() if line.startswith("REPORT"))


def report_field(report, field):
    """A number from a REPORT line, e.g. report_field(line, "Init Duration") -> 235.1, or None."""
    for part in report.split("\t"):
        if part.startswith(field + ":"):
            return float(part.split(":")[1].split()[0])
    return None


lambda_client.update_function_configuration(
    FunctionName=counter, Environment={"Variables": {"CHANGED_AT": time.strftime("%H:%M:%S")}})
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=counter)

starts = []
for _ in range(5):
    began = time.perf_counter()
    response = lambda_client.invoke(FunctionName=counter, Payload=b"{}", LogType="Tail")
    waited_ms = (time.perf_counter() - began) * 1000
    answer = json.loads(response["Payload"].read())
    report = report_line(response)
    starts.append({"waited_ms": waited_ms, "init_ms": report_field(report, "Init Duration"),
                   "duration_ms": report_field(report, "Duration"), **answer})
    print(report)

print()
print("invoke  we waited  Init Duration  Duration  environment (log stream)            count there")
for number, start in enumerate(starts, 1):
    init = f"{start['init_ms']:9.1f} ms" if start["init_ms"] is not None else "        —   "
    print(f"{number:>6} {start['waited_ms']:8.1f} ms  {init}  {start['duration_ms']:6.1f} ms  "
          f"…{start['environment'][-30:]}  {start['invocations_here']:>5}")
cold, warm = starts[0], starts[1:]
print(f"\nThe cold start took {cold['waited_ms']:.0f} ms from our side; the warm ones "
      f"{min(s['waited_ms'] for s in warm):.0f}–{max(s['waited_ms'] for s in warm):.0f} ms.")

# %% [markdown]
# Leia a tabela: só a primeira invocação tem `Init Duration`, e ela é a maior parte do tempo que esperamos.
# As quatro seguintes encontraram o ambiente pronto: o mesmo fluxo de logs, nenhuma inicialização, poucos
# milissegundos.
#
# **Na AWS**, uma função Python que importa o boto3 costuma mostrar um `Init Duration` de algumas centenas
# de milissegundos (muitas vezes 200–500 ms com 256 MB), mais com bibliotecas grandes. Uma partida a frio
# acontece no primeiro evento, depois de toda mudança de código ou de configuração, quando chegam mais
# eventos de uma vez do que há ambientes livres, e depois que um ambiente ficou ocioso por um tempo
# (minutos; a AWS não promete quanto). Num chat, uma partida a frio significa que a primeira mensagem
# depois de um momento de silêncio chega algumas centenas de ms atrasada.
#
# O que a reduz: importar só o que você precisa, e fazer isso uma vez no nível do módulo (não no handler);
# manter o pacote pequeno; mais memória também significa mais CPU para a inicialização; a **simultaneidade
# provisionada** (provisioned concurrency) mantém um número de ambientes já inicializados (você paga por
# eles enquanto esperam), e o **SnapStart** para Python retoma a partir de um snapshot tirado depois da
# inicialização. Desde agosto de 2025 a AWS também cobra o tempo de inicialização.
#
# Na nuvem local, um ambiente de execução é um processo worker na sua máquina, e `Init Duration` é o tempo
# para iniciá-lo e importar o seu módulo: a mesma ideia, medida no seu laptop.

# %% [markdown]
# ## Sem estado: o que uma variável de módulo realmente é
#
# O contador foi 1, 2, 3, 4, 5 acima: **invocações a quente de um mesmo ambiente compartilham as variáveis
# de módulo dele**. Agora, seis invocações no mesmo instante, cada uma mantendo o seu ambiente ocupado por
# um segundo: nenhum ambiente fica livre para as outras, então o Lambda as roda em ambientes diferentes, e
# cada um tem o **seu próprio** contador.

# %%
def invoke_counter(sleep_seconds):
    response = lambda_client.invoke(FunctionName=counter, Payload=json.dumps({"sleep_seconds": sleep_seconds}))
    return json.loads(response["Payload"].read())


with ThreadPoolExecutor(max_workers=6) as pool:
    answers = list(pool.map(invoke_counter, [1.0] * 6))

counts_by_environment = {}
for answer in answers:
    counts_by_environment.setdefault(answer["environment"], []).append(answer["invocations_here"])
for environment, counts in counts_by_environment.items():
    print(f"environment …{environment[-30:]}: counts {sorted(counts)}")
print(f"{len(answers)} simultaneous invokes ran in {len(counts_by_environment)} execution environments, "
      f"each with its own counter.")

# %% [markdown]
# E uma mudança descarta todos os ambientes, com tudo o que eles guardavam: depois desta atualização o
# contador recomeça em 1.

# %%
lambda_client.update_function_configuration(
    FunctionName=counter, Environment={"Variables": {"CHANGED_AT": time.strftime("%H:%M:%S") + "b"}})
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=counter)
after_update = invoke_counter(0)
print(f"after the update: environment …{after_update['environment'][-30:]}, counter {after_update['invocations_here']}")

# %% [markdown]
# Portanto, uma função não deve guardar na memória nada de que vá precisar depois: o próximo evento pode
# rodar em outro ambiente, ou num ambiente novo. É por isso que o chat guarda cada conexão e cada nome no
# **DynamoDB**. Esta é a tabela do DynamoDB do chat com três membros conectados: qualquer função, em
# qualquer ambiente, lê os mesmos itens. (Cada membro é um item de conexão; cada nome também tem um item de
# reserva `name#…`, que torna os nomes únicos.)

# %%
ana = ChatMember(f"{url}?name=Ana", timeout=10)
ben = ChatMember(f"{url}?name=Ben", timeout=10)
cleo = ChatMember(f"{url}?name=Cleo", timeout=10)
for member in (ana, ben, cleo):
    member.receive_all(quiet_seconds=0.5)

items = session.client("dynamodb").scan(TableName=names.table)["Items"]
for item in sorted(items, key=lambda item: item["connectionId"]["S"]):
    print({key: list(value.values())[0] for key, value in item.items()})

# %% [markdown]
# ## Escala: muitos eventos de uma vez
#
# A resposta do Lambda a mais eventos é ter mais ambientes de execução. Mandamos muitas invocações de uma
# vez, cada uma levando meio segundo, e contamos os ambientes que as atenderam. Se cada invocação tivesse
# o seu próprio ambiente, todas terminariam em cerca de meio segundo.

# %%
simultaneous = int(os.environ.get("WORKSHOP_SCALE_INVOKES", "50"))
began = time.perf_counter()
with ThreadPoolExecutor(max_workers=simultaneous) as pool:
    answers = list(pool.map(invoke_counter, [0.5] * simultaneous))
elapsed = time.perf_counter() - began
environments = {answer["environment"] for answer in answers}
busiest = max(sum(answer["environment"] == environment for answer in answers) for environment in environments)
print(f"{simultaneous} invokes at once took {elapsed:.1f} s, served by {len(environments)} execution "
      f"environments (the busiest served {busiest}).")

# %% [markdown]
# Quantos ambientes podem rodar ao mesmo tempo é a **simultaneidade** (concurrency). Na AWS, as funções de
# uma região compartilham uma cota de execuções simultâneas (1.000 por padrão; uma conta nova pode começar
# com bem menos, por exemplo 10), e `put_function_concurrency` pode reservar parte dela para uma função —
# o que também limita essa função. Passado o limite, o Lambda não enfileira invocações síncronas: ele as
# **limita** (throttling: `TooManyRequestsException`, HTTP 429), e o API Gateway responde ao cliente do
# chat com um erro. Uma regra prática: simultaneidade ≈ eventos por segundo × segundos por evento; uma
# mensagem de chat tratada em 50 ms, a 100 mensagens por segundo, precisa de uns 5 ambientes.
#
# A nuvem local roda no máximo `LOCAL_CLOUD_LAMBDA_MAX_WORKERS` (padrão 4) ambientes por função e faz os
# demais **esperarem** por um livre: é isso que o número acima mostra no seu laptop.

# %% [markdown]
# ## Ordem: por que as mensagens podem passar umas à frente das outras
#
# Cada mensagem do chat é um evento próprio, tratado pela sua própria invocação — de outra função, ou em
# outro ambiente — e cada uma envia aos membros quando **ela** termina. Nada as coloca de volta na
# ordem em que foram enviadas. Para ver isso, fazemos `sendPublic` partir a frio (adicionamos uma variável
# de ambiente: uma mudança de configuração, como uma implantação); depois a Ana envia uma mensagem pública
# e, 20 ms depois, o Ben pergunta ao bot (`sendBot`, a quente). O que a Cleo vê?

# %%
send_public = names.function("sendPublic")
environment = lambda_client.get_function_configuration(FunctionName=send_public)["Environment"]
lambda_client.update_function_configuration(FunctionName=send_public, Environment={
    "Variables": {**environment["Variables"], "DEPLOYED_AT": time.strftime("%H:%M:%S")}})
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=send_public)

ben.send_bot("time")  # depois disto, o ambiente do bot está quente
for member in (ana, ben, cleo):
    member.receive_all(quiet_seconds=1.0)

began = time.perf_counter()
ana.send_public("1 (sent first)")
time.sleep(0.02)
ben.send_bot("2 (sent second) hello")
print("Ana sent at 0 ms, Ben at 20 ms. Cleo received:")
arrivals = []
while len(arrivals) < 3 and (frame := cleo.wait_for("publicMessage", timeout=30)) is not None:
    arrivals.append(frame["publicMessage"])
    print(f"  after {(time.perf_counter() - began) * 1000:6.0f} ms  {show(frame)}")
if arrivals and arrivals[0].startswith("Ben:"):
    print("Cleo saw the second message first: Ana's went to a cold sendPublic, Ben's to a warm sendBot.")
else:
    print("This time Ana's message still arrived first (her function started quickly): run the cell again.")

lambda_client.update_function_configuration(FunctionName=send_public, Environment=environment)  # como estava
lambda_client.get_waiter("function_updated_v2").wait(FunctionName=send_public)
for member in (ana, ben, cleo):
    member.close()

# %% [markdown]
# Foi isso que aconteceu no notebook 06, em que a Alice recebeu a resposta do bot antes da própria
# mensagem: três mensagens enviadas uma logo depois da outra foram tratadas por três funções, cada uma
# iniciando o seu próprio ambiente, e a que ficou pronta primeiro enviou primeiro. Até duas mensagens de
# um mesmo remetente para uma mesma função podem rodar em dois ambientes ao mesmo tempo. (Dentro de uma
# invocação a ordem se mantém: a função do bot envia a pergunta antes da resposta.)
#
# Quando a ordem importa, as próprias mensagens precisam carregá-la: todo frame do chat traz `ts`, o
# instante em que a função o montou, para que um front-end possa ordenar por ele. Uma ordem estrita
# precisa de um único lugar que ordene, por exemplo uma fila FIFO do SQS na frente da função, ou um
# contador no DynamoDB.

# %% [markdown]
# ## De volta ao normal
#
# A nuvem local recebe de volta o seu worker reserva.

# %%
if spares_before is not None:
    print("Spare workers on the local cloud:", spare_workers(session, spares_before))

# %% [markdown]
# **O que pode dar errado**
# - `Handshake status 409` para a Ana, o Ben ou a Cleo: o nome está preso a uma conexão de uma execução
#   anterior que continua aberta neste kernel; reinicie o kernel.
# - `TooManyRequestsException` na AWS, na célula de escala: a cota de simultaneidade da sua conta é baixa;
#   diminua `WORKSHOP_SCALE_INVOKES` (por exemplo, 10) ou peça mais à AWS.
# - O contador nunca difere entre os ambientes: a sua máquina está muito lenta para iniciar workers; rode a
#   célula de novo.

# %% [markdown]
# ## Verificação

# %%
check("08")

# %% [markdown]
# # 00 · Preparação: o que vamos construir e onde vai rodar (cerca de 10 minutos)
#
# Neste workshop você constrói o backend de um **chat em tempo real**: as pessoas se conectam por WebSocket,
# escolhem um nome e enviam mensagens públicas, mensagens privadas e perguntas para um bot. Cada parte é
# criada com o **boto3**, o AWS SDK para Python, um notebook por parte:
#
# ```mermaid
# flowchart LR
#     C1[cliente do chat] <-->|WebSocket| GW[API Gateway<br/>API WebSocket]
#     C2[cliente do chat] <-->|WebSocket| GW
#     GW -->|uma rota, uma função| L[funções Lambda<br/>connect · setName · sendPublic · ...]
#     L -->|conexões e nomes| DB[(tabela do DynamoDB)]
#     L -->|POST @connections| GW
#     S3[site estático no S3<br/>a página web] -->|HTTP| C2
# ```
#
# | notebook | você cria | minutos |
# | --- | --- | --- |
# | 01 | a função do IAM com que as funções Lambda rodam | 10 |
# | 02 | a tabela do DynamoDB de conexões e nomes | 10 |
# | 03 | sete funções Lambda, uma por rota | 15 |
# | 04 | a API WebSocket: rotas, integrações, permissões | 15 |
# | 05 | uma implantação e um estágio: a URL do chat | 5 |
# | 06 | um chat entre clientes aqui mesmo, e os logs das funções | 15 |
# | 07 | a página web do chat, publicada como site estático no S3 | 15 |
# | 08 | uma pequena função para medir partidas a frio, ausência de estado, escala e ordem das mensagens | 20 |
# | 09 | nada de novo na AWS: o mesmo chat como um único processo servidor, comparado com o seu, e o custo | 20 |
# | 10 | a limpeza: excluir tudo o que você criou | 5 |
#
# Todo notebook pode ser executado de novo, em qualquer ordem, num kernel novo: ele nunca falha com "já existe"
# e nunca cria uma segunda cópia. Cada um termina com uma **verificação** que diz ✅ ou ❌ e o que corrigir.

# %% [markdown]
# ## Para onde vão os seus recursos: o destino
#
# As mesmas chamadas do boto3 funcionam em três lugares. O workshop escolhe um a partir do seu ambiente:
#
# - **a nuvem local** (padrão): uma emulação da AWS em `127.0.0.1:4566`, iniciado em segundo plano na primeira
#   vez que um notebook precisa dela. Sem conta, sem custo. O log dela fica em `.workshop/local-cloud.log`;
#   `python -m workshop status` mostra como ela está.
# - **outro endpoint**: defina `AWS_ENDPOINT_URL=http://host:porta` antes de iniciar o Jupyter.
# - **a AWS de verdade**: defina `WORKSHOP_TARGET=aws` (e as suas credenciais da AWS de sempre). O notebook mostra
#   a conta e a região e pede que você digite `yes` antes de criar qualquer coisa (`WORKSHOP_CONFIRM=yes` em
#   scripts).
#
# O seu **prefixo** (`WORKSHOP_PREFIX`, padrão `chat`) inicia o nome de tudo o que você cria, e todo recurso
# recebe as tags `workshop=serverless-chat` e `learner=<prefixo>`. Numa turma que compartilha uma conta da AWS,
# cada aluno escolhe o seu prefixo, e ninguém mexe no chat de outra pessoa. Defina-o antes de iniciar o Jupyter,
# por exemplo `python -m workshop lab --prefix alice` (ou `WORKSHOP_PREFIX=alice make lab`), para que todos os
# notebooks o usem.

# %% [markdown]
# `setup()` encontra o destino, inicia a nuvem local se for preciso e devolve uma **sessão**: ela fornece
# clientes do boto3 para o destino e conhece o seu prefixo, a região, o id da conta e o nome de tudo.

# %%
from workshop import check, setup

session = setup()
print(session)

# %% [markdown]
# Os nomes que este prefixo vai usar. Eles são calculados a partir do prefixo, nunca memorizados, então qualquer
# notebook encontra os recursos dos outros, mesmo depois de reiniciar.

# %%
names = session.names
print("role:     ", names.role)
print("table:    ", names.table, "with index", names.name_index)
print("functions:", ", ".join(names.functions.values()))
print("API:      ", names.api, "stage", names.stage)
print("tags:     ", session.tags)

# %% [markdown]
# Nesta saída, `role` é a função do IAM, `table` a tabela do DynamoDB, `functions` as funções Lambda e
# `stage` o estágio da API.
#
# ## Quanto custa
#
# Na nuvem local: nada. Na AWS, o chat cabe no nível gratuito do Lambda e do DynamoDB sob demanda;
# as APIs WebSocket do API Gateway custam US$ 1,00 por milhão de mensagens e US$ 0,25 por milhão de
# minutos de conexão — centavos para um workshop. O que custa dinheiro é **esquecer de limpar**: o notebook 10
# (ou `python -m workshop destroy`) exclui tudo o que o seu prefixo criou e comprova que não sobrou nada.
#
# **O que pode dar errado**
# - `No AWS credentials found` na AWS: execute `aws configure` ou `aws sso login` e depois reinicie o kernel.
# - `Port 4566 is taken`: outro programa usa a porta; encerre-o ou aponte `AWS_ENDPOINT_URL` para outro lugar.
# - `WORKSHOP_PREFIX=... cannot start resource names`: use letras minúsculas, dígitos e hífens.

# %% [markdown]
# ## Verificação: está tudo pronto?

# %%
check("00")

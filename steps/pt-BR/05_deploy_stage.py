# %% [markdown]
# # 05 · Implantação e estágio: a URL do chat (cerca de 5 minutos)
#
# Uma **implantação** (*deployment*) é um retrato das rotas e integrações da API naquele momento. Um **estágio**
# (*stage*, aqui `dev`) é uma versão da API, com nome e acessível, que serve uma implantação. Os clientes se
# conectam a `ApiEndpoint + "/" + estágio`. Rotas que você adicionar ou mudar depois só chegam aos clientes com
# uma nova implantação.

# %%
from workshop import check, lookup, ownership, setup
from workshop.diagnosis import not_ready

session = setup()
print(session)
# Recursos de outro aluno com este prefixo (tag `owner` ou `learner` dele)? Para aqui, sem mudar nada.
ownership.refuse_if_taken(session)
names = session.names
apigw = session.client("apigatewayv2")
api = lookup.api(session)
if api is None:
    raise not_ready(session, "05")
api_id = api["ApiId"]

# %% [markdown]
# ## Implantar as rotas atuais
#
# Cada execução tira um retrato novo, então o estágio sempre serve as rotas como elas estão agora.

# %%
deployment = apigw.create_deployment(ApiId=api_id, Description="routes of the serverless chat")
print("Deployment", deployment["DeploymentId"], deployment.get("DeploymentStatus"))

# %% [markdown]
# ## Apontar o estágio para ela
#
# A primeira execução cria o estágio; as seguintes o passam para a nova implantação com `update_stage`.

# %%
stage = lookup.stage(session, api_id)
if stage is None:
    apigw.create_stage(ApiId=api_id, StageName=names.stage, DeploymentId=deployment["DeploymentId"],
                       Description="the chat's stage", Tags=session.tags)
    print("Created stage", names.stage)
else:
    apigw.update_stage(ApiId=api_id, StageName=names.stage, DeploymentId=deployment["DeploymentId"])
    print("Stage", names.stage, "now serves deployment", deployment["DeploymentId"])

# %% [markdown]
# As implantações antigas não são mais servidas por nenhum estágio. Excluí-las mantém exatamente uma, não
# importa quantas vezes este notebook rode.

# %%
for page in apigw.get_paginator("get_deployments").paginate(ApiId=api_id):
    for old in page["Items"]:
        if old["DeploymentId"] != deployment["DeploymentId"]:
            apigw.delete_deployment(ApiId=api_id, DeploymentId=old["DeploymentId"])
            print("Deleted old deployment", old["DeploymentId"])

# %% [markdown]
# ## A URL
#
# Na AWS ela tem a forma `wss://abc123.execute-api.us-east-1.amazonaws.com/dev`; na nuvem local,
# `ws://127.0.0.1:4566/abc123/dev`. Qualquer cliente WebSocket pode se conectar a ela — o notebook 06 faz isso,
# e `python -m workshop chat --name SeuNome` também, num terminal.

# %%
websocket_url = f"{api['ApiEndpoint']}/{names.stage}"
print("The chat's URL:", websocket_url)

# %% [markdown]
# **O que pode dar errado**
# - Você mudou rotas no notebook 04, mas os clientes não veem a mudança: execute este notebook de novo (nova
#   implantação).
# - O handshake é recusado com 403: falta o estágio na URL, ou o estágio não existe.
# - O handshake é recusado com 500/502: a função `$connect` falhou — leia o log dela (notebook 06).

# %% [markdown]
# ## Verificação

# %%
check("05")

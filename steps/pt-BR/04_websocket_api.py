# %% [markdown]
# # 04 · A API WebSocket: rotas, integrações, permissões (cerca de 15 minutos)
#
# O API Gateway mantém as conexões WebSocket abertas e chama uma função Lambda para cada evento:
#
# - a **API** lê o JSON de cada mensagem e escolhe uma rota pelo campo `action`
#   (`RouteSelectionExpression = $request.body.action`); todo o resto vai para `$default`;
# - uma **integração** diz como chamar uma função (`AWS_PROXY`: entregar a ela o evento inteiro);
# - uma **rota** liga uma chave de rota (`sendPublic`, `$connect`, ...) a uma integração;
# - uma **permissão** em cada função permite que o API Gateway a invoque — só para esta API e esta rota;
# - e, no sentido contrário, uma política na função do IAM permite que as funções **enviem mensagens para as
#   conexões** desta API (`execute-api:ManageConnections`): é assim que as mensagens chegam aos clientes.

# %%
import json

from workshop import check, lookup, ownership, setup
from workshop.diagnosis import not_ready

session = setup()
print(session)
# Recursos de outro aluno com este prefixo (tag `owner` ou `learner` dele)? Para aqui, sem mudar nada.
ownership.refuse_if_taken(session)
names = session.names
apigw = session.client("apigatewayv2")
lambda_client = session.client("lambda")
iam = session.client("iam")
missing = [name for name in names.functions.values() if lookup.function(session, name) is None]
if missing or lookup.role(session) is None:
    raise not_ready(session, "04")

# %% [markdown]
# ## A API
#
# Nomes de API não precisam ser únicos, então executar de novo sem cuidado criaria uma segunda API com o mesmo
# nome. Primeiro procuramos a nossa pelo nome e só a criamos quando ela não existe. O `get_apis` responde página
# por página; o paginator dele percorre todas as páginas (uma conta pode ter muitas APIs).

# %%
paginator = apigw.get_paginator("get_apis")
same_name = [api for page in paginator.paginate() for api in page["Items"] if api["Name"] == names.api]
api = same_name[0] if same_name else None
if api is None:
    api = apigw.create_api(
        Name=names.api,
        ProtocolType="WEBSOCKET",
        RouteSelectionExpression="$request.body.action",
        Description="Serverless chat",
        Tags=session.tags,
    )
    print("Created API", api["ApiId"])
else:
    print("Found API", api["ApiId"])
api_id = api["ApiId"]
print("ApiEndpoint:", api["ApiEndpoint"])

# %% [markdown]
# ## Integrações e rotas
#
# A URI de uma integração é um formato fixo em volta do ARN da função. Para cada rota: se a rota existe,
# apontamos a integração dela para a função certa; senão, criamos a integração e depois a rota
# com `Target="integrations/<id>"`.

# %%
existing_routes = lookup.routes(session, api_id)
for route, function_name in names.functions.items():
    function_arn = lambda_client.get_function(FunctionName=function_name)["Configuration"]["FunctionArn"]
    integration_uri = f"arn:aws:apigateway:{session.region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    if route in existing_routes and existing_routes[route].get("Target", "").startswith("integrations/"):
        integration_id = existing_routes[route]["Target"].removeprefix("integrations/")
        apigw.update_integration(ApiId=api_id, IntegrationId=integration_id, IntegrationUri=integration_uri)
        print(f"route {route:12} exists  → {function_name}")
        continue
    integration = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationMethod="POST",
        IntegrationUri=integration_uri,
    )
    target = f"integrations/{integration['IntegrationId']}"
    if route in existing_routes:  # uma rota que uma execução interrompida deixou sem destino
        apigw.update_route(ApiId=api_id, RouteId=existing_routes[route]["RouteId"], Target=target)
    else:
        apigw.create_route(ApiId=api_id, RouteKey=route, Target=target)
    print(f"route {route:12} created → {function_name}")

# %% [markdown]
# ## Permitir que o API Gateway invoque cada função — só para esta API e esta rota
#
# O `add_permission` adiciona uma declaração à *política baseada em recursos* da função. O `SourceArn`
# `arn:aws:execute-api:REGIÃO:CONTA:API_ID/*/ROTA` a limita à rota desta API (em qualquer estágio).
# Sem um `SourceArn`, qualquer API de qualquer conta poderia invocar a função. Esquecer a permissão é
# a causa clássica de `Internal server error` em todas as mensagens.
#
# O id de uma declaração é único por função: ao executar de novo, `ResourceConflictException` diz que ela já
# existe. Se ela foi feita para uma API antiga (com outro id), nós a substituímos.

# %%
for route, function_name in names.functions.items():
    source_arn = f"arn:aws:execute-api:{session.region}:{session.account_id}:{api_id}/*/{route}"
    statement_id = names.permission_statement_id(route)
    current = {s.get("Sid"): s for s in lookup.function_policy(session, function_name)}.get(statement_id)
    if current and current.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn") == source_arn:
        print(f"{function_name:24} may be invoked by {source_arn} (already)")
        continue
    if current:
        lambda_client.remove_permission(FunctionName=function_name, StatementId=statement_id)
    lambda_client.add_permission(
        FunctionName=function_name,
        StatementId=statement_id,
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=source_arn,
    )
    print(f"{function_name:24} may be invoked by {source_arn}")

# %% [markdown]
# ## Permitir que as funções enviem mensagens para as conexões desta API
#
# Uma função responde a um cliente com `post_to_connection` no endpoint `@connections` da API. Isso exige
# `execute-api:ManageConnections`, e limitamos essa permissão a POSTs no estágio desta API — e não
# `AmazonAPIGatewayInvokeFullAccess`, que cobriria todas as APIs da conta.

# %%
manage_connections = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "PostToThisChatsConnections",
        "Effect": "Allow",
        "Action": ["execute-api:ManageConnections"],
        "Resource": [f"arn:aws:execute-api:{session.region}:{session.account_id}:{api_id}/{names.stage}/POST/@connections/*"],
    }],
}
iam.put_role_policy(RoleName=names.role, PolicyName=names.manage_connections_policy,
                    PolicyDocument=json.dumps(manage_connections))
print(json.dumps(manage_connections, indent=2))

# %% [markdown]
# As rotas já existem, mas os clientes ainda não conseguem se conectar: uma API só atende tráfego por meio de um
# **estágio** com uma **implantação** — esse é o notebook 05.
#
# **O que pode dar errado**
# - `Internal server error` em todas as mensagens: falta a uma função a permissão `lambda:InvokeFunction`, ou o
#   `SourceArn` dela cita outro id de API (a API foi excluída e criada de novo). Execute este notebook de novo.
# - Respostas `Forbidden`: nenhuma rota correspondeu e não existe a rota `$default`.
# - Ninguém recebe mensagens: falta à função do IAM o `execute-api:ManageConnections` para esta API.
#
# **Experimente (opcional, depois que o chat funcionar no notebook 06).** A nuvem local aplica o IAM como a
# AWS: as funções rodam com a função do IAM e recebem exatamente o que as políticas dela permitem. Retire a
# permissão: `iam.delete_role_policy(RoleName=names.role, PolicyName=names.manage_connections_policy)` e depois
# envie uma mensagem no notebook 06. Ninguém a recebe, e o log da função (`/aws/lambda/{prefixo}-sendPublic`,
# como o notebook 06 o lê) e o log da nuvem local (`.workshop/local-cloud.log`) dizem, como a AWS diria, `User:
# arn:aws:sts::...:assumed-role/ROLE/FUNCTION is not authorized to perform: execute-api:ManageConnections on
# resource: arn:aws:execute-api:...`, com a chamada `put_role_policy` que resolve. Execute este notebook de novo
# para devolver a permissão.

# %% [markdown]
# ## Verificação

# %%
check("04")

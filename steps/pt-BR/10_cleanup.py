# %% [markdown]
# # 10 · Limpeza: excluir tudo o que este prefixo criou (cerca de 5 minutos)
#
# Recursos esquecidos são a origem das cobranças inesperadas. Este notebook exclui tudo o que **o seu prefixo**
# criou — e nada além disso: ele só olha os nomes exatos derivados do seu prefixo, então, numa conta
# compartilhada, os chats dos outros alunos ficam intactos. Ele exclui na **ordem das dependências** (o que
# usa algo sai primeiro): o bucket da página web, a API, as funções, a tabela, a função do IAM e, por último,
# os grupos de logs das funções.
#
# Primeiro, uma simulação (dry run): ela só lista. Defina `WORKSHOP_DRY_RUN=1` (ou execute
# `python -m workshop destroy --dry-run`) para parar depois da lista.

# %%
import os
import time

from workshop import check, lookup, setup
from workshop.cleanup import find_leftovers

session = setup()
print(session)
names = session.names
dry_run = os.environ.get("WORKSHOP_DRY_RUN", "") == "1"

# %% [markdown]
# ## Simulação: o que seria excluído

# %%
leftovers = find_leftovers(session)
print(f"{len(leftovers)} resources of prefix {session.prefix!r}:")
for kind, name, resource_id in leftovers:
    print(f"  {kind:9} {name}   ({resource_id})")
if dry_run:
    print("Dry run: nothing was deleted.")

# %% [markdown]
# ## 1. O bucket da página web
#
# O S3 se recusa a excluir um bucket que ainda contém objetos, então excluímos os objetos primeiro, em
# páginas de até 1.000 por vez (`delete_objects`), e depois o bucket. A política, a configuração de site e
# as configurações de acesso público vão junto com ele.

# %%
if not dry_run:
    bucket = lookup.website_bucket(session)
    if bucket is not None:
        s3 = session.client("s3")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                print(f"deleted {len(keys)} objects from", bucket)
        s3.delete_bucket(Bucket=bucket)
        print("deleted bucket", bucket)

# %% [markdown]
# ## 2. A API
#
# `delete_api` remove a API com suas rotas, integrações, estágios e implantações; as conexões abertas são
# fechadas. (Uma execução interrompida pode ter deixado duas APIs com o nosso nome: excluímos cada uma.)

# %%
if not dry_run:
    apigw = session.client("apigatewayv2")
    for api in lookup.apis_named(session, names.api):
        apigw.delete_api(ApiId=api["ApiId"])
        print("deleted API", api["ApiId"])

# %% [markdown]
# ## 3. As funções
#
# As sete do chat e a pequena função contadora do notebook 08. Excluir uma função Lambda também exclui as
# permissões dela (a sua política baseada em recurso).

# %%
if not dry_run:
    lambda_client = session.client("lambda")
    for function_name in names.every_function:
        try:
            lambda_client.delete_function(FunctionName=function_name)
            print("deleted function", function_name)
        except lambda_client.exceptions.ResourceNotFoundException:
            pass

# %% [markdown]
# ## 4. A tabela
#
# Isto exclui a tabela do DynamoDB e todos os itens dela. O waiter `table_not_exists` espera até ela sumir.

# %%
if not dry_run:
    dynamodb = session.client("dynamodb")
    try:
        dynamodb.delete_table(TableName=names.table)
        dynamodb.get_waiter("table_not_exists").wait(TableName=names.table)
        print("deleted table", names.table)
    except dynamodb.exceptions.ResourceNotFoundException:
        pass

# %% [markdown]
# ## 5. A função do IAM
#
# O IAM se recusa a excluir uma função (role) que ainda tem políticas: primeiro as políticas em linha, depois
# qualquer política gerenciada anexada e, por fim, a função.

# %%
if not dry_run:
    iam = session.client("iam")
    try:
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=names.role):
            for policy_name in page["PolicyNames"]:
                iam.delete_role_policy(RoleName=names.role, PolicyName=policy_name)
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=names.role):
            for policy in page["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=names.role, PolicyArn=policy["PolicyArn"])
        iam.delete_role(RoleName=names.role)
        print("deleted role", names.role)
    except iam.exceptions.NoSuchEntityException:
        pass

# %% [markdown]
# ## 6. Os grupos de logs
#
# Os grupos de logs sobrevivem às funções, então nós mesmos os excluímos — por último: fechar as conexões da
# API executou a função do `$disconnect` mais uma vez, e uma função que ainda estava executando quando foi
# excluída grava as suas últimas linhas depois, o que cria o grupo de logs de novo. Por isso olhamos
# algumas vezes, com um segundo de intervalo, até não sobrar nenhum grupo de logs nosso.

# %%
if not dry_run:
    logs = session.client("logs")
    our_log_groups = set(names.every_log_group)
    for attempt in range(5):
        found = [group["logGroupName"]
                 for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=f"/aws/lambda/{names.prefix}-")
                 for group in page["logGroups"] if group["logGroupName"] in our_log_groups]
        if not found and attempt > 0:
            break
        for group_name in found:
            logs.delete_log_group(logGroupName=group_name)
            print("deleted log group", group_name)
        time.sleep(1)

# %% [markdown]
# **O que pode dar errado**
# - `DeleteConflict` na função do IAM: ainda há uma política anexada (a célula acima remove as políticas
#   primeiro).
# - Numa conta compartilhada, nunca exclua por um padrão mais amplo que os seus próprios nomes.

# %% [markdown]
# ## Parar a nuvem local
#
# Na nuvem local, os seus recursos já não existem depois deste notebook, mas a nuvem local continua rodando
# em segundo plano (ela sobrevive a este kernel, para que todos os notebooks pudessem compartilhá-la). Ela
# não custa nada além de um pouco de memória. Quando terminar o dia, pare-a em um terminal na pasta do
# repositório:
#
# ```
# python -m workshop stop
# ```
#
# (Windows: `.venv\Scripts\python -m workshop stop`.) O próximo notebook que precisar dela a inicia de novo.
# Na AWS não há nada para parar: a verificação abaixo é a prova de que não sobrou nada.

# %% [markdown]
# ## Verificação: a prova de que não sobrou nada

# %%
if dry_run:
    print("Dry run: the check runs after a real clean-up.")
else:
    check("10")
if session.target == "local":
    print("The local cloud still runs in the background. Done for the day? python -m workshop stop")

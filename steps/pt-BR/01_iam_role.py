# %% [markdown]
# # 01 · A função do IAM com a qual as funções Lambda são executadas (cerca de 10 minutos)
#
# Uma função Lambda age com as permissões de uma **função do IAM** (em inglês, *IAM role*; na API,
# `Role`). Uma função do IAM tem dois tipos de política:
#
# - uma **política de confiança**: *quem* pode assumir a função do IAM — aqui, só o serviço Lambda;
# - **políticas de permissões**: *o que* a função do IAM pode fazer. Concedemos o mínimo que funciona: ações
#   nomeadas na nossa tabela e no seu índice, e a escrita nos grupos de logs das nossas funções. Nada com `*`.
#
# (O direito de enviar mensagens para as conexões do chat vem no notebook 04, quando a API já existir.)

# %%
import json

from workshop import check, ownership, setup

session = setup()
print(session)
# Recursos de outro aluno com este prefixo (tag `owner` ou `learner` dele)? Para aqui, sem mudar nada.
ownership.refuse_if_taken(session)
names = session.names
iam = session.client("iam")

# %% [markdown]
# ## A política de confiança e a função do IAM
#
# `create_role` falha com `EntityAlreadyExists` quando a função do IAM já existe de uma execução anterior.
# Não tem problema: nesse caso atualizamos a política de confiança e as tags, e assim executar de novo também
# conserta uma função do IAM que foi alterada.

# %%
trust_policy = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
}

try:
    role = iam.create_role(
        RoleName=names.role,
        AssumeRolePolicyDocument=json.dumps(trust_policy),
        Description="Runs the serverless chat's Lambda functions",
        Tags=session.tag_list,
    )["Role"]
    print("Created role", role["Arn"])
except iam.exceptions.EntityAlreadyExistsException:
    iam.update_assume_role_policy(RoleName=names.role, PolicyDocument=json.dumps(trust_policy))
    iam.tag_role(RoleName=names.role, Tags=session.tag_list)
    role = iam.get_role(RoleName=names.role)["Role"]
    print("The role already exists; trust policy and tags are up to date:", role["Arn"])

# Um waiter consulta o IAM até a nova função do IAM aparecer (na hora, localmente; alguns segundos na AWS).
iam.get_waiter("role_exists").wait(RoleName=names.role)

# %% [markdown]
# ## A política de permissões: privilégio mínimo
#
# Cada ARN (Amazon Resource Name) identifica exatamente um recurso. O índice da tabela tem o seu próprio ARN
# (`.../table/NOME/index/ÍNDICE`). Uma função Lambda escreve os seus logs no grupo de logs `/aws/lambda/FUNÇÃO`;
# listamos os nossos grupos de logs um por um (os das sete funções do chat e o da pequena função contadora do
# notebook 08) em vez de `/aws/lambda/*`, que cobriria todas as funções da conta.
# Mais uma declaração permite que as funções invoquem duas das funções do chat (e nada mais), de forma assíncrona:
# o `$connect` invoca **a si mesmo**, porque quem entra com `?name=` recebe a lista de membros de uma segunda
# execução dessa função (um socket não pode receber nada antes de o `$connect` responder; o notebook 07 explica
# isso); e uma função que encontra membros cuja conexão se foi (fechada sem `$disconnect`, por exemplo depois de
# uma falha) os entrega ao `$disconnect`, que os remove em lotes (`BatchGetItem`, `BatchWriteItem`) enquanto o
# chat continua.
# `put_role_policy` cria ou substitui a política em linha, então executar de novo é seguro.

# %%
table_arn = f"arn:aws:dynamodb:{session.region}:{session.account_id}:table/{names.table}"
log_group_arns = [
    f"arn:aws:logs:{session.region}:{session.account_id}:log-group:{log_group}:*"
    for log_group in names.every_log_group
]
function_arn = f"arn:aws:lambda:{session.region}:{session.account_id}:function:"
invoked_function_arns = [function_arn + names.function("$connect"), function_arn + names.function("$disconnect")]

permissions = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ChatTableAndNameIndex",
            "Effect": "Allow",
            "Action": [
                "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                "dynamodb:ConditionCheckItem", "dynamodb:Query", "dynamodb:Scan",
                "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
            ],
            "Resource": [table_arn, f"{table_arn}/index/{names.name_index}"],
        },
        {
            "Sid": "OwnLogGroups",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": log_group_arns,
        },
        {
            "Sid": "FollowUpAndCleanup",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": invoked_function_arns,
        },
    ],
}

iam.put_role_policy(RoleName=names.role, PolicyName=names.role_policy, PolicyDocument=json.dumps(permissions))
print(f"Inline policy {names.role_policy} on {names.role}:")
print(json.dumps(permissions, indent=2))

# %% [markdown]
# **O que pode dar errado**
# - `AccessDenied` na AWS: o seu próprio usuário pode não ter permissão para criar funções do IAM. Numa turma,
#   o instrutor concede `iam:CreateRole`/`iam:PutRolePolicy` nas funções do IAM chamadas `<prefixo>-*`.
# - Anexar `AdministratorAccess` ou `AmazonDynamoDBFullAccess` "só para funcionar" funciona mesmo — e funciona
#   também para qualquer pessoa que consiga usar a função Lambda. A verificação abaixo recusa curingas (`*`).
# - Na AWS, uma função do IAM nova leva alguns segundos para poder ser usada pelo Lambda; o notebook 03 tenta
#   de novo por causa disso.
# - Uma ação que falte aqui aparece mais tarde, quando uma função Lambda roda: `AccessDeniedException` ("... is
#   not authorized to perform: dynamodb:PutItem ...") no log dela. A nuvem local aplica as políticas da função
#   do IAM como a AWS, e a dica dela indica a declaração do `put_role_policy` que resolve o problema.

# %% [markdown]
# ## Verificação

# %%
check("01")

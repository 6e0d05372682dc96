# %% [markdown]
# # 02 · A tabela do DynamoDB de conexões e nomes (cerca de 10 minutos)
#
# O chat **não guarda estado nas funções Lambda**: um contêiner do Lambda pode ser substituído a qualquer
# momento, e vários rodam lado a lado. Cada conexão e cada nome ficam numa única tabela do DynamoDB:
#
# - um **item de conexão** por WebSocket aberto: `connectionId`, `connectedAt` e, depois de escolher um nome,
#   `name` e `nameKey` (o nome em minúsculas, para que `Alice` e `alice` sejam o mesmo nome);
# - um item de **reserva de nome** por nome em uso (`connectionId = "name#alice"`), gravado numa única transação
#   com a conexão, para que duas pessoas não peguem o mesmo nome no mesmo instante.
#
# Um **índice secundário global** `by-name` sobre `nameKey` lista os membros que têm nome e encontra um deles
# pelo nome. Só os itens com `nameKey` aparecem nele (um índice *esparso*), então ele contém exatamente os
# membros do chat.

# %%
from workshop import check, ownership, setup

session = setup()
print(session)
# Recursos de outro aluno com este prefixo (tag `owner` ou `learner` dele)? Para aqui, sem mudar nada.
ownership.refuse_if_taken(session)
names = session.names
dynamodb = session.client("dynamodb")

# %% [markdown]
# ## Criar a tabela
#
# Só os atributos de chave são declarados (`AttributeDefinitions`): fora isso, o DynamoDB não tem esquema fixo.
# `PAY_PER_REQUEST` (sob demanda) significa nenhuma capacidade para planejar e nada a pagar enquanto a tabela
# não é usada. Se a tabela já existe de uma execução anterior, `ResourceInUseException` nos avisa e a mantemos.

# %%
try:
    dynamodb.create_table(
        TableName=names.table,
        AttributeDefinitions=[
            {"AttributeName": "connectionId", "AttributeType": "S"},
            {"AttributeName": "nameKey", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{
            "IndexName": names.name_index,
            "KeySchema": [{"AttributeName": "nameKey", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        BillingMode="PAY_PER_REQUEST",
        Tags=session.tag_list,
    )
    print("Creating table", names.table)
except dynamodb.exceptions.ResourceInUseException:
    print("The table", names.table, "already exists: keeping it (and its data)")

# %% [markdown]
# Na AWS, uma tabela nova leva alguns segundos para ficar `ACTIVE`. O waiter `table_exists` consulta
# `describe_table` até que ela fique.

# %%
dynamodb.get_waiter("table_exists").wait(TableName=names.table)
table = dynamodb.describe_table(TableName=names.table)["Table"]
# As tags de novo, caso uma execução anterior tenha criado a tabela sem elas.
dynamodb.tag_resource(ResourceArn=table["TableArn"], Tags=session.tag_list)
print(table["TableName"], table["TableStatus"], "· index:",
      [(index["IndexName"], index.get("IndexStatus")) for index in table.get("GlobalSecondaryIndexes", [])])

# %% [markdown]
# **O que pode dar errado**
# - `ValidationException: ... AttributeDefinitions`: todo atributo em `AttributeDefinitions` precisa ser usado
#   numa chave (da tabela ou de um índice), e todo atributo de chave precisa ser declarado.
# - A chave de uma tabela não pode mudar. Se a verificação disser que a chave ou o índice estão errados, exclua
#   a tabela (notebook 10) e execute este notebook de novo.

# %% [markdown]
# ## Verificação

# %%
check("02")

# %% [markdown]
# # 07 · O chat no navegador: um site estático no S3 (cerca de 15 minutos)
#
# Chat é coisa que as pessoas usam no navegador. A pasta `web/` tem uma pequena página de chat — um arquivo
# HTML, um módulo JavaScript e uma folha de estilo, sem etapa de build — que fala o mesmo protocolo que os
# clientes do notebook. Aqui a publicamos do jeito serverless: um **bucket do S3 configurado como site
# estático**. O S3 entrega os arquivos; depois o navegador abre um WebSocket direto para a sua API. Continua
# não existindo nenhum servidor nosso em lugar nenhum.
#
# Criamos o bucket, colocamos as tags, permitimos que o público o leia (e dizemos exatamente o que isso
# expõe), ativamos a hospedagem de site, enviamos os arquivos com o `Content-Type` correto e gravamos um
# pequeno `config.json` que informa à página a URL WebSocket do seu chat.

# %%
import json
import time

from workshop import check, lookup, ownership, setup
from workshop.language import current_language
from workshop.steps import PROJECT_ROOT, NotReady
from workshop.website import fetch

session = setup()
print(session)
# Recursos de outro aluno com este prefixo (tag `owner` ou `learner` dele)? Para aqui, sem mudar nada.
ownership.refuse_if_taken(session)
names = session.names
s3 = session.client("s3")
chat_url = lookup.websocket_url(session)
if chat_url is None:
    raise NotReady("The chat has no URL yet: run notebooks 04 and 05 first.")
print("The page will connect to", chat_url)

# %% [markdown]
# ## 1. O bucket
#
# Os nomes de bucket são compartilhados por **todas as contas da AWS do mundo**, então `chat-web` com certeza
# já estaria em uso. O nosso começa com o seu prefixo e acrescenta o ID da sua conta e a sua região:
# `{prefix}-web-{account}-{region}`. Fora de `us-east-1`, `create_bucket` precisa da região em
# `CreateBucketConfiguration`. Executar de novo não tem problema: `BucketAlreadyOwnedByYou` quer dizer que
# nós o criamos antes. Depois o bucket recebe as mesmas tags de todo o resto.

# %%
bucket = names.website_bucket(session.account_id, session.region)
try:
    if session.region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": session.region})
    print("Created bucket", bucket)
except s3.exceptions.BucketAlreadyOwnedByYou:
    print("The bucket already exists (we made it before):", bucket)
except s3.exceptions.BucketAlreadyExists:
    raise RuntimeError(f"Another AWS account owns a bucket named {bucket}. Choose another prefix "
                       "(WORKSHOP_PREFIX) and run the notebooks again.") from None

s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": session.tag_list})
print("Tags:", session.tags)

# %% [markdown]
# ## 2. Deixar o público ler — e nada mais
#
# Desde abril de 2023, todo bucket novo vem com o **Bloqueio de acesso público** totalmente ativado: nenhuma
# política ou ACL consegue torná-lo público. Um site precisa poder ser lido por qualquer pessoa, então
# desativamos exatamente duas das quatro configurações:
#
# | configuração | valor | o que significa |
# | --- | --- | --- |
# | `BlockPublicAcls` | `True` | ninguém pode adicionar uma ACL pública (nós não usamos ACLs) |
# | `IgnorePublicAcls` | `True` | qualquer ACL pública seria ignorada de qualquer forma |
# | `BlockPublicPolicy` | `False` | podemos anexar uma política de bucket que concede acesso público (a próxima chamada) |
# | `RestrictPublicBuckets` | `False` | essa política pública vale para leitores anônimos |
#
# Depois, a **política de bucket**: qualquer pessoa (`"Principal": "*"`) pode fazer `s3:GetObject` nos
# objetos deste bucket (`arn:aws:s3:::BUCKET/*`). O que isso expõe: todo arquivo que você colocar neste
# bucket pode ser baixado por qualquer pessoa que saiba ou adivinhe o nome dele — aqui, a página, o script,
# a folha de estilo e o `config.json` com a URL WebSocket do seu chat (que quem usa a página vê de qualquer
# jeito). Ela **não** permite listar o bucket, gravar nele nem mexer em mais nada da sua conta. Nunca coloque
# um segredo nele.

# %%
s3.put_public_access_block(
    Bucket=bucket,
    PublicAccessBlockConfiguration={
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    },
)

public_read = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "PublicReadOfTheChatPage",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }],
}
# A AWS pode levar alguns segundos para aplicar as novas configurações do Bloqueio de acesso público: até lá,
# a política pública é recusada com AccessDenied, então tentamos de novo algumas vezes antes de desistir.
for attempt in range(6):
    try:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read))
        break
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "AccessDenied" or attempt == 5:
            raise
        time.sleep(2)
print(json.dumps(public_read, indent=2))

# %% [markdown]
# ## 3. Hospedagem de site
#
# `put_bucket_website` faz o S3 responder a requisições HTTP comuns para o bucket no seu **endpoint de
# site**: `/` entrega o documento de índice, e um arquivo inexistente entrega o documento de erro (aqui,
# também a página do chat). Nenhuma API devolve o endereço desse endpoint; ele é montado a partir do nome do
# bucket e da região: `http://BUCKET.s3-website-REGION.amazonaws.com/` na AWS (algumas regiões mais novas
# usam `s3-website.REGION`), `http://BUCKET.s3-website.localhost:4566/` na nuvem local (os navegadores
# mandam `*.localhost` para a sua própria máquina).

# %%
s3.put_bucket_website(
    Bucket=bucket,
    WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"},
        "ErrorDocument": {"Key": "index.html"},
    },
)
website = lookup.website_url(session, bucket)
print("Website endpoint:", website)

# %% [markdown]
# ## 4. Enviar a página, cada arquivo com o seu Content-Type
#
# O S3 devolve o `ContentType` com que o arquivo foi enviado, seja ele qual for. Um navegador se recusa a
# executar um módulo JavaScript servido como `text/plain`, e trata uma página HTML servida como
# `binary/octet-stream` (o padrão do S3) como um download. Por isso informamos o tipo de cada arquivo. (O
# `mimetypes` do Python pergunta ao sistema operacional, e algumas máquinas Windows respondem `text/plain`
# para `.js`: uma tabela nossa é mais segura.) `Cache-Control: no-cache` faz o navegador perguntar de novo a
# cada vez, então um novo envio aparece na hora.

# %%
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
}
web_dir = PROJECT_ROOT / "web"
for path in sorted(web_dir.iterdir()):
    if path.suffix not in CONTENT_TYPES:
        continue
    s3.put_object(Bucket=bucket, Key=path.name, Body=path.read_bytes(),
                  ContentType=CONTENT_TYPES[path.suffix], CacheControl="no-cache")
    print(f"uploaded {path.name:12} {CONTENT_TYPES[path.suffix]}")

# %% [markdown]
# ## 5. Dizer à página onde está o chat
#
# A página lê o `config.json` que fica ao lado dela para saber a URL WebSocket do chat (`?ws=wss://…` no
# endereço da página tem precedência). Nós o gravamos a partir da implantação, então ele fica certo tanto na
# AWS quanto na nuvem local.

# %%
config = {"websocketUrl": chat_url, "language": current_language()}
s3.put_object(Bucket=bucket, Key="config.json", Body=json.dumps(config, indent=2).encode("utf-8"),
              ContentType=CONTENT_TYPES[".json"], CacheControl="no-cache")
print("config.json:", config)

# %% [markdown]
# ## Abrir a página
#
# O endpoint de site é HTTP simples e anônimo: `fetch` (algumas linhas de `http.client` em
# `workshop/website.py`) lê a página como um navegador faria, sem nenhuma credencial da AWS. Depois abra o
# endereço no navegador (ou execute `make web`, ou `python -m workshop url --web`). `?name=Ana` no final
# entra direto como Ana; abra uma segunda aba com outro nome para conversar consigo mesmo.

# %%
page = fetch(website)
print(page.status, page.content_type, f"{len(page.body)} bytes")
print()
print("Open the chat:", website)
print("Join at once: ", f"{website}?name=Ana")

# %% [markdown]
# ## Entrando com `?name=`: a lista de membros na hora
#
# A página entra com `?name=Ana` na URL do WebSocket, então o `$connect` reserva o nome antes de o socket
# abrir. Só que, enquanto o `$connect` executa, o API Gateway não consegue entregar nada a esse socket — um
# `post_to_connection` responde `GoneException`. Por isso a função do `$connect` invoca **a si mesma** de
# forma assíncrona (`InvocationType="Event"`: o Lambda enfileira o evento e responde na hora, então o
# handshake não atrasa). Essa segunda execução espera até o socket abrir e envia a lista de membros só para
# quem acabou de chegar. É por isso que a política do notebook 01 permite à função do IAM invocar a função
# do `$connect` (e só ela). Todos os outros recebem exatamente o que já recebiam: "Ana entrou no chat" e a
# nova lista.
#
# ## O front end em React do curso
#
# O curso constrói o próprio front end no dia 3 (React). Ele funciona com este backend sem nenhuma mudança.
# A URL WebSocket dele fica em um só lugar: o endereço passado para `new WebSocket(...)` (normalmente uma
# constante ao lado, ou uma variável de ambiente lida no build, como `VITE_…` no `.env.local` de um app
# Vite). Coloque ali a URL do seu chat — o valor de `chat_url` acima, que `python -m workshop url` também
# imprime. O que este backend garante a ele (veja `docs/chat-protocol.md`):
#
# - **uma chave por frame**: todo frame tem exatamente uma destas chaves: `members`, `publicMessage`,
#   `privateMessage`, `systemMessage` (extras como `from`, `text`, `ts`, `error` vêm junto e podem ser
#   ignorados);
# - **`members` depois que um nome é definido**: `setName` (ou uma entrada com `?name=`) é sempre seguido da
#   lista de membros em ordem alfabética, inclusive para quem acabou de chegar;
# - **mensagem privada sem eco**: `sendPrivate` chega só ao destinatário, então o front end mostra ele mesmo
#   a cópia de quem enviou (esta página faz isso).
#
# Para servir esse front end pelo S3 no lugar desta página, gere o build (`npm run build`) e envie a pasta
# de saída do mesmo jeito que na seção 4, com um `Content-Type` para cada extensão.

# %% [markdown]
# **O que pode dar errado**
# - `AccessDenied` no `put_bucket_policy`: o Bloqueio de acesso público ainda está ativado no bucket
#   (execute de novo a célula da seção 2), ou a sua conta (ou organização) bloqueia o acesso público para
#   todos os buckets: nesse caso, fale com o seu instrutor ou use a nuvem local.
# - `403 Forbidden` no navegador: faltam a política de bucket ou as configurações do Bloqueio de acesso
#   público.
# - A página aparece como texto, ou "Failed to load module script": um arquivo foi enviado sem o seu
#   `Content-Type`.
# - "Esta página não sabe o endereço do bate-papo" (em inglês, "This page does not know the chat's
#   address"): falta o `config.json`; execute de novo a seção 5.
# - Na nuvem local com o Safari, `*.localhost` pode não resolver: use Chrome, Edge ou Firefox.

# %% [markdown]
# ## Verificação

# %%
check("07")

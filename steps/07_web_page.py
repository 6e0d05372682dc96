# %% [markdown]
# # 07 · The chat in a web browser: a static website on S3 (about 15 minutes)
#
# A chat is something people use in a browser. The folder `web/` holds a small chat page — one HTML file,
# a JavaScript module and a style sheet, no build step — that speaks the same protocol as the notebook's
# clients. Here we publish it the serverless way: an **S3 bucket configured as a static website**. S3
# serves the files; the browser then opens a WebSocket straight to your API. There is still no server of
# ours anywhere.
#
# We create the bucket, tag it, allow the public to read it (and say exactly what that exposes), turn on
# website hosting, upload the files with the right `Content-Type`, and write a small `config.json` that
# tells the page your chat's WebSocket URL.

# %%
import json
import time

from workshop import check, lookup, ownership, setup
from workshop.language import current_language
from workshop.steps import PROJECT_ROOT, NotReady
from workshop.website import fetch

session = setup()
print(session)
# Another learner's resources under this prefix (their `owner` or `learner` tag)? Stop here, changing nothing.
ownership.refuse_if_taken(session)
names = session.names
s3 = session.client("s3")
chat_url = lookup.websocket_url(session)
if chat_url is None:
    raise NotReady("The chat has no URL yet: run notebooks 04 and 05 first.")
print("The page will connect to", chat_url)

# %% [markdown]
# ## 1. The bucket
#
# Bucket names are shared by **every AWS account in the world**, so `chat-web` would surely be taken. Ours
# starts with your prefix and adds your account id and region: `{prefix}-web-{account}-{region}`. Outside
# `us-east-1`, `create_bucket` needs the region in `CreateBucketConfiguration`. Re-running is safe:
# `BucketAlreadyOwnedByYou` means we made it before. Then the bucket gets the same tags as everything else.

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
# ## 2. Let the public read it — and nothing more
#
# Since April 2023 a new bucket has **Block Public Access** fully on: no policy or ACL can make it public.
# A website must be readable by anyone, so we turn off exactly two of the four settings:
#
# | setting | value | what it means |
# | --- | --- | --- |
# | `BlockPublicAcls` | `True` | nobody can add a public ACL (we do not use ACLs at all) |
# | `IgnorePublicAcls` | `True` | any public ACL would be ignored anyway |
# | `BlockPublicPolicy` | `False` | we may attach a bucket policy that grants public access (the next call) |
# | `RestrictPublicBuckets` | `False` | that public policy takes effect for anonymous readers |
#
# Then the **bucket policy**: anyone (`"Principal": "*"`) may `s3:GetObject` on the objects of this bucket
# (`arn:aws:s3:::BUCKET/*`). What that exposes: every file you put in this bucket can be downloaded by
# anyone who knows or guesses its name — here the page, its script, its style sheet and `config.json`
# with your chat's WebSocket URL (which anyone using the page sees anyway). It does **not** allow listing
# the bucket, writing to it, or touching anything else in your account. Never put a secret in it.

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
# AWS may take a few seconds to apply the new Block Public Access settings: until then the public policy
# is refused with AccessDenied, so we try again a few times before giving up.
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
# ## 3. Website hosting
#
# `put_bucket_website` makes S3 answer plain HTTP requests for the bucket on its **website endpoint**:
# `/` serves the index document, and a missing file serves the error document (here the chat page too).
# No API returns that endpoint's address; it is built from the bucket name and region:
# `http://BUCKET.s3-website-REGION.amazonaws.com/` on AWS (a few newer regions write `s3-website.REGION`),
# `http://BUCKET.s3-website.localhost:4566/` on the local cloud (browsers send `*.localhost` to your own
# machine).

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
# ## 4. Upload the page, each file with its Content-Type
#
# S3 sends back whatever `ContentType` the file was uploaded with. A browser refuses to run a JavaScript
# module served as `text/plain`, and shows an HTML page served as `binary/octet-stream` (S3's default) as a
# download. So we say it for every file. (Python's `mimetypes` asks the operating system, and some Windows
# machines answer `text/plain` for `.js`: a table of our own is safer.) `Cache-Control: no-cache` makes
# browsers ask again each time, so a new upload shows at once.

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
# ## 5. Tell the page where the chat is
#
# The page reads `config.json` next to it to learn the chat's WebSocket URL (`?ws=wss://…` in the page's
# address overrides it). We write it from the deployment, so it is right on AWS and on the local cloud.

# %%
config = {"websocketUrl": chat_url, "language": current_language()}
s3.put_object(Bucket=bucket, Key="config.json", Body=json.dumps(config, indent=2).encode("utf-8"),
              ContentType=CONTENT_TYPES[".json"], CacheControl="no-cache")
print("config.json:", config)

# %% [markdown]
# ## Open it
#
# The website endpoint is plain HTTP and anonymous: `fetch` (a few lines of `http.client` in
# `workshop/website.py`) reads the page like a browser would, without any AWS credentials. Then open the address in your browser (or run `make web`, or
# `python -m workshop url --web`). `?name=Ana` at the end joins at once as Ana; open a second tab with
# another name to chat with yourself.

# %%
page = fetch(website)
print(page.status, page.content_type, f"{len(page.body)} bytes")
print()
print("Open the chat:", website)
print("Join at once: ", f"{website}?name=Ana")

# %% [markdown]
# ## Joining with `?name=`: the members list at once
#
# The page joins with `?name=Ana` in the WebSocket URL, so `$connect` takes the name before the socket
# opens. But while `$connect` runs, API Gateway cannot deliver anything to that socket — a
# `post_to_connection` answers `GoneException`. So the `$connect` function invokes **itself**
# asynchronously (`InvocationType="Event"`: Lambda queues the event and answers at once, so the handshake
# is not delayed). That second run waits until the socket is open and posts the members list to the
# newcomer alone. This is why notebook 01's policy lets the role invoke the `$connect` function (and only
# that one). Everyone else gets exactly what they got before: "Ana joined the chat" and the new list.
#
# ## The course's React front end
#
# The course builds its own front end on day 3 (React). It works with this backend unchanged. Its
# WebSocket URL lives in one place: the address passed to `new WebSocket(...)` (usually a constant next to
# it, or an environment variable read at build time, such as `VITE_…` in a Vite app's `.env.local`).
# Put your chat's URL there — the value of `chat_url` above, also printed by `python -m workshop url`.
# What this backend guarantees it (see `docs/chat-protocol.md`):
#
# - **one key per frame**: every frame has exactly one of `members`, `publicMessage`, `privateMessage`,
#   `systemMessage` (extras such as `from`, `text`, `ts`, `error` come next to it and can be ignored);
# - **`members` after a name is set**: `setName` (or a `?name=` join) is always followed by the sorted
#   members list, to the newcomer too;
# - **no echo of a private message**: `sendPrivate` reaches the recipient alone, so the front end shows
#   the sender's own copy itself (this page does).
#
# To serve that front end from S3 instead of this page, build it (`npm run build`) and upload its output
# folder the same way as in section 4, with a `Content-Type` per extension.

# %% [markdown]
# **What could go wrong**
# - `AccessDenied` on `put_bucket_policy`: Block Public Access is still on for the bucket (run the cell of
#   section 2 again), or your account (or organisation) blocks public access for every bucket: then ask
#   your instructor, or use the local cloud.
# - `403 Forbidden` in the browser: the bucket policy or the Block Public Access settings are missing.
# - The page shows as text, or "Failed to load module script": a file went up without its `Content-Type`.
# - "This page does not know the chat's address": `config.json` is missing; run section 5 again.
# - On the local cloud with Safari, `*.localhost` may not resolve: use Chrome, Edge or Firefox.

# %% [markdown]
# ## Check

# %%
check("07")

"""Per-step checks against the current target: ✅/❌ per item, with the fix in plain words."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from . import lookup
from .errors import StepCheckFailed
from .i18n import _
from .language import current_language
from .naming import ROUTES, WORKSHOP_TAG
from .packaging import SHARED_MODULES, PackagingError, build_zip, code_sha256
from .policy_audit import permission_problems, policy_problems
from .session import WorkshopSession, setup
from .steps import STEPS, step_label

STEP_TITLES = {step.number: step.title for step in STEPS}


@dataclass
class CheckItem:
    ok: bool
    what: str
    fix: str = ""

    def line(self) -> str:
        if self.ok:
            return f"✅ {self.what}"
        return f"❌ {self.what}\n   ↳ " + _("fix: {fix}").format(fix=self.fix) if self.fix else f"❌ {self.what}"


@dataclass
class CheckResult:
    step: str
    items: list[CheckItem] = field(default_factory=list)
    printed: bool = field(default=False, repr=False, compare=False)  # check() printed the report already

    @property
    def ok(self) -> bool:
        return bool(self.items) and all(item.ok for item in self.items)

    @property
    def failures(self) -> list[CheckItem]:
        return [item for item in self.items if not item.ok]

    def __bool__(self) -> bool:
        return self.ok

    def report(self) -> str:
        title = _("Check {step}").format(step=self.step) + f" · {_(STEP_TITLES[self.step]) if self.step in STEP_TITLES else ''}"
        verdict = _("done") if self.ok else _("{failed} of {total} items to fix").format(
            failed=len(self.failures), total=len(self.items))
        return "\n".join([f"{title}: {verdict}", *(item.line() for item in self.items)])

    def _ipython_display_(self) -> None:
        """A notebook shows a cell's last value: the check cell printed its report already, so not twice
        (no `<CheckResult ...>` under it). The result on its own line in a later cell shows the report."""
        if self.printed:
            self.printed = False
            return
        _print(self.report())

    def __repr__(self) -> str:
        return f"<CheckResult step {self.step}: {len(self.items) - len(self.failures)}/{len(self.items)} passed>"


class _Collector:
    """Collects check items; an unexpected error becomes a failed item instead of a crash."""

    def __init__(self, step: str) -> None:
        self.result = CheckResult(step)

    def add(self, ok: bool, what: str, fix: str = "") -> bool:
        self.result.items.append(CheckItem(bool(ok), what, "" if ok else fix))
        return bool(ok)


def _rerun(step: str) -> str:
    return _("run step {label} again (notebook or `python steps/{label}.py`)").format(label=step_label(step))


def _section(number: int) -> str:
    return _("section {number} of {rerun}").format(number=number, rerun=_rerun("07"))


def _tags_ok(tags: dict[str, str] | None, prefix: str) -> bool:
    tags = tags or {}
    return tags.get("workshop") == WORKSHOP_TAG and tags.get("learner") == prefix


# -- the checks, one per step ------------------------------------------------------------------

def check_00(session: WorkshopSession, c: _Collector) -> None:
    c.add(sys.version_info >= (3, 10), _("Python {version} (3.10 or newer)").format(version=sys.version.split()[0]),
          _("install Python 3.10+ and recreate .venv (make clean && make lab)"))
    for module in ("boto3", "websocket", "jupytext"):
        try:
            version = getattr(__import__(module), "__version__", "?")
            c.add(True, _("{module} {version} installed").format(module=module, version=version))
        except ImportError:
            c.add(False, _("{module} is missing").format(module=module), _("pip install -r requirements.txt (inside .venv)"))
    c.add(bool(session.account_id), f"{session.describe()}", _("see the target section of notebook 00"))
    try:
        for route in ROUTES:
            build_zip(route)
        c.add(True, _("the {handlers} handler modules and the {shared} shared ones ({names}) are in lambda_functions/").format(
            handlers=len(ROUTES), shared=len(SHARED_MODULES), names=", ".join(SHARED_MODULES)))
    except PackagingError as error:
        c.add(False, _("handler code present"), str(error))


def check_01(session: WorkshopSession, c: _Collector) -> None:
    names = session.names
    role = lookup.role(session)
    if not c.add(role is not None, _("IAM role {role} exists").format(role=names.role), _rerun("01")):
        return
    trust = role["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        import json
        import urllib.parse

        trust = json.loads(urllib.parse.unquote(trust))
    principals = [s.get("Principal", {}).get("Service") for s in trust.get("Statement", [])]
    c.add("lambda.amazonaws.com" in principals, _("the role trusts lambda.amazonaws.com (Lambda may use it)"),
          _("the trust policy must allow sts:AssumeRole for the service lambda.amazonaws.com; ") + _rerun("01"))
    tags = {t["Key"]: t["Value"] for t in session.client("iam").list_role_tags(RoleName=names.role)["Tags"]}
    c.add(_tags_ok(tags, session.prefix),
          _("the role is tagged workshop={tag}, learner={prefix}").format(tag=WORKSHOP_TAG, prefix=session.prefix),
          _rerun("01"))
    policies = lookup.role_policies(session)
    document = policies.get(names.role_policy)
    if c.add(document is not None, _("inline policy {policy} is attached").format(policy=names.role_policy),
             _rerun("01")):
        own = [f":{session.region}:{session.account_id}:table/{names.table}",
               *(f":{session.region}:{session.account_id}:log-group:{group}:" for group in names.every_log_group),
               f":{session.region}:{session.account_id}:function:{names.function('$connect')}",
               f":{session.region}:{session.account_id}:function:{names.function('$disconnect')}"]
        problems = policy_problems(document, own)
        c.add(not problems, _("it is least privilege: named actions on this table, its index, the log groups "
                              "and the $connect and $disconnect functions only"),
              "; ".join(problems))


def check_02(session: WorkshopSession, c: _Collector) -> None:
    names = session.names
    table = lookup.table(session)
    if not c.add(table is not None, _("DynamoDB table {table} exists").format(table=names.table), _rerun("02")):
        return
    c.add(table["TableStatus"] == "ACTIVE", _("the table is ACTIVE (now {status})").format(status=table["TableStatus"]),
          _("wait a few seconds and run this check again"))
    keys = {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]}
    c.add(keys == {"connectionId": "HASH"}, _("its key is connectionId (a string)"),
          _("delete the table (run step 10) and {rerun}: a key cannot be changed").format(rerun=_rerun("02")))
    billing = table.get("BillingModeSummary", {}).get("BillingMode")
    c.add(billing == "PAY_PER_REQUEST", _("it bills on demand (no capacity to pay for when idle)"),
          "update_table(BillingMode='PAY_PER_REQUEST')")
    indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
    index = indexes.get(names.name_index)
    ok = index is not None and [k["AttributeName"] for k in index["KeySchema"]] == ["nameKey"] \
        and index["Projection"]["ProjectionType"] == "ALL"
    c.add(ok, _("index {index} on nameKey (projection ALL) exists").format(index=names.name_index),
          _("delete the table (run step 10) and {rerun}").format(rerun=_rerun("02")))
    if index is not None:
        c.add(index.get("IndexStatus", "ACTIVE") == "ACTIVE", _("the index is ACTIVE"), _("wait and check again"))
    tags = {t["Key"]: t["Value"] for t in session.client("dynamodb").list_tags_of_resource(
        ResourceArn=table["TableArn"])["Tags"]}
    c.add(_tags_ok(tags, session.prefix), _("the table is tagged for this learner"), _rerun("02"))


def check_03(session: WorkshopSession, c: _Collector) -> None:
    names = session.names
    role = lookup.role(session)
    for route, function_name in names.functions.items():
        found = lookup.function(session, function_name)
        if not c.add(found is not None, _("function {function} ({route}) exists").format(function=function_name, route=route),
                     _rerun("03")):
            continue
        config = found["Configuration"]
        problems = []
        if config.get("State", "Active") != "Active":
            problems.append(_("state {state}").format(state=config.get("State")))
        if config.get("LastUpdateStatus", "Successful") not in ("Successful", None):
            problems.append(_("last update {status}").format(status=config.get("LastUpdateStatus")))
        if config["Handler"] != names.handler(route):
            problems.append(_("handler {found} instead of {wanted}").format(found=config["Handler"], wanted=names.handler(route)))
        if role is None or config["Role"] != role["Arn"]:
            problems.append(_("role {found} instead of {wanted}").format(found=config["Role"], wanted=names.role))
        env = config.get("Environment", {}).get("Variables", {})
        wanted = {"CONNECTIONS_TABLE": names.table, "NAME_INDEX": names.name_index,
                  "CLEANUP_FUNCTION": names.function("$disconnect")}
        if any(env.get(key) != value for key, value in wanted.items()):
            problems.append(_("environment {env} lacks {wanted}").format(
                env=env, wanted=", ".join(f"{key}={value}" for key, value in wanted.items())))
        if env.get("CHAT_LANGUAGE") != current_language():
            problems.append(_("CHAT_LANGUAGE is {found!r}, your language is {wanted!r} (step 03 sets it from "
                              "WORKSHOP_LANG or the system's language)").format(
                found=env.get("CHAT_LANGUAGE"), wanted=current_language()))
        try:
            if config["CodeSha256"] != code_sha256(build_zip(route)):
                problems.append(_("its code differs from lambda_functions/ (not redeployed since the last edit)"))
        except PackagingError as error:
            problems.append(str(error))
        if not _tags_ok(found.get("Tags"), session.prefix):
            problems.append(_("tags missing"))
        c.add(not problems, "  " + _("{function} is active, current, configured and tagged").format(function=function_name),
              "; ".join(problems) + f" → {_rerun('03')}")


def check_04(session: WorkshopSession, c: _Collector) -> None:
    names = session.names
    apis = lookup.apis_named(session, names.api)
    if not c.add(len(apis) >= 1, _("WebSocket API {api} exists").format(api=names.api), _rerun("04")):
        return
    c.add(len(apis) == 1, _("exactly one API is named {api} (found {count})").format(api=names.api, count=len(apis)),
          _("run step 10 to delete them all, then steps 04 and 05 again"))
    api = apis[0]
    api_id = api["ApiId"]
    c.add(api.get("ProtocolType") == "WEBSOCKET" and api.get("RouteSelectionExpression") == "$request.body.action",
          _("it is a WEBSOCKET API routing on $request.body.action"), _("step 10, then {rerun}").format(rerun=_rerun("04")))
    c.add(_tags_ok(api.get("Tags"), session.prefix), _("the API is tagged for this learner"), _rerun("04"))
    routes = lookup.routes(session, api_id)
    integrations = lookup.integrations(session, api_id)
    for route, function_name in names.functions.items():
        found = lookup.function(session, function_name)
        route_item = routes.get(route)
        target = (route_item or {}).get("Target", "")
        integration = integrations.get(target.removeprefix("integrations/"))
        wired = bool(found and integration and found["Configuration"]["FunctionArn"] in integration.get("IntegrationUri", "")
                     and integration.get("IntegrationType") == "AWS_PROXY")
        problems = [] if wired else [_("route {route} is not wired to {function} with an AWS_PROXY integration").format(
            route=route, function=function_name)]
        problems += permission_problems(lookup.function_policy(session, function_name),
                                        lookup.execute_api_arn(session, api_id, route))
        c.add(not problems, _("route {route} → {function}, which API Gateway may invoke for this route only").format(
            route=route, function=function_name),
              "; ".join(problems) + f" → {_rerun('04')}")
    document = lookup.role_policies(session).get(names.manage_connections_policy)
    if c.add(document is not None, _("the role may post to this API's connections ({policy})").format(
            policy=names.manage_connections_policy), _rerun("04")):
        actions = [a for s in document.get("Statement", []) for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
        problems = policy_problems(document, [f":{session.region}:{session.account_id}:{api_id}/"])
        c.add(not problems and actions == ["execute-api:ManageConnections"],
              _("execute-api:ManageConnections is scoped to this API only"), "; ".join(problems) or _rerun("04"))


def check_05(session: WorkshopSession, c: _Collector) -> None:
    names = session.names
    api = lookup.api(session)
    if not c.add(api is not None, _("WebSocket API {api} exists").format(api=names.api), _rerun("04")):
        return
    client = session.client("apigatewayv2")
    stage = lookup.stage(session, api["ApiId"])
    if not c.add(stage is not None, _("stage {stage} exists").format(stage=names.stage), _rerun("05")):
        return
    deployment_id = stage.get("DeploymentId")
    deployment = None
    if deployment_id:
        try:
            deployment = client.get_deployment(ApiId=api["ApiId"], DeploymentId=deployment_id)
        except client.exceptions.NotFoundException:
            deployment = None
    c.add(deployment is not None, _("the stage serves a deployment (a snapshot of the routes)"), _rerun("05"))
    if deployment is not None:
        c.add(deployment.get("DeploymentStatus", "DEPLOYED") == "DEPLOYED", _("the deployment is DEPLOYED"),
              _rerun("05"))
    url = f"{api['ApiEndpoint']}/{names.stage}"
    error = _can_connect(url)
    c.add(error is None, _("a WebSocket client can connect to {url}").format(url=url),
          _("{error}. Check the $connect function's log (notebook 06 shows how), then {rerun}").format(
              error=error, rerun=_rerun("05")))


def _can_connect(url: str, timeout: float = 10.0) -> str | None:
    """None when a WebSocket handshake with `url` succeeds, else what went wrong."""
    import websocket

    from .chat_member import CONNECTION_ERRORS, ChatMember

    try:
        ChatMember(url, timeout=timeout).close()
    except websocket.WebSocketBadStatusException as error:
        return _("the handshake was refused with HTTP {status}").format(status=error.status_code)
    except CONNECTION_ERRORS as error:
        return _("cannot connect: {error}").format(error=error)
    return None


def _probe_chat(url: str, timeout: float = 10.0) -> list[tuple[str, str | None]]:
    """Two throw-away members join, talk publicly and privately, then leave: (what, error or None) per item."""
    import uuid

    import websocket

    from .chat_member import CONNECTION_ERRORS, ChatMember
    from .chat_protocol import has

    tag = uuid.uuid4().hex[:6]
    first, second = f"check-{tag}-a", f"check-{tag}-b"
    results: list[tuple[str, str | None]] = []
    members: list[ChatMember] = []
    try:
        a = ChatMember(url, name=first, timeout=timeout)
        members.append(a)
        b = ChatMember(url, timeout=timeout)
        members.append(b)
        b.set_name(second)
        joined = a.wait_for(lambda frame: second in frame.get("members", []))
        results.append((_("{second} joined and {first} got the members list").format(second=second, first=first),
                        None if joined else _("no members update")))
        a.send_public(f"ping {tag}")
        public = b.wait_for(has("publicMessage", f"ping {tag}"))
        results.append((_("a public message reached the other member"), None if public else _("nothing arrived")))
        a.send_private(second, f"psst {tag}")
        private = b.wait_for(has("privateMessage", f"psst {tag}"))
        results.append((_("a private message reached its recipient"), None if private else _("nothing arrived")))
    except websocket.WebSocketBadStatusException as error:
        results.append((_("members can connect"),
                        _("the handshake was refused with HTTP {status}").format(status=error.status_code)))
    except CONNECTION_ERRORS as error:
        results.append((_("the chat answered"), f"{type(error).__name__}: {error}"))
    finally:
        for member in members:
            member.close()
    return results


def check_06(session: WorkshopSession, c: _Collector) -> None:
    url = lookup.websocket_url(session)
    if not c.add(url is not None, _("the chat has a URL"), _("run steps 04 and 05")):
        return
    for what, error in _probe_chat(url):
        c.add(error is None, what,
              _("{error} → look at the functions' logs in notebook 06, fix, and re-run step 03").format(error=error))


WEB_FILES = {"index.html": "text/html", "chat.js": "text/javascript", "labels.js": "text/javascript",
             "style.css": "text/css"}


def check_07(session: WorkshopSession, c: _Collector) -> None:
    import hashlib
    import json

    from .steps import PROJECT_ROOT
    from .website import fetch

    s3 = session.client("s3")
    bucket = lookup.website_bucket(session)
    wanted = lookup.website_bucket_name(session)
    if not c.add(bucket is not None, _("bucket {bucket} exists").format(bucket=wanted), _rerun("07")):
        return
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    c.add(_tags_ok(tags, session.prefix), _("the bucket is tagged for this learner"), _rerun("07"))
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    c.add(not block["BlockPublicPolicy"] and not block["RestrictPublicBuckets"],
          _("Block Public Access lets a public bucket policy work"), _section(2))
    c.add(block["BlockPublicAcls"] and block["IgnorePublicAcls"], _("public ACLs stay blocked (the policy is enough)"),
          _("set BlockPublicAcls and IgnorePublicAcls to True: {rerun}").format(rerun=_rerun("07")))
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except s3.exceptions.ClientError:
        policy = {}
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    public_get = [s for s in statements if s.get("Effect") == "Allow" and s.get("Principal") in ("*", {"AWS": "*"})]
    actions = {a for s in public_get for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    c.add(bool(public_get) and actions == {"s3:GetObject"},
          _("the bucket policy lets anyone read the objects (s3:GetObject) and do nothing else"), _section(2))
    try:
        website = s3.get_bucket_website(Bucket=bucket)
    except s3.exceptions.ClientError:
        website = {}
    c.add(website.get("IndexDocument", {}).get("Suffix") == "index.html",
          _("the bucket is a website whose index document is index.html"), _section(3))
    for key, content_type in WEB_FILES.items():
        try:
            head = s3.head_object(Bucket=bucket, Key=key)
        except s3.exceptions.ClientError:
            c.add(False, _("{key} is uploaded").format(key=key), _section(4))
            continue
        local = (PROJECT_ROOT / "web" / key).read_bytes()
        current = head["ETag"].strip('"') == hashlib.md5(local, usedforsecurity=False).hexdigest()
        c.add(head["ContentType"].startswith(content_type) and current,
              _("{key} is uploaded, current, with Content-Type {content_type}").format(key=key, content_type=content_type),
              (_("it has {content_type}: {rerun}") if current else _("it has {content_type} and differs from web/: {rerun}"))
              .format(content_type=head["ContentType"], rerun=_rerun("07")))
    try:
        config = json.loads(s3.get_object(Bucket=bucket, Key="config.json")["Body"].read())
    except (s3.exceptions.ClientError, ValueError):
        config = {}
    chat_url = lookup.websocket_url(session)
    c.add(chat_url is not None and config.get("websocketUrl") == chat_url,
          _("config.json points the page at the chat ({url})").format(url=chat_url), _section(5))
    url = lookup.website_url(session, bucket)
    try:
        page = fetch(url)
        served = page.status == 200 and page.content_type.startswith("text/html")
        problem = f"HTTP {page.status} {page.content_type}"
    except OSError as error:
        served, problem = False, str(error)
    c.add(served, _("anyone can open the page: {url}").format(url=url),
          _("{problem}: check sections 2-4, then {rerun}").format(problem=problem, rerun=_rerun("07")))


def check_08(session: WorkshopSession, c: _Collector) -> None:
    import json

    from .local_settings import SettingsUnavailable, spare_workers

    names = session.names
    found = lookup.function(session, names.counter_function)
    if not c.add(found is not None, _("function {function} exists").format(function=names.counter_function),
                 _rerun("08")):
        return
    config = found["Configuration"]
    role = lookup.role(session)
    c.add(role is not None and config["Role"] == role["Arn"] and _tags_ok(found.get("Tags"), session.prefix),
          "  " + _("it runs with the chat's role {role} and is tagged for this learner").format(role=names.role),
          _rerun("08"))
    lambda_client = session.client("lambda")
    answers = [json.loads(lambda_client.invoke(FunctionName=names.counter_function, Payload=b"{}")["Payload"].read())
               for _attempt in range(2)]
    first, second = answers
    c.add(first.get("environment") == second.get("environment")
          and second.get("invocations_here") == first.get("invocations_here", 0) + 1,
          _("two invokes in a row: the warm environment kept its counter (module state lives as long as the "
            "environment)"),
          _("it answered {answers}; {rerun}").format(answers=answers, rerun=_rerun("08")))
    try:
        spares = spare_workers(session)
    except SettingsUnavailable:
        return  # AWS, or another emulator: nothing was turned off
    c.add(spares >= 1, _("the local cloud keeps a spare worker again (08 turns it off only to measure)"),
          _("run the last cells of notebook 08, or restart the local cloud"))


def check_09(session: WorkshopSession, c: _Collector) -> None:
    import server_way

    from . import prices
    from .chat_member import CONNECTION_ERRORS, ChatMember
    from .chat_protocol import members_are

    try:
        found = prices.load()
        trouble = prices.problems(found)
        c.add(not trouble, _("the prices file is dated ({date}) and names a source for every price").format(date=found.as_of),
              "; ".join(trouble) + " → " + _("fix {file} in workshop/data/").format(file=prices.PRICES_FILE.name))
    except (OSError, ValueError, KeyError) as error:
        c.add(False, _("the prices file can be read"),
              f"{type(error).__name__}: {error} → " + _("restore workshop/data/ from git"))
    try:
        with server_way.launch() as server, ChatMember(server.url, timeout=10) as member:
            member.set_name("Checker")
            answered = member.wait_for(members_are("Checker"))
        error = None if answered else _("it did not answer setName with the members list")
    except (RuntimeError, *CONNECTION_ERRORS) as problem:
        error = f"{type(problem).__name__}: {problem}"
    c.add(error is None, _("the server-way chat starts on a free loopback port and answers a member"),
          _("{error} → run `python -m server_way` in a terminal to see why").format(error=error))


def check_10(session: WorkshopSession, c: _Collector) -> None:
    from .cleanup import find_leftovers

    leftovers = find_leftovers(session)
    c.add(not leftovers, _("nothing with prefix {prefix!r} is left").format(prefix=session.prefix),
          _("still there: {resources}").format(resources=", ".join(f"{_(kind)} {name}" for kind, name, _unused in leftovers))
          + " → " + _rerun("10"))


CHECKS: dict[str, Callable[[WorkshopSession, _Collector], None]] = {
    "00": check_00, "01": check_01, "02": check_02, "03": check_03,
    "04": check_04, "05": check_05, "06": check_06, "07": check_07, "08": check_08, "09": check_09,
    "10": check_10,
}


def _explain_or_remember(session: WorkshopSession, result: CheckResult) -> None:
    """A failed check of a building step says first why everything may be gone (a restart that forgot it, a
    mistyped prefix); a passed one records which local cloud instance holds the prefix's chat."""
    from . import diagnosis, records

    if result.step in ("00", "10"):
        if result.step == "10" and result.ok:
            records.forget_deployed(session.endpoint_url, session.prefix)
        return
    if result.ok:
        records.remember_deployed(session.endpoint_url, session.prefix)
        return
    try:
        note = diagnosis.context_note(session)
    except Exception:  # noqa: BLE001 - the hint is extra; the items already say what is wrong
        return
    if note:
        what, _colon, fix = note.partition(": ")
        result.items.insert(0, CheckItem(False, what, fix))


def _print(text: str) -> None:
    """Print, falling back to OK/FAIL where the console cannot show ✅/❌ (an old Windows code page)."""
    try:
        print(text, flush=True)
    except UnicodeEncodeError:
        print(text.replace("✅", "[OK]").replace("❌", "[FAIL]").replace("↳", "->").encode("ascii", "replace").decode())


def _in_notebook() -> bool:
    return "ipykernel" in sys.modules


def check(step: str | int, session: WorkshopSession | None = None, *, quiet: bool = False,
          raise_on_failure: bool | None = None) -> CheckResult:
    """Verify step `step` ("03", 3 or "03_lambda_functions") against the current target and print ✅/❌ per item.

    Outside a notebook a failed check raises StepCheckFailed (so `python steps/NN_*.py` exits non-zero);
    pass raise_on_failure=False to only get the result.
    """
    number = str(step).split("_")[0].zfill(2)
    if number not in CHECKS:
        raise ValueError(_("there is no step {step!r}: steps are {steps}").format(step=step, steps=", ".join(CHECKS)))
    session = session or setup()
    collector = _Collector(number)
    try:
        CHECKS[number](session, collector)
    except Exception as error:  # noqa: BLE001 - a check reports, it does not crash
        collector.add(False, _("the check could not finish: {error}").format(error=f"{type(error).__name__}: {error}"),
                      _("make sure the target is reachable (python -m workshop status) and run the check again"))
    result = collector.result
    _explain_or_remember(session, result)
    if not quiet:
        _print(result.report())
        result.printed = True
    if raise_on_failure is None:
        raise_on_failure = not _in_notebook()
    if raise_on_failure and not result.ok:
        raise StepCheckFailed(result)
    return result

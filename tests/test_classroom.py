"""The instructor kit: a learner's IAM policy suffices for the workshop and fences them in (on the local cloud with
IAM enforced, as an IAM user holding it), the owner tag stops two learners sharing a prefix, status and sweep."""

from __future__ import annotations

import contextlib
import io
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from local_cloud.iam.policy import Effect, Policy, evaluate
from workshop import lookup, setup
from workshop.classroom.cli import main as class_main
from workshop.classroom.policy import MANAGED_POLICY_LIMIT, learner_policy, policy_size
from workshop.cleanup import destroy_all, find_leftovers
from workshop.deploy import deploy_all
from workshop.ownership import OwnershipError
from workshop.steps import run_step
from workshop.temporary_environ import temporary_environ
from workshop.testing import TARGET_VARIABLES

ACCOUNT, REGION = "123456789012", "us-east-1"


def allowed(document: dict, action: str, resource: str, **context: str) -> bool:
    match = evaluate([Policy(document, "learner")], action, resource, {k.lower(): v for k, v in context.items()})
    return match is not None and match.effect is Effect.ALLOW


# -- the policy document -----------------------------------------------------------------------------------

def test_the_policy_fits_a_managed_policy_even_for_the_longest_prefix():
    longest = "a" * 24
    assert policy_size(learner_policy(longest, ACCOUNT, "ap-southeast-2")) <= MANAGED_POLICY_LIMIT


def test_pass_role_only_for_the_learners_own_role_and_only_to_lambda():
    document = learner_policy("ana", ACCOUNT, REGION)
    own, other = f"arn:aws:iam::{ACCOUNT}:role/ana-lambda-role", f"arn:aws:iam::{ACCOUNT}:role/bo-lambda-role"
    assert allowed(document, "iam:PassRole", own, **{"iam:PassedToService": "lambda.amazonaws.com"})
    assert not allowed(document, "iam:PassRole", own, **{"iam:PassedToService": "ec2.amazonaws.com"})
    assert not allowed(document, "iam:PassRole", other, **{"iam:PassedToService": "lambda.amazonaws.com"})


def test_a_longer_prefix_starting_with_the_same_letters_is_someone_else():
    """`ana` must not reach `ana-b`'s resources: every name is exact, none is a `ana-*` wildcard."""
    document = learner_policy("ana", ACCOUNT, REGION)
    assert allowed(document, "lambda:UpdateFunctionCode", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ana-connect")
    assert not allowed(document, "lambda:UpdateFunctionCode",
                       f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ana-b-connect")
    assert not allowed(document, "dynamodb:PutItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/ana-b-connections")
    assert not allowed(document, "iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/ana-b-lambda-role")
    writes = [s for s in document["Statement"] if s["Sid"] not in ("FindOwnThings", "FindOwnApi")]
    assert all(resource != "*" for statement in writes for resource in statement["Resource"])


def test_apis_are_the_learners_by_their_learner_tag():
    document = learner_policy("ana", ACCOUNT, REGION)
    apis = f"arn:aws:apigateway:{REGION}::/apis"
    assert allowed(document, "apigateway:POST", apis,
                   **{"aws:RequestTag/learner": "ana", "aws:RequestTag/workshop": "serverless-chat"})
    assert not allowed(document, "apigateway:POST", apis,
                       **{"aws:RequestTag/learner": "bo", "aws:RequestTag/workshop": "serverless-chat"})
    assert not allowed(document, "apigateway:POST", apis)  # untagged
    assert allowed(document, "apigateway:DELETE", f"{apis}/abc123", **{"aws:ResourceTag/learner": "ana"})
    assert not allowed(document, "apigateway:DELETE", f"{apis}/abc123", **{"aws:ResourceTag/learner": "bo"})


def test_class_policy_prints_json_and_explains_on_stderr(capsys):
    assert class_main(["policy", "--prefix", "Ana", "--account", ACCOUNT, "--region", REGION, "--explain"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == learner_policy("ana", ACCOUNT, REGION)
    assert "PassOwnRoleToLambdaOnly" in err and "ana-lambda-role" in err


# -- on the local cloud, with IAM enforced ---------------------------------------------------------------------

def learner_user(cloud, user: str, prefix: str) -> dict[str, str]:
    """An IAM user holding the learner policy of `prefix` (as a managed policy); its credentials as env variables."""
    iam = cloud.client("iam")
    iam.create_user(UserName=user)
    arn = iam.create_policy(PolicyName=f"workshop-{user}",
                            PolicyDocument=json.dumps(learner_policy(prefix, ACCOUNT, REGION)))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


@contextlib.contextmanager
def as_someone(cloud, prefix: str, credentials: dict[str, str] | None = None):
    values = dict.fromkeys(TARGET_VARIABLES)
    values.update(AWS_ENDPOINT_URL=cloud.endpoint_url, WORKSHOP_PREFIX=prefix, AWS_DEFAULT_REGION=REGION,
                  **(credentials or {}))
    with temporary_environ(values):
        yield


@pytest.fixture(scope="module")
def ana(cloud):
    """Learner ana did the workshop's notebooks 01–09 with nothing but her learner policy."""
    credentials = learner_user(cloud, "ana", "ana")
    with as_someone(cloud, "ana", credentials):
        deployment = deploy_all()
        for step in ("06", "07", "08", "09"):
            run_step(step, quiet=True)
        session = setup()
    return {"credentials": credentials, "deployment": deployment, "arn": session.caller_arn}


@pytest.fixture(scope="module")
def bo_resources(cloud):
    """Another learner's role, table and API (made by the administrator, tagged for bo)."""
    tags = {"workshop": "serverless-chat", "learner": "bo", "owner": f"arn:aws:iam::{ACCOUNT}:user/bo"}
    cloud.client("iam").create_role(RoleName="bo-lambda-role", Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
                                    AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                                        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                        "Action": "sts:AssumeRole"}]}))
    cloud.client("dynamodb").create_table(
        TableName="bo-connections", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}])
    api = cloud.client("apigatewayv2").create_api(Name="bo-websocket-api", ProtocolType="WEBSOCKET",
                                                  RouteSelectionExpression="$request.body.action", Tags=tags)
    return api["ApiId"]


@pytest.mark.slow  # its fixture deploys the whole chat as a learner: in parallel runs, this module starts early
def test_the_learner_policy_suffices_to_deploy_and_tags_carry_the_owner(cloud, ana):
    assert ana["arn"] == f"arn:aws:iam::{ACCOUNT}:user/ana"
    assert ana["deployment"].url.startswith("ws://")
    tags = {t["Key"]: t["Value"] for t in cloud.client("iam").list_role_tags(RoleName="ana-lambda-role")["Tags"]}
    assert tags == {"workshop": "serverless-chat", "learner": "ana", "owner": ana["arn"]}
    api = next(a for a in cloud.client("apigatewayv2").get_apis()["Items"] if a["Name"] == "ana-websocket-api")
    assert api["Tags"]["owner"] == ana["arn"]
    function = cloud.client("lambda").get_function(FunctionName="ana-sendPublic")
    assert function["Tags"]["owner"] == ana["arn"]


def test_the_learner_cannot_touch_another_learners_resources(cloud, ana, bo_resources):
    session = boto3.Session(aws_access_key_id=ana["credentials"]["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=ana["credentials"]["AWS_SECRET_ACCESS_KEY"], region_name=REGION)

    def client(service):
        return session.client(service, endpoint_url=cloud.endpoint_url)

    attempts = {
        "iam:PutRolePolicy": lambda: client("iam").put_role_policy(
            RoleName="bo-lambda-role", PolicyName="x", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})),
        "dynamodb:PutItem": lambda: client("dynamodb").put_item(TableName="bo-connections",
                                                                Item={"connectionId": {"S": "x"}}),
        "apigateway:DELETE": lambda: client("apigatewayv2").delete_api(ApiId=bo_resources),
        "apigateway:POST": lambda: client("apigatewayv2").create_route(ApiId=bo_resources, RouteKey="steal"),
        "apigateway:POST (create)": lambda: client("apigatewayv2").create_api(
            Name="bo-websocket-api", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action",
            Tags={"workshop": "serverless-chat", "learner": "bo"}),
        "iam:PassRole": lambda: client("lambda").update_function_configuration(
            FunctionName="ana-connect", Role=f"arn:aws:iam::{ACCOUNT}:role/bo-lambda-role"),
        "iam:CreateRole": lambda: client("iam").create_role(RoleName="admin", AssumeRolePolicyDocument="{}"),
    }
    for what, attempt in attempts.items():
        with pytest.raises(ClientError) as denied:
            attempt()
        assert denied.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"), what
        action = what.split()[0]
        assert f"{ana['arn']} is not authorized to perform: {action}" in denied.value.response["Error"]["Message"]
    assert cloud.client("apigatewayv2").get_api(ApiId=bo_resources)["Name"] == "bo-websocket-api"
    assert cloud.client("iam").list_role_policies(RoleName="bo-lambda-role")["PolicyNames"] == []
    # Her own API she may still change: the tag condition is what tells the two apart.
    own = ana["deployment"].api_id
    client("apigatewayv2").get_routes(ApiId=own)


def test_a_second_learner_with_the_same_prefix_is_refused_and_nothing_changes(cloud, ana):
    twin = learner_user(cloud, "ana-twin", "ana")  # chose the prefix "ana" too, and got its policy
    iam = cloud.client("iam")
    before = iam.get_role_policy(RoleName="ana-lambda-role", PolicyName="ana-table-and-logs")["PolicyDocument"]
    with as_someone(cloud, "ana", twin), pytest.raises(OwnershipError) as refused:
        run_step("01", quiet=True)
    message = str(refused.value)
    assert "\n" not in message
    assert ana["arn"] in message and f"arn:aws:iam::{ACCOUNT}:user/ana-twin" in message
    assert "WORKSHOP_PREFIX=ana-2" in message and "Nothing was changed" in message
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName="ana-lambda-role")["Tags"]}
    assert tags["owner"] == ana["arn"]
    assert iam.get_role_policy(RoleName="ana-lambda-role", PolicyName="ana-table-and-logs")["PolicyDocument"] == before
    # The deploy command says the same in one line, without a traceback, and changes nothing either.
    from workshop.cli import main as workshop_main

    errors = io.StringIO()
    with as_someone(cloud, "ana", twin), contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        assert workshop_main(["deploy"]) == 1
    assert errors.getvalue().strip() == f"❌ {message}"


def test_status_shows_each_learners_passing_steps(cloud, ana, bo_resources):
    out = io.StringIO()
    with as_someone(cloud, "chat"), contextlib.redirect_stdout(out):
        assert class_main(["status"]) == 0
    rows = {line.split()[0]: line for line in out.getvalue().splitlines() if line.split()}
    assert rows["ana"].split()[1:8] == ["✅"] * 7
    assert rows["ana"].split()[8] == "—" and rows["ana"].endswith(ana["arn"])
    assert rows["bo"].split()[1] == "❌" and rows["bo"].split()[8] == "01"


def test_class_commands_with_a_learners_credentials_say_they_need_the_instructors(cloud, ana):
    from workshop.cli import main as workshop_main

    errors = io.StringIO()
    with as_someone(cloud, "ana", ana["credentials"]), contextlib.redirect_stderr(errors), \
            contextlib.redirect_stdout(io.StringIO()):
        assert workshop_main(["class", "status"]) == 1
    assert f"{ana['arn']} may not list the account's resources" in errors.getvalue()
    assert "Traceback" not in errors.getvalue()


def test_the_learner_cleans_up_with_the_policy_and_the_sweep_takes_the_rest(cloud, ana, bo_resources):
    with as_someone(cloud, "ana", ana["credentials"]):
        destroy_all()
        assert find_leftovers(setup()) == []
    out = io.StringIO()
    with as_someone(cloud, "chat"), contextlib.redirect_stdout(out):
        assert class_main(["sweep", "--dry-run"]) == 0
        assert lookup.apis_named(setup(), "bo-websocket-api")  # a dry run deletes nothing
        assert class_main(["sweep", "--yes"]) == 0
        assert class_main(["sweep"]) == 0  # nothing left: nothing to ask
    text = out.getvalue()
    assert "learner bo: 3 resources" in text and "bo-connections" in text and "✅ bo: nothing left" in text
    assert "Nothing to sweep" in text.splitlines()[-1]
    assert not any(name.startswith("bo-") for name in cloud.client("dynamodb").list_tables()["TableNames"])


@pytest.mark.parametrize(("tags", "theirs"), [
    ({}, False),  # untagged (an old run): adopted
    ({"workshop": "serverless-chat", "learner": "ana"}, False),  # made before owners were recorded: adopted
    ({"learner": "ana", "owner": "arn:aws:iam::1:user/ana"}, False),
    ({"learner": "ana", "owner": "arn:aws:iam::1:user/bo"}, True),
    ({"learner": "ana-b", "owner": "arn:aws:iam::1:user/ana"}, True),
])
def test_whose_resource_it_is(tags, theirs):
    from workshop.ownership import someone_else

    assert (someone_else(tags, "ana", "arn:aws:iam::1:user/ana") is not None) is theirs

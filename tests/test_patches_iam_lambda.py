"""IAM and Lambda on the local cloud answer a learner's set-up mistakes the way AWS does."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})


def handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def role_arn(cloud):
    return cloud.client("iam").create_role(RoleName="chat-lambda", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]


@pytest.fixture(scope="module")
def lambda_client(cloud):
    return cloud.client("lambda")


def create(lambda_client, name: str, role: str, runtime: str | None = "python3.12") -> dict:
    arguments = {"FunctionName": name, "Role": role, "Handler": "app.handler", "Code": {"ZipFile": handler_zip()}}
    if runtime is not None:
        arguments["Runtime"] = runtime
    return lambda_client.create_function(**arguments)


def assert_not_created(lambda_client, name: str) -> None:
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.get_function(FunctionName=name)


def test_aws_managed_policy_can_be_attached(cloud, role_arn):
    iam = cloud.client("iam")
    assert iam.get_policy(PolicyArn=BASIC_EXECUTION)["Policy"]["PolicyName"] == "AWSLambdaBasicExecutionRole"
    iam.attach_role_policy(RoleName="chat-lambda", PolicyArn=BASIC_EXECUTION)
    attached = iam.list_attached_role_policies(RoleName="chat-lambda")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [BASIC_EXECUTION]


def test_aws_managed_policy_document_reads_back_as_aws_publishes_it(cloud):
    """The document is kept compressed in the cloud (patches/iam_managed_policies.py); readers get the same JSON."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    published = json.loads(aws_managed_policies_data)["AWSLambdaBasicExecutionRole"]
    iam = cloud.client("iam")
    version = iam.get_policy_version(PolicyArn=BASIC_EXECUTION, VersionId=published["DefaultVersionId"])
    assert version["PolicyVersion"]["Document"] == published["Document"]
    assert version["PolicyVersion"]["IsDefaultVersion"] is True


def test_compressed_policy_version_gives_back_the_exact_text():
    from local_cloud.patches.iam_managed_policies import CompressedPolicyVersion

    text = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]})
    version = CompressedPolicyVersion("arn:aws:iam::aws:policy/Example", text, True)
    assert version.document == text
    assert "document" not in vars(version) and len(version._packed_document) < len(text.encode())
    version.document = "{}"
    assert version.document == "{}"


def test_function_with_a_missing_role_is_refused(lambda_client, role_arn):
    missing_role = role_arn.replace("chat-lambda", "chat-nobody")
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as error:
        create(lambda_client, "chat-no-role", missing_role)
    assert error.value.response["Error"]["Message"] == "The role defined for the function cannot be assumed by Lambda."
    assert_not_created(lambda_client, "chat-no-role")


def test_unknown_runtime_is_refused_naming_the_valid_values(lambda_client, role_arn):
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as error:
        create(lambda_client, "chat-bad-runtime", role_arn, runtime="python2.0")
    message = error.value.response["Error"]["Message"]
    assert "python2.0" in message
    assert "python3.12" in message and "python3.13" in message and "nodejs20.x" in message
    assert_not_created(lambda_client, "chat-bad-runtime")


def test_retired_runtime_is_refused_with_a_recommendation(lambda_client, role_arn):
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException, match="no longer supported"):
        create(lambda_client, "chat-old-runtime", role_arn, runtime="python2.7")
    assert_not_created(lambda_client, "chat-old-runtime")


def test_zip_function_without_runtime_is_refused(lambda_client, role_arn):
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException, match="Runtime and Handler"):
        create(lambda_client, "chat-no-runtime", role_arn, runtime=None)
    assert_not_created(lambda_client, "chat-no-runtime")


def test_valid_function_is_created_and_a_bad_runtime_update_changes_nothing(lambda_client, role_arn):
    assert create(lambda_client, "chat-good", role_arn)["Runtime"] == "python3.12"
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException, match="python9"):
        lambda_client.update_function_configuration(FunctionName="chat-good", Runtime="python9")
    assert lambda_client.get_function_configuration(FunctionName="chat-good")["Runtime"] == "python3.12"
    updated = lambda_client.update_function_configuration(FunctionName="chat-good", Runtime="python3.13")
    assert updated["Runtime"] == "python3.13"

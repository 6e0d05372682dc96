"""The memory patches (patches/footprint.py, the managed policies' source) change what moto holds, not what it answers."""

from __future__ import annotations

import json

import pytest
from boto3 import Session
from moto.core import utils as moto_utils
from moto.core.base_backend import AccountSpecificBackend
from moto.dynamodb.models import DynamoDBBackend
from moto.iam import aws_managed_policies
from moto.iam import models as iam_models

from local_cloud import Settings, patches
from local_cloud.iam import operations
from local_cloud.patches import footprint, iam_managed_policies

patches.apply(Settings(port=0))

BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def test_account_lookup_creates_no_iam_backend_for_other_partitions():
    account = "210987654321"
    backend = iam_models.iam_backends[account]["aws"]
    backend.create_user(region_name="us-east-1", user_name="footprint", path="/", tags=[])
    key = backend.create_access_key("footprint").access_key_id
    assert iam_models.get_account_id_from(key) == account
    assert iam_models.get_account_id_from("no-such-access-key") == iam_models.DEFAULT_ACCOUNT_ID
    # moto looked in every partition's backend, creating each one (with its own thousand managed policies).
    assert list(dict.keys(iam_models.iam_backends[account])) == ["aws"]


@pytest.mark.parametrize("service", ["dynamodb", "iam", "lambda", "apigatewayv2", "logs", "sts", "s3", "nothing"])
def test_region_lists_are_botocores(service):
    session = Session()
    expected = [region for partition in session.get_available_partitions()
                for region in session.get_available_regions(service, partition_name=partition)]
    assert list(footprint.service_regions(service)) == expected


def test_regions_work_without_a_session_kept(monkeypatch):
    def no_session(cls):
        raise AssertionError("moto's boto3 Session (and all it loads) is no longer kept")

    monkeypatch.setattr(AccountSpecificBackend, "get_session", classmethod(no_session))
    backends = AccountSpecificBackend("dynamodb", "210987654322", DynamoDBBackend, True, None)
    assert "eu-west-3" in backends and "cn-north-1" in backends and "xx-nowhere-1" not in backends
    assert backends["eu-west-3"].region_name == "eu-west-3"


def test_models_keep_no_documentation_and_still_describe_operations():
    model = moto_utils.get_service_model("dynamodb")
    operation = model.operation_model("PutItem")
    assert operation.documentation == "" and operation.input_shape.members["TableName"].documentation == ""
    assert operation.http["method"] == "POST" and "Item" in operation.input_shape.required_members
    raw = moto_utils._load_service_model("dynamodb", "service-2")
    assert "documentation" not in json.dumps(raw)


def test_a_member_named_documentation_stays():
    shape = {"members": {"documentation": {"shape": "String", "documentation": "words"}}, "documentation": "x"}
    assert footprint.strip_documentation(shape) == {"members": {"documentation": {"shape": "String"}}}


def test_iam_reads_moto_s_models():
    assert operations._model("dynamodb") is moto_utils.get_service_model("dynamodb")
    assert operations._model("no-such-service") is None


def test_managed_policies_source_is_kept_compressed_and_reads_the_same():
    assert "aws_managed_policies_data" not in vars(aws_managed_policies)
    assert "aws_managed_policies_data" not in vars(iam_models)
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    policies = json.loads(aws_managed_policies_data)
    assert aws_managed_policies_data == iam_managed_policies.policies_source()
    assert "AWSLambdaBasicExecutionRole" in policies


def test_managed_policies_still_attachable_and_correct():
    expected = json.loads(iam_managed_policies.policies_source())["AWSLambdaBasicExecutionRole"]
    backend = iam_models.iam_backends["210987654323"]["aws"]
    policy = backend.get_policy(BASIC_EXECUTION)
    assert [json.loads(version.document) for version in policy.versions] == [expected["Document"]]
    backend.create_role(role_name="footprint", assume_role_policy_document="{}", path="/",
                        permissions_boundary=None, description="", tags=[], max_session_duration=None,
                        linked_service=None)
    backend.attach_role_policy(BASIC_EXECUTION, "footprint")
    assert BASIC_EXECUTION in backend.get_role("footprint").managed_policies

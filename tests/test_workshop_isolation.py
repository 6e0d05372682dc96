"""Two learners share one cloud: their chats coexist, each is least privilege, and destroying one spares the other."""

from __future__ import annotations

import pytest

from workshop import check, lookup, setup
from workshop.cleanup import destroy_all, find_leftovers
from workshop.deploy import deploy_all
from workshop.policy_audit import permission_problems, policy_problems
from workshop.testing import target

# "team" is a prefix of "team-b": only exact names must count, never a startswith match.
PREFIXES = ("team", "team-b")


@pytest.fixture(scope="module")
def deployments(cloud):
    found = {}
    for prefix in PREFIXES:
        with target(cloud, prefix):
            found[prefix] = deploy_all()
    return found


def test_both_chats_are_deployed_side_by_side(deployments, cloud):
    assert deployments["team"].api_id != deployments["team-b"].api_id
    assert deployments["team"].url != deployments["team-b"].url
    tables = cloud.client("dynamodb").list_tables()["TableNames"]
    assert {"team-connections", "team-b-connections"} <= set(tables)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_iam_is_least_privilege_and_every_permission_has_a_source_arn(deployments, cloud, prefix):
    with target(cloud, prefix):
        session = setup()
        names = session.names
        api_id = deployments[prefix].api_id
        policies = lookup.role_policies(session)
        assert set(policies) == {names.role_policy, names.manage_connections_policy}
        for document in policies.values():
            for statement in document["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                assert all("*" not in action for action in actions)
                for resource in resources:
                    assert resource != "*"
                    own = (f":table/{names.table}" in resource or f":log-group:/aws/lambda/{prefix}-" in resource
                           or f":{api_id}/{names.stage}/" in resource
                           or resource.endswith(f":function:{names.function('$connect')}")  # the ?name= follow-up
                           or resource.endswith(f":function:{names.function('$disconnect')}"))  # the clean-up
                    assert own, f"{resource} is not scoped to {prefix}'s resources"
                    other = "team-b" if prefix == "team" else "team"
                    assert f"table/{other}-connections" not in resource
        assert policy_problems(policies[names.role_policy],
                               [names.table, "/aws/lambda/", f":function:{names.function('$connect')}",
                                f":function:{names.function('$disconnect')}"]) == []
        for route, function_name in names.functions.items():
            statements = lookup.function_policy(session, function_name)
            assert permission_problems(statements, lookup.execute_api_arn(session, api_id, route)) == []
        assert session.client("iam").list_attached_role_policies(RoleName=names.role)["AttachedPolicies"] == []


def test_the_audit_itself_catches_wildcards_and_missing_source_arns():
    assert policy_problems({"Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:x"}]},
                           ["arn:aws:logs:x"])
    assert policy_problems({"Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]},
                           ["/aws/lambda/"])
    assert permission_problems([{"Sid": "open", "Effect": "Allow"}], "arn:aws:execute-api:r:a:api/*/x")


def test_destroying_one_prefix_leaves_the_other_intact(deployments, cloud):
    with target(cloud, "team-b"):
        before = find_leftovers(setup())
    with target(cloud, "team"):
        destroy_all()
        assert find_leftovers(setup()) == []
    with target(cloud, "team-b"):
        session = setup()
        assert find_leftovers(session) == before
        for step in ("01", "02", "03", "04", "05", "06"):
            assert check(step, session, quiet=True, raise_on_failure=False).ok, step
        destroy_all()
        assert find_leftovers(session) == []

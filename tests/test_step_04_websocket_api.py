"""Step 04 on a fresh local cloud: one API, each route wired to its function, permissions scoped both ways."""

from __future__ import annotations

import pytest

from workshop import NotReady, check, lookup, run_step, setup
from workshop.policy_audit import permission_problems
from workshop.testing import run_steps_through, target


@pytest.fixture(scope="module")
def session(cloud):
    with target(cloud):
        run_steps_through("04")
        yield setup()


def test_checks_pass(session):
    for step in ("00", "01", "02", "03", "04"):
        assert check(step, session, quiet=True, raise_on_failure=False).ok


def test_every_lambda_permission_has_the_routes_source_arn(session):
    api_id = lookup.api_id(session)
    for route, name in session.names.functions.items():
        statements = lookup.function_policy(session, name)
        assert statements, f"{name} has no resource policy"
        for statement in statements:
            assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
            assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == (
                f"arn:aws:execute-api:us-east-1:{session.account_id}:{api_id}/*/{route}")
        assert permission_problems(statements, lookup.execute_api_arn(session, api_id, route)) == []


def test_manage_connections_is_scoped_to_this_api(session):
    api_id = lookup.api_id(session)
    document = lookup.role_policies(session)[session.names.manage_connections_policy]
    [statement] = document["Statement"]
    assert statement["Action"] == ["execute-api:ManageConnections"]
    assert statement["Resource"] == [f"arn:aws:execute-api:us-east-1:{session.account_id}:{api_id}/dev/POST/@connections/*"]


def test_rerunning_duplicates_nothing(session):
    run_step("04", quiet=True)
    assert len(lookup.apis_named(session, session.names.api)) == 1
    api_id = lookup.api_id(session)
    assert sorted(lookup.routes(session, api_id)) == sorted(session.names.routes)
    assert len(lookup.integrations(session, api_id)) == 7
    for name in session.names.functions.values():
        assert len(lookup.function_policy(session, name)) == 1


def test_a_permission_for_another_api_is_replaced(session):
    client = session.client("lambda")
    name = session.names.function("sendBot")
    sid = session.names.permission_statement_id("sendBot")
    client.remove_permission(FunctionName=name, StatementId=sid)
    client.add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction",
                          Principal="apigateway.amazonaws.com",
                          SourceArn=f"arn:aws:execute-api:us-east-1:{session.account_id}:oldapi/*/sendBot")
    result = check("04", session, quiet=True, raise_on_failure=False)
    assert [item.what for item in result.failures] == [
        "route sendBot → chat-sendBot, which API Gateway may invoke for this route only"]
    run_step("04", quiet=True)
    assert check("04", session, quiet=True, raise_on_failure=False).ok


def test_out_of_order_steps_say_which_notebook_to_run_first(cloud, session):
    with target(cloud, "early"):
        with pytest.raises(NotReady, match="needs the IAM role early-lambda-role, which is not there: "
                                           "run notebook 01_iam_role first"):
            run_step("03", quiet=True)
        with pytest.raises(NotReady, match="needs the IAM role early-lambda-role and the functions early-connect, .*"
                                           "which are not there: run notebooks 01_iam_role and 03_lambda_functions first"):
            run_step("04", quiet=True)
        with pytest.raises(NotReady, match="needs the API early-websocket-api, which is not there: "
                                           "run notebook 04_websocket_api first"):
            run_step("05", quiet=True)
        assert lookup.apis_named(setup(), "early-websocket-api") == []

"""Step 05 on a fresh local cloud: a stage serving one deployment, at ApiEndpoint/stage, that clients reach."""

from __future__ import annotations

import pytest
import websocket

from workshop import check, lookup, run_step, setup
from workshop.deploy import describe
from workshop.testing import run_steps_through, target


@pytest.fixture(scope="module")
def session(cloud):
    with target(cloud):
        run_steps_through("05")
        yield setup()


def test_checks_pass(session):
    for step in ("00", "01", "02", "03", "04", "05"):
        assert check(step, session, quiet=True, raise_on_failure=False).ok


def test_the_url_is_api_endpoint_plus_stage(session, cloud):
    api = lookup.api(session)
    url = describe(session).url
    assert url == f"{api['ApiEndpoint']}/dev"
    assert url == f"{cloud.ws_base}/{api['ApiId']}/dev"


def test_rerunning_keeps_exactly_one_deployment_and_it_is_served(session):
    run_step("05", quiet=True)
    api_id = lookup.api_id(session)
    apigw = session.client("apigatewayv2")
    deployments = apigw.get_deployments(ApiId=api_id)["Items"]
    assert len(deployments) == 1
    assert lookup.stage(session, api_id)["DeploymentId"] == deployments[0]["DeploymentId"]
    client = websocket.create_connection(describe(session).url, timeout=10)
    client.close()


def test_the_check_notices_a_missing_stage(session):
    apigw = session.client("apigatewayv2")
    apigw.delete_stage(ApiId=lookup.api_id(session), StageName="dev")
    result = check("05", session, quiet=True, raise_on_failure=False)
    assert not result.ok and "05_deploy_stage" in result.failures[0].fix
    run_step("05", quiet=True)
    assert check("05", session, quiet=True, raise_on_failure=False).ok

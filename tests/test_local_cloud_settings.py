"""The settings control action: spare Lambda workers can be turned off (honest cold starts) and on again."""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request
import zipfile

import pytest

from local_cloud import control
from workshop import setup
from workshop.local_settings import SettingsUnavailable, spare_workers
from workshop.testing import target

CODE = "import boto3\n\ndef handler(event, context):\n    return context.log_stream_name\n"


def _post(cloud, body: bytes, headers: dict[str, str] | None = None, *, with_secret: bool = True) -> tuple[int, dict]:
    secret = {control.SECRET_HEADER: control.read_secret(cloud.port, cloud.state_dir)} if with_secret else {}
    request = urllib.request.Request(f"{cloud.endpoint_url}/_local_cloud/settings", data=body, method="POST",
                                     headers={"Content-Type": "application/json", **secret, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:  # the error holds the open answer
            return error.code, json.loads(error.read())


def _init_duration(cloud, function: str) -> float | None:
    response = cloud.client("lambda").invoke(FunctionName=function, Payload=b"{}", LogType="Tail")
    report = next(line for line in base64.b64decode(response["LogResult"]).decode().splitlines()
                  if line.startswith("REPORT"))
    parts = dict(part.split(": ", 1) for part in report.split("\t")[1:])
    return float(parts["Init Duration"].split()[0]) if "Init Duration" in parts else None


@pytest.fixture(scope="module")
def function(cloud):
    iam = cloud.client("iam")
    role = iam.create_role(RoleName="settings-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", CODE)
    cloud.client("lambda").create_function(FunctionName="settings-fn", Runtime="python3.12", Role=role,
                                           Handler="app.handler", Code={"ZipFile": archive.getvalue()})
    return "settings-fn"


def test_the_workshop_helper_reads_and_changes_the_spare_workers(cloud):
    with target(cloud, prefix="settings"):
        session = setup()
        assert spare_workers(session) == 1  # the default
        assert spare_workers(session, 0) == 0
        assert spare_workers(session) == 0
        assert spare_workers(session, 1) == 1


def test_with_no_spare_worker_functions_still_run_cold_then_warm(cloud, function):
    """Spares only speed cold starts up: without them the first invoke after a change is cold, the next warm."""
    lam = cloud.client("lambda")
    with target(cloud, prefix="settings"):
        session = setup()
        spare_workers(session, 0)
        try:
            lam.update_function_configuration(FunctionName=function, Environment={"Variables": {"RUN": "1"}})
            lam.get_waiter("function_updated_v2").wait(FunctionName=function)
            without_spare = _init_duration(cloud, function)
            assert without_spare is not None  # the first invoke after a change is a cold start
            assert _init_duration(cloud, function) is None  # the next one is warm
        finally:
            spare_workers(session, 1)


def test_an_empty_post_reads_the_settings(cloud):
    assert _post(cloud, b"{}") == (200, {"lambda_spare_workers": 1})


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"lambda_spare_workers": -1}',
                                  b'{"lambda_spare_workers": "0"}', b'{"lambda_spare_workers": true}',
                                  b'{"lambda_spare_workers": 1, "other": 2}'])
def test_a_bad_request_is_refused_with_what_to_send(cloud, body):
    status, answer = _post(cloud, body)
    assert status == 400
    assert '{"lambda_spare_workers": N}' in answer["message"]


def test_a_browser_style_request_or_one_without_the_secret_cannot_change_the_settings(cloud):
    status, answer = _post(cloud, b'{"lambda_spare_workers": 0}', {"Origin": "https://example.com"})
    assert status == 403 and "web pages" in answer["message"]  # even a page that somehow had the secret
    status, answer = _post(cloud, b'{"lambda_spare_workers": 0}', with_secret=False)
    assert status == 403 and control.SECRET_HEADER in answer["message"]
    with target(cloud, prefix="settings"):
        assert spare_workers(setup()) == 1


def test_on_aws_there_is_nothing_to_turn_off():
    class OnAws:
        is_aws, endpoint_url = True, None

    with pytest.raises(SettingsUnavailable, match="On AWS"):
        spare_workers(OnAws())  # type: ignore[arg-type]

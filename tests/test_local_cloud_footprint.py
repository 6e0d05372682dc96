"""The local cloud's own memory: what it does not import until needed, and that it still works when it is needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from local_cloud import LocalCloud

ROOT = Path(__file__).resolve().parents[1]
VALID = {"openapi": "3.0.0", "info": {"title": "footprint", "description": "d", "version": "1"}, "paths": {}}


def test_the_cloud_loads_no_openapi_validator_until_a_document_is_validated():
    code = ("import sys, local_cloud.server; "
            "print(sorted(m for m in ('jsonschema', 'pydantic', 'openapi_spec_validator.shortcuts') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_import_rest_api_still_validates_with_fail_on_warnings():
    with LocalCloud() as cloud:
        apigateway = cloud.client("apigateway")
        broken = {"openapi": "3.0.0", "info": {"title": "broken"}, "paths": "not an object"}
        with pytest.raises(ClientError) as refused:
            apigateway.import_rest_api(failOnWarnings=True, body=json.dumps(broken).encode())
        error = refused.value.response["Error"]
        assert error["Code"] == "BadRequestException" and "Failed to parse the uploaded OpenAPI document" in \
            error["Message"], error
        created = apigateway.import_rest_api(failOnWarnings=True, body=json.dumps(VALID).encode())
        assert created["name"] == "footprint"

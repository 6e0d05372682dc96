"""Small, tested patches that fill the gaps of moto the workshop needs (moto is pinned exactly)."""

from __future__ import annotations

import os

from ..config import Settings
from . import (
    apigatewayv2_auto_deploy,
    apigatewayv2_deployments,
    apigatewayv2_endpoint,
    apigatewayv2_pagination,
    apigatewayv2_route_responses,
    apigatewayv2_routes,
    apigatewayv2_stages,
    dynamodb_key_conditions,
    dynamodb_reads,
    dynamodb_responses,
    dynamodb_transactions,
    footprint,
    iam_managed_policies,
    lambda_code,
    lambda_lifecycle,
    lambda_runtimes,
    moto_dispatch,
    s3_block_public_access,
)

_applied = False


def apply(settings: Settings) -> None:
    """Apply every patch once per process; settings (the gateway's URL) may change between calls.

    Must run before the first apigatewayv2 request: moto builds that service's URL map then.
    """
    global _applied
    # AWS managed policies (e.g. AWSLambdaBasicExecutionRole) must exist before the first IAM call.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # Called again once the real port is known: the endpoint patch reads the latest settings.
    apigatewayv2_endpoint.use_settings(settings)
    if _applied:
        return
    _applied = True
    apigatewayv2_deployments.apply()
    apigatewayv2_stages.apply()
    apigatewayv2_auto_deploy.apply()  # after the two above: it wraps methods they add
    apigatewayv2_route_responses.apply()
    apigatewayv2_routes.apply()
    apigatewayv2_endpoint.apply()
    apigatewayv2_pagination.apply()  # last: it wraps the list operations the others add
    lambda_runtimes.apply()
    dynamodb_transactions.apply()
    dynamodb_responses.apply()
    dynamodb_reads.apply()
    dynamodb_key_conditions.apply()
    lambda_code.apply()
    lambda_lifecycle.apply()
    s3_block_public_access.apply()
    iam_managed_policies.apply()  # before the first IAM call creates the backend
    footprint.apply()  # before the first request: regions, models and IAM backends are made then
    moto_dispatch.apply()  # last: the handlers' method names are cached once every patch has added its own

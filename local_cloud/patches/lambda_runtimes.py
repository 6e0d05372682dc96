"""Fills moto's gap: Lambda create_function / update_function_configuration accept any Runtime string.

AWS refuses an unknown runtime, a retired one, and a zip function without Runtime or Handler,
with InvalidParameterValueException; so does the local cloud, naming what to use instead.
"""

from __future__ import annotations

from typing import Any

import botocore.session
from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaBackend

from .wrapping import replace_method

# Python runtimes AWS no longer lets anyone create or update functions with.
RETIRED_RUNTIMES = ("python2.7", "python3.6", "python3.7", "python3.8")
RECOMMENDED_RUNTIME = "python3.12"


def known_runtimes() -> list[str]:
    """Every Runtime value in botocore's Lambda model (what the AWS API accepts at all)."""
    model = botocore.session.get_session().get_service_model("lambda")
    return list(model.shape_for("Runtime").enum)


def check_runtime(runtime: str, valid: list[str]) -> None:
    if runtime in RETIRED_RUNTIMES:
        raise InvalidParameterValueException(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            f"functions. We recommend you use a supported runtime such as {RECOMMENDED_RUNTIME} while creating "
            "or updating functions."
        )
    if runtime not in valid:
        raise InvalidParameterValueException(
            f"Value '{runtime}' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(valid)}] or be a valid ARN. For Python code use e.g. {RECOMMENDED_RUNTIME}."
        )


def _create_function_checked(original: Any, valid: list[str]) -> Any:
    def create_function(self: LambdaBackend, spec: dict[str, Any]) -> Any:
        if spec.get("PackageType", "Zip") == "Zip":
            if not spec.get("Runtime") or not spec.get("Handler"):
                raise InvalidParameterValueException(
                    "Runtime and Handler are mandatory parameters for functions created with deployment packages."
                )
            check_runtime(spec["Runtime"], valid)
        return original(self, spec)

    return create_function


def _update_configuration_checked(original: Any, valid: list[str]) -> Any:
    def update_function_configuration(self: LambdaBackend, function_name: str, qualifier: str,
                                      body: dict[str, Any]) -> Any:
        if body.get("Runtime") is not None:
            check_runtime(body["Runtime"], valid)
        return original(self, function_name, qualifier, body)

    return update_function_configuration


def apply() -> None:
    valid = known_runtimes()
    replace_method(LambdaBackend, "create_function", lambda original: _create_function_checked(original, valid))
    replace_method(LambdaBackend, "update_function_configuration",
                   lambda original: _update_configuration_checked(original, valid))

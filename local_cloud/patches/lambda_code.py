"""Fills moto's gap: Lambda create_function / update_function_code accept any bytes as a .zip package.

AWS unzips the package when it receives it and refuses, with InvalidParameterValueException, bytes that
are not a zip ("Could not unzip uploaded file...") and a package that unzips past 250 MB ("Unzipped size
must be smaller than 262144000 bytes"). So does the local cloud, at the same moment; a refused update
leaves the function's code as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaFunction

from ..lambda_runtime import zip_package
from .wrapping import replace_method

# What _set_function_code changes, restored when the new code is refused.
CODE_ATTRIBUTES = ("code", "code_bytes", "code_size", "code_sha_256", "code_digest")


def _checked(original: Callable[..., Any]) -> Callable[..., Any]:
    def _set_function_code(self: LambdaFunction, updated_spec: dict[str, Any]) -> None:
        before = {name: copy.copy(getattr(self, name)) for name in CODE_ATTRIBUTES if hasattr(self, name)}
        original(self, updated_spec)
        if getattr(self, "package_type", "Zip") != "Zip" or updated_spec.get("DryRun"):
            return
        if "ZipFile" not in updated_spec and not ("S3Bucket" in updated_spec and self.code_bytes):
            return  # an S3 object moto could not find: moto's own answer stands
        try:
            zip_package.check(self.code_bytes)
        except zip_package.PackageError as error:
            for name, value in before.items():
                setattr(self, name, value)
            raise InvalidParameterValueException(str(error)) from None

    return _set_function_code


def apply() -> None:
    replace_method(LambdaFunction, "_set_function_code", _checked)

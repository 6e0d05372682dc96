"""Stand-ins for openapi_spec_validator until something really validates an OpenAPI document (~30 MB saved).

moto's API Gateway (REST) models import it at module level, and the local cloud loads those models for every
apigatewayv2 request; yet it only validates `import_rest_api`/`put_rest_api` documents, which the workshop never
sends. Importing it pulls in jsonschema, pydantic and their grammars: about 30 MB of the cloud's own memory.
`install()` puts two small modules in its place; the first validation imports the real package (and from then on
everyone gets the real one).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

PACKAGE = "openapi_spec_validator"
EXCEPTIONS = f"{PACKAGE}.validation.exceptions"


class OpenAPIValidationError(Exception):
    """What moto catches around validate(): the real package's error, re-raised as this one (with its message)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _load_real() -> types.ModuleType:
    """Drop the stand-ins and import the real package."""
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
        if getattr(sys.modules[name], "_local_cloud_stand_in", False):
            del sys.modules[name]
    return importlib.import_module(PACKAGE)


def validate(spec: Any, *args: Any, **kwargs: Any) -> Any:
    real = _load_real()
    real_error = importlib.import_module(EXCEPTIONS).OpenAPIValidationError
    try:
        return real.validate(spec, *args, **kwargs)
    except real_error as error:
        raise OpenAPIValidationError(getattr(error, "message", str(error))) from error


def install() -> None:
    """Put the stand-ins in sys.modules, unless the real package is already imported (then nothing to save)."""
    if PACKAGE in sys.modules:
        return
    parts = [PACKAGE, f"{PACKAGE}.validation", EXCEPTIONS]
    for name in parts:
        module = types.ModuleType(name, "stand-in of the local cloud (local_cloud/lazy_openapi.py)")
        module._local_cloud_stand_in = True  # type: ignore[attr-defined]
        sys.modules[name] = module
    sys.modules[PACKAGE].validate = validate  # type: ignore[attr-defined]
    sys.modules[PACKAGE].validate_spec = validate  # type: ignore[attr-defined]
    sys.modules[PACKAGE].validation = sys.modules[parts[1]]  # type: ignore[attr-defined]
    sys.modules[parts[1]].exceptions = sys.modules[EXCEPTIONS]  # type: ignore[attr-defined]
    sys.modules[EXCEPTIONS].OpenAPIValidationError = OpenAPIValidationError  # type: ignore[attr-defined]

"""Tells the Lambda runtime at once when a function is created or deleted or its code or configuration changes.

On AWS such a change ends the function's execution environments: the next call starts cold, with fresh
module state, and a function created again under the same name shares nothing with the old one. moto only
stores the change; listeners subscribed here (the runtime) retire the function's workers right away.
Listeners are called on moto's request thread with (account, region, function name).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from moto.awslambda.models import LambdaBackend

from .wrapping import replace_method

log = logging.getLogger("local_cloud.lambda")
Listener = Callable[[str, str, str], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def function_name(name_or_arn: str) -> str:
    """The bare name from a name, `name:qualifier`, a partial ARN or a full ARN."""
    if ":function:" in name_or_arn:
        name_or_arn = name_or_arn.split(":function:", 1)[1]
    return name_or_arn.split(":", 1)[0]


def _notify(backend: LambdaBackend, name_or_arn: str) -> None:
    name = function_name(name_or_arn)
    for listener in list(_listeners):
        try:
            listener(backend.account_id, backend.region_name, name)
        except Exception:  # noqa: BLE001 - a listener's failure must not fail the API call that succeeded
            log.exception("a listener failed on the change of function %s", name)


def _notifying(original: Callable[..., Any]) -> Callable[..., Any]:
    def changed(self: LambdaBackend, function_name: str, *args: Any, **kwargs: Any) -> Any:
        result = original(self, function_name, *args, **kwargs)
        _notify(self, function_name)
        return result

    changed.__name__ = original.__name__
    return changed


def _notifying_create(original: Callable[..., Any]) -> Callable[..., Any]:
    def created(self: LambdaBackend, spec: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        result = original(self, spec, *args, **kwargs)
        _notify(self, spec.get("FunctionName") or "")
        return result

    created.__name__ = original.__name__
    return created


def apply() -> None:
    for method in ("delete_function", "update_function_code", "update_function_configuration"):
        replace_method(LambdaBackend, method, _notifying)
    # A new function has no workers to retire, but its code can be unpacked before its first call.
    replace_method(LambdaBackend, "create_function", _notifying_create)

"""Fills moto's gap: a WEBSOCKET API's ApiEndpoint is this local cloud's ws:// URL, not an AWS https:// host.

`ApiEndpoint + "/" + stage` is then exactly what a client connects to, as on AWS. HTTP APIs
keep moto's value. The URL is computed when an API is read, from the settings of the last
apply() call, because the real port is only known once the server is listening.
"""

from __future__ import annotations

from typing import Any

from moto.apigatewayv2.models import Api

from ..config import Settings
from .wrapping import replace_method

_settings = Settings()


def use_settings(settings: Settings) -> None:
    global _settings
    _settings = settings


def websocket_endpoint(api_id: str) -> str:
    return f"{_settings.ws_url}/{api_id}"


def _to_json_with_local_endpoint(original: Any) -> Any:
    def to_json(self: Api) -> dict[str, Any]:
        body = original(self)
        if self.protocol_type == "WEBSOCKET":
            body["apiEndpoint"] = websocket_endpoint(self.api_id)
        return body

    return to_json


def apply() -> None:
    replace_method(Api, "to_json", _to_json_with_local_endpoint)

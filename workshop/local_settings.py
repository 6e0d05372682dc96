"""Change a running local cloud's settings from a notebook: e.g. no spare Lambda worker, so cold starts are honest."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from .session import WorkshopSession


class SettingsUnavailable(RuntimeError):
    """The target has no such setting (real AWS, or another emulator behind AWS_ENDPOINT_URL)."""


def spare_workers(session: WorkshopSession, count: int | None = None) -> int:
    """Set (when count is given) and return how many spare Lambda workers the local cloud keeps ready.

    A spare worker is a process that has already imported boto3, waiting to become some function's next
    execution environment: it makes the local cloud's cold starts short. AWS has no such switch.
    """
    if session.is_aws or not session.endpoint_url:
        raise SettingsUnavailable("On AWS there is no spare worker to turn off: every new execution environment "
                                  "is a real cold start.")
    url = f"{session.endpoint_url}/_local_cloud/settings"
    body = None if count is None else json.dumps({"lambda_spare_workers": count}).encode()
    request = urllib.request.Request(url, data=body, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(json.loads(response.read())["lambda_spare_workers"])
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise SettingsUnavailable(f"{session.endpoint_url} is not the workshop's local cloud (no settings "
                                      "to change): its cold starts are whatever it does.") from None
        raise

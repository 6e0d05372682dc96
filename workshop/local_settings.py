"""Change a running local cloud's settings from a notebook: e.g. no spare Lambda worker, so cold starts are honest."""

from __future__ import annotations

from local_cloud import control

from .errors import SettingsUnavailable
from .i18n import _
from .session import WorkshopSession


def spare_workers(session: WorkshopSession, count: int | None = None) -> int:
    """Set (when count is given) and return how many spare Lambda workers the local cloud keeps ready.

    A spare worker is a process that has already imported boto3, waiting to become some function's next
    execution environment: it makes the local cloud's cold starts short. AWS has no such switch. The call
    is a control action, so it carries the cloud's secret (local_cloud.control reads it).
    """
    if session.is_aws or not session.endpoint_url:
        raise SettingsUnavailable(_("On AWS there is no spare worker to turn off: every new execution environment "
                                    "is a real cold start."))
    payload = None if count is None else {"lambda_spare_workers": count}
    try:
        answer = control.send(session.endpoint_url, "settings", payload)
    except control.ControlError as error:
        raise SettingsUnavailable(_("Could not change the local cloud's settings at {url}, so its cold starts stay as "
                                    "they are ({error}).").format(url=session.endpoint_url, error=error)) from None
    return int(answer["lambda_spare_workers"])

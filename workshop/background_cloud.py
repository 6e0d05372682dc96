"""The learner's background local cloud in the learner's words: local_cloud.launcher's status and errors, translated."""

from __future__ import annotations

import os

from local_cloud import launcher
from local_cloud.config import PORT_VARIABLE

from .errors import LocalCloudError
from .i18n import _
from .records import state_dir

__all__ = ["LocalCloudError", "cloud", "describe", "port_taken_message", "status", "stop", "translate"]


def cloud() -> launcher.BackgroundCloud:
    """The shared cloud every step uses: on WORKSHOP_LOCAL_PORT (or 4566), its pid and log in the state folder."""
    try:
        return launcher.BackgroundCloud(state_dir())
    except ValueError:
        raise LocalCloudError(_("{variable}={value!r} is not a port number.").format(
            variable=PORT_VARIABLE, value=os.environ.get(PORT_VARIABLE, "")),
            fix=_("set it to a number from 1 to 65535, or unset it for the default 4566")) from None


def describe(found: launcher.CloudStatus) -> str:
    if found.running:
        if found.pid:
            return _("local cloud running at {url} (pid {pid}); log: {log}").format(
                url=found.url, pid=found.pid, log=found.log_path)
        return _("local cloud running at {url} (started outside the workshop); log: {log}").format(
            url=found.url, log=found.log_path)
    if found.port_taken:
        return port_taken_message(cloud().port)
    return _("local cloud not running at {url}; it starts by itself when a step needs it").format(url=found.url)


def port_taken_message(port: int) -> str:
    return _(
        "Port {port} is taken by something that is not the workshop's local cloud. Stop that "
        "program, or run your own cloud elsewhere (python -m local_cloud --port 4567) and point the "
        "workshop at it with AWS_ENDPOINT_URL=http://127.0.0.1:4567."
    ).format(port=port)


def status() -> launcher.CloudStatus:
    """What answers on the shared cloud's port; never starts anything."""
    return cloud().status()


def translate(error: launcher.LauncherError) -> LocalCloudError:
    """What the launcher's error means for the learner, and what to do about it."""
    if isinstance(error, launcher.PortTaken):
        return LocalCloudError(port_taken_message(error.port))
    if isinstance(error, launcher.DidNotStart):
        return LocalCloudError(_(
            "The local cloud did not start (see {log}). Try it in the foreground to see why: python -m local_cloud"
        ).format(log=error.log_path))
    return LocalCloudError(_("Could not stop the local cloud: {error}").format(error=error))


def stop() -> bool:
    """Stop the shared cloud (with its control secret); True if one was running."""
    try:
        return cloud().stop()
    except launcher.LauncherError as error:
        raise translate(error) from None

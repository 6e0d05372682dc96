"""Which chat `python -m workshop chat` joins without --url: the learner's own (by prefix) or a running demo's.

It never starts a local cloud: a cloud started only to find it empty would answer "not deployed" and keep
running; the learner is told what to run instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import background_cloud, records
from .errors import ChatNotFound
from .i18n import _


@dataclass
class ChatLocation:
    url: str
    note: str = ""  # said once before joining, e.g. that this is the demo's chat


def _local_target_chosen() -> bool:
    from .session import chosen_target  # the same resolution as setup(), without reaching the target

    return chosen_target() == "local"


def _demo_location(demo: records.DemoCloud, why: str) -> ChatLocation:
    return ChatLocation(demo.url, _("{why}: joining the chat of the demo (make demo ARGS=--keep) at {url}").format(
        why=why, url=demo.url))


def locate() -> ChatLocation:
    """The chat to join, or ChatNotFound saying what to do."""
    from .deploy import NotDeployed, describe

    if not _local_target_chosen():
        return ChatLocation(describe().url)
    cloud = background_cloud.status()
    demo = records.running_demo()
    if not cloud.running:
        if demo is not None:
            return _demo_location(demo, _("no local cloud runs at {url}").format(url=cloud.url))
        if cloud.port_taken:
            raise ChatNotFound(background_cloud.port_taken_message(background_cloud.cloud().port))
        raise ChatNotFound(_(
            "No local cloud is running at {url}, so there is no chat to join. Deploy yours "
            "(make deploy, or python -m workshop deploy), or run `make demo ARGS=--keep` and join with the URL "
            "it prints.").format(url=cloud.url))
    try:
        return ChatLocation(describe().url)
    except NotDeployed:
        if demo is None:
            raise
        return _demo_location(demo, _("your prefix has no chat on the local cloud"))


def relocate() -> str | None:
    """The chat's URL as it is now (after a restart and a new deploy it has a new API id), or None."""
    try:
        return locate().url
    except Exception:  # noqa: BLE001 - nothing to join yet: the caller keeps trying until it gives up
        return None

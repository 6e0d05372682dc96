"""The workshop's embedded AWS: moto's control plane, a Lambda runtime and a WebSocket gateway."""

from .config import Settings
from .embedded import LocalCloud

__all__ = ["LocalCloud", "Settings"]

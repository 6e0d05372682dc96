"""The documents of AWS's managed policies kept compressed until one is read (about 16 MB of the cloud's memory).

moto creates every AWS managed policy (over a thousand) when the IAM backend starts, each with its document
as JSON text: about 20 MB, of which a workshop reads a handful (AWSLambdaBasicExecutionRole and the like).
Here each one's document is stored zlib-compressed and decompressed on every read: the same text, a few
microseconds later. A document written afterwards (e.g. by a new policy version) is stored as moto stores it.
"""

from __future__ import annotations

import zlib
from typing import Any

from moto.iam.models import AWSManagedPolicy, PolicyVersion


class CompressedPolicyVersion(PolicyVersion):
    """A PolicyVersion whose `document` is kept compressed: reads give back the exact text."""

    @property  # type: ignore[override]
    def document(self) -> str:
        return zlib.decompress(self._packed_document).decode("utf-8")

    @document.setter
    def document(self, text: str) -> None:
        self._packed_document = zlib.compress(text.encode("utf-8"))


_original_from_data = AWSManagedPolicy.from_data.__func__  # type: ignore[attr-defined]


def _from_data(cls: type[AWSManagedPolicy], name: str, account_id: str, region_name: str,
               data: dict[str, Any]) -> AWSManagedPolicy:
    policy = _original_from_data(cls, name, account_id, region_name, data)
    for version in policy.versions:
        if type(version) is PolicyVersion:
            text = version.__dict__.pop("document")
            version.__class__ = CompressedPolicyVersion
            version.document = text
    return policy


def apply() -> None:
    AWSManagedPolicy.from_data = classmethod(_from_data)  # type: ignore[method-assign, assignment]

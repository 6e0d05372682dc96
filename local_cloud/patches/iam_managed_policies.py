"""The documents of AWS's managed policies kept compressed until one is read (about 16 MB of the cloud's memory).

moto creates every AWS managed policy (over a thousand) when the IAM backend starts, each with its document
as JSON text: about 20 MB, of which a workshop reads a handful (AWSLambdaBasicExecutionRole and the like).
Here each one's document is stored zlib-compressed and decompressed on every read: the same text, a few
microseconds later. A document written afterwards (e.g. by a new policy version) is stored as moto stores it.
moto's source of them, one 4.7 MB JSON string held by its module for good, is kept compressed too and
decompressed for each IAM backend that loads it (module __getattr__, so `from ... import` still works).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from moto.iam import aws_managed_policies
from moto.iam import models as iam_models
from moto.iam.models import AWSManagedPolicy, PolicyVersion
from moto.settings import load_iam_aws_managed_policies

_packed_source: bytes | None = None


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


def policies_source() -> str:
    """moto's aws_managed_policies_data, the same text."""
    return zlib.decompress(_packed_source).decode("utf-8") if _packed_source is not None \
        else aws_managed_policies.aws_managed_policies_data


def _module_getattr(name: str) -> str:
    if name == "aws_managed_policies_data":
        return policies_source()
    raise AttributeError(f"module {aws_managed_policies.__name__!r} has no attribute {name!r}")


def _init_aws_policies(self: iam_models.IAMBackend) -> list[iam_models.ManagedPolicy]:
    """IAMBackend._init_aws_policies reading the compressed source."""
    if not load_iam_aws_managed_policies():
        return []
    parsed = json.loads(policies_source())
    return [AWSManagedPolicy.from_data(name, self.account_id, self.region_name, d) for name, d in parsed.items()]


def _pack_source() -> None:
    global _packed_source
    _packed_source = zlib.compress(aws_managed_policies.aws_managed_policies_data.encode("utf-8"))
    # Both module-level references go, so the string is freed; a later `from ... import` gets it decompressed
    # (moto.ssoadmin, if some import already took it, keeps its own reference and works as before).
    del aws_managed_policies.aws_managed_policies_data
    aws_managed_policies.__getattr__ = _module_getattr  # type: ignore[attr-defined]
    del iam_models.aws_managed_policies_data
    iam_models.IAMBackend._init_aws_policies = _init_aws_policies  # type: ignore[method-assign]


def apply() -> None:
    AWSManagedPolicy.from_data = classmethod(_from_data)  # type: ignore[method-assign, assignment]
    _pack_source()

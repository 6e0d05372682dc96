"""moto's memory footprint: the same answers without IAM backends, endpoint tables and documentation nobody reads.

Measured with tracemalloc on a cloud that has deployed the workshop's chat (see docs/architecture.md):
- iam_account_lookup: moto finds a request's account by looking for its access key in the IAM backend of
  every partition (aws, aws-cn, aws-us-gov, ...), which *creates* each of those backends, every one with its
  own copy of over a thousand AWS managed policies. A backend not created yet holds no access key, so only
  the ones that exist are looked in: same answer, five IAM backends fewer (about 25 MB).
- moto_regions: each service's region list is computed by a boto3 Session that moto keeps for good, and
  with it botocore's endpoints.json and the full model of every service asked about (about 20 MB). Here
  the lists are computed once per service from a table of endpoints built once, and the Session is dropped.
- moto_models: the botocore service models moto serves requests from are kept without their documentation
  strings (about half of each model), which no response uses.
"""

from __future__ import annotations

import functools
from typing import Any

from botocore.exceptions import DataNotFoundError, UnknownServiceError
from moto.core import utils as moto_utils
from moto.core.base_backend import AccountSpecificBackend
from moto.iam import models as iam_models

from .wrapping import replace_method


# -- iam_account_lookup ---------------------------------------------------------------------------
def get_account_id_from(access_key: str) -> str:
    """moto.iam.models.get_account_id_from, looking only in IAM backends that exist (dict.get creates none)."""
    for account_id, account in list(iam_models.iam_backends.items()):
        for partition in iam_models.PARTITION_NAMES:
            backend = dict.get(account, partition)
            if backend is not None and access_key in backend.access_keys:
                return account_id
    return iam_models.DEFAULT_ACCOUNT_ID


# -- moto_regions ---------------------------------------------------------------------------------
@functools.cache
def _endpoints() -> tuple[tuple[str, ...], dict[tuple[str, str], tuple[str, ...]]]:
    """(partition names, {(endpoint prefix, partition): region names}) as boto3's Session lists them."""
    from boto3 import Session

    session = Session()  # dropped on return, and endpoints.json with it: only the small table stays
    resolver = session._session._get_internal_component("endpoint_resolver")
    partitions = tuple(resolver.get_available_partitions())
    table: dict[tuple[str, str], tuple[str, ...]] = {}
    for partition in resolver._endpoint_data["partitions"]:
        for prefix in partition["services"]:
            regions = resolver.get_available_endpoints(prefix, partition["partition"])
            if regions:
                table[(prefix, partition["partition"])] = tuple(regions)
    return partitions, table


@functools.cache
def service_regions(service_name: str) -> tuple[str, ...]:
    """What moto's AccountSpecificBackend._generate_regions returns: the service's regions in every partition."""
    try:
        # Read once for its endpoint prefix and let go (a fresh loader caches nothing beyond this call).
        metadata = moto_utils.create_loader().load_service_model(service_name, "service-2")["metadata"]
    except (UnknownServiceError, DataNotFoundError):
        return ()
    prefix = metadata.get("endpointPrefix", service_name)
    partitions, table = _endpoints()
    return tuple(region for partition in partitions for region in table.get((prefix, partition), ()))


def _generate_regions(self: AccountSpecificBackend[Any], service_name: str) -> list[str]:
    return list(service_regions(service_name))


# -- moto_models ----------------------------------------------------------------------------------
def strip_documentation(node: Any) -> Any:
    """Remove every documentation string from a botocore model, in place (a member *named* documentation
    is a dict, not a string, and stays)."""
    if isinstance(node, dict):
        for key in ("documentation", "documentationUrl"):
            if isinstance(node.get(key), str):
                del node[key]
        for value in node.values():
            strip_documentation(value)
    elif isinstance(node, list):
        for value in node:
            strip_documentation(value)
    return node


def _without_documentation(original: Any) -> Any:
    def load(service_name: str, model_name: str) -> dict[str, Any]:
        return strip_documentation(original(service_name, model_name))

    return load


def apply() -> None:
    iam_models.get_account_id_from = get_account_id_from  # moto.core.responses imports it on every request
    AccountSpecificBackend._generate_regions = _generate_regions  # type: ignore[method-assign, assignment]
    replace_method(moto_utils, "_load_service_model", _without_documentation)  # type: ignore[arg-type]

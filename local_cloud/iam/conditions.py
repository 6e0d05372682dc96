"""IAM condition operators (String*, Arn*, Bool, Null, Numeric*, Date*, IpAddress, ...IfExists, ForAnyValue/ForAllValues)."""

from __future__ import annotations

import datetime
import ipaddress
import logging
from collections.abc import Callable, Mapping
from typing import Any

from .wildcards import resource_matches, wildcard

log = logging.getLogger("local_cloud.iam")

Compare = Callable[[str, str], bool]


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return wildcard(pattern, ignore_case).fullmatch(value) is not None


def _arn_like(pattern: str, value: str) -> bool:
    return pattern == "*" or (value.count(":") >= 5 and resource_matches(pattern, value))


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> float:
    text = str(text)
    if text.replace(".", "", 1).isdigit():
        return float(text)
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _ip_in(network: str, value: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _bool(expected: str, value: str) -> bool:
    return str(expected).lower() == str(value).lower()


# operator -> (compare(policy value, request value), negated)
OPERATORS: dict[str, tuple[Compare, bool]] = {
    "stringequals": (lambda p, v: p == v, False),
    "stringnotequals": (lambda p, v: p == v, True),
    "stringequalsignorecase": (lambda p, v: p.lower() == v.lower(), False),
    "stringnotequalsignorecase": (lambda p, v: p.lower() == v.lower(), True),
    "stringlike": (lambda p, v: _glob(p, v), False),
    "stringnotlike": (lambda p, v: _glob(p, v), True),
    "arnequals": (_arn_like, False),  # AWS treats ArnEquals like ArnLike
    "arnlike": (_arn_like, False),
    "arnnotequals": (_arn_like, True),
    "arnnotlike": (_arn_like, True),
    "bool": (_bool, False),
    "binaryequals": (lambda p, v: p == v, False),
    "numericequals": (lambda p, v: _number(v) == _number(p), False),
    "numericnotequals": (lambda p, v: _number(v) == _number(p), True),
    "numericlessthan": (lambda p, v: _number(v) < _number(p), False),
    "numericlessthanequals": (lambda p, v: _number(v) <= _number(p), False),
    "numericgreaterthan": (lambda p, v: _number(v) > _number(p), False),
    "numericgreaterthanequals": (lambda p, v: _number(v) >= _number(p), False),
    "dateequals": (lambda p, v: _date(v) == _date(p), False),
    "datenotequals": (lambda p, v: _date(v) == _date(p), True),
    "datelessthan": (lambda p, v: _date(v) < _date(p), False),
    "datelessthanequals": (lambda p, v: _date(v) <= _date(p), False),
    "dategreaterthan": (lambda p, v: _date(v) > _date(p), False),
    "dategreaterthanequals": (lambda p, v: _date(v) >= _date(p), False),
    "ipaddress": (_ip_in, False),
    "notipaddress": (_ip_in, True),
}


def _as_strings(value: Any) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values]


class Condition:
    """One operator with one key and its values, e.g. StringEquals {"aws:SourceAccount": "123..."}."""

    def __init__(self, operator: str, key: str, values: Any) -> None:
        self.operator_name = operator
        name = operator
        self.set_operator: str | None = None
        if ":" in name:
            prefix, name = name.split(":", 1)
            self.set_operator = prefix.lower()  # foranyvalue / forallvalues
        self.if_exists = name.lower().endswith("ifexists")
        base = name[: -len("IfExists")] if self.if_exists else name
        self.null_check = base.lower() == "null"
        self.known = self.null_check or base.lower() in OPERATORS
        self.compare, self.negated = OPERATORS.get(base.lower(), (lambda p, v: False, False))
        self.key = key.lower()
        self.values = _as_strings(values)
        if not self.known:
            log.warning("IAM condition operator %s is not known to the local cloud: the statement never applies",
                        operator)

    def holds(self, context: Mapping[str, Any]) -> bool:
        present = context.get(self.key)
        if self.null_check:
            wants_missing = any(v.lower() == "true" for v in self.values)
            return (present is None) == wants_missing
        if not self.known:
            return False
        if present is None:
            # A missing key: ...IfExists and the negated operators hold, the others do not.
            return self.if_exists or self.negated or self.set_operator == "forallvalues"
        actual = _as_strings(present)
        try:
            if self.set_operator == "forallvalues":
                return all(self._one(value) for value in actual)
            return any(self._one(value) for value in actual)
        except (ValueError, TypeError):
            return False

    def _one(self, value: str) -> bool:
        hit = any(self.compare(expected, value) for expected in self.values)
        return hit != self.negated


class ConditionBlock:
    """Every condition of a statement must hold (AND); the values of one key are alternatives (OR)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.conditions = [Condition(operator, key, values)
                           for operator, tests in raw.items() for key, values in (tests or {}).items()]

    def __bool__(self) -> bool:
        return bool(self.conditions)

    def holds(self, context: Mapping[str, Any]) -> bool:
        return all(condition.holds(context) for condition in self.conditions)

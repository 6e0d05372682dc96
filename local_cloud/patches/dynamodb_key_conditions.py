"""A malformed KeyConditionExpression gets AWS's 400 ValidationException, with a hint, instead of a 500.

moto's key condition parser asserts on a token it does not expect ("pk = = :pk", "pk <> :pk", "... OR ..."):
the AssertionError became a 500, which botocore retried three times before the learner read "Server got itself
in trouble". AWS answers at once with a ValidationException naming the problem; so does the local cloud now.
moto also accepted a condition ending in a dangling AND, which AWS refuses as a syntax error.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import moto.dynamodb.responses as responses
from moto.dynamodb.exceptions import MockValidationException

HINT = ("(Local cloud hint: a key condition names the partition key with =, then AND a condition on the sort key: "
        "'pk = :pk' or 'pk = :pk AND begins_with(sk, :prefix)'; the sort key also takes <, <=, >, >= and "
        "BETWEEN :a AND :b. To filter on anything else, use FilterExpression.)")

# Operators AWS names in its refusal; a placeholder (:or) or a name (#in) that spells one is not one.
_REFUSED_OPERATOR = re.compile(r"<>|(?<![\w:#])(?:OR|NOT|IN)(?!\w)", re.IGNORECASE)
_DANGLING_AND = re.compile(r"(?<![\w:#])AND\s*\)*\s*$", re.IGNORECASE)


def refusal(expression: str) -> MockValidationException:
    """The ValidationException AWS answers for a key condition it cannot parse."""
    operator = _REFUSED_OPERATOR.search(expression)
    if operator is not None:
        return MockValidationException(
            f"Invalid operator used in KeyConditionExpression: {operator.group(0).upper()} {HINT}")
    if _DANGLING_AND.search(expression):
        return MockValidationException(f'Invalid KeyConditionExpression: Syntax error; token: <EOF>, near: "AND" {HINT}')
    return MockValidationException(f'Invalid KeyConditionExpression: Syntax error; near: "{expression}" {HINT}')


def _answered_like_aws(original: Any) -> Any:
    @functools.wraps(original)  # __wrapped__: the tests can still call moto's own parser
    def parse_expression(key_condition_expression: str, *args: Any, **kwargs: Any) -> Any:
        if _DANGLING_AND.search(key_condition_expression):
            raise refusal(key_condition_expression)
        try:
            return original(key_condition_expression, *args, **kwargs)
        except (AssertionError, IndexError):  # the tokenizer met what it did not expect
            raise refusal(key_condition_expression) from None

    return parse_expression


def apply() -> None:
    # responses.py calls the name it imported: replace it there.
    responses.parse_expression = _answered_like_aws(responses.parse_expression)  # type: ignore[attr-defined]

"""Invoke requests the Lambda API rejects before any code runs, with AWS's error codes and HTTP statuses."""

from __future__ import annotations


class InvokeError(Exception):
    """Base class: `error_type` is the code boto3 shows (error.response["Error"]["Code"]), `status` the HTTP status."""

    error_type = "InvalidParameterValueException"
    status = 400


class FunctionNotFound(InvokeError):
    """moto has no function by that name/ARN; the message is AWS's ("Function not found: arn:...")."""

    error_type = "ResourceNotFoundException"
    status = 404

    def __init__(self, arn: str) -> None:
        super().__init__(f"Function not found: {arn}")
        self.arn = arn


class InvalidRequestContent(InvokeError):
    """The payload is not JSON."""

    error_type = "InvalidRequestContentException"

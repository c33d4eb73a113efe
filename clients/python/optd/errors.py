"""Errors: every failure optd reports is an RFC 9457 problem document, raised as `OptdError`."""
from __future__ import annotations

import json
from typing import Any, Dict, Optional, Type

__all__ = [
    "OptdError", "BadRequest", "Unauthorized", "NotFound", "MethodNotAllowed", "Conflict",
    "PreconditionFailed", "PayloadTooLarge", "UnsupportedMediaType", "InvalidRequest",
    "ServiceUnavailable", "InsufficientStorage", "OptdConnectionError", "error_from_response",
]


class OptdError(Exception):
    """An error answer of optd (or, for `OptdConnectionError`, no answer at all).

    Attributes:
        status: the HTTP status (None when the server could not be reached).
        problem: the RFC 9457 problem document as a dict (synthesised when the body was not one).
        type: the problem type, e.g. ``"/problems/tensor-mismatch"``.
        detail: the human-readable explanation.
        field: a JSON pointer into the request naming the field to blame, or None.
        current_step: the session's step (409 and 412 problems), or None.
        attempts: how many attempts the request took (more than 1 when it was retried).
    """

    attempts: int = 1

    def __init__(self, problem: Dict[str, Any], status: Optional[int] = None) -> None:
        self.problem: Dict[str, Any] = problem
        self.status: Optional[int] = status if status is not None else problem.get("status")
        self.type: Optional[str] = problem.get("type")
        self.detail: Optional[str] = problem.get("detail")
        self.field: Optional[str] = problem.get("field")
        self.current_step: Optional[int] = problem.get("current_step")
        where = f" at {self.field}" if self.field else ""
        super().__init__(f"{self.status} {problem.get('title', '')}: {self.detail}{where}".strip())


class BadRequest(OptdError):
    """400: malformed HTTP, JSON or header."""


class Unauthorized(OptdError):
    """401: missing or wrong API key."""


class NotFound(OptdError):
    """404: unknown route or session (deleted, or never created)."""


class MethodNotAllowed(OptdError):
    """405: the route does not take this method."""


class Conflict(OptdError):
    """409: e.g. an Idempotency-Key whose step is no longer the session's latest."""


class PreconditionFailed(OptdError):
    """412: `If-Match` named another step; `current_step` says where the session is."""


class PayloadTooLarge(OptdError):
    """413: the body exceeds the server's --max-body-bytes."""


class UnsupportedMediaType(OptdError):
    """415: unsupported Content-Type."""


class InvalidRequest(OptdError, ValueError):
    """422: well-formed but invalid (unknown hyperparameter, tensor size mismatch, non-finite value…).

    Tensor names and sizes of a step are also checked client-side before anything is sent
    (a raw body carries no names); such an error has the same form as the server's.
    """


class ServiceUnavailable(OptdError):
    """503: the server is shutting down."""


class InsufficientStorage(OptdError):
    """507: the memory budget or the session limit would be exceeded."""


class OptdConnectionError(OptdError, ConnectionError):
    """The server could not be reached or kept dropping the connection, after every retry."""

    def __init__(self, message: str) -> None:
        super().__init__({"type": "/problems/connection-error", "title": "Connection error", "detail": message})


_BY_STATUS: Dict[int, Type[OptdError]] = {
    400: BadRequest, 401: Unauthorized, 404: NotFound, 405: MethodNotAllowed, 409: Conflict,
    412: PreconditionFailed, 413: PayloadTooLarge, 415: UnsupportedMediaType, 422: InvalidRequest,
    503: ServiceUnavailable, 507: InsufficientStorage,
}


def error_from_response(status: int, reason: str, content_type: str, body: bytes) -> OptdError:
    """The exception for an error response: its problem document, or one made from the body."""
    problem: Optional[Dict[str, Any]] = None
    if "json" in content_type:
        try:
            parsed = json.loads(body.decode("utf-8"))
            problem = parsed if isinstance(parsed, dict) else None
        except (UnicodeDecodeError, ValueError):
            problem = None
    if problem is None:
        text = body.decode("utf-8", "replace").strip()
        problem = {"type": "about:blank", "title": reason, "status": status, "detail": text or reason}
    return _BY_STATUS.get(status, OptdError)(problem, status)


def tensor_mismatch(field: str, detail: str) -> InvalidRequest:
    """A 422 found client-side, shaped like the server's problem for the same mistake."""
    return InvalidRequest({"type": "/problems/tensor-mismatch", "title": "Unprocessable Content",
                           "status": 422, "detail": detail, "field": field})

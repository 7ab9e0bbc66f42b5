"""Errors raised by services: what was wrong with the request, and where."""

from __future__ import annotations

from layers.errors import StatusError


class ServiceError(StatusError, ValueError):
    """A request a service refuses; nothing was changed. `status` is the HTTP status to answer.

    Still a ValueError, as it always was, for callers that catch bad input as one.
    """

    status = 400


class NotFound(ServiceError):
    """What the request names does not exist (a bill, a case, a tax object)."""

    status = 404
    code = "NotFound"


class Conflict(ServiceError):
    """The request is well formed but the thing is not in a state that allows it (already paid)."""

    status = 409
    code = "Conflict"

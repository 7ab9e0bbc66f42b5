"""Errors raised by services: what was wrong with the request, and where."""

from __future__ import annotations

from layers.errors import StatusError


class ServiceError(StatusError, ValueError):
    """A request a service refuses; nothing was changed. `status` is the HTTP status to answer.

    Still a ValueError, as it always was, for callers that catch bad input as one.
    """

    status = 400

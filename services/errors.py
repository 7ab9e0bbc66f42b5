"""Errors raised by services: what was wrong with the request, and where."""

from __future__ import annotations


class ServiceError(ValueError):
    """A request a service refuses; nothing was changed. `status` is the HTTP status to answer."""

    status = 400

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self) -> str:
        return self.message + (": " + "; ".join(self.problems[:10]) if self.problems else "")

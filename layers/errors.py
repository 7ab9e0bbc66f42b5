"""Errors of the spatial core. Each carries the problems it found, with where they are.

The web layer maps these to HTTP statuses in one place; the CLI prints them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    where: str  # e.g. "feature 3", "row 1204", "property 'jenjang'"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class LayerError(Exception):
    """Base of the core's errors."""

    status = 400

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        shown = "; ".join(str(p) for p in self.problems[:10])
        more = f" (and {len(self.problems) - 10} more)" if len(self.problems) > 10 else ""
        return f"{self.message}: {shown}{more}"


class InvalidFeature(LayerError):
    """Input that does not satisfy the layer declaration. Nothing was written."""

    status = 400


class FeatureNotFound(LayerError):
    status = 404


class VersionConflict(LayerError):
    """The feature changed since the caller read it (optimistic locking)."""

    status = 412


class SchemaMismatch(LayerError):
    """The database does not match the declarations (a migration is missing)."""

    status = 500

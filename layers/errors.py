"""The project's one error hierarchy. Each error carries its HTTP status, an OGC-style exception
code, a message and the problems it found, with where they are.

`StatusError` lives here, in the lowest package, so that every package may raise one: the core's
`LayerError`, the services' `ServiceError` (services/errors.py) and the web's `ApiError`
(webgis/errors.py) all derive from it. The web turns any of them into a response in one handler
(webgis/errors.py); the CLI prints them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    where: str  # e.g. "feature 3", "row 1204", "property 'jenjang'"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


# The OGC API exception code of each status a subclass may set; any other status answers the
# generic "InvalidParameterValue", as the core's 500 (SchemaMismatch) always has.
CODES = {
    400: "InvalidParameterValue", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
    412: "PreconditionFailed", 413: "PayloadTooLarge", 415: "UnsupportedMediaType", 428: "PreconditionRequired",
}


class StatusError(Exception):
    """Base of every error the project answers with a status: nothing was changed.

    `status` is the HTTP status to answer, `code` the OGC API exception code
    ("InvalidParameterValue", "NotFound", ...). A subclass sets its status; its
    code follows from the status (CODES) unless it names one, so a service's
    `class NotFound(ServiceError): status = 404` answers "NotFound" with no more said.
    `problems` are Problem records or plain strings, one per thing found wrong.
    """

    status = 400
    code = "InvalidParameterValue"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = CODES.get(cls.status, "InvalidParameterValue")

    def __init__(self, message: str, problems: list[Problem] | list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems: list = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        shown = "; ".join(str(p) for p in self.problems[:10])
        more = f" (and {len(self.problems) - 10} more)" if len(self.problems) > 10 else ""
        return f"{self.message}: {shown}{more}"


class LayerError(StatusError):
    """Base of the core's errors."""


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

"""Caching headers of the responses whose content depends on who asks (issue 16 item 6).

The OGC API, the pages' JSON and downloads, the citizen pages and the Open311
reads show each principal what layers/access.py lets it read: staff see the
private properties of complaints, operators those of the device layers, and
the collections list, the catalogue and "what is here" grow with the roles.
A shared cache (a proxy, a CDN) must never hand one person's answer to another,
so, as the vector tiles already do (webgis/tiles/views.py):

- every GET/HEAD answer of these faces whose view asked who is asking (it
  resolved the principal, or called `depends_on_who_asks()`) carries
  `Vary: Authorization, Cookie` (static bundles and pages that ask nobody keep
  their caching as it is);
- an answer to an identified principal (a session or a token), or one a view
  marked with `mark_private()`, is `Cache-Control: private`;
- a feature's private representation has an ETag of its own
  (`representation_etag`), so a cache or a client holding the public one never
  takes it for the other.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

WHO_ASKS_BLUEPRINTS = frozenset({"ogcapi", "pages", "citizen", "open311.v2"})
PRIVATE_SUFFIX = "-private"


def mark_private() -> None:
    """This answer holds more than the public may see (called where the view decides so)."""
    g.private_representation = True


def depends_on_who_asks() -> None:
    """This answer would differ for another caller (for views that identify callers their own way,
    like Open311's api_key; principal_from_request() is noticed by itself)."""
    g.who_asks = True


def representation_etag(version: int, private: bool) -> str:
    """The strong ETag of version `version` of a feature, public or private representation."""
    return f'"v{version}{PRIVATE_SUFFIX if private else ""}"'


def _identified() -> bool:
    principal = g.get("principal")
    return principal is not None and not principal.is_anonymous


def _who_asks_headers(response: Response) -> Response:
    if request.blueprint not in WHO_ASKS_BLUEPRINTS or request.method not in ("GET", "HEAD"):
        return response
    if not (g.get("private_representation") or g.get("who_asks") or "principal" in g):
        return response
    response.vary.update(("Authorization", "Cookie"))
    if g.get("private_representation") or _identified():
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def init_representation_headers(app: Flask) -> None:
    app.after_request(_who_asks_headers)

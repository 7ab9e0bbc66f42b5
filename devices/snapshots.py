"""A camera's snapshot, fetched by the server for operators: only from the device networks.

A device layer that declares a ``snapshot_url`` property (the cctv layer) gives each
camera the HTTP address of its still image. The browser never fetches it (the camera sits
on the city's private device network); the app does, and only when the address passes
the declaration's own check (layers.validate.network_problem: an http URL whose host is
an IP address inside the declared networks). The check is made again at fetch time, so a
row written around the API (SQL, an import) cannot make the server fetch from the
internet either. No proxy from the environment, no redirects (a camera that redirects
elsewhere is refused), a short timeout and a size cap.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from sqlalchemy import Engine

from devices.registry import is_device_layer
from layers import read_layer
from layers.errors import StatusError
from layers.registry import get_registry
from layers.validate import network_problem

SNAPSHOT_PROPERTY = "snapshot_url"
STREAM_PROPERTY = "stream_url"
IMAGE_TYPES = ("image/jpeg", "image/png")
MAX_BYTES = 5_000_000
TIMEOUT_S = 3.0


class NoSnapshot(StatusError):
    """The device has no snapshot address (or is no camera)."""

    status = 404


class SnapshotRefused(StatusError):
    """The snapshot address is outside the allowed networks: nothing was fetched."""

    status = 409


class SnapshotUnavailable(StatusError):
    """The camera did not give an image."""

    status = 502
    code = "BadGateway"


@dataclass(frozen=True)
class Snapshot:
    content_type: str
    image: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 30x is raised as an HTTPError: a camera's image is at its own address


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def has_snapshot(layer: str) -> bool:
    """Whether a layer's devices declare a snapshot address."""
    spec = get_registry().get(layer)
    return is_device_layer(spec) and SNAPSHOT_PROPERTY in spec.property_names


def camera_media(engine: Engine, layer: str, code: str) -> dict[str, str | None]:
    """A camera's snapshot and stream addresses as its row holds them (operators only: private)."""
    if not has_snapshot(layer):
        raise NoSnapshot(f"{layer} devices have no snapshot")
    spec = get_registry().get(layer)
    frame = read_layer(engine, layer, where={spec.key: code}, include_private=True)
    if frame.empty:
        raise NoSnapshot(f"no device {code!r} in layer {layer}")
    row = frame.iloc[0]
    return {name: (None if row.get(name) is None or str(row.get(name)) in ("", "None", "nan", "<NA>")
                   else str(row[name])) for name in (SNAPSHOT_PROPERTY, STREAM_PROPERTY)
            if name in spec.property_names}


def fetch_snapshot(engine: Engine, layer: str, code: str) -> Snapshot:
    """The camera's current still image; NoSnapshot, SnapshotRefused or SnapshotUnavailable."""
    url = camera_media(engine, layer, code).get(SNAPSHOT_PROPERTY)
    if url is None:
        raise NoSnapshot(f"camera {code} has no snapshot address")
    prop = next(p for p in get_registry().get(layer).properties if p.name == SNAPSHOT_PROPERTY)
    refused = network_problem(prop, url)
    if refused is not None or prop.networks is None:
        raise SnapshotRefused(f"camera {code}: snapshot address refused, nothing fetched: "
                              f"{refused or 'the declaration allows no network'}")
    return _get(url, code)


def _get(url: str, code: str) -> Snapshot:
    try:
        with _OPENER.open(urllib.request.Request(url, headers={"Accept": ", ".join(IMAGE_TYPES)}),
                          timeout=TIMEOUT_S) as response:
            kind = response.headers.get_content_type()
            image = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise SnapshotUnavailable(f"camera {code} answered HTTP {exc.code} for its snapshot") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SnapshotUnavailable(f"camera {code} gives no snapshot: {reason}") from None
    if kind not in IMAGE_TYPES:
        raise SnapshotUnavailable(f"camera {code} answered {kind}, not an image")
    if len(image) > MAX_BYTES:
        raise SnapshotUnavailable(f"camera {code}'s snapshot is larger than {MAX_BYTES // 1_000_000} MB")
    return Snapshot(kind, image)


__all__ = ["NoSnapshot", "Snapshot", "SnapshotRefused", "SnapshotUnavailable", "camera_media",
           "fetch_snapshot", "has_snapshot"]

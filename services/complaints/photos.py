"""A report's photo for its public page and Open311, for whoever may see the report.

The photo a citizen sends is kept as sent: evidence for the agency's staff
(/open311/staff/requests/<id>/media). The public gets a copy made for the web
(media.web_copy: at most 1280 px, upright, JPEG, no metadata), so the EXIF GPS
position does not give away the house the public point (~50 m grid) hides.

Who may see it is who may see the report: the copy is served exactly while
the report has a public record (complaints_public, the projection anyone may
read); a report without one has no public photo either.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from layers.tables import Bind, reading
from services.complaints import queries
from services.complaints.records import find_complaint
from services.engine import media


def photo_names(bind: Bind, service_request_ids: Sequence[str]) -> dict[str, str]:
    """The stored photo of each of these reports that came with one."""
    if not service_request_ids:
        return {}
    with reading(bind) as conn:
        return dict(conn.execute(queries.select_photos(service_request_ids)).tuples().all())


def public_photo(bind: Bind, service_request_id: str) -> Path | None:
    """The web copy of the report's photo when the report is public and has a photo, else None."""
    if find_complaint(bind, service_request_id, layer_id="complaints_public") is None:
        return None
    name = photo_names(bind, [service_request_id]).get(service_request_id)
    if not name:
        return None
    try:
        return media.web_copy(name)
    except FileNotFoundError:  # the file is gone (a restore without the uploads): no photo, not an error page
        return None

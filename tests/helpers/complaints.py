"""Helpers shared by the complaints tests of the service and its faces (Open311, citizen pages)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

INSIDE = {"lat": "3.5952", "long": "98.6722"}  # Kel. Silalas, Medan Barat
OUTSIDE = {"lat": "3.0000", "long": "98.6722"}  # ~65 km south of the city


def post_report(web: Any, fmt: str = "json", **fields: Any) -> Any:
    """POST requests.<fmt> form-encoded (multipart when a photo is given), as Open311 clients do."""
    data: dict[str, Any] = {"service_code": "LAMPU_JALAN", **INSIDE, "attribute[KONDISI]": "mati",
                            "description": "Lampu di depan gang mati sejak minggu lalu."}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    content_type = "multipart/form-data" if "media" in data else "application/x-www-form-urlencoded"
    return web.post(f"/open311/v2/requests.{fmt}", data=data, content_type=content_type)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def backdate_report(engine: Any, service_request_id: str, days: float) -> None:
    """Make a report filed `days` ago (only a test moves a filing time): its requested_datetime, and the
    state start and due time the engine set from it, moved back together."""
    from datetime import UTC, datetime, timedelta

    from layers import update_feature
    from services.complaints.records import find_complaint

    row = find_complaint(engine, service_request_id)
    shift = datetime.now(UTC) - timedelta(days=days) - row["requested_datetime"]
    moved = {"requested_datetime": row["requested_datetime"] + shift, "state_since": row["state_since"] + shift}
    if row["due_at"] is not None:
        moved["due_at"] = row["due_at"] + shift
    update_feature(engine, "complaints", row["fid"], {"type": "Feature", "properties": moved},
                   actor="test:setup", partial=True)

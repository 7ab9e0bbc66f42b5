"""One asset found by its code in whichever of the three layers holds it, and what happened to it:
its transfers between agencies and its changes of condition, read from the layers' history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from layers import feature_history
from layers.tables import Bind, reading
from services.assets import queries
from services.assets.rules import ASSET_LAYERS
from services.errors import NotFound


@dataclass(frozen=True)
class AssetRow:
    layer: str
    row: dict[str, Any]  # every column; `geometry_json` the geometry as GeoJSON text


def find_asset(conn: Connection, code: str, *, lock: bool = False) -> AssetRow:
    """The asset's row; with `lock`, locked (FOR UPDATE) for the change the caller makes in this transaction."""
    for layer in ASSET_LAYERS:
        row = conn.execute(queries.select_asset(layer, code, lock=lock)).mappings().one_or_none()
        if row is not None:
            return AssetRow(layer, dict(row))
    raise NotFound(f"tidak ada aset dengan kode {code!r}")


def asset_history(bind: Bind, code: str) -> dict[str, list[dict]]:
    """`transfers` (from, to, when, who, note) and `conditions` (from, to, when, who) of one asset, oldest first.

    Every change of a layer is recorded by its triggers (core.feature_history), whatever path made
    it, so a transfer made through the layer API by an admin shows here as one made by the service.
    """
    with reading(bind) as conn:
        found = find_asset(conn, code)
        entries = feature_history(conn, found.layer, found.row["fid"])
    transfers, conditions = [], []
    for entry in entries:
        old, new = entry.get("old") or {}, entry.get("new") or {}
        if entry["op"] != "update":
            continue
        when = {"at": entry["at"].isoformat(), "actor": entry["actor"], "note": new.get("keterangan")}
        if old.get("agency") != new.get("agency"):
            transfers.append({"from": old.get("agency"), "to": new.get("agency"), **when})
        if old.get("kondisi") != new.get("kondisi"):
            conditions.append({"from": old.get("kondisi"), "to": new.get("kondisi"), **when})
    return {"transfers": transfers, "conditions": conditions}

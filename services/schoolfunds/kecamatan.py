"""School funds per kecamatan for one year, for the public choropleth: BOS per pupil and share spent."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine

from services.errors import ServiceError
from services.schoolfunds import queries

MEASURES = ("bos_per_siswa", "persen_terserap")


class BadQuery(ServiceError):
    code = "InvalidParameterValue"


def check_year(raw: str | None, known: list[int]) -> int:
    if not raw:
        if not known:
            raise BadQuery("belum ada data dana sekolah")
        return known[-1]
    if not raw.isdigit() or int(raw) not in known:
        raise BadQuery(f"tahun {raw!r} tidak ada; tersedia {', '.join(map(str, known)) or 'belum ada'}")
    return int(raw)


def years(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(queries.years()).scalars())


def figures(engine: Engine, year: int) -> dict[str, Any]:
    """GeoJSON of the kecamatan with, per kecamatan: schools reporting, BOS, received, spent, pupils,
    BOS per pupil (Rp) and the share of what was received that was spent (%)."""
    features = []
    with engine.connect() as conn:
        for row in conn.execute(queries.per_kecamatan(), {"tahun": year}).mappings():
            props = {k: row[k] for k in ("kode_kec", "nama_kec", "sekolah", "bos", "diterima", "dibelanjakan", "siswa")}
            props["bos_per_siswa"] = round(row["bos"] / row["siswa"]) if row["siswa"] else None
            props["persen_terserap"] = round(100 * row["dibelanjakan"] / row["diterima"], 1) if row["diterima"] else None
            features.append({"type": "Feature", "geometry": json.loads(row["geometry"]), "properties": props})
    received = sum(f["properties"]["diterima"] for f in features)
    spent = sum(f["properties"]["dibelanjakan"] for f in features)
    return {"type": "FeatureCollection", "tahun": year, "features": features,
            "kota": {"diterima": received, "dibelanjakan": spent,
                     "persen_terserap": round(100 * spent / received, 1) if received else None}}

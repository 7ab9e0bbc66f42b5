"""Load OGC API - Features collections with QGIS's OAPIF provider, headless; print JSON.

Runs under Debian's system python3 (python3-qgis lives in /usr/lib/python3/dist-packages,
not in the project's venv), so it imports nothing of the project:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 benchmarks/clients/qgis_oapif.py http://127.0.0.1:5000/ [ID ...]

Without ids it loads every collection the landing page lists. Output: one JSON object with
QGIS's version and, per collection, whether the layer is valid, its feature count as QGIS
reads it (every feature fetched through the provider, paging as QGIS pages), its fields and
their QGIS types, and the provider's editing capabilities.
"""

from __future__ import annotations

import json
import sys
import urllib.request

from qgis.core import Qgis, QgsApplication, QgsFeatureRequest, QgsVectorDataProvider, QgsVectorLayer

EDIT_CAPABILITIES = {
    "add": QgsVectorDataProvider.AddFeatures,
    "delete": QgsVectorDataProvider.DeleteFeatures,
    "change_attributes": QgsVectorDataProvider.ChangeAttributeValues,
    "change_geometries": QgsVectorDataProvider.ChangeGeometries,
}


def collection_ids(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}collections?f=json", timeout=60) as response:
        return [c["id"] for c in json.load(response)["collections"]]


def load(url: str, collection: str) -> dict:
    uri = f"url='{url}' typename='{collection}' restrictToRequestBBOX='0'"
    layer = QgsVectorLayer(uri, collection, "OAPIF")
    if not layer.isValid():
        return {"valid": False, "error": layer.error().summary()}
    count = sum(1 for _ in layer.getFeatures(QgsFeatureRequest()))
    capabilities = layer.dataProvider().capabilities()
    return {
        "valid": True,
        "features": count,
        "fields": {f.name(): f.typeName() for f in layer.fields()},
        "editing": {name: bool(capabilities & flag) for name, flag in EDIT_CAPABILITIES.items()},
    }


def main(argv: list[str]) -> int:
    url = argv[1] if argv[1].endswith("/") else argv[1] + "/"
    app = QgsApplication([], False)
    app.initQgis()
    try:
        ids = argv[2:] or collection_ids(url)
        result = {"qgis": Qgis.version(), "collections": {c: load(url, c) for c in ids}}
    finally:
        app.exitQgis()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

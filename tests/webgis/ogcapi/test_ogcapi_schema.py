"""The features' schema (OGC API - Features Part 5, OGC 23-058) derived from each layer's declaration,
and GDAL reading every field with its declared type through it (issue 17 item 5)."""

from __future__ import annotations

import re
import shutil
import subprocess

import orjson
import pytest
from jsonschema import Draft202012Validator

from layers.registry import get_registry

PUBLIC = [spec for spec in get_registry() if spec.access.is_public]
REL_SCHEMA = "http://www.opengis.net/def/rel/ogc/1.0/schema"
SCHEMA_TYPE = "application/schema+json"
# OGR field types for the declared types (GDAL's OAPIF driver, JSON Schema branch).
OGR_TYPES = {"string": {"String"}, "integer": {"Integer", "Integer64"}, "number": {"Real"},
             "boolean": {"Integer(Boolean)"}, "date": {"Date"}, "datetime": {"DateTime"}}
gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL (gdal-bin) is not installed")


def get_json(client, url: str) -> tuple[dict, str]:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return orjson.loads(response.get_data()), response.mimetype


@pytest.mark.parametrize("spec", PUBLIC, ids=[s.id for s in PUBLIC])
def test_every_collection_links_a_schema_derived_from_its_declaration(client, spec) -> None:  # noqa: ANN001
    """Part 5 /req/returnables-and-receivables/link, /op, /response; /req/schemas/json-schema (2020-12, $id,
    type object), /req/schemas/properties (a type on every non-spatial property, a geometry format),
    /req/schemas/role-id (one id), /req/schemas/property-seq (unique), /req/schemas/unit (UCUM)."""
    collection, _ = get_json(client, f"/collections/{spec.id}")
    links = {(link["rel"], link["type"]): link["href"] for link in collection["links"]}
    href = links[(REL_SCHEMA, SCHEMA_TYPE)]
    assert links[("describedBy", SCHEMA_TYPE)] == f"{href}/geojson"
    schema, mimetype = get_json(client, href.replace("http://localhost", ""))
    assert mimetype == SCHEMA_TYPE
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == href and "?" not in href and schema["type"] == "object"
    properties = schema["properties"]
    assert properties["geometry"]["format"] == f"geometry-{spec.geometry.lower()}"
    assert "type" not in properties["geometry"]
    assert [name for name, p in properties.items() if p.get("x-ogc-role") == "id"] == ["fid"]
    sequence = [p["x-ogc-propertySeq"] for p in properties.values()]
    assert len(set(sequence)) == len(sequence)
    for prop in spec.public_properties():
        declared = properties[prop.name]
        json_type = "string" if prop.type in ("date", "datetime") else prop.type
        assert declared["type"] == (json_type if prop.required else [json_type, "null"])
        assert declared.get("format") == {"date": "date", "datetime": "date-time"}.get(prop.type)
        # An optional property's enum admits null, as its type does (the items carry null).
        assert declared.get("enum") == (None if prop.allowed is None
                                        else prop.allowed + ([] if prop.required else [None]))
        if prop.unit:
            assert re.fullmatch(r"[A-Za-z%0-9{}/]+", declared["x-ogc-unit"]), declared["x-ogc-unit"]
    assert set(schema.get("required", [])) == {p.name for p in spec.public_properties() if p.required}
    assert not set(spec.access.private) & set(properties)  # never a private property for the public


@pytest.mark.parametrize("spec", PUBLIC, ids=[s.id for s in PUBLIC])
def test_features_served_validate_against_their_schema(client, spec) -> None:  # noqa: ANN001
    """Part 5 /req/returnables-and-receivables/response C: with additionalProperties false, what the items
    carry is exactly what the schema declares, of the declared types."""
    schema, _ = get_json(client, f"/collections/{spec.id}/schema")
    page, _ = get_json(client, f"/collections/{spec.id}/items?limit=50")
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for feature in page["features"]:
        instance = {"fid": feature["id"], "geometry": feature["geometry"], **feature["properties"]}
        errors = [e.message for e in validator.iter_errors(instance)]
        assert not errors, (feature["id"], errors[:3])


def ogr_fields(live_url: str, layer_id: str) -> dict[str, str]:
    result = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{live_url}", layer_id], capture_output=True,
                            text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "GDAL_HTTP_TIMEOUT": "60"})
    assert result.returncode == 0, result.stderr
    fields = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^(\w+): (\w+(?:\(\w+\))?) \(", line)
        if match:
            fields[match[1]] = match[2]
    return fields


@gdal
@pytest.mark.parametrize("spec", PUBLIC, ids=[s.id for s in PUBLIC])
def test_ogrinfo_gives_every_field_its_declared_type(live_url: str, spec) -> None:  # noqa: ANN001
    """Part 5 /req/returnables-and-receivables/link as GDAL uses it: with the schema, `ogrinfo` types every
    field as declared (schools.daya_tampung was String, guessed from the first page)."""
    fields = ogr_fields(live_url, spec.id)
    for prop in spec.public_properties():
        assert fields.get(prop.name) in OGR_TYPES[prop.type], (prop.name, prop.type, fields.get(prop.name))

"""The declarations: validated at load, matched by the migrations and the database."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import text

from layers.checks import verify_database
from layers.errors import SchemaMismatch
from layers.registry import DECLARATIONS_DIR, DeclarationError, get_registry, load_declarations
from layers.schema import CORE_SCHEMA, LAYER_SCHEMA, build_metadata
from layers.search import PERFORMANCE_INDEX_PREFIX, SEARCH_INDEX_PREFIX

REQUIRED_IDS = {
    "kecamatan", "kelurahan", "schools", "health_facilities", "transit_routes", "transit_stops",
    "disaster_risk_zones", "food_insecurity", "cctv", "atcs_intersections", "street_lights",
}


def test_the_required_collections_are_declared() -> None:
    assert set(get_registry().ids) >= REQUIRED_IDS


def test_every_declaration_is_bilingual_and_sourced() -> None:
    for spec in get_registry():
        assert spec.title.id and spec.title.en, spec.id
        assert spec.source.attribution and spec.source.license, spec.id
        for prop in spec.properties:
            assert prop.title.id and prop.title.en, f"{spec.id}.{prop.name}"


def _write(tmp_path: Path, doc: dict) -> Path:
    (tmp_path / f"{doc['id']}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return tmp_path


def _valid_doc() -> dict:
    return yaml.safe_load((DECLARATIONS_DIR / "schools.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(key="no_such_property"), "key names unknown property"),
        (lambda d: d["style"].update(property="nope"), "style.property names unknown property"),
        (lambda d: d["access"].update(write=["superuser"]), "unknown roles"),
        (lambda d: d["properties"].append(dict(d["properties"][0])), "duplicate property names"),
        (lambda d: d["properties"][0].update(type="text"), "type"),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["properties"][2].update(allowed=[1, 2]), "is not a string"),
        (lambda d: d.update(geometry="Circle"), "geometry"),
        (lambda d: d["properties"][0].update(name="geom"), "system column"),
    ],
)
def test_a_malformed_declaration_is_refused_with_a_clear_message(tmp_path: Path, change, message: str) -> None:
    doc = _valid_doc()
    change(doc)
    with pytest.raises(DeclarationError, match=message):
        load_declarations(_write(tmp_path, doc))


def test_a_declaration_must_be_named_after_its_id(tmp_path: Path) -> None:
    doc = _valid_doc()
    (tmp_path / "sekolah.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(DeclarationError, match="must match the file name"):
        load_declarations(tmp_path)


def test_migrations_match_the_declarations(engine) -> None:  # noqa: ANN001
    """A declaration change without a migration fails here (run `webgis db revision`)."""

    def include(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN202
        schema = getattr(obj, "schema", None) or getattr(getattr(obj, "table", None), "schema", None)
        if type_ == "table" and schema not in {LAYER_SCHEMA, CORE_SCHEMA}:
            return False
        if type_ == "index" and reflected and name.startswith((SEARCH_INDEX_PREFIX, PERFORMANCE_INDEX_PREFIX)):
            return False  # derived from `search` lists by layers/search.py, as in migrations/env.py
        return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_schemas": True, "include_object": include, "version_table_schema": CORE_SCHEMA}
        )
        assert compare_metadata(context, build_metadata(get_registry())) == []


def test_every_layer_has_a_table_a_gist_index_and_history_triggers(engine) -> None:  # noqa: ANN001
    with engine.connect() as connection:
        indexes = {r.tablename for r in connection.execute(text(
            "SELECT tablename FROM pg_indexes WHERE schemaname = 'layers' AND indexdef LIKE '%USING gist (geom)%'"))}
        triggers = {(r.table, r.name) for r in connection.execute(text(
            "SELECT c.relname AS table, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'layers'"))}
    for spec in get_registry():
        assert spec.id in indexes, spec.id
        for trigger in ("history_insert", "history_update", "history_delete", "bump_version"):
            assert (spec.id, trigger) in triggers, (spec.id, trigger)


def test_the_database_check_names_a_missing_column_and_a_wrong_srid(conn) -> None:  # noqa: ANN001
    verify_database(conn)
    conn.execute(text("ALTER TABLE layers.schools DROP COLUMN alamat"))
    conn.execute(text("ALTER TABLE layers.kota ALTER COLUMN geom TYPE geometry(MultiPolygon, 3857) "
                      "USING ST_Transform(geom, 3857)"))
    with pytest.raises(SchemaMismatch) as caught:
        verify_database(conn)
    problems = [str(p) for p in caught.value.problems]
    assert "schools: column 'alamat' is missing" in problems
    assert any(p.startswith("kota: geometry is MULTIPOLYGON/3857") for p in problems)


def _service_layer(tmp_path: Path, service: str, doc: dict) -> Path:
    folder = tmp_path / "services" / service / "layers"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{doc['id']}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return tmp_path / "services"


def test_a_services_own_layers_are_loaded_from_its_folder(tmp_path: Path) -> None:
    """services/<name>/layers/*.yaml join the registry, read by path (layers imports no service)."""
    base = tmp_path / "declarations"
    base.mkdir()
    _write(base, _valid_doc())
    own = {**_valid_doc(), "id": "service_owned"}
    services = _service_layer(tmp_path, "permits", own)
    registry = load_declarations(base, services_dir=services)
    assert set(registry.ids) == {"schools", "service_owned"}
    assert load_declarations(base).ids == ["schools"]


def test_a_layer_id_declared_in_a_service_and_in_the_core_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "declarations"
    base.mkdir()
    _write(base, _valid_doc())
    services = _service_layer(tmp_path, "permits", _valid_doc())
    with pytest.raises(DeclarationError, match=r"permits/layers/schools.yaml: layer id 'schools' is declared twice"):
        load_declarations(base, services_dir=services)


def test_a_malformed_service_layer_names_its_service(tmp_path: Path) -> None:
    base = tmp_path / "declarations"
    base.mkdir()
    services = _service_layer(tmp_path, "permits", {**_valid_doc(), "id": "bad_one", "geometry": "Circle"})
    with pytest.raises(DeclarationError, match=r"permits/layers/bad_one.yaml"):
        load_declarations(base, services_dir=services)

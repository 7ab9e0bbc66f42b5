"""Every conformance class /conformance declares is covered by named tests (issue 17 item 10), and the
CQL2 classes whose functions no other test exercises are checked here against PostGIS."""

from __future__ import annotations

import importlib
from urllib.parse import quote

import orjson
import pytest
from sqlalchemy import text

OGC = "http://www.opengis.net/spec/"
T = "tests.webgis."
READ, FILTER, WRITE = T + "ogcapi.test_ogcapi_read", T + "ogcapi.test_ogcapi_filter", T + "ogcapi.test_ogcapi_write"
ETS, REQS, SCHEMA = T + "ogcapi.test_ogcapi_ets", T + "ogcapi.test_ogcapi_requirements", T + "ogcapi.test_ogcapi_schema"
HERE, TILES, TILE_REQS = T + "ogcapi.test_ogcapi_conformance_classes", T + "tiles.test_tiles_api", \
    T + "tiles.test_tiles_requirements"
# Each declared class -> the tests (module, function) that carry out its abstract tests.
COVERAGE: dict[str, list[tuple[str, str]]] = {
    "ogcapi-features-1/1.0/conf/core": [
        (ETS, "test_landing_conformance_api_and_collections_list_every_readable_layer"),
        (ETS, "test_collection_metadata"), (ETS, "test_items_page_to_the_end_with_exact_counts"),
        (ETS, "test_item_crs_and_bbox"),
        (REQS, "test_datetime_is_accepted_on_a_collection_without_time_and_matches_every_feature"),
        (REQS, "test_number_matched_is_the_total_on_every_page_even_past_the_end"),
        (REQS, "test_bbox_outside_its_crs_range_or_upside_down_is_400"),
        (REQS, "test_bbox_whose_west_edge_is_east_of_its_east_edge_crosses_the_antimeridian")],
    "ogcapi-features-1/1.0/conf/oas30": [(READ, "test_openapi_document_validates_and_lists_every_public_collection"),
                                         (REQS, "test_the_openapi_document_declares_html_answers_and_errors")],
    "ogcapi-features-1/1.0/conf/html": [(READ, "test_html_pages_show_the_attribute_table_and_reference_own_assets")],
    "ogcapi-features-1/1.0/conf/geojson": [(ETS, "test_items_page_to_the_end_with_exact_counts"),
                                           (REQS, "test_geojson_in_another_crs_has_no_crs_member")],
    "ogcapi-features-2/1.0/conf/crs": [(ETS, "test_item_crs_and_bbox"), (READ, "test_projected_output_crs"),
                                       (READ, "test_bbox_crs_and_crs_in_epsg_4326_use_lat_lon_order"),
                                       (REQS, "test_an_empty_crs_or_filter_lang_is_400_not_the_default")],
    "ogcapi-features-3/1.0/conf/queryables": [(ETS, "test_queryables_equality_and_cql2_filters_agree"),
                                              (READ, "test_queryables_is_a_json_schema")],
    "ogcapi-features-3/1.0/conf/queryables-query-parameters": [
        (ETS, "test_queryables_equality_and_cql2_filters_agree"),
        (READ, "test_property_equality_selection_and_sortby")],
    "ogcapi-features-3/1.0/conf/filter": [(ETS, "test_queryables_equality_and_cql2_filters_agree"),
                                          (FILTER, "test_bad_filters_are_400_with_a_reason_and_change_nothing")],
    "ogcapi-features-3/1.0/conf/features-filter": [(ETS, "test_queryables_equality_and_cql2_filters_agree"),
                                                   (FILTER, "test_filter_crs_epsg_4326_is_lat_lon")],
    "ogcapi-features-4/1.0/conf/create-replace-delete": [
        (ETS, "test_create_replace_update_delete_on_every_writable_layer"),
        (WRITE, "test_create_read_replace_patch_delete_with_history"),
        (REQS, "test_201_and_204_answers_carry_no_content_type"),
        (REQS, "test_ambiguous_geometry_input_is_refused_with_the_reason")],
    "ogcapi-features-4/1.0/conf/update": [
        (ETS, "test_create_replace_update_delete_on_every_writable_layer"),
        (WRITE, "test_a_stale_if_match_is_412_and_changes_nothing"),
        (WRITE, "test_a_write_without_if_match_is_accepted_and_history_names_the_overwritten_version")],
    "ogcapi-features-4/1.0/conf/features": [(ETS, "test_create_replace_update_delete_on_every_writable_layer"),
                                            (WRITE, "test_a_feature_collection_is_created_whole_in_one_transaction")],
    "ogcapi-features-5/1.0/conf/schemas": [
        (SCHEMA, "test_every_collection_links_a_schema_derived_from_its_declaration")],
    "ogcapi-features-5/1.0/conf/returnables-and-receivables": [
        (SCHEMA, "test_every_collection_links_a_schema_derived_from_its_declaration"),
        (SCHEMA, "test_features_served_validate_against_their_schema"),
        (SCHEMA, "test_ogrinfo_gives_every_field_its_declared_type")],
    "cql2/1.0/conf/cql2-text": [(FILTER, "test_cql2_text_matches_the_same_sql")],
    "cql2/1.0/conf/cql2-json": [(FILTER, "test_cql2_json_matches_the_same_sql")],
    "cql2/1.0/conf/basic-cql2": [(FILTER, "test_cql2_text_matches_the_same_sql"),
                                 (ETS, "test_queryables_equality_and_cql2_filters_agree")],
    "cql2/1.0/conf/advanced-comparison-operators": [(FILTER, "test_cql2_text_matches_the_same_sql")],
    "cql2/1.0/conf/case-insensitive-comparison": [(FILTER, "test_case_insensitive_like_on_schools")],
    "cql2/1.0/conf/basic-spatial-functions": [(FILTER, "test_cql2_text_matches_the_same_sql")],
    "cql2/1.0/conf/basic-spatial-functions-plus": [(HERE, "test_s_intersects_takes_every_geometry_type")],
    "cql2/1.0/conf/spatial-functions": [(HERE, "test_every_spatial_function_matches_postgis")],
    "cql2/1.0/conf/temporal-functions": [(HERE, "test_temporal_functions_match_the_same_sql"), (HERE, "test_t_disjoint_in_cql2_json"),
                                         (FILTER, "test_cql2_text_matches_the_same_sql")],
    "ogcapi-common-1/1.0/conf/core": [(ETS, "test_landing_conformance_api_and_collections_list_every_readable_layer")],
    "ogcapi-common-2/1.0/conf/collections": [(ETS, "test_collection_metadata")],
    "ogcapi-tiles-1/1.0/conf/core": [(TILES, "test_every_public_layer_has_a_tileset_and_a_tile"),
                                     (TILES, "test_out_of_range_and_unknown_are_404_with_a_json_error"),
                                     (TILE_REQS, "test_an_empty_tile_is_204_without_content_type")],
    "ogcapi-tiles-1/1.0/conf/tileset": [(TILES, "test_every_public_layer_has_a_tileset_and_a_tile"),
                                        (TILES, "test_the_multi_layer_tileset_describes_every_public_layer")],
    "ogcapi-tiles-1/1.0/conf/tilesets-list": [(TILE_REQS, "test_every_public_collection_links_its_tilesets_list"),
                                              (TILE_REQS, "test_landing_page_links_the_dataset_tilesets_and_they_answer")],
    "ogcapi-tiles-1/1.0/conf/geodata-tilesets": [(TILE_REQS, "test_every_public_collection_links_its_tilesets_list")],
    "ogcapi-tiles-1/1.0/conf/dataset-tilesets": [
        (TILE_REQS, "test_landing_page_links_the_dataset_tilesets_and_they_answer"),
        (TILES, "test_the_multi_layer_tile_has_one_layer_per_requested_collection")],
    "ogcapi-tiles-1/1.0/conf/mvt": [(TILES, "test_point_coordinates_match_st_asmvtgeom"),
                                    (TILES, "test_the_tile_of_a_known_school_holds_its_name_and_public_properties_only"),
                                    (TILE_REQS, "test_tiles_are_gzipped_for_clients_that_accept_it")],
    "tms/2.0/conf/tilematrixset": [(TILES, "test_the_tile_matrix_set_is_webmercatorquad")],
}


@pytest.fixture
def client(admin_client):  # noqa: ANN001, ANN201
    """sample_points is data for testing, which only admins read over the web."""
    return admin_client


def test_every_declared_conformance_class_is_covered_by_existing_tests(client) -> None:  # noqa: ANN001
    """OGC 17-069r4 /req/core/conformance-success: what /conformance declares is what the server does; here,
    every declared class names tests that exist, and nothing is listed that is not declared."""
    declared = orjson.loads(client.get("/conformance").get_data())["conformsTo"]
    assert sorted(declared) == sorted(OGC + name for name in COVERAGE)
    for name, tests in COVERAGE.items():
        assert tests, name
        for module, function in tests:
            assert callable(getattr(importlib.import_module(module), function, None)), (name, module, function)


def matched(client, cql: str) -> int:  # noqa: ANN001
    response = client.get(f"/collections/sample_points/items?limit=10000&properties=kode&filter={quote(cql)}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return orjson.loads(response.get_data())["numberReturned"]


def count(engine, where: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM layers.sample_points WHERE {where}")).scalar_one()  # noqa: S608


BOX = "POLYGON((98.6 3.5, 98.7 3.5, 98.7 3.7, 98.6 3.7, 98.6 3.5))"


@pytest.mark.parametrize("wkt", [
    "POINT(98.67 3.59)", "MULTIPOINT((98.67 3.59), (98.65 3.6))", "LINESTRING(98.6 3.5, 98.7 3.7)",
    "MULTILINESTRING((98.6 3.5, 98.7 3.7), (98.6 3.7, 98.7 3.5))", BOX,
    "MULTIPOLYGON(((98.6 3.5, 98.65 3.5, 98.65 3.6, 98.6 3.6, 98.6 3.5)))",
    "GEOMETRYCOLLECTION(POINT(98.67 3.59), LINESTRING(98.6 3.5, 98.7 3.7))",
])
def test_s_intersects_takes_every_geometry_type(client, engine, wkt: str) -> None:  # noqa: ANN001
    """CQL2 /conf/basic-spatial-functions-plus: S_INTERSECTS with a literal of every geometry type."""
    where = f"ST_Intersects(geom, ST_GeomFromText('{wkt}', 4326))"
    assert matched(client, f"S_INTERSECTS(geometry, {wkt})") == count(engine, where)


@pytest.mark.parametrize(("function", "postgis"), [
    ("S_INTERSECTS", "ST_Intersects"), ("S_DISJOINT", "ST_Disjoint"), ("S_WITHIN", "ST_Within"),
    ("S_CONTAINS", "ST_Contains"), ("S_TOUCHES", "ST_Touches"), ("S_CROSSES", "ST_Crosses"),
    ("S_OVERLAPS", "ST_Overlaps"), ("S_EQUALS", "ST_Equals"),
])
def test_every_spatial_function_matches_postgis(client, engine, function: str, postgis: str) -> None:  # noqa: ANN001
    """CQL2 /conf/spatial-functions: each of the eight spatial comparison functions selects what
    the same PostGIS predicate does."""
    assert matched(client, f"{function}(geometry, {BOX})") == count(engine, f"{postgis}(geom, ST_GeomFromText('{BOX}', 4326))")


@pytest.mark.parametrize(("cql", "where"), [
    ("T_AFTER(waktu, TIMESTAMP('2024-01-01T00:00:00Z'))", "waktu > '2024-01-01T00:00:00Z'"),
    ("T_BEFORE(waktu, TIMESTAMP('2024-01-01T00:00:00Z'))", "waktu < '2024-01-01T00:00:00Z'"),
    ("T_DISJOINT(waktu, INTERVAL('2023-01-01T00:00:00Z', '2024-01-01T00:00:00Z'))",
     "waktu < '2023-01-01T00:00:00Z' OR waktu > '2024-01-01T00:00:00Z'"),
    ("T_EQUALS(waktu, TIMESTAMP('2024-01-01T00:00:00Z'))", "waktu = '2024-01-01T00:00:00Z'"),
    ("T_INTERSECTS(waktu, INTERVAL('2023-01-01T00:00:00Z', '2024-01-01T00:00:00Z'))",
     "waktu BETWEEN '2023-01-01T00:00:00Z' AND '2024-01-01T00:00:00Z'"),
])
def test_temporal_functions_match_the_same_sql(client, engine, cql: str, where: str) -> None:  # noqa: ANN001
    """CQL2 /conf/temporal-functions: the temporal comparison functions on an instant property."""
    assert matched(client, cql) == count(engine, where)


def test_t_disjoint_in_cql2_json(client, engine) -> None:  # noqa: ANN001
    """CQL2 /conf/temporal-functions with /conf/cql2-json: t_disjoint, which pygeofilter 0.4.0 lacks."""
    cql = orjson.dumps({"op": "t_disjoint", "args": [
        {"property": "waktu"}, {"interval": ["2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z"]}]}).decode()
    response = client.get(f"/collections/sample_points/items?limit=10000&properties=kode&filter-lang=cql2-json"
                          f"&filter={quote(cql)}")
    assert response.status_code == 200, response.get_data(as_text=True)
    expected = count(engine, "waktu < '2023-01-01T00:00:00Z' OR waktu > '2024-01-01T00:00:00Z'")
    assert orjson.loads(response.get_data())["numberReturned"] == expected

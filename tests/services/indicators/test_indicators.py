"""The indicator registry, the compute functions and the summary: the fast path (the summary the
dashboard reads) equals the slow one (each declared compute function run directly)."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from layers.registry import get_registry
from services.indicators import dashboard, summary
from services.indicators.registry import (
    IndicatorDeclarationError,
    compute_function,
    get_indicators,
    load_file,
)
from tests.fixtures.indicators import PERIOD

SEAM_INDICATORS = {"complaint_sla", "permit_days", "pbb_collection", "ppdb_acceptance", "flood_exposure"}


def test_every_declared_indicator_names_real_layers_and_an_importable_function() -> None:
    registry = get_indicators()
    assert set(registry.ids) >= SEAM_INDICATORS
    for spec in registry:
        function = compute_function(spec)
        assert list(inspect.signature(function).parameters) == ["conn", "start", "end"], spec.id
        assert set(spec.layers) <= set(get_registry().ids), spec.id
        assert spec.provenance.id and spec.provenance.en, spec.id


def test_a_declaration_with_a_repeated_field_error_or_unknown_layer_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "indicators.yaml"
    bad.write_text("- {id: x, title: {id: a, en: a}, unit: '%', better: up, compute: 'a:b', provenance: {id: a, en: a}}\n")
    with pytest.raises(IndicatorDeclarationError, match="better"):
        load_file(bad)
    bad.write_text("- {id: x, title: {id: a, en: a}, unit: '%', better: higher, compute: 'a:b', "
                   "provenance: {id: a, en: a}, layers: [no_such_layer]}\n")
    with pytest.raises(IndicatorDeclarationError, match="no_such_layer"):
        load_file(bad)


def _key(row: dict) -> tuple:
    return (row["kode_kec"] or "", row["agency"] or "", row["month"])


@pytest.mark.parametrize("indicator", sorted(SEAM_INDICATORS))
def test_the_summary_equals_the_direct_computation(indicators_engine: Engine, indicator: str) -> None:
    spec = get_indicators().get(indicator)
    with indicators_engine.connect() as conn:
        direct = compute_function(spec)(conn, start=PERIOD[0], end=PERIOD[1])
        stored = summary.summary_rows(conn, indicator)
    assert len(direct) > 0, "the synthetic history gives every indicator figures"
    assert sorted(stored, key=_key) == sorted(direct, key=_key)


def test_the_city_figure_is_computed_over_all_records_not_averaged(indicators_engine: Engine) -> None:
    with indicators_engine.connect() as conn:
        rows = summary.summary_rows(conn, "complaint_sla")
    month = max(r["month"] for r in rows if r["kode_kec"] is None and r["n"] > 20)
    city = next(r for r in rows if r["kode_kec"] is None and r["agency"] is None and r["month"] == month)
    parts = [r for r in rows if r["kode_kec"] and r["agency"] is None and r["month"] == month]
    assert city["n"] == sum(r["n"] for r in parts)
    weighted = sum(r["value"] * r["n"] for r in parts) / city["n"]
    assert city["value"] == pytest.approx(weighted, abs=1e-3)


def test_a_complaint_resolved_late_lowers_the_figure_after_a_refresh(indicators_engine: Engine) -> None:
    """Refreshed by command: the summary keeps its figure until refreshed, then counts the new report."""
    with indicators_engine.begin() as conn:
        before = dashboard.series(conn, "complaint_sla")["points"]
        month = date(2026, 6, 1)
        old = next(p for p in before if p["month"] == "2026-06")
        filed = datetime(2026, 6, 10, 3, tzinfo=UTC)
        conn.execute(text("""INSERT INTO layers.complaints (service_request_id, service_code, status, requested_datetime,
            updated_datetime, state_since, agency, supporters, kode_kel, source, geom) VALUES ('SIN-TEST-1', 'SAMPAH',
            'resolved', :f, :late, :late, 'DLH', 0, '12.71.01.1001', 'synthetic', ST_SetSRID(ST_Point(98.68, 3.59), 4326))"""),
                     {"f": filed, "late": filed + timedelta(days=30)})
        assert dashboard.series(conn, "complaint_sla")["points"] == before
        summary.refresh_one(conn, get_indicators().get("complaint_sla"), *PERIOD)
        after = next(p for p in dashboard.series(conn, "complaint_sla")["points"]
                     if p["month"] == "2026-06")
        conn.rollback()
    assert after["n"] == old["n"] + 1
    assert after["value"] == pytest.approx(old["value"] * old["n"] / (old["n"] + 1), abs=1e-3)
    assert month.month == 6


def test_provenance_names_the_words_the_function_the_sql_and_the_count(indicators_engine: Engine) -> None:
    with indicators_engine.connect() as conn:
        shown = dashboard.series(conn, "permit_days", kode_kec="12.71.05")["points"][-1]
        proof = dashboard.provenance(conn, "permit_days", kode_kec="12.71.05",
                                     month=dashboard.parse_month(shown["month"]))
    assert proof["value"] == shown["value"] and proof["n"] == shown["n"] > 0
    assert "percentile_cont(0.5)" in proof["sql"] and "permit_cases" in proof["sql"]
    assert "def permit_days" in proof["function_source"]
    assert proof["provenance"]["id"].startswith("Dari lapisan permit_cases")
    assert proof["period"]["start"] == PERIOD[0].isoformat() and proof["period"]["rows"] > 0


def test_the_refresher_refreshes_every_indicator_at_each_pass(indicators_engine: Engine) -> None:
    """`./medan run` refreshed once at start-up, so figures fed later (punches, bed reports) stayed empty."""
    waits: list[float] = []
    with indicators_engine.connect() as conn:
        before = conn.execute(text("SELECT now()")).scalar_one()
    try:
        assert summary.refresh_every(indicators_engine, 7.0, passes=2, wait=waits.append) == 2
        with indicators_engine.connect() as conn:
            fresh = set(conn.execute(text("SELECT indicator FROM indicators.refreshes WHERE refreshed_at >= :t"),
                                     {"t": before}).scalars())
        assert waits == [7.0]  # between passes, not before the first
        assert fresh == set(get_indicators().ids)
    finally:  # the other tests read the fixture's period
        summary.refresh(indicators_engine, start=PERIOD[0], end=PERIOD[1])


def test_a_refresh_pass_that_cannot_reach_the_database_is_logged_and_the_next_runs(caplog) -> None:  # noqa: ANN001
    from layers.db import engine_for

    unreachable = engine_for("postgresql+psycopg2://nobody@127.0.0.1:9/none?connect_timeout=2")
    assert summary.refresh_every(unreachable, 0.0, passes=2, wait=lambda _s: None) == 2
    assert sum("indicators refresh failed" in r.getMessage() for r in caplog.records) == 2


def test_medan_run_starts_the_refresher_beside_the_web_server() -> None:
    from webgis.services import background_commands

    commands = dict(background_commands("postgresql://unused"))
    assert commands["indicators refresher"][-3:] == ["services", "indicators", "run"]

"""Analyses against the real database: results, provenance, re-runs, and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from layers import InvalidFeature, engine_for, read_layer, update_feature
from services.analysis import access, food, risk, transit
from services.analysis.common import AnalysisError, latest_runs, publish
from tests.helpers.rasters import write_raster


def _history(engine, layer: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM core.feature_history WHERE layer = :l"), {"l": layer}).scalar_one()


def test_risk_publishes_with_provenance_and_follows_its_inputs(isolated_database_url: str) -> None:
    engine = engine_for(isolated_database_url)
    first = risk.run_risk(engine)
    runs = latest_runs(engine, "risk")
    assert runs[0]["id"] == first.run_id
    assert runs[0]["inputs"]["layers"]["poverty"]["count"] == 151
    assert len(runs[0]["inputs"]["files"]["hazard"]["sha256"]) == 64
    assert runs[0]["parameters"]["weights"] == risk.DEFAULT_WEIGHTS
    zones = read_layer(engine, "disaster_risk_zones")
    assert len(zones) == 151 and set(zones["kelas"]) <= {"rendah", "sedang", "tinggi"}
    assert (zones["source"] == "analysis:risk").all()

    before = _history(engine, "flood_exposure")
    again = risk.run_risk(engine)
    assert again.outputs["flood_exposure"] == {"inserted": 0, "updated": 0, "deleted": 0}
    assert _history(engine, "flood_exposure") == before  # unchanged inputs write nothing

    poverty = read_layer(engine, "poverty")
    fid = int(poverty.index[0])
    code = poverty.loc[fid, "kode_kel"]
    update_feature(engine, "poverty", fid, {"type": "Feature", "properties": {"penduduk": 999_999}},
                   actor="test", partial=True)
    changed = risk.run_risk(engine)
    assert changed.outputs["flood_exposure"]["updated"] >= 1
    exposure = read_layer(engine, "flood_exposure", where={"kode_kel": code})
    assert int(exposure["penduduk"].iloc[0]) == 999_999


def test_a_failing_run_writes_nothing(isolated_database_url: str, tmp_path: Path) -> None:
    engine = engine_for(isolated_database_url)
    exposure_before = read_layer(engine, "flood_exposure")
    good = risk.compute_risk(read_layer(engine, "kelurahan"), read_layer(engine, "poverty"),
                             read_layer(engine, "schools"), read_layer(engine, "health_facilities"),
                             read_layer(engine, "transit_routes"),
                             risk.open_hazard(risk.FLOOD_INDEX_FILE, read_layer(engine, "kelurahan")),
                             None, risk.RiskParameters(weights={"bahaya": 1.0, "keterpaparan": 0, "kejadian": 0}))
    assert not np.allclose(good["flood_exposure"]["penduduk_terpapar"], 0)
    broken = good["disaster_risk_zones"].copy()
    broken.loc[0, "kelas"] = "ekstrem"  # not an allowed class: the second layer fails validation
    with pytest.raises(InvalidFeature):
        publish(engine, "risk", {"flood_exposure": good["flood_exposure"].assign(penduduk_terpapar=0),
                                 "disaster_risk_zones": broken},
                input_layers=[], parameters={}, started_at=risk.now())
    after = read_layer(engine, "flood_exposure")
    assert after.drop(columns="geometry").equals(exposure_before.drop(columns="geometry"))
    assert latest_runs(engine) == []
    far = write_raster(tmp_path / "far.tif", np.ones((5, 5)), risk_transform(), "EPSG:4326")
    with pytest.raises(AnalysisError, match="does not overlap"):
        risk.run_risk(engine, hazard_path=far)
    with pytest.raises(AnalysisError, match="sum to 1"):
        food.run_food(engine, weights={"persen_miskin": 1.0, "jarak_pasar_km": 1.0})
    assert latest_runs(engine) == []


def risk_transform():  # noqa: ANN201
    from affine import Affine

    return Affine(0.01, 0, 106.8, 0, -0.01, -6.1)  # Jakarta, not Medan


def test_every_other_analysis_publishes(isolated_database_url: str) -> None:
    engine = engine_for(isolated_database_url)
    for report in (food.run_food(engine), transit.run_transit_coverage(engine, radius_m=300),
                   access.run_access(engine)):
        assert report.run_id > 0
    coverage = read_layer(engine, "transit_coverage")
    assert set(coverage["radius_m"]) == {300.0} and 0 < transit.citywide_share(coverage) < 100
    assert {r["analysis"] for r in latest_runs(engine)} == {"food", "transit", "access"}

"""Seeds of the device layers: the demo city's fleet, example alarms and congestion (all synthetic).

Every device layer's declaration names its generator here
(`generator: devices.seed:<function>`). Devices are placed inside the real
kelurahan, denser in the centre, and addressed as devices/addressing.py says,
so the simulator answers for each of them. Deterministic, like every generator.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point

from devices.addressing import (
    ATCS_PORT_BASE,
    ATTENDANCE_PORT_BASE,
    CCTV_PORT_BASE,
    MODBUS_HOST,
    STREET_LIGHT_PORT_BASE,
    WIFI_PORT_BASE,
    modbus_port,
    modbus_unit,
)
from devices.registry import device_layers
from devices.rules import load_rules
from devices.simcamera import SNAPSHOT_PORT
from devices.traffic import APPROACHES
from devices.traffic import load_rules as load_traffic_rules
from geodata.seed import generate
from geodata.synthetic.common import (
    DEFAULT_SEED,
    geoframe,
    layer_rng,
    locate,
    numbered,
    prepare_kelurahan,
    random_dates,
    sample_in_kelurahan,
    to_wgs,
)
from geodata.synthetic.parks import generate_parks
from geodata.synthetic.transit import generate_transit_routes, routes_utm

# Example alarms: a few per device layer, opened over the 25 days from this moment.
EXAMPLES_PER_LAYER = 3
FIRST_OPENED = datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
# The project's simulator speaks Modbus TCP; a seeded device says so rather than leaving it empty.
SIMULATOR_TRANSPORT = "tcp"

def _device_frame(kel: gpd.GeoDataFrame, points: list[Point], labels: list[str],
                  rng: np.random.Generator, kind: str, model: str,
                  port_base: int, poll_s: float) -> gpd.GeoDataFrame:
    where = locate(points, kel)
    names = numbered(f"{label} {kel['nama_kel'].iat[i]}" for label, i in zip(labels, where, strict=True))
    installed = random_dates(rng, len(points), date(2017, 1, 1), date(2025, 12, 31))
    inactive = rng.random(len(points)) < 0.04
    width = 3 if kind == "ATCS" else 4
    records = [{
        "kode": f"{kind}-{i + 1:0{width}d}",
        "nama": names[i],
        "model": model,
        "status": "nonaktif" if inactive[i] else "aktif",
        "dipasang": installed[i],
        "modbus_host": MODBUS_HOST,
        "modbus_port": modbus_port(port_base, i),
        "modbus_unit": modbus_unit(i),
        "modbus_transport": SIMULATOR_TRANSPORT,
        "poll_interval_s": poll_s,
    } for i in range(len(points))]
    columns = ["kode", "nama", "model", "status", "dipasang", "modbus_host",
               "modbus_port", "modbus_unit", "modbus_transport", "poll_interval_s"]
    return geoframe(records, points, columns)


def generate_cctv(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, n: int = 120,
                  **context) -> gpd.GeoDataFrame:
    """City CCTV cameras, mostly at intersections, denser in the centre."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "cctv")
    points = sample_in_kelurahan(kel, rng, n, central_weight=4.0, min_gap_m=150.0)
    labels = rng.choice(["Simpang", "Jalan", "Taman"], size=n, p=[0.6, 0.3, 0.1]).tolist()
    frame = _device_frame(kel, points, labels, rng, "CCTV", "cctv_ipcam_v1", CCTV_PORT_BASE, 5.0)
    # Where the simulator's cameras serve their still image and would stream (devices/simcamera.py).
    frame.insert(frame.columns.get_loc("poll_interval_s"), "snapshot_url",
                 [f"http://{MODBUS_HOST}:{SNAPSHOT_PORT}/snapshot/{k}.png" for k in frame["kode"]])
    frame.insert(frame.columns.get_loc("poll_interval_s"), "stream_url",
                 [f"rtsp://{MODBUS_HOST}:8554/{k}" for k in frame["kode"]])
    return frame


def generate_atcs_intersections(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                                n: int = 60, **context) -> gpd.GeoDataFrame:
    """Signalised intersections with ATCS controllers, denser in the centre."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "atcs_intersections")
    points = sample_in_kelurahan(kel, rng, n, central_weight=4.0, min_gap_m=400.0)
    return _device_frame(kel, points, ["Simpang"] * n, rng, "ATCS", "atcs_controller_v1",
                         ATCS_PORT_BASE, 1.0)


def _points_on_routes(routes: gpd.GeoDataFrame, rng: np.random.Generator, n: int) -> list[Point]:
    lines = [shapely.line_merge(g) for g in routes_utm(routes)]
    lengths = np.array([line.length for line in lines])
    picks = rng.choice(len(lines), size=n, p=lengths / lengths.sum())
    at = rng.uniform(0, 1, size=n)
    on_line = [lines[r].interpolate(float(f), normalized=True) for r, f in zip(picks, at, strict=True)]
    return list(to_wgs(np.asarray(on_line, dtype=object)))


def generate_street_lights(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, n: int = 600,
                           routes: gpd.GeoDataFrame | None = None,
                           **context) -> gpd.GeoDataFrame:
    """Solar street lights: about 60 % along the angkot routes, the rest in neighbourhoods."""
    kel = prepare_kelurahan(kelurahan)
    if routes is None:
        routes = generate_transit_routes(kelurahan, seed=seed)
    rng = layer_rng(seed, "street_lights")
    on_routes = int(round(n * 0.6)) if len(routes) else 0
    points = _points_on_routes(routes, rng, on_routes) if on_routes else []
    points += sample_in_kelurahan(kel, rng, n - on_routes, central_weight=2.0)
    labels = ["Jalan"] * on_routes + rng.choice(["Gang", "Taman"], size=n - on_routes,
                                                p=[0.85, 0.15]).tolist()
    return _device_frame(kel, points, labels, rng, "LPJU", "lpju_solar_v1",
                         STREET_LIGHT_PORT_BASE, 10.0)


# Access points per park and how far apart they stand (degrees of longitude, ~40 m).
WIFI_APS_PER_PARK = 2
WIFI_AP_SPACING_DEG = 0.00036


def generate_wifi_access_points(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                                **context) -> gpd.GeoDataFrame:
    """Two Wi-Fi access points in each park of the parks layer, a little apart, all active."""
    parks = generate_parks(kelurahan, seed=seed)
    rng = layer_rng(seed, "wifi_access_points")
    installed = random_dates(rng, len(parks) * WIFI_APS_PER_PARK, date(2021, 1, 1), date(2025, 12, 31))
    records, points = [], []
    for park_code, park_name, centre in zip(parks["kode"], parks["nama"], parks.geometry, strict=True):
        for j in range(WIFI_APS_PER_PARK):
            i = len(records)
            offset = (j - (WIFI_APS_PER_PARK - 1) / 2) * WIFI_AP_SPACING_DEG
            points.append(Point(centre.x + offset, centre.y))
            records.append({"kode": f"WIFI-{i + 1:03d}", "nama": f"{park_name} AP {j + 1}", "model": "wifi_ap_v1",
                            "status": "aktif", "dipasang": installed[i], "taman": park_code,
                            "modbus_host": MODBUS_HOST, "modbus_port": modbus_port(WIFI_PORT_BASE, i),
                            "modbus_unit": modbus_unit(i), "modbus_transport": SIMULATOR_TRANSPORT,
                            "poll_interval_s": 30.0})
    return geoframe(records, points, list(records[0]))


def generate_attendance_machines(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                                 **context) -> gpd.GeoDataFrame:
    """One attendance machine per kecamatan office and per kelurahan office.

    The offices' real addresses are not in the seed data, so each kelurahan office
    stands at its polygon's representative point and each kecamatan office at the
    representative point of the union of its kelurahan.
    """
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "attendance_machines")
    kec = kel.dissolve(by="nama_kec", as_index=False, aggfunc="first").sort_values("nama_kec")
    places = [(f"Kantor Camat {k}", g.representative_point(), f"KC-{code}")
              for k, g, code in zip(kec["nama_kec"], kec.geometry, kec["kode_kec"], strict=True)]
    # Kelurahan names repeat across kecamatan; the kecamatan makes each office's name unique.
    places += [(f"Kantor Lurah {k} ({c})", g, f"KL-{code}")
               for k, c, g, code in zip(kel["nama_kel"], kel["nama_kec"], kel["rep"], kel["kode_kel"], strict=True)]
    names = [label for label, _, _ in places]
    installed = random_dates(rng, len(places), date(2018, 1, 1), date(2025, 12, 31))
    inactive = rng.random(len(places)) < 0.04
    records = [{"kode": f"ABSEN-{i + 1:04d}", "nama": names[i], "model": "attendance_v1",
                "status": "nonaktif" if inactive[i] else "aktif", "dipasang": installed[i], "kantor": places[i][2],
                "modbus_host": MODBUS_HOST, "modbus_port": modbus_port(ATTENDANCE_PORT_BASE, i),
                "modbus_unit": modbus_unit(i), "modbus_transport": SIMULATOR_TRANSPORT,
                "poll_interval_s": 10.0} for i in range(len(places))]
    return geoframe(records, [g for _, g, _ in places], list(records[0]))


def generate_device_alarms(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                           **context: object) -> gpd.GeoDataFrame:
    """Cleared example alarms at seeded devices, a few per device layer.

    They are past, cleared alarms (``source = synthetic``): the seed never invents an
    open alarm, which would have no row in devices.alarms behind it and nobody to clear it.
    """
    rules = load_rules()
    rng = np.random.default_rng(seed)
    records, points = [], []
    for spec in device_layers():
        if spec.seed.kind != "synthetic":
            continue
        devices = generate(spec, kelurahan)
        for row in rng.choice(len(devices), size=min(EXAMPLES_PER_LAYER, len(devices)), replace=False):
            device = devices.iloc[int(row)]
            model_rules = rules.get(device["model"], [])
            if not model_rules:
                continue
            rule = model_rules[int(rng.integers(len(model_rules)))]
            opened = FIRST_OPENED + timedelta(hours=int(rng.integers(0, 24 * 25)))
            n = len(records) + 1
            records.append({
                "kode": f"SEED-{n:04d}", "device_layer": spec.id, "device_code": device[spec.key],
                "model": device["model"], "rule": rule.id, "severity": rule.severity, "state": "cleared",
                "message": rule.title["id"], "value": None, "opened_at": opened,
                "ack_at": opened + timedelta(minutes=12), "ack_by": "operator:contoh",
                "cleared_at": opened + timedelta(minutes=47)})
            points.append(device.geometry)
    return gpd.GeoDataFrame(records, geometry=points, crs="EPSG:4326")


def generate_traffic_congestion(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    """Congestion at the seeded intersections, a plausible level each by devices/traffic.yaml."""
    frame = generate_atcs_intersections(kelurahan)
    rng = np.random.default_rng(6)
    rules = load_traffic_rules()
    queues = rng.gamma(2.0, 30.0, size=len(frame)).round(1)
    out = frame[["kode", "nama", "geometry"]].copy()
    out["queue_avg_m"] = queues
    out["queue_max_m"] = (queues * rng.uniform(1.2, 1.8, size=len(frame))).round(1)
    out["vehicles_per_hour"] = rng.uniform(800, 2800, size=len(frame)).round(0)
    out["level"] = [rules.level(float(q), rules.min_samples) for q in queues]
    out["worst_approach"] = rng.choice(list(APPROACHES), size=len(frame))
    out["window_min"] = rules.window_min
    out["samples"] = 0
    out["updated"] = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
    return out[[*(c for c in out.columns if c != "geometry"), "geometry"]]

"""The offices of the city government and the WAN that links them, deterministic, inside the real kelurahan.

Where a point is known it is used and cited (`lokasi`, `source`):
- the Kantor Wali Kota Medan, Jl. Kapten Maulana Lubis No. 2 (Petisah Tengah, Medan Petisah), the
  Secretariat's (SETDA) head office: a public address, placed by hand on the west bank of the Sei Deli
  where the street meets the river (approximate, about 50 m);
- RSUD Dr. Pirngadi (the hospital agency) and the puskesmas, the Health Office's technical units (UPT),
  from the Kemenkes facility registry of 2019 (the `health_facilities` layer's seed, geodata/data).
Every other office is synthetic: a head office in the central kecamatan, each camat office at the
representative point of its kecamatan and each lurah office at its kelurahan's (the rule the attendance
machines, which stand in these offices, follow: devices/seed.py).

The WAN plan is synthetic (Diskominfo has published no inventory): a star from the city data centre in
Diskominfo's office, fibre to the head offices and district offices, radio or VPN from each district office
to its kelurahan offices, VPN from the Health Office to its puskesmas. Monitoring addresses follow a
private addressing plan (10.71.0.0/16 for the city's own sites, 10.72.0.0/16 for UPT).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from geodata.seed import seed_input
from geodata.synthetic.common import (
    CENTRAL_KECAMATAN,
    DEFAULT_SEED,
    geoframe,
    layer_rng,
    locate,
    prepare_kelurahan,
    sample_in_kelurahan,
    to_utm,
    to_wgs,
)
from services.skpd.agencies import get_agencies

# The Kantor Wali Kota Medan: Jl. Kapten Maulana Lubis No. 2 (lon, lat), see the module's docstring.
BALAI_KOTA = Point(98.6748, 3.5906)
BALAI_KOTA_ADDRESS = "Jl. Kapten Maulana Lubis No. 2, Petisah Tengah, Medan Petisah, Medan 20112"
HOSPITAL_CODE = "R1275013"  # RSUD Dr. Pirngadi in the Kemenkes registry
DATA_CENTRE = "SKPD-DISKOMINFO"
HEALTH_OFFICE = "SKPD-DINKES"
MONITOR_PORT = 443  # the management port of each site's router
# Agencies whose offices are the KC-/KL- offices, not one head office.
AREA_AGENCIES = {"KECAMATAN", "KELURAHAN"}
OFFICE_COLUMNS = ["kode", "nama", "jenis", "agency", "alamat", "kode_kel", "nama_kel", "kode_kec", "nama_kec",
                  "lokasi", "monitor_host", "monitor_port", "source"]
LINK_COLUMNS = ["kode", "dari", "ke", "jenis", "bandwidth_mbps", "provider", "agency"]
FIBRE_PROVIDER = "Jaringan serat optik Pemko Medan (Diskominfo)"
LEASED_PROVIDERS = ["PT Telkom Indonesia (Metro-E)", "PT Indonesia Comnets Plus (ICON+)", "PT Lintasarta"]
BROADBAND_PROVIDERS = ["IndiHome (VPN IPsec)", "Biznet (VPN IPsec)", "MyRepublic (VPN IPsec)"]


def _office(kode: str, nama: str, jenis: str, agency: str, lokasi: str, host: str, *,
            alamat: str | None = None, source: str = "synthetic") -> dict:
    return {"kode": kode, "nama": nama, "jenis": jenis, "agency": agency, "alamat": alamat, "lokasi": lokasi,
            "monitor_host": host, "monitor_port": MONITOR_PORT, "source": source}


def _head_offices(kel: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, seed: int) -> list[tuple[dict, Point]]:
    agencies = [a for a in get_agencies() if a.code not in AREA_AGENCIES]
    central = kel[kel["nama_kec"].isin(CENTRAL_KECAMATAN)].reset_index(drop=True)
    made_up = iter(sample_in_kelurahan(central, layer_rng(seed, "offices-head"), len(agencies),
                                       central_weight=1.0, min_gap_m=250.0))
    hospital = facilities[facilities["kode_faskes"] == HOSPITAL_CODE]
    out = []
    for n, agency in enumerate(agencies, start=1):
        host = f"10.71.0.{n}"
        name = f"Kantor {agency.name.id}"
        if agency.code == "SETDA":
            office = _office("SKPD-SETDA", "Kantor Wali Kota Medan (Sekretariat Daerah)", "skpd", "SETDA",
                             "alamat_publik", host, alamat=BALAI_KOTA_ADDRESS, source="alamat-publik")
            out.append((office, BALAI_KOTA))
        elif agency.code == "RSUD" and len(hospital):
            row = hospital.iloc[0]
            office = _office("SKPD-RSUD", "RSUD Dr. Pirngadi Kota Medan", "skpd", "RSUD", "registri_kemenkes_2019",
                             host, alamat=row["alamat"], source="kemenkes-2019")
            out.append((office, row.geometry))
        else:
            out.append((_office(f"SKPD-{agency.code}", name, "skpd", agency.code, "sintetis", host), next(made_up)))
    return out


def _area_offices(kel: gpd.GeoDataFrame) -> list[tuple[dict, Point]]:
    out = []
    for kode_kec, members in kel.groupby("kode_kec", sort=True):
        kk = kode_kec.rsplit(".", 1)[-1]
        name = members["nama_kec"].iat[0]
        office = _office(f"KC-{kode_kec}", f"Kantor Camat {name}", "kecamatan", "KECAMATAN", "sintetis",
                         f"10.71.{int(kk)}.1")
        out.append((office, members.dissolve().geometry.iat[0].representative_point()))
    for row in kel.itertuples():
        kk, ddd = row.kode_kel.split(".")[2], row.kode_kel.split(".")[3]
        office = _office(f"KL-{row.kode_kel}", f"Kantor Lurah {row.nama_kel} ({row.nama_kec})", "kelurahan",
                         "KELURAHAN", "sintetis", f"10.71.{int(kk)}.{10 + int(ddd) % 1000}")
        out.append((office, row.rep))
    return out


def _health_units(facilities: gpd.GeoDataFrame) -> list[tuple[dict, Point]]:
    # Puskesmas Bromo (Jl. Rotary, Medan Denai) sits 0.46 km outside the simplified city boundary in
    # the registry's coordinates; it is left out until its location is confirmed, since every office
    # and link of these layers must lie inside the city's polygons.
    inside = facilities["kode_kel"].notna()
    puskesmas = facilities[(facilities["jenis"] == "Puskesmas") & inside].sort_values("kode_faskes").reset_index(drop=True)
    out = []
    for n, row in enumerate(puskesmas.itertuples(), start=1):
        office = _office(f"UPT-DINKES-{n}", f"UPT Puskesmas {row.nama.title()}", "upt", "DINKES",
                         "registri_kemenkes_2019", f"10.72.0.{n}", alamat=row.alamat, source="kemenkes-2019")
        out.append((office, row.geometry))
    return out


def generate_offices(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context: object) -> gpd.GeoDataFrame:
    """Every office: head offices, the 21 camat and 151 lurah offices, the puskesmas (UPT of DINKES)."""
    kel = prepare_kelurahan(kelurahan)
    facilities = seed_input("health_facilities", kelurahan)
    placed = _head_offices(kel, facilities, seed) + _area_offices(kel) + _health_units(facilities)
    records, points = [r for r, _ in placed], [p for _, p in placed]
    rows = locate(points, kel)
    for record, point, row in zip(records, points, rows, strict=True):
        inside = kel.geometry.iat[row].covers(point)
        for column in ("kode_kel", "nama_kel", "kode_kec", "nama_kec"):
            record[column] = kel[column].iat[row] if inside else None
    return geoframe(records, points, OFFICE_COLUMNS)


STEP_M = 50.0  # spacing of the points of a link pulled inside the city
EDGE_M = 30.0  # how far inside the city's edge a pulled point lies


def _kept_inside(line: LineString, city: BaseGeometry, inner: BaseGeometry) -> MultiLineString:
    """The straight line between two offices, kept inside the city: where it would leave it (its waist
    between the centre and Belawan is narrow) its outside stretch is pulled onto the city's inner edge,
    and what still crosses a gap between the simplified kelurahan polygons is left out (as the waste
    routes do): a cable follows the city's streets, which this synthetic plan does not know."""
    utm = to_utm(line)
    if not city.covers(utm):
        steps = np.linspace(0.0, utm.length, max(3, int(utm.length // STEP_M) + 1))
        points = [utm.interpolate(d) for d in steps]
        middle = [p if city.covers(p) else nearest_points(inner, p)[0] for p in points[1:-1]]
        utm = LineString([utm.coords[0], *[p.coords[0] for p in middle], utm.coords[-1]])
    inside = shapely.intersection(utm, city)
    parts = [g for g in getattr(inside, "geoms", [inside]) if isinstance(g, LineString) and not g.is_empty]
    return to_wgs(MultiLineString(parts))


def _link(a: dict, b: dict, kind: str, mbps: float, provider: str,
          line: MultiLineString) -> tuple[dict, MultiLineString]:
    return ({"kode": f"LNK-{a['kode']}--{b['kode']}", "dari": a["kode"], "ke": b["kode"], "jenis": kind,
             "bandwidth_mbps": mbps, "provider": provider, "agency": "DISKOMINFO"}, line)


def generate_network_links(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                           **context: object) -> gpd.GeoDataFrame:
    """The WAN star: data centre -> head offices and camat offices -> lurah offices; DINKES -> puskesmas."""
    offices = seed_input("offices", kelurahan)
    rng = layer_rng(seed, "network_links")
    by_code = {r["kode"]: (r, g) for r, g in zip(offices.to_dict("records"), offices.geometry, strict=True)}
    centre, centre_point = by_code[DATA_CENTRE]
    city = shapely.union_all(to_utm(prepare_kelurahan(kelurahan).geometry.values))
    inner = city.buffer(-EDGE_M)
    links = []
    for code, (office, point) in by_code.items():
        if office["jenis"] == "skpd" and code != DATA_CENTRE:
            up, up_point, kind, mbps, provider = centre, centre_point, "fiber", 1000.0, FIBRE_PROVIDER
        elif office["jenis"] == "kecamatan":
            up, up_point, kind = centre, centre_point, "fiber"
            mbps, provider = 100.0, str(rng.choice(LEASED_PROVIDERS))
        elif office["jenis"] == "kelurahan":
            up, up_point = by_code[f"KC-{code.removeprefix('KL-').rsplit('.', 1)[0]}"]
            kind = "radio" if rng.random() < 0.6 else "vpn"
            mbps = 20.0 if kind == "radio" else 50.0
            provider = "Radio PtP 5 GHz (Diskominfo)" if kind == "radio" else str(rng.choice(BROADBAND_PROVIDERS))
        elif office["jenis"] == "upt":
            up, up_point = by_code[HEALTH_OFFICE]
            kind, mbps, provider = "vpn", 30.0, str(rng.choice(BROADBAND_PROVIDERS))
        else:
            continue
        line = _kept_inside(LineString([up_point.coords[0], point.coords[0]]), city, inner)
        links.append(_link(up, office, kind, mbps, provider, line))
    return geoframe([r for r, _ in links], [g for _, g in links], LINK_COLUMNS)


"""Schools whose location is in doubt: the list staff work through to correct them.

The database flags a school `lokasi_diragukan` when its point lies in no
kelurahan of Medan (migration 0015): wrong coordinates in the
Kemendikbud source, or a school of a neighbouring regency. Such schools take
no part in PPDB zoning and in exposure counts until a correction (an edit of
the point through the layer API or the history page) clears the flag.
"""

from __future__ import annotations

import geopandas as gpd

from layers import read_layer
from layers.tables import Bind

COLUMNS = ["npsn", "nama", "jenjang", "status", "alamat", "kecamatan_sumber", "catatan_lokasi"]


def doubtful_schools(bind: Bind) -> gpd.GeoDataFrame:
    """The flagged schools, by source kecamatan then name, with lon/lat to check against the address."""
    schools = read_layer(bind, "schools", where={"lokasi_diragukan": True}, columns=COLUMNS)
    schools = schools.assign(lon=schools.geometry.x.round(6), lat=schools.geometry.y.round(6))
    return schools.sort_values(["kecamatan_sumber", "nama"], kind="stable")

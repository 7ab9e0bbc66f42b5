"""Print the homepage map (/peta) server-side, the way a QGIS print layout would.

`parse_print_request` turns a permalink's state (centre, zoom, visible layers,
basemap) and the page options (paper, orientation, format, title) into a checked
`PrintRequest`, refusing bad input before anything is read; `render_print` draws
it from PostGIS with matplotlib and geopandas: the map frame, a legend of the
visible layers only, a scale bar, a north arrow, the date and every drawn
layer's attribution. Layers are read through `layers.read_layer` with the
requesting principal, so layers/access.py decides what a print may show.
Flask-free: the web, a notebook and the benchmark call the same functions.
"""

from services.mapprint.render import render_print
from services.mapprint.request import PrintInputError, PrintRequest, parse_print_request

__all__ = ["PrintInputError", "PrintRequest", "parse_print_request", "render_print"]

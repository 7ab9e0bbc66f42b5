"""OGC API – Features (Parts 1–4) for every public layer in the registry.

Routes live in `views` (reads) and `writes` (Part 4); SQL comes from
layers.queries and layers.cql; nothing here names a layer.
"""

from flask import Blueprint

blueprint = Blueprint("ogcapi", __name__)

from webgis.ogcapi import views, writes  # noqa: E402,F401  (registers the routes on the blueprint)

"""Whole-layer reads and writes with GeoDataFrames, through COPY.

This is the bulk path (imports, seeds, notebooks). Validation is vectorised
over the frame with the same rules as layers.validate (typed columns from
GDAL/Arrow take vectorised paths, no per-row Python); rows are streamed to
PostGIS with COPY (binary, or CSV written by Arrow, geometries as WKB), inside
one transaction, so a bad row anywhere loads nothing.

One module per job, imported directly (no re-exports here; `layers` itself
exports load_frame and read_layer for notebooks and services):
  load.py        load_frame, load_columns, load_batches, LoadReport
  validate.py    the vectorised checks, rows ready for COPY or InvalidFeature
  geometries.py  Points (coordinate arrays) and WKB / hex WKB encoding
  encode.py      CSV chunks and COPY (FORMAT binary) streams
  bulk.py        COPY into tables, upsert staging, bulk index drop/rebuild, history hand-over
  read.py        read_layer: a layer into a GeoDataFrame
"""

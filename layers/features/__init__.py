"""Items of a layer, read and written from here: the one path services, the API and notebooks use.

One module per job, imported directly (no re-exports here; `layers` itself
exports the Python API for notebooks and services):
  write.py    insert, upsert, update, delete, restore: one transaction each, every
              change recorded in core.feature_history by the table triggers
  read.py     one feature, its history and a layer's count, as Python values
  geojson.py  the OGC API's reads: pages, streamed exports and single items as
              GeoJSON text written by PostgreSQL (SQL from layers.queries)
"""

"""Mapbox Vector Tiles built by PostGIS, and the tile cache every worker shares.

One module per job, imported directly (no re-exports here):
  grid.py       the WebMercatorQuad grid: tile bounds, simplification, bound values
  selection.py  which layers and which of their properties go into a tile (layers.access)
  query.py      the one SQL statement that renders (and stores) a tile
  render.py     running that statement and reading its row through binary COPY
  memory.py     this worker's copy of recently served cached tiles (an LRU)
  cache.py      get_tile / cached_tile: the shared cache `tiles.cache` and its locks
  bounds.py     the lon/lat box of layers, for tileset metadata
"""

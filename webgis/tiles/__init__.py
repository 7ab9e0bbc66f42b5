"""OGC API - Tiles: the vector tile routes (views.py) and the fast lane for cached public tiles (lane.py)."""

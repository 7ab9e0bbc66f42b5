"""Hazard rasters as XYZ PNG tiles and their metadata (views.py)."""

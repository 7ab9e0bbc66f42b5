"""SIMPEG pages: one's own attendance, the head's agency page, the public agency figures (webgis/simpeg/views.py)."""

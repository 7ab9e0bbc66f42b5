"""Medan WebGIS: the Flask face of the spatial core.

Kept free of Flask imports: importing `webgis` pulls in nothing of the web
stack until an application is built. Settings live in `config/`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from config.settings import Settings


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the Flask application (imported lazily; see webgis.app)."""
    from webgis.app import create_app as _create_app

    return _create_app(settings, **overrides)

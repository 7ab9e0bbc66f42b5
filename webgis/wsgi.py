"""WSGI entry point for gunicorn: `gunicorn webgis.wsgi:app`."""

from webgis.app import create_app

app = create_app()

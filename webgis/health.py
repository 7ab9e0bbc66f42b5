"""Liveness and readiness for operators and the run command."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():  # noqa: ANN201
    with current_app.extensions["engine"].connect() as conn:
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    return jsonify({"status": "ok", "postgis": postgis})

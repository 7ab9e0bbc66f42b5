"""Liveness and readiness for operators, the run command and the balancer (HAProxy checks it)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():  # noqa: ANN201
    with current_app.extensions["engine"].connect() as conn:
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    answer: dict[str, object] = {"status": "ok", "postgis": postgis}
    replicas = current_app.extensions.get("read_replicas")
    if replicas is not None:  # how many, not where: the URLs are the operator's business
        states = replicas.state()
        answer["replicas"] = {"configured": len(states), "in_rotation": sum(1 for s in states if s["in_rotation"])}
    return jsonify(answer)

"""Feature history pages: every version of a feature, a layer's recent changes, restore an earlier version.

Who may look: staff and those who may write the layer (layers.access.can_view_history),
seeing only the properties they may read; who may restore: those who may
write the layer. A layer the principal may not read does not exist for them
(404, as in the OGC API). Restores go through layers.features.write.restore_feature
(so the restore is itself a new history entry, by this actor) and are audited.
Sessions and API tokens both work; a cookie-authenticated POST needs the CSRF
token (webgis/security.py).

The same two routes answer JSON for scripts (the homepage editor,
webgis/static/pages/js/edit-history.js): a feature's versions with `?f=json`,
and a restore posted as JSON `{"confirm": true}` answers 200 with the new
version and ETag instead of the redirect.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from layers import restore_feature
from layers.access import can_read, can_view_history, can_write
from layers.history import Version, feature_versions, recent_changes
from layers.model import LayerSpec
from layers.registry import UnknownLayer, get_registry
from webgis.accounts.principal import audit_event, current_user, deny, principal_from_request
from webgis.errors import ApiError, BadRequest, NotFound, int_arg

blueprint = Blueprint("feature_history", __name__, url_prefix="/admin/history")
PAGE = 100


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


@blueprint.after_request
def _no_store(response):  # noqa: ANN001, ANN202
    # History shows private values and who changed what: never in a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.app_context_processor
def _history_link() -> dict[str, Any]:
    return {"history_url": history_url}


def history_url(spec: LayerSpec, fid: int) -> str | None:
    """The history page of a feature for templates (the OGC API item page), when this principal may see it."""
    try:
        principal = principal_from_request()
    except ApiError:  # a refused token: its request is being refused anyway
        return None
    if not can_view_history(spec, principal):
        return None
    return url_for("feature_history.feature", layer_id=spec.id, item_id=fid)


def _layer(layer_id: str, *, restore: bool = False) -> LayerSpec:
    """The layer, if this principal may see its history (or restore, with restore=True); else 404/401/403."""
    principal = principal_from_request()
    try:
        spec = get_registry().get(layer_id)
    except UnknownLayer:
        spec = None
    if spec is None or not can_read(spec, principal):
        # Same answer for a hidden layer as for none at all: the name of a private layer is not confirmed.
        raise NotFound(f"no collection {layer_id!r}")
    allowed = can_write(spec, principal) if restore else can_view_history(spec, principal)
    if not allowed:
        action = "restoring" if restore else "the history of"
        raise deny(f"{action} {spec.id} needs one of the roles {', '.join(spec.access.write) or 'admin'}"
                   + ("" if restore else " or staff"), collection=spec.id)
    return spec


@blueprint.get("/<layer_id>")
def layer_changes(layer_id: str) -> Any:
    spec = _layer(layer_id)
    before = int_arg("before")
    changes = recent_changes(_engine(), spec, principal_from_request(), before_id=before, limit=PAGE)
    older = changes[-1].id if len(changes) == PAGE else None
    return render_template("accounts/history_layer.html", spec=spec, changes=changes, older=older,
                           user=current_user())


@blueprint.get("/<layer_id>/<int:item_id>")
def feature(layer_id: str, item_id: int) -> Any:
    spec = _layer(layer_id)
    versions = feature_versions(_engine(), spec, item_id, principal_from_request())
    if not versions:
        raise NotFound(f"no history for feature {item_id} of {spec.id}")
    if request.args.get("f") == "json":
        return jsonify({"layer": spec.id, "fid": item_id, "may_restore": can_write(spec, principal_from_request()),
                        "versions": [_version_json(v) for v in versions]})
    return render_template("accounts/history_feature.html", spec=spec, fid=item_id, versions=versions,
                           may_restore=can_write(spec, principal_from_request()), user=current_user())


def _version_json(version: Version) -> dict[str, Any]:
    return {"id": version.id, "op": version.op, "at": version.at.isoformat(), "actor": version.actor,
            "version": version.version, "geometry_changed": version.geometry_changed,
            "changes": [{"name": c.name, "old": c.old, "new": c.new} for c in version.changes],
            "state": version.state}


def _confirmed() -> bool:
    """confirm=yes from the confirmation page's form, or {"confirm": true} from a script."""
    if request.is_json:
        body = request.get_json(silent=True)
        return isinstance(body, dict) and body.get("confirm") is True
    return request.form.get("confirm") == "yes"


def _version(spec: LayerSpec, item_id: int, history_id: int):  # noqa: ANN202
    for version in feature_versions(_engine(), spec, item_id, principal_from_request()):
        if version.id == history_id:
            return version
    raise NotFound(f"no history entry {history_id} for feature {item_id} of {spec.id}")


@blueprint.get("/<layer_id>/<int:item_id>/restore/<int:history_id>")
def restore_confirm(layer_id: str, item_id: int, history_id: int) -> Any:
    """The confirmation step: what the feature will look like, and the button that does it."""
    spec = _layer(layer_id, restore=True)
    return render_template("accounts/history_restore.html", spec=spec, fid=item_id,
                           version=_version(spec, item_id, history_id), user=current_user())


@blueprint.post("/<layer_id>/<int:item_id>/restore/<int:history_id>")
def restore(layer_id: str, item_id: int, history_id: int) -> Any:
    spec = _layer(layer_id, restore=True)
    _version(spec, item_id, history_id)  # 404 first: a row outside the principal's scope has no versions
    # The confirmation page sends confirm=yes: a bare POST (a replayed link, a script's typo) changes nothing.
    if not _confirmed():
        raise BadRequest("confirm the restore: send confirm=yes (the confirmation page does), "
                         'or the JSON {"confirm": true}')
    actor = principal_from_request().actor
    new_version = restore_feature(_engine(), spec.id, item_id, history_id, actor=actor,
                                  principal=principal_from_request())
    audit_event("feature.restored", layer=spec.id, fid=item_id, history_id=history_id, version=new_version)
    if request.is_json:
        response: Response = jsonify({"layer": spec.id, "fid": item_id, "version": new_version})
        response.headers["ETag"] = f'"v{new_version}"'
        return response
    return redirect(url_for(".feature", layer_id=spec.id, item_id=item_id), code=303)

"""The operators' view at /operator/: the device map, a device page, and their JSON under /operator/api/.

Pages are for logged-in browsers (anonymous visitors are sent to /login, a user
without the operator role gets 403); the JSON API also takes API tokens, so
operators' scripts can read it. Writes (acknowledge, shelve, unshelve, command) are POSTs that carry
the session's CSRF token (webgis/security.py) and are recorded in the audit log as
well as in the devices schema's own history (alarm_history, commands).

Live updates are polling, not SSE: gunicorn's sync workers would each be held by an
open stream. Every GET answers with an ETag and honours If-None-Match, so a page
polling every few seconds costs a 304 while nothing changes.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from devices import operator as ops
from devices.adaptivectl import disable as adaptive_off
from devices.adaptivectl import enable as adaptive_on
from devices.adaptiveview import adaptive_panel
from devices.alarmlife import shelve, unshelve
from devices.alarms import acknowledge
from devices.commands import CommandFailed, preview, send
from devices.registermap import CommandRejected
from devices.snapshots import camera_media, fetch_snapshot, has_snapshot
from webgis.accounts.principal import audit_event, current_user, deny, principal_from_request
from webgis.accounts.views import login_page
from webgis.errors import BadRequest, NotFound, error_response

blueprint = Blueprint("operator", __name__, url_prefix="/operator")
OPERATOR_ROLES = ("operator",)  # admin always passes has_any


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


def _require_operator() -> None:
    if not principal_from_request().has_any(OPERATOR_ROLES):
        raise deny("the operator view is for operators")


def operator_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page: login first (redirect), then the operator role (403)."""

    @login_page
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _require_operator()
        return view(*args, **kwargs)

    return wrapper


def operator_api(view: Callable[..., Any]) -> Callable[..., Any]:
    """JSON: a session or an API token with the operator role (401 for nobody, 403 otherwise)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _require_operator()
        return view(*args, **kwargs)

    return wrapper


@blueprint.after_request
def _no_store(response: Response) -> Response:
    # Operational data: never from a shared cache; the ETag still saves the body.
    response.headers["Cache-Control"] = "no-cache, private"
    return response


def _json(payload: Any, status: int = 200) -> Response:
    body = json.dumps(payload, default=str, separators=(",", ":"))
    response = Response(body, status=status, mimetype="application/json")
    if request.method == "GET" and status == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


# -- pages ------------------------------------------------------------------------------


@blueprint.get("/")
@operator_page
def index() -> Any:
    return render_template("operator/map.html", user=current_user())


@blueprint.get("/devices/<layer_id>/<code>")
@operator_page
def device_page(layer_id: str, code: str) -> Any:
    try:
        detail = ops.device_detail(_engine(), layer_id, code)
    except ops.UnknownDevice as exc:
        raise NotFound(str(exc)) from None
    media = camera_media(_engine(), layer_id, code) if has_snapshot(layer_id) else None
    return render_template("operator/device.html", user=current_user(), device=_with_snapshots(detail),
                           media=media, adaptive=adaptive_panel(_engine(), layer_id, code) is not None)


def _with_snapshots(payload: dict[str, Any]) -> dict[str, Any]:
    """Each alarm of a camera (tamper, video loss, ...) links the camera's snapshot."""
    for alarm in payload.get("alarms", []):
        if alarm.get("layer") and has_snapshot(alarm["layer"]):
            alarm["snapshot"] = url_for("operator.api_snapshot", layer_id=alarm["layer"], code=alarm["code"])
    return payload


@blueprint.get("/wall")
@operator_page
def wall() -> Any:
    """The control room's wall map: full screen, refreshing itself, alarms first."""
    return render_template("operator/wall.html", user=current_user())


# -- JSON -------------------------------------------------------------------------------


@blueprint.get("/api/status")
@operator_api
def api_status() -> Response:
    return _json(_with_snapshots(ops.fleet_status(_engine())))


@blueprint.get("/api/devices/<layer_id>/<code>")
@operator_api
def api_device(layer_id: str, code: str) -> Response:
    try:
        return _json(_with_snapshots(ops.device_detail(_engine(), layer_id, code)))
    except ops.UnknownDevice as exc:
        raise NotFound(str(exc)) from None


@blueprint.get("/api/devices/<layer_id>/<code>/snapshot")
@operator_api
def api_snapshot(layer_id: str, code: str) -> Response:
    """The camera's current still image, fetched by the server from the device network only."""
    snapshot = fetch_snapshot(_engine(), layer_id, code)  # 404 / 409 refused / 502 as StatusErrors
    return Response(snapshot.image, mimetype=snapshot.content_type,
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@blueprint.get("/api/devices/<layer_id>/<code>/telemetry")
@operator_api
def api_telemetry(layer_id: str, code: str) -> Response:
    window = request.args.get("window", "hour")
    if window not in ops.WINDOWS:
        raise BadRequest(f"window must be one of {', '.join(ops.WINDOWS)}")
    try:
        return _json(ops.device_telemetry(_engine(), layer_id, code, window))
    except ops.UnknownDevice as exc:
        raise NotFound(str(exc)) from None


@blueprint.get("/api/devices/<layer_id>/<code>/diagnostics")
@operator_api
def api_diagnostics(layer_id: str, code: str) -> Response:
    try:
        return _json(ops.device_diagnostics(_engine(), layer_id, code))
    except ops.UnknownDevice as exc:
        raise NotFound(str(exc)) from None


@blueprint.get("/api/traffic")
@operator_api
def api_traffic() -> Response:
    from devices.traffic import current_suggestions

    return _json({"suggestions": current_suggestions(_engine())})


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("send a JSON object")
    return body


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRequest("value must be a number")
    try:
        number = float(value)
    except ValueError:
        raise BadRequest(f"value {value!r} is not a number") from None
    if not math.isfinite(number):
        raise BadRequest("value must be a finite number")
    return number


@blueprint.post("/api/devices/<layer_id>/<code>/command")
@operator_api
def api_command(layer_id: str, code: str) -> Response:
    """Two steps: without "confirm": true the command is checked and echoed, nothing written;
    with it, it is sent (bounds, write, read-back) and audited."""
    body = _body()
    point = body.get("point")
    if not isinstance(point, str) or not point:
        raise BadRequest("name the point to write")
    value = _number(body.get("value"))
    principal = principal_from_request()
    try:
        if body.get("confirm") is not True:
            return _json({"confirm_required": True, **preview(_engine(), layer_id, code, point, value, principal)})
        result = send(_engine(), layer_id, code, point, value, principal)
    except CommandRejected as exc:
        audit_event("operator.command_rejected", device=f"{layer_id}/{code}", point=point, value=value,
                    reason=str(exc))
        return error_response(400, "InvalidParameterValue", f"refused, nothing written: {exc}")
    except CommandFailed as exc:
        result = exc.result
    audit_event("operator.command", device=result.device_id, point=point, value=value, result=result.result,
                audit_id=result.audit_id)
    payload = {"audit_id": result.audit_id, "result": result.result, "ok": result.ok, "point": result.point,
               "value": result.value, "previous": result.previous, "read_back": result.read_back,
               "detail": result.detail}
    # 202: the write went out but its outcome is not known yet (the detail says not to resend).
    return _json(payload, 200 if result.ok else 202 if result.result == "unconfirmed" else 502)


@blueprint.get("/api/devices/<layer_id>/<code>/adaptive")
@operator_api
def api_adaptive(layer_id: str, code: str) -> Response:
    """The intersection's adaptive loop: mode, fixed plan, bounds, events, queues before/after."""
    panel = adaptive_panel(_engine(), layer_id, code)
    if panel is None:
        raise NotFound(f"{layer_id}/{code} is not an intersection the adaptive loop can drive")
    return _json(panel)


@blueprint.post("/api/devices/<layer_id>/<code>/adaptive")
@operator_api
def api_adaptive_switch(layer_id: str, code: str) -> Response:
    """{"enabled": true|false}: turn the loop on (409 with the reason when unsafe) or off (the
    fixed plan is restored through the command path)."""
    enabled = _body().get("enabled")
    if not isinstance(enabled, bool):
        raise BadRequest('send {"enabled": true} or {"enabled": false}')
    if adaptive_panel(_engine(), layer_id, code) is None:
        raise NotFound(f"{layer_id}/{code} is not an intersection the adaptive loop can drive")
    switch = adaptive_on if enabled else adaptive_off
    state = switch(_engine(), layer_id, code, principal_from_request())  # AdaptiveError: 409
    audit_event("operator.adaptive_on" if enabled else "operator.adaptive_off", device=f"{layer_id}/{code}",
                mode=state["mode"])
    return _json(adaptive_panel(_engine(), layer_id, code))


@blueprint.post("/api/alarms/<int:alarm_id>/ack")
@operator_api
def api_ack(alarm_id: int) -> Response:
    note = _note(request.get_json(silent=True) or {})
    row = acknowledge(_engine(), alarm_id, principal_from_request(), note)  # AlarmError: 404 or 409
    audit_event("operator.alarm_ack", alarm_id=alarm_id, device=row["device_id"], rule=row["rule"])
    return _json(ops.alarm_json(row))


def _note(body: Any) -> str:
    note = body.get("note", "") if isinstance(body, dict) else ""
    if not isinstance(note, str) or len(note) > 500:
        raise BadRequest("note must be text of at most 500 characters")
    return note


@blueprint.post("/api/alarms/<int:alarm_id>/shelve")
@operator_api
def api_shelve(alarm_id: int) -> Response:
    """Shelve an alarm: {"reason": text, "duration_s": seconds}; off the active list until then."""
    body = _body()
    # BadShelf: 400 (no reason, duration out of bounds); AlarmError: 404 or 409
    row = shelve(_engine(), alarm_id, principal_from_request(), body.get("reason"), body.get("duration_s"))
    audit_event("operator.alarm_shelve", alarm_id=alarm_id, device=row["device_id"], rule=row["rule"],
                until=row["shelved_until"].isoformat(), reason=row["shelve_reason"])
    return _json(ops.alarm_json(row))


@blueprint.post("/api/alarms/<int:alarm_id>/unshelve")
@operator_api
def api_unshelve(alarm_id: int) -> Response:
    row = unshelve(_engine(), alarm_id, principal_from_request(), _note(request.get_json(silent=True) or {}))
    audit_event("operator.alarm_unshelve", alarm_id=alarm_id, device=row["device_id"], rule=row["rule"])
    return _json(ops.alarm_json(row))

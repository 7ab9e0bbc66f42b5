"""Device faults become reports: the devices room calls `open_report_for_alarm` when an alarm opens.

The report is filed like a citizen's (same validation, tagging and layers) in
the category whose `nearest` device layer is the alarm's, at the device's own
location, with the alarm's code in `device_alarm`, so the agency sees it in its
queue linked to the device. Calling it again for the same alarm returns the
same report: the poller may retry without opening duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layers import read_layer
from layers.access import with_roles
from layers.tables import Bind, reading
from services.complaints.categories import load_categories
from services.complaints.intake import Submission, submit
from services.complaints.queries import select_report_for_alarm
from services.complaints.records import find_complaint
from services.complaints.workflow import SERVICE, open311_status
from services.engine import steps

ALARM_ACTOR = "devices:alarms"
# The alarms act as the system, on any agency's report, for staff notes only (never a status:
# staff decide that): an admin principal under the alarms' own name, which history and the audit record.
ALARM_PRINCIPAL = with_roles(ALARM_ACTOR, "admin")
# Info alarms (e.g. a battery slightly low) are for operators, not a work order.
REPORTED_SEVERITIES = frozenset({"warning", "critical"})


def category_for_device_layer(device_layer: str) -> str | None:
    for category in load_categories().values():
        if category.nearest == device_layer and category.alarm_attributes is not None:
            return category.service_code
    return None


def _device_point(bind: Bind, device_layer: str, device_code: str) -> tuple[float, float] | None:
    from layers.registry import get_registry

    key = get_registry().get(device_layer).key
    found = read_layer(bind, device_layer, where={key: device_code}, columns=[key], limit=1)
    if found.empty:
        return None
    point = found.geometry.iloc[0]
    return point.x, point.y


def report_for_alarm(bind: Bind, alarm_code: str) -> str | None:
    """The service_request_id of the report a device alarm already opened, if any."""
    with reading(bind) as conn:
        return conn.execute(select_report_for_alarm(alarm_code)).scalar_one_or_none()


def open_report_for_alarm(bind: Bind, alarm: Mapping[str, Any]) -> str | None:
    """The service_request_id of the report for this alarm (opened now or before), or None.

    `alarm` is a feature's properties of the `device_alarms` layer (kode,
    device_layer, device_code, rule, severity, message), optionally with lon/lat.
    None when no category takes this device layer, the alarm is only 'info',
    or the device has no location.
    """
    code = str(alarm["kode"])
    existing = report_for_alarm(bind, code)
    if existing is not None:
        return existing
    service_code = category_for_device_layer(str(alarm["device_layer"]))
    if service_code is None or alarm.get("severity") not in REPORTED_SEVERITIES:
        return None
    if alarm.get("lon") is not None and alarm.get("lat") is not None:
        where: tuple[float, float] | None = (float(alarm["lon"]), float(alarm["lat"]))
    else:
        where = _device_point(bind, str(alarm["device_layer"]), str(alarm["device_code"]))
    if where is None:
        return None
    category = load_categories()[service_code]
    message = str(alarm.get("message") or "")[:500]
    submission = Submission(
        service_code=service_code, long=where[0], lat=where[1], attributes=dict(category.alarm_attributes or {}),
        description=f"Dibuka otomatis oleh alarm {code} ({alarm.get('rule')}, {alarm.get('severity')}) "
                    f"perangkat {alarm['device_code']}. {message}".strip(),
        device_alarm=code,
    )
    return submit(bind, submission, actor=ALARM_ACTOR, source="device-alarm").service_request_id


def report_still_open(bind: Bind, service_request_id: str) -> bool:
    """Whether staff have not yet closed (resolved, rejected, closed) a report."""
    row = find_complaint(bind, service_request_id)
    return row is not None and open311_status(row["status"]) == "open"


def note_on_report(bind: Bind, service_request_id: str, note: str) -> None:
    """A staff-only note from the device alarms on a report (its status stays for staff to decide),
    through the engine like a staff member's internal comment: history, and an event in the audit."""
    steps.comment(bind, SERVICE, service_request_id, note[:2000], ALARM_PRINCIPAL, public=False)

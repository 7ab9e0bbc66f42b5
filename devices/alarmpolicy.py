"""The alarm lifecycle policy per priority (devices/alarm_lifecycle.yaml), read once.

Apart from devices/alarmlife.py, which applies it, so that the alarm notifications
(devices/alarmnotify.py), called from devices/alarms.py, can read it without a circle.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devices.rules import SEVERITIES

POLICY_FILE = Path(__file__).with_name("alarm_lifecycle.yaml")


class LifecycleError(ValueError):
    """devices/alarm_lifecycle.yaml cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class Priority:
    ack_after_clear: bool
    escalate_after_s: float | None
    # A new alarm of this priority is notified at once to the operators on duty
    # (devices/alarmnotify.py); every priority's escalations are notified.
    notify_on_open: bool = False


@dataclass(frozen=True)
class Policy:
    priorities: Mapping[str, Priority]
    shelve_min_s: float
    shelve_max_s: float
    reason_min_chars: int
    reason_max_chars: int
    durations_s: tuple[float, ...]
    sweep_every_s: float

    @property
    def latching(self) -> list[str]:
        """The priorities whose alarms stay listed after clearing until acknowledged."""
        return [s for s, p in self.priorities.items() if p.ack_after_clear]


def _seconds(value: Any, what: str, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise LifecycleError(f"{what} must be a positive number of seconds, not {value!r}")
    return float(value)


def parse_policy(doc: Mapping[str, Any]) -> Policy:
    """The lifecycle policy from its YAML document; LifecycleError names what is wrong."""
    declared = doc.get("priorities") or {}
    if set(declared) != set(SEVERITIES):
        raise LifecycleError(f"priorities must declare exactly {', '.join(SEVERITIES)}")
    priorities = {s: Priority(bool(declared[s].get("ack_after_clear", True)),
                              _seconds(declared[s].get("escalate_after_s"), f"{s}.escalate_after_s", optional=True),
                              bool(declared[s].get("notify_on_open", False)))
                  for s in SEVERITIES}
    shelf = doc.get("shelving") or {}
    low, high = _seconds(shelf.get("min_s"), "shelving.min_s"), _seconds(shelf.get("max_s"), "shelving.max_s")
    durations = tuple(_seconds(d, "shelving.durations_s") for d in shelf.get("durations_s") or ())
    if not low <= high or not durations or any(not low <= d <= high for d in durations):
        raise LifecycleError("shelving needs min_s <= max_s and durations_s within them")
    return Policy(priorities, low, high, int(shelf.get("reason_min_chars", 5)), int(shelf.get("reason_max_chars", 500)),
                  durations, _seconds(doc.get("sweep_every_s", 5), "sweep_every_s"))


@functools.cache
def load_policy(path: Path = POLICY_FILE) -> Policy:
    return parse_policy(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})

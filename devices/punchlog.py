"""The punch log of an attendance machine over Modbus: its layout, and the records it decodes to.

Fingerprint terminals keep every punch in a log until the server has fetched it. This model
exposes the log as registers (declared in devices/registermaps/attendance_v1.yaml, `punch_log:`):

- input `punch_pending` (uint16): how many records wait;
- input `punch_first_seq` (uint32): the number of the oldest waiting record;
- input registers from `window`: the first `records` waiting records, five registers each:
  staff id (uint32: the PIN the person is enrolled with), time (uint32, Unix seconds),
  direction (uint16: 0 in, 1 out);
- holding `ack` (uint32): the poller writes the number of the last record it has stored,
  and the machine forgets every record up to it.

The header and the window are read in one request, so a window always belongs to the
header read with it. An acknowledgement is a sequence number and not a count: the same
acknowledgement written twice (its answer lost, written again) forgets nothing more, and
a record is forgotten only after it was stored (devices/punchpoller.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devices.registermap import MAPS_DIR

RECORD_WORDS = 5  # staff id (2), time (2), direction (1)
DIRECTIONS = {0: "in", 1: "out"}


@dataclass(frozen=True)
class PunchLogLayout:
    """Where a model keeps its punch log (see the module docstring)."""

    pending: int = 10  # input register of punch_pending; punch_first_seq follows it (2 registers)
    window: int = 16
    records: int = 8
    ack: int = 0  # holding register (2 registers)

    @property
    def read_start(self) -> int:
        return self.pending

    @property
    def read_count(self) -> int:
        """Registers from the header to the end of the window: one request (at most 125, Modbus' limit)."""
        return self.window + self.records * RECORD_WORDS - self.pending

    @property
    def window_end(self) -> int:
        return self.window + self.records * RECORD_WORDS


@dataclass(frozen=True)
class Punch:
    """One punch: who (the PIN), when (Unix seconds), which way (0 in, 1 out), its number on the machine."""

    seq: int
    pin: int
    at: int
    direction: int


def layout_of(model: str, directory: Path = MAPS_DIR) -> PunchLogLayout | None:
    """The punch log a model declares (`punch_log:` in its register map), None when it keeps none."""
    path = Path(directory) / f"{model}.yaml"
    if not path.exists():
        return None
    data: Mapping[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    raw = data.get("punch_log")
    if raw is None:
        return None
    layout = PunchLogLayout(window=int(raw["window"]), records=int(raw["records"]), ack=int(raw["ack"]))
    if layout.records < 1 or layout.read_count > 125 or layout.window < layout.pending + 3:
        raise ValueError(f"register map {model}: punch_log window does not fit after the header in one read")
    return layout


def _u32(hi: int, lo: int) -> int:
    return (hi << 16) | lo


def decode_log(layout: PunchLogLayout, words: Sequence[int]) -> list[Punch]:
    """The waiting records in a read of `layout.read_count` registers from `layout.read_start`."""
    if len(words) < layout.read_count:
        raise ValueError(f"punch log read short: {len(words)} of {layout.read_count} registers")
    pending = words[0]
    first = _u32(words[1], words[2])
    base = layout.window - layout.pending
    punches = []
    for i in range(min(pending, layout.records)):
        w = words[base + i * RECORD_WORDS: base + (i + 1) * RECORD_WORDS]
        direction = w[4]
        if direction not in DIRECTIONS:
            raise ValueError(f"punch {first + i}: direction {direction} is neither 0 (in) nor 1 (out)")
        punches.append(Punch(seq=first + i, pin=_u32(w[0], w[1]), at=_u32(w[2], w[3]), direction=direction))
    return punches


def encode_record(punch: Punch) -> list[int]:
    """The five registers of one record (the simulator's side)."""
    return [punch.pin >> 16, punch.pin & 0xFFFF, punch.at >> 16, punch.at & 0xFFFF, punch.direction]


def encode_ack(seq: int) -> list[int]:
    return [(seq >> 16) & 0xFFFF, seq & 0xFFFF]


def decode_ack(words: Sequence[int]) -> int:
    return _u32(words[0], words[1])

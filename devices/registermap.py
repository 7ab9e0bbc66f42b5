"""Register maps per device model, declared as data in devices/registermaps/*.yaml.

A map lists the points a device model exposes over Modbus: which function table, which
address, how the raw registers decode into an engineering value, and which points an
operator may write. The loader refuses a map that would make the poller or a command
misbehave later (overlaps, unknown types, writes to read-only tables), naming the map
and the point so the author can fix the YAML.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from devices.interlocks import parse_rules

MAPS_DIR = Path(__file__).with_name("registermaps")

FUNCTIONS = ("coil", "discrete_input", "holding", "input")
BIT_FUNCTIONS = frozenset({"coil", "discrete_input"})
READ_ONLY_FUNCTIONS = frozenset({"discrete_input", "input"})
# Registers each type occupies; bool lives in the bit tables and takes one bit.
TYPE_WIDTH = {"bool": 1, "uint16": 1, "int16": 1, "uint32": 2, "int32": 2, "float32": 2}
_STRUCT = {"uint16": "H", "int16": "h", "uint32": "I", "int32": "i", "float32": "f"}
WORD_ORDERS = ("big", "little")
# Modbus limits per request (spec 6.1-6.4): 2000 bits, 125 registers.
MAX_READ = {"coil": 2000, "discrete_input": 2000, "holding": 125, "input": 125}

_POINT_KEYS = {
    "name", "function", "address", "type", "scale", "unit", "word_order", "writable",
    "allowed", "min", "max", "counter", "pulse", "description", "title",
}


class RegisterMapError(ValueError):
    """A register map that cannot be used; the message names the map and the point."""


class CommandRejected(ValueError):
    """A value an operator asked to write that the register map does not allow."""


@dataclass(frozen=True)
class Point:
    """One named value of a device: where it lives and how to read it."""

    name: str
    function: str
    address: int
    type: str
    scale: float = 1.0
    unit: str = ""
    word_order: str = "big"
    writable: bool = False
    allowed: tuple[float, ...] | None = None
    min: float | None = None
    max: float | None = None
    counter: bool = False
    # A trigger (reboot, sync now): the device acts and the point reads back 0, so a
    # command cannot verify it by reading the written value back.
    pulse: bool = False
    description: str = ""
    # What people call the point, {"id": ..., "en": ...}: operator pages, command forms and alarm
    # texts show it, never the point's name (a code, in English). Not part of equality or hashing.
    title: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def label(self, lang: str = "id") -> str:
        """The point's title in `lang` (Bahasa Indonesia first), or its name when the map gives none."""
        return self.title.get(lang) or self.title.get("id") or self.name

    @property
    def width(self) -> int:
        """Registers (or bits) the point occupies."""
        return TYPE_WIDTH[self.type]

    @property
    def end(self) -> int:
        """First address after the point."""
        return self.address + self.width

    def in_range(self, value: float) -> bool:
        """Whether a decoded value is plausible for this point."""
        # A pulse point reads back 0 after it fired, which its allowed list leaves out.
        if self.allowed is not None and value not in self.allowed and not (self.pulse and value == 0):
            return False
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)


@dataclass(frozen=True)
class Block:
    """A contiguous span of one function table, read with a single request."""

    function: str
    start: int
    count: int
    points: tuple[Point, ...]


@dataclass(frozen=True)
class RegisterMap:
    """All points of one device model, with the read blocks the poller uses."""

    model: str
    title: Mapping[str, str]
    points: tuple[Point, ...]
    blocks: tuple[Block, ...] = field(default=())
    # Cross-point constraints and interlocks (devices/interlocks.py), checked before a write.
    rules: tuple = ()
    # The model's polling defaults (interval_s, timeout_s, retries); a device's own
    # properties (poll_interval_s, poll_timeout_s, poll_retries) override them.
    polling: Mapping[str, float] = field(default_factory=dict, compare=False, hash=False)

    def point(self, name: str) -> Point:
        """The point called `name`; KeyError names the model when absent."""
        for p in self.points:
            if p.name == name:
                return p
        raise KeyError(f"register map {self.model}: no point {name!r}")

    def table_size(self, function: str) -> int:
        """Registers (or bits) a device needs in a table to hold every point."""
        return max((p.end for p in self.points if p.function == function), default=0)


# -- loading ---------------------------------------------------------------------------


def _fail(model: str, point: str | None, msg: str) -> RegisterMapError:
    where = f"register map {model}" + (f", point {point}" if point else "")
    return RegisterMapError(f"{where}: {msg}")


def _number_tuple(model: str, name: str, value: Any) -> tuple[float, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise _fail(model, name, "allowed must be a non-empty list of numbers")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _fail(model, name, f"allowed value {v!r} is not a number")
    return tuple(value)


def _parse_point(model: str, raw: Mapping[str, Any]) -> Point:
    name = str(raw.get("name") or "?")
    unknown = set(raw) - _POINT_KEYS
    if unknown:
        raise _fail(model, name, f"unknown keys {sorted(unknown)}")
    function, dtype = raw.get("function"), raw.get("type")
    if function not in FUNCTIONS:
        raise _fail(model, name, f"unknown function {function!r}; use one of {FUNCTIONS}")
    if dtype not in TYPE_WIDTH:
        raise _fail(model, name, f"unknown data type {dtype!r}; use one of {sorted(TYPE_WIDTH)}")
    if (dtype == "bool") != (function in BIT_FUNCTIONS):
        raise _fail(model, name, f"type {dtype} does not fit function {function} "
                    "(bool only and always in coil/discrete_input)")
    address = raw.get("address")
    if not isinstance(address, int) or isinstance(address, bool) or not 0 <= address <= 65535:
        raise _fail(model, name, f"address {address!r} must be an integer 0..65535")
    if address + TYPE_WIDTH[dtype] > 65536:
        raise _fail(model, name, "point runs past address 65535")
    word_order = raw.get("word_order", "big")
    if word_order not in WORD_ORDERS:
        raise _fail(model, name, f"word_order {word_order!r} must be big or little")
    scale = raw.get("scale", 1.0)
    if not isinstance(scale, int | float) or scale == 0 or not math.isfinite(scale):
        raise _fail(model, name, f"scale {scale!r} must be a non-zero number")
    writable = bool(raw.get("writable", False))
    if writable and function in READ_ONLY_FUNCTIONS:
        raise _fail(model, name, f"writable point in read-only table {function}")
    allowed = _number_tuple(model, name, raw.get("allowed"))
    lo, hi = raw.get("min"), raw.get("max")
    if writable and allowed is None and (lo is None or hi is None):
        raise _fail(model, name, "writable point needs allowed values or both min and max")
    if lo is not None and hi is not None and lo > hi:
        raise _fail(model, name, f"min {lo} is above max {hi}")
    return Point(
        name=name, function=function, address=address, type=dtype, scale=float(scale),
        unit=str(raw.get("unit", "")), word_order=word_order, writable=writable,
        allowed=allowed, min=lo, max=hi, counter=bool(raw.get("counter", False)),
        pulse=bool(raw.get("pulse", False)),
        description=str(raw.get("description", "")),
        title=_title(model, name, raw.get("title")),
    )


def _title(model: str, name: str, raw: Any) -> dict[str, str]:
    """A point's title: both languages when given (the shipped maps give every point one, see tests)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(raw.get(k), str) and raw[k].strip() for k in ("id", "en")):
        raise _fail(model, name, "title needs id and en, e.g. {id: Antrean lengan utara, en: Queue, north approach}")
    return {"id": raw["id"].strip(), "en": raw["en"].strip()}


def _check_overlaps(model: str, points: Sequence[Point]) -> None:
    for function in FUNCTIONS:
        table = sorted((p for p in points if p.function == function), key=lambda p: p.address)
        for before, after in zip(table, table[1:], strict=False):
            if after.address < before.end:
                raise _fail(model, after.name, f"{function} address {after.address} overlaps "
                            f"point {before.name} ({before.address}..{before.end - 1})")


def _blocks(points: Sequence[Point]) -> tuple[Block, ...]:
    """Group each table into as few reads as the per-request limit allows."""
    blocks: list[Block] = []
    for function in FUNCTIONS:
        table = sorted((p for p in points if p.function == function), key=lambda p: p.address)
        group: list[Point] = []
        for p in table:
            if group and p.end - group[0].address > MAX_READ[function]:
                blocks.append(_block(function, group))
                group = []
            group.append(p)
        if group:
            blocks.append(_block(function, group))
    return tuple(blocks)


def _block(function: str, group: list[Point]) -> Block:
    start = group[0].address
    return Block(function, start, max(p.end for p in group) - start, tuple(group))


def parse_map(data: Mapping[str, Any], source: str = "<data>") -> RegisterMap:
    """Validate one map given as parsed YAML; RegisterMapError on anything unusable."""
    if not isinstance(data, Mapping):
        raise RegisterMapError(f"register map {source}: top level must be a mapping")
    model = data.get("model")
    if not isinstance(model, str) or not model:
        raise RegisterMapError(f"register map {source}: missing model")
    raw_points = data.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        raise _fail(model, None, "points must be a non-empty list")
    points = [_parse_point(model, p if isinstance(p, Mapping) else {}) for p in raw_points]
    names = [p.name for p in points]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _fail(model, dupes[0], "point name used twice")
    _check_overlaps(model, points)
    for p in points:
        for v in p.allowed or ():
            _check_encodable(model, p, v)
    try:
        rules = parse_rules(model, data, set(names))
    except ValueError as exc:
        raise RegisterMapError(str(exc)) from None
    return RegisterMap(model, dict(data.get("title") or {}), tuple(points), _blocks(points), rules,
                       _parse_polling(model, data.get("polling")))


# Bounds of a model's polling defaults: the same as the device layers' properties.
POLLING_BOUNDS = {"interval_s": (0.2, 86400.0), "timeout_s": (0.05, 30.0), "retries": (0, 5)}


def _parse_polling(model: str, raw: Any) -> dict[str, float]:
    """A map's `polling:` defaults, checked against POLLING_BOUNDS (retries a whole number)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _fail(model, None, "polling must be a mapping of interval_s, timeout_s, retries")
    unknown = set(raw) - set(POLLING_BOUNDS)
    if unknown:
        raise _fail(model, None, f"polling: unknown keys {sorted(unknown)}")
    out: dict[str, float] = {}
    for key, value in raw.items():
        lo, hi = POLLING_BOUNDS[key]
        whole = key != "retries" or (isinstance(value, int) and not isinstance(value, bool))
        if isinstance(value, bool) or not isinstance(value, int | float) or not whole or not lo <= value <= hi:
            raise _fail(model, None, f"polling.{key} must be a {'whole ' if key == 'retries' else ''}"
                                     f"number from {lo:g} to {hi:g}")
        out[key] = value
    return out


def _check_encodable(model: str, point: Point, value: float) -> None:
    try:
        encode(point, value)
    except (ValueError, struct.error) as exc:
        raise _fail(model, point.name, f"allowed value {value} does not fit {point.type}") from exc


def load_map(path: Path | str) -> RegisterMap:
    """Load and validate one YAML register map file."""
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    reg_map = parse_map(data, source=path.name)
    if reg_map.model != path.stem:
        raise _fail(reg_map.model, None, f"file name {path.name} does not match the model")
    return reg_map


def load_maps(directory: Path | str = MAPS_DIR) -> dict[str, RegisterMap]:
    """Every register map in a directory, keyed by model."""
    maps = [load_map(p) for p in sorted(Path(directory).glob("*.yaml"))]
    return {m.model: m for m in maps}


# -- decoding and encoding -------------------------------------------------------------


def _order_words(words: Sequence[int], word_order: str) -> list[int]:
    # Bytes inside a register are always big-endian (Modbus spec 4.2); only words swap.
    return list(reversed(words)) if word_order == "little" else list(words)


def decode_raw(point: Point, words: Sequence[int] | Sequence[bool]) -> int | float:
    """The unscaled value from the point's registers (or bit)."""
    if len(words) < point.width:
        raise ValueError(f"{point.name}: need {point.width} registers, got {len(words)}")
    if point.type == "bool":
        return int(bool(words[0]))
    ordered = _order_words([int(w) for w in words[: point.width]], point.word_order)
    payload = b"".join(w.to_bytes(2, "big") for w in ordered)
    return struct.unpack(">" + _STRUCT[point.type], payload)[0]


def scale_value(point: Point, raw: int | float) -> float:
    """Engineering value from the raw one."""
    value = raw * point.scale
    return round(value, 6) if isinstance(value, float) else value


def decode(point: Point, words: Sequence[int] | Sequence[bool]) -> float:
    """Engineering value from the point's registers (or bit)."""
    return scale_value(point, decode_raw(point, words))


def encode(point: Point, value: float) -> list[int]:
    """Registers (or one bit as 0/1) that carry `value` in engineering units."""
    if point.type == "bool":
        if value not in (0, 1):
            raise ValueError(f"{point.name}: a bit takes 0 or 1, not {value}")
        return [int(value)]
    raw = value / point.scale
    if point.type != "float32":
        raw = round(raw)
    payload = struct.pack(">" + _STRUCT[point.type], raw)
    words = [int.from_bytes(payload[i : i + 2], "big") for i in range(0, len(payload), 2)]
    return _order_words(words, point.word_order)


def decode_block(block: Block, words: Sequence[int] | Sequence[bool]) -> dict[str, tuple]:
    """(raw, value) for every point of a block from the words read at block.start."""
    if len(words) < block.count:
        raise ValueError(f"short response: {len(words)} of {block.count}")
    out: dict[str, tuple] = {}
    for p in block.points:
        offset = p.address - block.start
        raw = decode_raw(p, words[offset : offset + p.width])
        out[p.name] = (raw, scale_value(p, raw))
    return out


def _named(point: Point) -> str:
    """A point in a refusal: its title for people, its name for whoever reads the register map."""
    return f"{point.label('id')} ({point.name})" if point.title else f"point {point.name}"


def check_write(point: Point, value: float) -> list[int]:
    """Registers to write for a command, or CommandRejected when the map forbids it."""
    if not point.writable:
        raise CommandRejected(f"{_named(point)} is read-only")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CommandRejected(f"{_named(point)}: {value!r} is not a number")
    if point.allowed is not None and value not in point.allowed:
        raise CommandRejected(f"{_named(point)}: {value} not in allowed {list(point.allowed)}")
    if point.min is not None and value < point.min:
        raise CommandRejected(f"{_named(point)}: {value} below minimum {point.min}")
    if point.max is not None and value > point.max:
        raise CommandRejected(f"{_named(point)}: {value} above maximum {point.max}")
    if point.type not in ("bool", "float32"):
        raw = value / point.scale
        if not math.isclose(raw, round(raw), rel_tol=0, abs_tol=1e-9):
            nearest = round(raw) * point.scale
            raise CommandRejected(f"{_named(point)} holds steps of {point.scale:g}{' ' + point.unit if point.unit else ''}"
                                  f": {value} cannot be stored (nearest {nearest:g}); nothing was rounded")
    try:
        return encode(point, value)
    except (ValueError, struct.error) as exc:
        raise CommandRejected(f"{_named(point)}: {value} does not fit {point.type}") from exc


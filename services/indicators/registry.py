"""Every declared indicator: `services/*/indicators.yaml`, validated once, ids unique.

The compute function is imported when it is first called (`compute_function`), so a service's
indicators load without importing the service; a drift test imports every one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from layers.registry import get_registry
from services.indicators.model import IndicatorSpec

SERVICES_DIR = Path(__file__).resolve().parent.parent


class IndicatorDeclarationError(ValueError):
    """An indicators.yaml is malformed, repeats an id or names a layer that does not exist."""


class UnknownIndicator(KeyError):
    def __str__(self) -> str:
        return f"unknown indicator {self.args[0]!r}"


class IndicatorRegistry:
    def __init__(self, specs: list[IndicatorSpec]):
        self._specs = {spec.id: spec for spec in specs}
        if len(self._specs) != len(specs):
            raise IndicatorDeclarationError("two indicator declarations share an id")

    def __iter__(self) -> Iterator[IndicatorSpec]:
        return iter(self._specs.values())

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._specs

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, indicator_id: str) -> IndicatorSpec:
        try:
            return self._specs[indicator_id]
        except KeyError:
            raise UnknownIndicator(indicator_id) from None

    @property
    def ids(self) -> list[str]:
        return list(self._specs)


def declaration_files(root: Path = SERVICES_DIR) -> list[Path]:
    return sorted(root.glob("*/indicators.yaml"))


def load_file(path: Path) -> list[IndicatorSpec]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list):
        raise IndicatorDeclarationError(f"{path}: a list of indicators expected")
    specs = []
    for number, entry in enumerate(entries, start=1):
        try:
            specs.append(IndicatorSpec.model_validate(entry))
        except ValidationError as exc:
            raise IndicatorDeclarationError(f"{path}, indicator {number}: {exc}") from exc
    known_layers = set(get_registry().ids)
    for spec in specs:
        missing = sorted(set(spec.layers) - known_layers)
        if missing:
            raise IndicatorDeclarationError(f"{path}: {spec.id} reads unknown layers {missing}")
    return specs


@lru_cache(maxsize=1)
def get_indicators() -> IndicatorRegistry:
    return IndicatorRegistry([spec for path in declaration_files() for spec in load_file(path)])


ComputeFn = Callable[..., list[dict[str, Any]]]


def compute_function(spec: IndicatorSpec) -> ComputeFn:
    module, _, name = spec.compute.partition(":")
    return getattr(importlib.import_module(module), name)

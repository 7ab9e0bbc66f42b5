"""The registry: every layer declaration, loaded and validated once.

Everything else loops over the registry; nothing names a layer in code.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from layers.model import LayerSpec

DECLARATIONS_DIR = Path(__file__).resolve().parent / "declarations"


class DeclarationError(ValueError):
    """A layer declaration is malformed; the message names the file and the problem."""


class UnknownLayer(KeyError):
    def __str__(self) -> str:
        return f"unknown layer {self.args[0]!r}"


class Registry:
    def __init__(self, specs: list[LayerSpec]):
        self._specs = {spec.id: spec for spec in specs}
        if len(self._specs) != len(specs):
            raise DeclarationError("two declarations share a layer id")
        for spec in specs:
            if spec.derived_from is not None and spec.derived_from not in self._specs:
                raise DeclarationError(f"{spec.id}: derived_from names unknown layer {spec.derived_from!r}")

    def __iter__(self) -> Iterator[LayerSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, layer_id: object) -> bool:
        return layer_id in self._specs

    def get(self, layer_id: str) -> LayerSpec:
        try:
            return self._specs[layer_id]
        except KeyError:
            raise UnknownLayer(layer_id) from None

    @property
    def ids(self) -> list[str]:
        return list(self._specs)


def load_declarations(directory: Path = DECLARATIONS_DIR) -> Registry:
    specs = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            spec = LayerSpec.model_validate(raw)
        except (yaml.YAMLError, ValidationError) as exc:
            raise DeclarationError(f"{path.name}: {exc}") from exc
        if spec.id != path.stem:
            raise DeclarationError(f"{path.name}: id {spec.id!r} must match the file name")
        specs.append(spec)
    return Registry(specs)


@lru_cache(maxsize=1)
def get_registry() -> Registry:
    """The registry of this process, loaded on first use."""
    return load_declarations()

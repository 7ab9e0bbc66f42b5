"""The registry: every layer declaration, loaded and validated once.

Declarations live in `layers/declarations/*.yaml` (the city's base layers) and
in `services/<name>/layers/*.yaml` (the layers a service owns: its cases, their
public register, the reference layers only it computes), so a service is one
folder. Both are read as files by path: `layers` still imports nothing above it.

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
# services/<name>/layers/*.yaml: read as data, never imported.
SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


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


def declaration_files(directory: Path = DECLARATIONS_DIR, services_dir: Path | None = None) -> list[Path]:
    """The declaration files: `directory/*.yaml`, then `services_dir/*/layers/*.yaml` when given."""
    files = sorted(directory.glob("*.yaml"))
    if services_dir is not None:
        files += sorted(services_dir.glob("*/layers/*.yaml"))
    return files


def load_declarations(directory: Path = DECLARATIONS_DIR, *, services_dir: Path | None = None) -> Registry:
    """Every declaration of `directory` and, with `services_dir`, of the services' `layers/` folders.

    A layer id is unique across both (two files declaring one id are refused)."""
    specs = []
    for path in declaration_files(directory, services_dir):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            spec = LayerSpec.model_validate(raw)
        except (yaml.YAMLError, ValidationError) as exc:
            raise DeclarationError(f"{_shown(path)}: {exc}") from exc
        if spec.id != path.stem:
            raise DeclarationError(f"{_shown(path)}: id {spec.id!r} must match the file name")
        if any(other.id == spec.id for other in specs):
            raise DeclarationError(f"{_shown(path)}: layer id {spec.id!r} is declared twice")
        specs.append(spec)
    return Registry(specs)


def _shown(path: Path) -> str:
    """A declaration's name in messages: the file name, with its service for a service's layer."""
    return f"{path.parent.parent.name}/layers/{path.name}" if path.parent.name == "layers" else path.name


@lru_cache(maxsize=1)
def get_registry() -> Registry:
    """The registry of this process, loaded on first use."""
    return load_declarations(DECLARATIONS_DIR, services_dir=SERVICES_DIR)

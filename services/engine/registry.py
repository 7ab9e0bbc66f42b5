"""Every declared service, loaded and validated once: `services/<name>/declaration.yaml`, and
`services/<name>/declarations/*.yaml` for a folder that runs several (permits: PBG and the
business location permit share their rules and layers).

Besides the declaration's own checks (model.py), a declaration must agree with its layers:
the case layer exists, carries the engine's columns and a workflow; every form field is a
property of it; every state is one of its allowed statuses; the public register's layer is
derived from the case layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from layers.model import LayerSpec
from layers.registry import Registry, get_registry
from services.engine.model import ServiceSpec

SERVICES_DIR = Path(__file__).resolve().parent.parent
# What the engine writes on every case, whatever the service.
CASE_COLUMNS = ("case_ref", "service", "status", "agency", "submitted_at", "state_since", "due_at",
                "akun_pemohon", "assigned_to", "public_note", "internal_notes", "attachment_files", "findings", "fee",
                "kode_kel", "nama_kel", "nama_kec", "address")


class ServiceDeclarationError(ValueError):
    """A service declaration is malformed or disagrees with its layers; the message names the file."""


class UnknownService(KeyError):
    def __str__(self) -> str:
        return f"unknown service {self.args[0]!r}"


class ServiceRegistry:
    def __init__(self, specs: list[ServiceSpec]):
        self._specs = {spec.id: spec for spec in specs}
        if len(self._specs) != len(specs):
            raise ServiceDeclarationError("two declarations share a service id")

    def __iter__(self) -> Iterator[ServiceSpec]:
        return iter(self._specs.values())

    def __contains__(self, service_id: object) -> bool:
        return service_id in self._specs

    def get(self, service_id: str) -> ServiceSpec:
        try:
            return self._specs[service_id]
        except KeyError:
            raise UnknownService(service_id) from None

    @property
    def ids(self) -> list[str]:
        return list(self._specs)


def declaration_files(services_dir: Path = SERVICES_DIR) -> list[Path]:
    return sorted(services_dir.glob("*/declaration.yaml")) + sorted(services_dir.glob("*/declarations/*.yaml"))


def case_columns(spec: ServiceSpec) -> list[str]:
    """The engine's columns as the case layer names them (columns mapped to None: the layer has none)."""
    mapped = spec.columns.model_dump()
    named = [mapped.get(c, c) for c in CASE_COLUMNS]
    return [c for c in named if c is not None]


def check_against_layers(spec: ServiceSpec, layers: Registry) -> list[str]:
    """What in the declaration disagrees with the layers it names ([] when nothing)."""
    if spec.case_layer not in layers:
        return [f"case_layer names unknown layer {spec.case_layer!r}"]
    case = layers.get(spec.case_layer)
    problems = [f"case layer {case.id} lacks the engine's column {c!r}" for c in case_columns(spec)
                if c not in case.property_names]
    if spec.columns.updated_at is not None and spec.columns.updated_at not in case.property_names:
        problems.append(f"columns.updated_at names {spec.columns.updated_at!r}, not a property of {case.id}")
    if case.workflow is None or case.workflow.state != "status":
        problems.append(f"case layer {case.id} must declare workflow: {{service: services.engine, state: status}}")
    problems += [f"form field {f.name!r} is not a property of {case.id}" for f in spec.form.fields
                 if f.name not in case.property_names]
    problems += [f"document {d.kind!r}: holder {d.holder!r} is not a property of {case.id}" for d in spec.documents
                 if d.holder not in case.property_names]
    problems += _state_problems(spec, case)
    problems += [f"transition {t.source} -> {t.to}: requires {name!r}, not a property of {case.id}"
                 for t in spec.transitions for name in t.requires if name not in case.property_names]
    if spec.public is not None and (spec.public.layer not in layers
                                    or layers.get(spec.public.layer).derived_from != case.id):
        problems.append(f"public.layer {spec.public.layer!r} must be a layer derived_from {case.id}")
    problems += _geometry_problems(spec, case)
    parcel = spec.form.location.parcel_layer
    if parcel is not None and parcel not in layers:
        problems.append(f"location.parcel_layer names unknown layer {parcel!r}")
    return problems


def _geometry_problems(spec: ServiceSpec, case: LayerSpec) -> list[str]:
    """A point (map click, address) fits a Point case layer; a plot (drawn, parcel) a polygon one."""
    wanted = {"point": "Point", "address": "Point", "polygon": "Polygon", "parcel": "Polygon"}
    kind = case.geometry.removeprefix("Multi")
    return [f"location {k!r} gives a {wanted[k]}, but {case.id} holds {case.geometry}"
            for k in spec.form.location.kinds if wanted[k] != kind]


def _state_problems(spec: ServiceSpec, case: LayerSpec) -> list[str]:
    allowed = case.prop("status").allowed if "status" in case.property_names else None
    if allowed is None:
        return []
    return [f"state {s.id!r} is not an allowed status of {case.id}" for s in spec.states if s.id not in allowed]


def load_services(services_dir: Path = SERVICES_DIR, layers: Registry | None = None) -> ServiceRegistry:
    layers = layers or get_registry()
    specs = []
    for path in declaration_files(services_dir):
        where = path.relative_to(services_dir)
        try:
            spec = ServiceSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValidationError) as exc:
            raise ServiceDeclarationError(f"{where}: {exc}") from exc
        problems = check_against_layers(spec, layers)
        if problems:
            raise ServiceDeclarationError(f"{where}: " + "; ".join(problems))
        specs.append(spec)
    return ServiceRegistry(specs)


@lru_cache(maxsize=1)
def get_services() -> ServiceRegistry:
    """The declared services of this process, loaded on first use."""
    return load_services()

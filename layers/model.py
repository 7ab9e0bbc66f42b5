"""What a layer declaration is: the one place a layer is described.

Each YAML file in `layers/declarations/` is parsed into a `LayerSpec`. The
table, the history, the API, the tiles, the legend and notebook access are all
derived from it, so a layer is added by adding a file, never by naming it in code.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
ROLES = ("public", "citizen", "staff", "planner", "operator", "admin")
# Columns every layer table has besides its declared properties.
SYSTEM_COLUMNS = ("fid", "source", "geom", "updated_at", "version")

PropertyType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
GeometryType = Literal[
    "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"
]
Theme = Literal["batas_wilayah", "layanan_publik", "transportasi", "risiko", "perangkat_kota", "lainnya"]
# What a layer is for: `service` data is the city's, shown to whoever `access.read`
# allows; `testing` data exists for tests and benchmarks and is never shown to the
# public or to citizens (layers/access.py holds the rule).
Purpose = Literal["service", "testing"]

PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "date": (date, str),
    "datetime": (datetime, str),
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A label in Bahasa Indonesia (first) and English."""

    id: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.id


class PropertySpec(Strict):
    name: str
    type: PropertyType
    title: Text
    description: Text | None = None
    required: bool = False
    allowed: list[Any] | None = None
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    queryable: bool = True
    # A string property holding a network address (a device's host): its value must be an
    # IP address inside one of these networks (CIDR), so a writer cannot point a
    # connection anywhere (a cloud metadata address, another city's network).
    networks: list[str] | None = None
    # A string property holding a URL the server itself fetches (a camera's snapshot): its
    # value must be a URL of one of these schemes whose host is an IP address inside
    # `networks` (a host name is refused: it could resolve anywhere, the internet included).
    schemes: list[str] | None = None

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value) or value in SYSTEM_COLUMNS:
            raise ValueError(f"property name {value!r} must be a lower-case identifier, not a system column")
        return value

    @model_validator(mode="after")
    def _allowed_match_type(self) -> PropertySpec:
        if self.allowed is not None:
            for v in self.allowed:
                if not isinstance(v, PYTHON_TYPES[self.type]) or isinstance(v, bool) != (self.type == "boolean"):
                    raise ValueError(f"allowed value {v!r} of {self.name} is not a {self.type}")
        if (self.minimum is not None or self.maximum is not None) and self.type not in ("integer", "number"):
            raise ValueError(f"minimum/maximum only apply to numbers ({self.name})")
        if self.networks is not None:
            if self.type != "string" or not self.networks:
                raise ValueError(f"networks apply to a string property and list at least one ({self.name})")
            for net in self.networks:
                ipaddress.ip_network(net)  # ValueError names the bad one
        return self


class StyleClass(Strict):
    """One legend entry: a category value, or a [min, max) range for graduated styles."""

    label: Text
    color: str
    value: Any = None
    min: float | None = None
    max: float | None = None


class Style(Strict):
    kind: Literal["simple", "categorized", "graduated"] = "simple"
    property: str | None = None
    color: str = "#3388ff"
    fill_color: str | None = None
    fill_opacity: float = 0.3
    weight: float = 2.0
    radius: float = 5.0
    classes: list[StyleClass] = Field(default_factory=list)

    @model_validator(mode="after")
    def _classes_need_property(self) -> Style:
        if self.kind != "simple" and (not self.property or not self.classes):
            raise ValueError(f"a {self.kind} style needs a property and classes")
        return self


class ZoomRange(Strict):
    min: int = Field(0, ge=0, le=24)
    max: int = Field(22, ge=0, le=24)


class RowRule(Strict):
    """Which rows of a layer the listed roles reach (layers/access.py applies it; admins reach every row).

    Per row, `property` holds what the principal must hold: one of its agencies
    (`holds: agency`, staff of an SKPD), one of the agencies it heads
    (`holds: headed_agency`), its own account (`holds: account`, the value
    `user:<id>`, a citizen's own cases), or a fixed `value` (`holds: value`,
    e.g. an agenda's public events, an archive's public documents). A principal that
    reaches the layer only through roles named by rules sees the rows any of its rules
    admit. A `value` rule lets one see rows, never own them: writes are scoped by the
    agency, head and account rules only (layers/access.py).
    """

    roles: list[str]
    property: str
    holds: Literal["agency", "account", "headed_agency", "value"]
    value: str | None = None  # the row's value of `property` admitted, for `holds: value`

    @model_validator(mode="after")
    def _value_iff_fixed(self) -> RowRule:
        if (self.holds == "value") != (self.value is not None):
            raise ValueError("a row rule has `value` exactly when it `holds: value`")
        return self

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        unknown = set(roles) - set(ROLES)
        if unknown or not roles:
            raise ValueError(f"row rule roles must be known roles; unknown: {sorted(unknown)}; known: {ROLES}")
        return roles


class Access(Strict):
    read: Literal["public"] | list[str] = "public"
    write: list[str] = Field(default_factory=lambda: ["admin"])
    private: list[str] = Field(default_factory=list)
    rows: list[RowRule] = Field(default_factory=list)

    @field_validator("write")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; known: {ROLES}")
        return roles

    @property
    def is_public(self) -> bool:
        return self.read == "public"


SYNTHETIC_ATTRIBUTION = "Data sintetis Medan WebGIS"


class Workflow(Strict):
    """Rows that follow a workflow: their `state` moves only through the owning service.

    The generic layer API (OGC API writes, history restore) refuses to create or
    delete such rows or to change their state, since that would skip the
    service's transitions; other properties stay editable by the layer's writers.
    """

    service: str = Field(pattern=r"^[A-Za-z_][\w.]*$")  # the owning service's package, named in refusals
    state: str


class FeaturePage(Strict):
    """A page about one feature that a service keeps (a school's funds): shown as a link in its popup.

    `href` is a path of this site with one public property in braces, e.g. "/dana-sekolah/{npsn}".
    `live`: href is a JSON answer read when the popup opens, `{"ringkasan": {"id": ..., "en": ...},
    "halaman": "/path"}`, shown as a line that says the feature's state now (a park's Wi-Fi on now).
    """

    title: Text
    href: str = Field(pattern=r"^/[A-Za-z0-9/_.-]*\{[a-z_][a-z0-9_]*\}[A-Za-z0-9/_.-]*$")
    live: bool = False

    @property
    def property(self) -> str:
        return self.href.split("{", 1)[1].split("}", 1)[0]


class SourceInfo(Strict):
    name: str
    license: str
    attribution: str  # credits separated by ";" (one per source the layer draws on)
    url: str | None = None


class Seed(Strict):
    # "import": real data a deployment loads itself with `command` (too large or too often
    # refreshed to ship, e.g. an OpenStreetMap extract): the layer is empty until then.
    kind: Literal["file", "synthetic", "import", "none"] = "none"
    command: str | None = None  # for kind "import": how a deployment loads the layer
    path: str | None = None  # relative to geodata/data/
    rename: dict[str, str] = Field(default_factory=dict)  # file column -> property
    # The generator of a synthetic seed by import path, "package.module:function"
    # (geodata.seed imports it; the owner of a computed layer keeps its generator).
    generator: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    source: str | None = None  # value of the `source` column for seeded features

    @model_validator(mode="after")
    def _import_names_its_command(self) -> Seed:
        if (self.kind == "import") != (self.command is not None):
            raise ValueError("a seed has `command` exactly when its kind is import")
        return self


GazetteerKind = Literal["wilayah", "jalan", "tempat", "sekolah", "kesehatan", "kantor", "halte", "wisata"]
GAZETTEER_KINDS: frozenset[str] = frozenset(get_args(GazetteerKind))


class Gazetteer(Strict):
    """How the place search (layers/search.py) ranks this layer's names among the others.

    `kind` is shown with each result ("jalan", "wisata", ...) and lets an address resolver keep
    only places; `weight` (0 to 0.5) orders results of the same match quality: a mosque named
    "Masjid Raya" before a street that merely contains the words. An area layer (kelurahan) may
    give `area_label`, a template over its properties ("Kel. {nama_kel}, Kec. {nama_kec}"): every
    result inside one of its polygons carries that label, so "Jalan Gatot Subroto" in two
    kelurahan is told apart.
    """

    kind: GazetteerKind
    weight: float = Field(default=0.0, ge=0.0, le=0.5)
    area_label: str | None = Field(default=None, max_length=200)

    @property
    def area_properties(self) -> list[str]:
        return re.findall(r"\{([a-z_][a-z0-9_]*)\}", self.area_label or "")


class LayerSpec(Strict):
    id: str
    title: Text
    description: Text
    theme: Theme
    purpose: Purpose = "service"
    geometry: GeometryType
    srid: Literal[4326] = 4326
    key: str | None = None  # a natural key (unique) used by upsert
    temporal: str | None = None  # a date/datetime property used by `datetime=`
    search: list[str] = Field(default_factory=list)  # name-like properties for search
    gazetteer: Gazetteer | None = None  # its place in the ranked place search (layers/search.py)
    # What "what is here?" reports of this layer for a clicked point: the
    # feature containing it, or the nearest feature with its distance.
    here: Literal["contains", "nearest"] | None = None
    properties: list[PropertySpec]
    style: Style = Field(default_factory=Style)
    zoom: ZoomRange = Field(default_factory=ZoomRange)
    access: Access = Field(default_factory=Access)
    workflow: Workflow | None = None
    # A layer the database derives from another in the same transaction (a view or
    # triggers, in a migration): nobody writes it, so it cannot diverge from its origin.
    derived_from: str | None = None
    pages: list[FeaturePage] = Field(default_factory=list)  # services' pages about one feature
    source: SourceInfo
    seed: Seed = Field(default_factory=Seed)

    @field_validator("id")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError(f"layer id {value!r} must be a lower-case identifier")
        return value

    @model_validator(mode="after")
    def _references_exist(self) -> LayerSpec:
        names = [p.name for p in self.properties]
        if len(names) != len(set(names)):
            raise ValueError(f"layer {self.id}: duplicate property names")
        known = set(names)
        refs = {"key": [self.key], "temporal": [self.temporal], "search": self.search,
                "access.private": self.access.private, "style.property": [self.style.property],
                "access.rows": [r.property for r in self.access.rows],
                "workflow.state": [self.workflow.state if self.workflow else None],
                "pages": [page.property for page in self.pages],
                "gazetteer.area_label": self.gazetteer.area_properties if self.gazetteer else []}
        for where, values in refs.items():
            for v in values:
                if v is not None and v not in known:
                    raise ValueError(f"layer {self.id}: {where} names unknown property {v!r}")
        if self.temporal and self.prop(self.temporal).type not in ("date", "datetime"):
            raise ValueError(f"layer {self.id}: temporal property must be a date or datetime")
        if any(page.property in self.access.private for page in self.pages):
            raise ValueError(f"layer {self.id}: a feature page's link may not carry a private property")
        if self.zoom.min > self.zoom.max:
            raise ValueError(f"layer {self.id}: zoom.min > zoom.max")
        if self.purpose == "testing" and self.access.is_public:
            raise ValueError(f"layer {self.id}: data for testing is not shown to the public; "
                             "declare access.read as a list of roles (e.g. [admin])")
        return self

    @property
    def table(self) -> str:
        return self.id

    @property
    def property_names(self) -> list[str]:
        return [p.name for p in self.properties]

    def prop(self, name: str) -> PropertySpec:
        for p in self.properties:
            if p.name == name:
                return p
        raise KeyError(name)

    def attributions(self) -> list[str]:
        """The credits a map owes while it shows this layer: one per source (its
        declared attribution split at ";"), plus "data sintetis" when its features
        are synthetic, so nobody mistakes generated data for the city's records."""
        parts = [part.strip().rstrip(".") for part in self.source.attribution.split(";") if part.strip()]
        if self.seed.source == "synthetic" and not any("sintetis" in part.lower() for part in parts):
            parts.append(SYNTHETIC_ATTRIBUTION)
        return list(dict.fromkeys(parts))

    def public_properties(self) -> list[PropertySpec]:
        private = set(self.access.private)
        return [p for p in self.properties if p.name not in private]

    @property
    def is_multi(self) -> bool:
        return self.geometry.startswith("Multi")

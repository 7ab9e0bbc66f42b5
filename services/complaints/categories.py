"""Complaint categories, read from categories.yaml: each is one Open311 GeoReport v2 service.

The YAML is the only place a category is described (its code, names, agency,
extra attributes and which device layer is "nearest" for it); the Open311
API, intake and the form page all loop over what it says.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from layers.model import Text

CATEGORIES_FILE = Path(__file__).resolve().parent / "categories.yaml"
Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
LISTS = ("singlevaluelist", "multivaluelist")
# Longest free text per datatype when a category gives no max_length.
DEFAULT_MAX_LENGTH = {"string": 200, "text": 4000}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Value(Strict):
    key: str
    name: Text


class Attribute(Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,39}$")
    datatype: Datatype
    required: bool = False
    description: Text
    values: list[Value] = Field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None

    @model_validator(mode="after")
    def _lists_have_values(self) -> Attribute:
        if (self.datatype in LISTS) != bool(self.values):
            raise ValueError(f"attribute {self.code}: values are needed exactly for list datatypes")
        return self

    def check(self, raw: Any) -> Any:
        """The value cleaned for storage; ValueError with the reason when it does not fit."""
        if self.datatype in LISTS:
            return self._check_list(raw)
        if isinstance(raw, list):
            if len(raw) != 1:
                raise ValueError("expects one value")
            raw = raw[0]
        text = str(raw).strip()
        if self.datatype == "number":
            return self._check_number(text)
        if self.datatype == "datetime":
            return _check_datetime(text)
        limit = self.max_length or DEFAULT_MAX_LENGTH[self.datatype]
        if len(text) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return text

    def _check_number(self, text: str) -> float | int:
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueError("is not a finite number")
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"is below the minimum {self.minimum:g}")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"is above the maximum {self.maximum:g}")
        return int(number) if number.is_integer() else number

    def _check_list(self, raw: Any) -> str | list[str]:
        chosen = [str(v).strip() for v in (raw if isinstance(raw, list) else [raw])]
        keys = {v.key for v in self.values}
        unknown = [v for v in chosen if v not in keys]
        if unknown:
            raise ValueError(f"{', '.join(map(repr, unknown))} is not one of {', '.join(sorted(keys))}")
        if self.datatype == "singlevaluelist":
            if len(chosen) != 1:
                raise ValueError("expects exactly one value")
            return chosen[0]
        return sorted(set(chosen))

    def datatype_description(self) -> str | None:
        """What Open311 clients show beside the field: the range or length the intake checks."""
        if self.datatype == "number" and (self.minimum is not None or self.maximum is not None):
            return f"{self.minimum:g}–{self.maximum:g}" if self.minimum is not None and self.maximum is not None \
                else f">= {self.minimum:g}" if self.minimum is not None else f"<= {self.maximum:g}"
        if self.datatype == "datetime":
            return "ISO 8601 with time zone, e.g. 2026-11-30T08:00:00+07:00"
        if self.datatype in DEFAULT_MAX_LENGTH:
            return f"at most {self.max_length or DEFAULT_MAX_LENGTH[self.datatype]} characters"
        return None


def _check_datetime(text: str) -> str:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise ValueError("needs a time zone (Z or +07:00)")
    return parsed.isoformat()


class Category(Strict):
    service_code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,39}$")
    name: Text
    description: Text
    group: str
    keywords: list[str] = Field(default_factory=list)
    agency: str
    by_kecamatan: dict[str, str] = Field(default_factory=dict)
    nearest: str | None = None
    nearest_within_m: float = 200.0
    alarm_attributes: dict[str, str] | None = None
    sla_days: int = Field(ge=1)
    attributes: list[Attribute] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_codes(self) -> Category:
        codes = [a.code for a in self.attributes]
        if len(codes) != len(set(codes)):
            raise ValueError(f"{self.service_code}: duplicate attribute codes")
        return self

    def agency_for(self, nama_kec: str | None) -> str:
        return self.by_kecamatan.get(nama_kec or "", self.agency)

    def attribute(self, code: str) -> Attribute | None:
        return next((a for a in self.attributes if a.code == code), None)

    def check_attributes(self, given: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Cleaned attribute values and the problems (unknown codes, missing required, bad values)."""
        clean: dict[str, Any] = {}
        problems: list[str] = []
        for code in sorted(given):
            if self.attribute(code) is None:
                problems.append(f"attribute[{code}]: not an attribute of {self.service_code}")
        for attribute in self.attributes:
            raw = given.get(attribute.code)
            if raw is None or raw == "" or raw == []:
                if attribute.required:
                    problems.append(f"attribute[{attribute.code}]: required")
                continue
            try:
                clean[attribute.code] = attribute.check(raw)
            except ValueError as exc:
                problems.append(f"attribute[{attribute.code}]: {exc}")
        return clean, problems


@lru_cache(maxsize=1)
def load_categories(path: Path = CATEGORIES_FILE) -> dict[str, Category]:
    """Every category by service_code, in file order."""
    documents = yaml.safe_load(path.read_text(encoding="utf-8"))
    categories = [Category.model_validate(doc) for doc in documents]
    by_code = {c.service_code: c for c in categories}
    if len(by_code) != len(categories):
        raise ValueError(f"{path}: duplicate service_code")
    return by_code

"""The city's agencies (SKPD): one vocabulary of codes, loaded from agencies.yaml, and what each runs.

The codes are the seam between the rooms (users' agencies, layers' `agency` property, row rules,
service declarations). What an agency runs is never written twice: it is derived from the declared
services (services/*/declaration*.yaml `agency`) and the complaint categories
(services/complaints/categories.yaml `agency` and its per-kecamatan overrides).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from layers.model import Text
from services.complaints.categories import load_categories
from services.engine.registry import get_services

AGENCIES_FILE = Path(__file__).resolve().parent / "agencies.yaml"
CODE = r"^[A-Z][A-Z0-9]{1,19}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tasks(Strict):
    id: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _same_length(self) -> Tasks:
        if len(self.id) != len(self.en):
            raise ValueError("tasks: the same tasks in both languages (as many lines in id as in en)")
        return self


class Contact(Strict):
    """The institution's office contact, never a person's."""

    address: str | None = None
    phone: str | None = Field(default=None, pattern=r"^\(0\d{2,3}\) [0-9 ]{6,12}$")
    email: str | None = Field(default=None, pattern=r"^[a-z0-9.]+@[a-z0-9.-]+\.[a-z]+$")
    source: Literal["synthetic", "public"]
    address_source: str | None = None


class Agency(Strict):
    code: str = Field(pattern=CODE)
    short: str
    kind: Literal["sekretariat", "badan", "dinas", "inspektorat", "satuan", "rumah_sakit", "wilayah"]
    name: Text
    tasks: Tasks
    contact: Contact


@dataclass(frozen=True)
class RunService:
    """A service an agency runs: a declared service (`/layanan/<id>`) or a complaint category
    (`/lapor`), with `areas` naming the kecamatan where it is the agency's only there."""

    kind: Literal["layanan", "pengaduan"]
    id: str
    title: dict[str, str]
    areas: tuple[str, ...] = ()


class AgencyVocabulary:
    def __init__(self, agencies: list[Agency]):
        self._by_code = {a.code: a for a in agencies}
        if len(self._by_code) != len(agencies):
            raise ValueError("agencies.yaml: an agency code is listed twice")

    def __iter__(self):  # noqa: ANN204
        return iter(self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> Agency | None:
        return self._by_code.get(code)

    @property
    def codes(self) -> list[str]:
        return list(self._by_code)


def load_agencies(path: Path = AGENCIES_FILE) -> AgencyVocabulary:
    documents = yaml.safe_load(path.read_text(encoding="utf-8"))
    return AgencyVocabulary([Agency.model_validate(doc) for doc in documents])


@lru_cache(maxsize=1)
def get_agencies() -> AgencyVocabulary:
    """The vocabulary of this process, loaded on first use."""
    return load_agencies()


def services_run_by(code: str) -> list[RunService]:
    """What the agency runs: its declared services, then the complaint categories sent to it
    (everywhere, or only in some kecamatan)."""
    found = [RunService("layanan", s.id, dict(s.title)) for s in get_services() if s.agency == code]
    for category in load_categories().values():
        areas = tuple(sorted(k for k, a in category.by_kecamatan.items() if a == code))
        if category.agency == code or areas:
            found.append(RunService("pengaduan", category.service_code, dict(category.name),
                                    () if category.agency == code else areas))
    return found


def agency_codes_in_use() -> dict[str, set[str]]:
    """Every agency code a declaration or a category names, with where: the drift test checks
    each is in the vocabulary."""
    used: dict[str, set[str]] = {}
    for spec in get_services():
        used.setdefault(spec.agency, set()).add(f"service {spec.id}")
    for category in load_categories().values():
        for agency in (category.agency, *category.by_kecamatan.values()):
            used.setdefault(agency, set()).add(f"complaint category {category.service_code}")
    return used

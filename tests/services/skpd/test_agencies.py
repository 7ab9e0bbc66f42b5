"""One vocabulary of agency codes (services/skpd/agencies.yaml): every code a declaration, a complaint
category or a seeded layer uses is in it, and what an agency runs is derived, not repeated."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, text

from layers.registry import get_registry
from services.skpd.agencies import agency_codes_in_use, get_agencies, load_agencies, services_run_by

SEAMS = ["SETDA", "BAPPEDA", "BPKAD", "BKPSDM", "INSPEKTORAT", "DISDIK", "DINKES", "DSDABMBK", "DPKPPR", "DPMPTSP",
         "DISDUKCAPIL", "DISHUB", "DLH", "BPBD", "DISKOMINFO", "DISBUDPAR", "DISPUSIP", "DINKOPUKM", "DISPERINDAG", "DINSOS",
         "SATPOLPP", "BAPENDA", "RSUD", "KECAMATAN", "KELURAHAN"]


def test_the_vocabulary_is_the_seams_list_with_tasks_in_both_languages() -> None:
    agencies = get_agencies()
    assert agencies.codes == SEAMS
    for agency in agencies:
        assert agency.name.id and agency.name.en and len(agency.tasks.id) == len(agency.tasks.en)
        assert agency.contact.email is None or agency.contact.email.endswith(".example")  # no invented real mailbox


def test_every_code_the_declarations_and_categories_use_is_known() -> None:
    unknown = {code: sorted(where) for code, where in agency_codes_in_use().items() if code not in get_agencies()}
    assert unknown == {}


def test_every_agency_value_in_the_seeded_layers_is_known(engine: Engine) -> None:
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for spec in get_registry():
            if "agency" in spec.property_names:
                values = conn.execute(text(f'SELECT DISTINCT agency FROM layers."{spec.table}" '
                                           'WHERE agency IS NOT NULL')).scalars()
                for value in values:
                    found.setdefault(value, set()).add(spec.id)
    assert "DISKOMINFO" in found and "KELURAHAN" in found  # the offices and links are there
    assert {v: sorted(layers) for v, layers in found.items() if v not in get_agencies()} == {}


def test_services_are_derived_from_declarations_and_categories() -> None:
    permits = {s.id for s in services_run_by("DPMPTSP")}
    assert permits == {"pbg", "izin_lokasi_usaha"}
    flood = [s for s in services_run_by("BPBD") if s.id == "BANJIR"]
    assert flood and flood[0].kind == "pengaduan" and "Medan Belawan" in flood[0].areas
    roads = [s for s in services_run_by("DSDABMBK") if s.id == "BANJIR"]
    assert roads and roads[0].areas == ()  # everywhere else


def test_a_bad_vocabulary_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "agencies.yaml"
    bad.write_text("- {code: dlh, short: x, kind: dinas, name: {id: a, en: b}, tasks: {id: [a], en: [b, c]},"
                   " contact: {source: synthetic}}\n", encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        load_agencies(bad)
    assert "code" in str(refused.value) and "same tasks" in str(refused.value)

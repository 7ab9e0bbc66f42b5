"""Service declarations: validated at load, and checked against the layers they name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from layers.registry import get_registry
from services.engine.registry import (
    ServiceDeclarationError,
    case_columns,
    declaration_files,
    get_services,
    load_services,
)

PBG = Path("services/permits/declarations/pbg.yaml")


def test_the_permit_services_are_declared_and_agree_with_their_layers() -> None:
    services = get_services()
    assert {"pbg", "izin_lokasi_usaha"} <= set(services.ids)
    for spec in services:
        case = get_registry().get(spec.case_layer)
        assert set(case_columns(spec)) <= set(case.property_names)
        if spec.public is not None:  # civil registration and PPDB publish counts only, not a register of cases
            assert get_registry().get(spec.public.layer).derived_from == case.id
        assert spec.final_states  # every workflow ends somewhere
        for state in spec.states:
            if state.id not in spec.final_states:
                assert state.due_days or state.untimed, f"{spec.id}: {state.id} has no due time"


def test_the_public_register_holds_no_private_field_of_its_case_layer() -> None:
    for spec in (s for s in get_services() if s.public is not None):
        case = get_registry().get(spec.case_layer)
        public = get_registry().get(spec.public.layer)
        assert not set(public.property_names) & set(case.access.private), spec.id
        assert public.access.is_public


def _write(tmp_path: Path, change) -> Path:  # noqa: ANN001
    doc = yaml.safe_load(PBG.read_text(encoding="utf-8"))
    change(doc)
    folder = tmp_path / "permits" / "declarations"
    folder.mkdir(parents=True)
    (folder / "pbg.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(case_layer="schools"), "lacks the engine's column 'case_ref'"),
    (lambda d: d["form"]["fields"].append({"name": "warna", "label": {"id": "Warna", "en": "Colour"}}),
     "form field 'warna' is not a property of permit_cases"),
    (lambda d: d["transitions"].append({"from": "issued", "to": "nowhere", "roles": ["staff"],
                                        "label": {"id": "x", "en": "x"}}), "unknown states \\['nowhere'\\]"),
    (lambda d: d["transitions"][0].update(roles=["mayor"]), "unknown roles"),
    (lambda d: d["states"].append({"id": "paid", "title": {"id": "Lunas", "en": "Paid"}}),
     "state 'paid' is not an allowed status of permit_cases"),
    (lambda d: d["public"].update(layer="permit_cases"), "must be a layer derived_from permit_cases"),
    (lambda d: d.update(colour="red"), "colour"),
    (lambda d: d["form"]["location"].update(kinds=["point"], parcel_layer=None), "location 'point' gives a Point, but permit_cases holds"),
    (lambda d: d["fees"].update(paid_to="lunas"), "unknown states \\['lunas'\\]"),
])
def test_a_malformed_declaration_is_refused_naming_the_file(tmp_path: Path, change, message: str) -> None:  # noqa: ANN001
    with pytest.raises(ServiceDeclarationError, match=message) as refused:
        load_services(_write(tmp_path, change))
    assert "permits/declarations/pbg.yaml" in str(refused.value)


def test_declarations_are_found_in_both_places(tmp_path: Path) -> None:
    folder = _write(tmp_path, lambda d: None)
    (folder / "one").mkdir()
    (folder / "one" / "declaration.yaml").write_text(PBG.read_text(encoding="utf-8").replace("id: pbg", "id: satu"),
                                                     encoding="utf-8")
    assert [p.relative_to(folder).as_posix() for p in declaration_files(folder)] == [
        "one/declaration.yaml", "permits/declarations/pbg.yaml"]

"""Register maps: loading, refusal of bad maps, decode/encode with word order."""

from __future__ import annotations

import pytest

from devices.registermap import (
    CommandRejected,
    RegisterMapError,
    check_write,
    decode,
    decode_block,
    encode,
    load_maps,
    parse_map,
)

MODELS = {"atcs_controller_v1", "cctv_ipcam_v1", "lpju_solar_v1", "attendance_v1", "wifi_ap_v1"}


def _map(*points: dict) -> dict:
    return {"model": "test_v1", "points": list(points)}


def test_shipped_maps_load_and_cover_models() -> None:
    maps = load_maps()
    assert set(maps) == MODELS
    for m in maps.values():
        # Every point is covered by exactly one read block.
        covered = [p.name for b in m.blocks for p in b.points]
        assert sorted(covered) == sorted(p.name for p in m.points)


def test_layer_declarations_name_only_known_models() -> None:
    from pathlib import Path

    import yaml

    maps = load_maps()
    for layer in ("cctv", "atcs_intersections", "street_lights", "wifi_access_points"):
        decl = yaml.safe_load(Path(f"layers/declarations/{layer}.yaml").read_text())
        model_prop = next(p for p in decl["properties"] if p["name"] == "model")
        assert set(model_prop["allowed"]) <= set(maps), layer


@pytest.mark.parametrize(
    ("points", "fragment"),
    [
        (
            [
                {"name": "a", "function": "input", "address": 0, "type": "uint32"},
                {"name": "b", "function": "input", "address": 1, "type": "uint16"},
            ],
            "point b: input address 1 overlaps point a (0..1)",
        ),
        ([{"name": "x", "function": "holding", "address": 0, "type": "float16"}], "unknown data type 'float16'"),
        (
            [{"name": "ro", "function": "input", "address": 0, "type": "uint16", "writable": True, "min": 0, "max": 1}],
            "point ro: writable point in read-only table input",
        ),
        (
            [{"name": "di", "function": "discrete_input", "address": 0, "type": "bool", "writable": True, "allowed": [0, 1]}],
            "writable point in read-only table discrete_input",
        ),
        ([{"name": "w", "function": "holding", "address": 0, "type": "uint16", "writable": True}], "needs allowed values"),
        ([{"name": "c", "function": "coil", "address": 0, "type": "uint16"}], "does not fit function coil"),
        ([{"name": "f", "function": "input", "address": 0, "type": "uint16", "word_order": "middle"}], "word_order"),
        ([{"name": "t", "function": "input", "address": 0, "type": "uint16", "adress": 1}], "unknown keys"),
        ([{"name": "n", "function": "holding", "address": 0, "type": "int16", "writable": True, "allowed": [40000]}], "does not fit int16"),
    ],
)
def test_bad_maps_are_refused_with_map_and_point(points: list, fragment: str) -> None:
    with pytest.raises(RegisterMapError) as err:
        parse_map(_map(*points))
    assert "register map test_v1" in str(err.value)
    assert fragment in str(err.value)


def test_same_address_in_different_tables_is_fine() -> None:
    m = parse_map(_map(
        {"name": "a", "function": "input", "address": 0, "type": "uint32"},
        {"name": "b", "function": "holding", "address": 1, "type": "uint16", "writable": True, "min": 0, "max": 9},
    ))
    assert [b.function for b in m.blocks] == ["holding", "input"]


def test_blocks_split_at_the_modbus_request_limit() -> None:
    m = parse_map(_map(
        {"name": "a", "function": "input", "address": 0, "type": "uint16"},
        {"name": "b", "function": "input", "address": 124, "type": "uint16"},
        {"name": "c", "function": "input", "address": 124 + 1, "type": "uint16"},
    ))
    assert [(b.start, b.count) for b in m.blocks] == [(0, 125), (125, 1)]


def _point(dtype: str, order: str = "big", scale: float = 1.0):
    return parse_map(_map({"name": "p", "function": "input", "address": 0, "type": dtype,
                           "word_order": order, "scale": scale})).points[0]


def test_word_order_big_and_little() -> None:
    big, little = _point("uint32", "big"), _point("uint32", "little")
    assert encode(big, 0x12345678) == [0x1234, 0x5678]
    assert encode(little, 0x12345678) == [0x5678, 0x1234]
    assert decode(big, [0x1234, 0x5678]) == 0x12345678
    assert decode(little, [0x1234, 0x5678]) == 0x56781234


def test_float32_word_order() -> None:
    # 12.5 is 0x41480000 in IEEE 754.
    assert encode(_point("float32", "big"), 12.5) == [0x4148, 0x0000]
    assert encode(_point("float32", "little"), 12.5) == [0x0000, 0x4148]
    assert decode(_point("float32", "little"), [0x0000, 0x4148]) == 12.5


def test_signed_types_and_scale() -> None:
    temp = _point("int16", scale=0.1)
    assert encode(temp, -5.3) == [0xFFCB]
    assert decode(temp, [0xFFCB]) == pytest.approx(-5.3)
    assert decode(_point("int32", "little"), [0xFFFE, 0xFFFF]) == -2
    assert decode(_point("uint16", scale=0.01), [1234]) == pytest.approx(12.34)


def test_decode_block_and_short_response() -> None:
    m = load_maps()["lpju_solar_v1"]
    block = next(b for b in m.blocks if b.function == "input")
    words = [0] * block.count
    words[0] = 1275  # battery_voltage, scale 0.01
    words[2:4] = encode(m.point("solar_power"), 150.25)
    values = decode_block(block, words)
    assert values["battery_voltage"] == (1275, pytest.approx(12.75))
    assert values["solar_power"][1] == pytest.approx(150.25)
    with pytest.raises(ValueError, match="short response"):
        decode_block(block, words[:3])


def test_check_write_bounds() -> None:
    m = load_maps()["atcs_controller_v1"]
    assert check_write(m.point("signal_plan"), 3) == [3]
    assert check_write(m.point("cycle_time"), 90) == [90]
    with pytest.raises(CommandRejected, match="not in allowed"):
        check_write(m.point("signal_plan"), 9)
    with pytest.raises(CommandRejected, match="above maximum"):
        check_write(m.point("cycle_time"), 181)
    with pytest.raises(CommandRejected, match="read-only"):
        check_write(m.point("current_phase"), 1)

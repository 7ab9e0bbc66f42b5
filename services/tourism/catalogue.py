"""The curated catalogue (catalogue.yaml): real sites with their cited locations, and walks by stop."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from services.tourism import hours

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")


@cache
def catalogue() -> dict[str, list[dict[str, Any]]]:
    """Sites and walks as written, checked: unique codes, readable hours, walks through known sites."""
    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    codes = [site["kode"] for site in data["sites"]]
    if len(set(codes)) != len(codes):
        raise ValueError("catalogue.yaml: a site code appears twice")
    for site in data["sites"]:
        if site.get("jam_buka"):
            hours.parse(site["jam_buka"])
    for walk in data["walks"]:
        unknown = set(walk["halte"]) - set(codes)
        if unknown or len(walk["halte"]) < 2:
            raise ValueError(f"catalogue.yaml: walk {walk['kode']} needs two known stops, not {sorted(unknown)}")
    return data

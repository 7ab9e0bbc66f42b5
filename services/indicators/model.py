"""What an indicator declaration is: one entry of a `services/<name>/indicators.yaml`.

A service declares the indicators over its own data in its own folder, like its layers; the
registry (registry.py) loads them all. The seam's fields (id, title, unit, better, compute,
provenance) are required; `layers`, `by_agency` and `kind` are optional and say more.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from layers.model import IDENTIFIER, Strict, Text


class IndicatorSpec(Strict):
    id: str = Field(pattern=IDENTIFIER.pattern)
    title: Text
    unit: str = Field(min_length=1, max_length=20)
    better: Literal["higher", "lower"]
    # "package.module:function" called as function(conn, *, start, end) -> list[dict] with
    # kode_kec (None = the whole city), month (first day), value, n (and agency when by_agency).
    compute: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    provenance: Text  # how it is computed, in words, and from which layers
    layers: list[str] = Field(default_factory=list)  # the layers it reads (checked against the registry)
    by_agency: bool = False  # rows also come per agency (SKPD), agency None = every agency
    # "flow": one figure per month of events; "snapshot": the state of a layer when computed.
    kind: Literal["flow", "snapshot"] = "flow"
    owner: str = ""  # the agency (SKPD) answering for the figure, when there is one

    def label(self, lang: str) -> str:
        return self.title.get(lang)

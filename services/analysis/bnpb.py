"""The BNPB DIBI flood records: which kelurahan each record's free-text `Lokasi` names.

The analysis's flood-event term and the seed of disaster_risk_zones both count
events per kelurahan with this parser; it is production code, not seed code.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

import geopandas as gpd
import numpy as np
import pandas as pd

_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv"}
_ALIASES = {"tj": "tanjung", "s": "sei", "sikambing": "kambing", "ds": ""}


def _words(text: str) -> list[str]:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    words = [_ALIASES.get(w, w) for w in words]
    return [_ROMAN.get(w, w) for w in words if w]


def _key(words: list[str]) -> str:
    return "".join(words)


def _strip_medan(words: list[str]) -> list[str]:
    return words[1:] if len(words) > 1 and words[0] == "medan" else words


def _parse_lokasi(text: str) -> list[tuple[str | None, str]]:
    """(kecamatan text, kelurahan text) pairs from a DIBI `Lokasi` string.

    The field is free text: 'Kec. A Kel. B Kel. C Kec. D ...', with 'Ds.' for
    'Kel.', missing dots, commas or dashes between pieces, and any case.
    """
    pieces = re.split(r"\b(kec|kel|ds|desa)\b\.?", text, flags=re.IGNORECASE)
    pairs, kec = [], None
    for marker, content in zip(pieces[1::2], pieces[2::2], strict=True):
        content = content.strip(" \t-,.;:")
        if not content:
            continue
        if marker.lower() == "kec":
            kec = content
        else:
            pairs.append((kec, content))
    return pairs


class _KelurahanIndex:
    """Tolerant lookup of kelurahan names as written by hand in the BNPB records."""

    def __init__(self, kel: pd.DataFrame):
        self.kel = kel
        self.kec_keys = {_key(_strip_medan(_words(k))): k for k in kel["nama_kec"].unique()}
        self.keys: list[tuple[str, str, str, int]] = []  # key, base, kecamatan, row
        for row, (nama, kec) in enumerate(zip(kel["nama_kel"], kel["nama_kec"], strict=True)):
            words = _words(nama)
            variants = {_key(words)}
            # 'Belawan Bahari' is written 'Bahari' inside Kec. Medan Belawan.
            if len(words) > 1 and words[0] == _words(kec)[-1]:
                variants.add(_key(words[1:]))
            base = _key([w for w in words if w not in _ROMAN.values()])
            self.keys += [(v, base, kec, row) for v in variants]

    def kecamatan(self, text: str | None) -> str | None:
        if text is None:
            return None
        q = _key(_strip_medan(_words(text)))
        best = max(self.kec_keys, key=lambda k: SequenceMatcher(None, q, k).ratio())
        return self.kec_keys[best] if SequenceMatcher(None, q, best).ratio() >= 0.8 else None

    def match(self, kec_text: str | None, kel_text: str) -> set[int]:
        q_words = _words(kel_text)
        queries = {_key(q_words), _key(_strip_medan(q_words))} - {""}
        kec = self.kecamatan(kec_text)
        # A wrong or missing kecamatan is common; fall back to the whole city, more strictly.
        scopes = [(kec, 0.8), (None, 0.88)] if kec else [(None, 0.88)]
        for scope, threshold in scopes:
            cands = [k for k in self.keys if scope is None or k[2] == scope]
            rows = self._match_in(cands, queries, threshold)
            if rows:
                return rows
        return set()

    @staticmethod
    def _match_in(cands: list[tuple[str, str, str, int]], queries: set[str],
                  threshold: float) -> set[int]:
        exact = {row for key, _, _, row in cands if key in queries}
        # 'Harjosari' names both Harjosari I and Harjosari II.
        exact = exact or {row for _, base, _, row in cands if base in queries}
        if exact or not cands or not queries:
            return exact
        scored = [(max(SequenceMatcher(None, q, key).ratio() for q in queries), row)
                  for key, _, _, row in cands]
        best, row = max(scored)
        return {row} if best >= threshold else set()


def count_flood_events(kelurahan: gpd.GeoDataFrame | pd.DataFrame,
                       events: pd.DataFrame) -> pd.Series:
    """Number of distinct flood records whose `Lokasi` names each kelurahan, by kode_kel."""
    kel = kelurahan.sort_values("kode_kel").reset_index(drop=True)
    index = _KelurahanIndex(kel)
    floods = events[events["Kejadian"].astype(str).str.upper().str.contains("BANJIR")]
    counts = np.zeros(len(kel), dtype=int)
    for lokasi in floods["Lokasi"].dropna().astype(str):
        rows: set[int] = set()
        for kec_text, kel_text in _parse_lokasi(lokasi):
            rows |= index.match(kec_text, kel_text)
        counts[sorted(rows)] += 1
    return pd.Series(counts, index=kel["kode_kel"].to_numpy(), name="kejadian_banjir")

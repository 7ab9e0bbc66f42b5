"""Spreadsheet-safe CSV cells: text that a spreadsheet would run as a formula is written as text.

A cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is a
formula to Excel, LibreOffice and Google Sheets (OWASP "CSV injection"), and
citizens' report text reaches the staff's CSV downloads. Such text cells get
the spreadsheets' own text prefix, an apostrophe, which they hide when they
show the cell. Numbers are left alone (a negative number is a number).

The escape is reversible, so an exported CSV imports back to the same values:
an apostrophe is added before a trigger character, and before an apostrophe
that would otherwise be read as such a prefix; reading removes exactly one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def _escapable(text: str) -> bool:
    return text[:1] == PREFIX and text[1:2] in (*TRIGGERS, PREFIX) and len(text) > 1


def neutralise(value: Any) -> Any:
    """The cell as written: text a spreadsheet would evaluate gets the text prefix."""
    if not isinstance(value, str) or not value:
        return value
    return PREFIX + value if value.startswith(TRIGGERS) or _escapable(value) else value


def restore(value: Any) -> Any:
    """The value a neutralised cell stands for (what `neutralise` was given)."""
    if isinstance(value, str) and _escapable(value):
        return value[1:]
    return value


def neutralise_text_columns(table: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text (object) columns are neutralised cell by cell."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(neutralise)
    return out

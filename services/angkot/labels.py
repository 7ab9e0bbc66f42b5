"""Route codes as Medan people say them: the operator's everyday name and the number ("KPUM 41",
"Rahayu 24"), with the vehicle colour that tells them apart on the street."""

from __future__ import annotations

# Operators whose registered name is longer than what passengers say.
SPOKEN_OPERATOR = {"Rahayu Medan Ceria": "Rahayu"}


def route_label(operator: str | None, kode_trayek: object) -> str:
    """'KPUM 41'; the bare code when the operator is not known."""
    code = str(kode_trayek)
    if not operator or str(operator) == "nan":
        return code
    return f"{SPOKEN_OPERATOR.get(str(operator), str(operator))} {code}"

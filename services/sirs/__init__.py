"""SIRS: hospital bed capacity and live availability (issue 19, item 5).

Hospitals are the `Rumah Sakit` features of `health_facilities` (Kemenkes 2019). Each one
reports its beds per class through the API with its own token (`tokens.py`) or through staff on a
form; every accepted report is kept (`sirs.bed_reports`) and the latest per class is what
citizens see (`finder.py`). The capacities seeded here are synthetic and say so.
"""

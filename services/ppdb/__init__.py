"""PPDB zonasi: school admission by distance from home (Permendikbud zoning).

Flask-free: the web pages, the API and notebooks call the same functions.
"""

from services.ppdb.allocation import Admission, allocate, allocate_applicants
from services.ppdb.rules import DEFAULT_RULE, ZoningRule
from services.ppdb.zoning import SchoolChoice, schools_for_home

__all__ = [
    "DEFAULT_RULE", "Admission", "SchoolChoice", "ZoningRule", "allocate", "allocate_applicants",
    "schools_for_home",
]

"""Citizen complaints on the web: Open311 GeoReport v2 (/open311/v2/) and the staff workflow (/open311/staff/)."""

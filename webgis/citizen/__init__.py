"""Citizen service pages: complaints (/lapor, /lapor/<id>, /lapor/peta) and PPDB zoning (/ppdb).

Thin views over services/complaints and services/ppdb, the same functions the
Open311 API and notebooks call. Forms carry the session's CSRF token (the
global check in webgis/security.py refuses a form post without it); scripts
and styles come from /static only (strict CSP, no inline script).
"""

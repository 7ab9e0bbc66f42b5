"""The admin credential of a benchmark's own server.

The benchmarks measure `sample_points`, which is data for testing (`purpose:
testing` in its declaration): the web serves it only to admins. A server a
benchmark starts accepts this config token (WEBGIS_WEB_API_TOKEN, admin-
equivalent, see webgis/accounts/principal.py), and the benchmark's requests
carry it. Given in the environment, the same token reaches a server started
elsewhere (`--url`).
"""

from __future__ import annotations

import os
import secrets

TOKEN = os.environ.get("WEBGIS_WEB_API_TOKEN") or secrets.token_urlsafe(24)
SERVER_ENV = {"WEBGIS_WEB_API_TOKEN": TOKEN}
HEADERS = {"Authorization": f"Bearer {TOKEN}"}

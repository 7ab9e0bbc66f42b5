"""A database of the module's own with the hand-made streets loaded and ATCS-008 reported congested
through detector readings (tests/services/routing), and an app on it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask

from layers.db import engine_for
from tests.helpers.database import own_database, settings_for
from tests.services.routing.test_graph import load_streets
from tests.services.routing.test_planner import JUNCTION, _congestion


@pytest.fixture(scope="module")
def routed_database(server_url: str, template_database_url: str) -> Iterator[str]:
    with own_database(server_url, template_database_url) as url:
        engine = engine_for(url)
        load_streets(engine)
        device = f"atcs_intersections/{JUNCTION}"
        _congestion(engine, device, time.time() - 900, queue_m=300.0)
        yield url


@pytest.fixture(scope="module")
def routed_app(routed_database: str) -> Flask:
    from webgis.app import create_app

    application = create_app(settings_for(routed_database))
    application.config["TESTING"] = True
    return application

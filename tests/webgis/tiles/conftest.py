"""Fixtures of the tile tests: an app on a database of its own for tests that edit layers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.database import settings_for


@pytest.fixture
def edit_app(isolated_database_url: str) -> Iterator:
    """An app on a fresh seeded database, for tests that commit edits."""
    from layers.db import engine_for
    from webgis.app import create_app

    settings = settings_for(isolated_database_url, api_token="test-token")
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    engine_for(isolated_database_url).dispose()

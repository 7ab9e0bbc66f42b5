"""`python -m services layanan`: the declared services, and a service's overdue cases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from services.__main__ import main


@pytest.fixture
def on_the_test_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from config.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()  # the settings are read once per process
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.usefixtures("on_the_test_database")
def test_the_cli_lists_the_services_and_the_overdue_cases() -> None:
    listed = CliRunner().invoke(main, ["layanan"])
    assert listed.exit_code == 0 and "pbg\tDPMPTSP\tPersetujuan Bangunan Gedung (PBG)" in listed.output
    overdue = CliRunner().invoke(main, ["layanan", "overdue", "pbg"])
    assert overdue.exit_code == 0, overdue.output
    assert "PBG-SEED0005\tverified" in overdue.output and "PBG-SEED0001" not in overdue.output  # issued: never due

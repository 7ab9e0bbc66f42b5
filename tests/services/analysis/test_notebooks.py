"""Every notebook runs top to bottom against a seeded test database (nbclient); a failing cell fails here."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from sqlalchemy.engine import make_url

from config.settings import PROJECT_ROOT, get_settings
from geodata.cluster import drop_database

ROOT = PROJECT_ROOT
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def notebook_database_url(server_url: str, template_database_url: str) -> Iterator[str]:
    """One clone for all notebooks: they publish results, so not the shared session database."""
    from tests.helpers.database import clone_database

    url = clone_database(server_url, template_database_url)
    yield url
    from layers.db import engine_for

    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


def test_there_is_a_notebook_per_analysis() -> None:
    assert {p.stem for p in NOTEBOOKS} >= {"risiko_banjir", "kerawanan_pangan", "trayek_angkot", "akses_layanan",
                                          "skala_dask"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_notebook_runs(path: Path, notebook_database_url: str, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    # The kernel inherits this environment: the database, where maps go, and the project on its path.
    # A planner sets no DATABASE_URL: on the local cluster only the database's name is given.
    if get_settings().uses_local_cluster:
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.delenv("WEBGIS_DATABASE_URL", raising=False)
        monkeypatch.setenv("WEBGIS_PG_DATABASE", make_url(notebook_database_url).database)
    else:
        monkeypatch.setenv("DATABASE_URL", notebook_database_url)
    monkeypatch.setenv("NOTEBOOK_OUTPUT_DIR", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for html in tmp_path.glob("*.html"):
        text = html.read_text()
        assert "vendor/leaflet/leaflet.js" in text and "cdn.jsdelivr" not in text and "unpkg" not in text

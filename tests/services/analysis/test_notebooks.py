"""Every notebook runs top to bottom against a seeded test database (nbclient); a failing cell fails here."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from sqlalchemy.engine import make_url

from config.settings import PROJECT_ROOT, Settings, get_settings
from geodata.cluster import drop_database
from tests.services.analysis.test_maps import FETCHING

ROOT = PROJECT_ROOT
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PLOTS = r"\.plot(\.|\()|plt\.subplots\(|plot_choropleth\(|\bshow\("  # a cell that draws a chart
EXPECTED_FILES = {"risiko_banjir": {"risiko_banjir.html", "zona_bahaya_banjir.html"},
                  "akses_layanan": {"akses_layanan.html"}, "kerawanan_pangan": {"kerawanan_pangan.html"},
                  "trayek_angkot": {"cakupan_angkot.html", "angkot_medan.zip"}}


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
    # No MPLBACKEND: the kernel picks its inline backend, as in Jupyter, and charts must reach the outputs.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    plotting = [c for c in notebook.cells if c.cell_type == "code" and re.search(PLOTS, c.source)]
    assert plotting
    for cell in plotting:
        shown = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert shown, f"no chart shown by:\n{cell.source}"
    said = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert str(tmp_path) in said  # the notebook says where its files go
    for html in tmp_path.glob("*.html"):
        assert FETCHING.findall(html.read_text()) == [], html.name
    saved = {p.name for p in tmp_path.iterdir()}
    assert saved >= EXPECTED_FILES.get(path.stem, set())


def test_notebook_files_go_outside_the_tracked_tree_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTEBOOK_OUTPUT_DIR", raising=False)
    folder = Settings().notebook_output_dir
    assert folder == ROOT / ".var" / "notebooks"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(folder / "peta.html")], cwd=ROOT)
    assert ignored.returncode == 0, f"{folder} is not ignored by git"

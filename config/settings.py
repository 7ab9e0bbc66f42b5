"""All settings, loaded once from the environment and passed down.

This module imports nothing of the project, so every package can read it.

Groups per concern, each with its own environment prefix:
- DATABASE_URL (or WEBGIS_DATABASE_URL): an external PostGIS; when unset the
  project-local cluster under `.var/` is used and managed by the CLI.
- WEBGIS_PG_*: the project-local cluster (port, data directory, database name).
- WEBGIS_WEB_*: the web server.
- WEBGIS_DASK_*: where the heavy analyses run (services/analysis/distributed.py).
- NOTEBOOK_OUTPUT_DIR: where notebooks save maps (default .var/notebooks/).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Kota Medan's bounding box (from the kelurahan boundaries) grown by ~5.5 km:
# real registries put schools and clinics up to 2 km past the line, while a
# point 10 km out is a data error (SOURCES.md lists such cases).
MEDAN_BBOX = (98.5926, 3.4799, 98.7472, 3.8013)
MEDAN_EXTENT_MARGIN_DEG = 0.05
# Where a feature of the city may lie (lon/lat): the bounding box with that margin.
MEDAN_EXTENT = (
    MEDAN_BBOX[0] - MEDAN_EXTENT_MARGIN_DEG,
    MEDAN_BBOX[1] - MEDAN_EXTENT_MARGIN_DEG,
    MEDAN_BBOX[2] + MEDAN_EXTENT_MARGIN_DEG,
    MEDAN_BBOX[3] + MEDAN_EXTENT_MARGIN_DEG,
)


class LocalClusterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBGIS_PG_")

    data_dir: Path = PROJECT_ROOT / ".var" / "pg"
    port: int = 54329
    host: str = "127.0.0.1"
    user: str = "webgis"
    database: str = "medan"


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBGIS_WEB_")

    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 4
    # Writes need this token until accounts exist (issue 5). Empty = writes off.
    api_token: str = ""
    max_upload_mb: int = 64
    # Requests that make the database work hard (item queries with a CQL2 filter or more
    # than 1,000 features, whole-layer downloads), counted per account or API token...
    expensive_query_rate_limit: str = "300 per minute"
    # ...and, for anonymous requests only, per client address. Many Indonesian mobile users
    # share one public address (carrier-grade NAT), so this is the budget of a crowd, not of
    # one person: GDAL or QGIS loading every public layer makes ~30 such requests at most
    # (benchmarks/bench_clients.py), a shared address of many citizens stays far below.
    expensive_query_rate_limit_per_address: str = "1200 per minute"
    # Origins whose web pages may read the public APIs (OGC API, tiles, Open311 reads):
    # "*" for any (anonymous reads are public), or a comma-separated list; empty = none.
    # Writes and requests with credentials are never allowed cross-origin (webgis/cors.py).
    cors_allow_origins: str = "*"
    # An XYZ raster basemap for the homepage (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png).
    # Empty = only the offline basemap drawn from the platform's own layers.
    basemap_url: str = ""
    basemap_attribution: str = "© OpenStreetMap contributors"
    # Vector tiles up to this zoom are kept in the shared tile cache (layers/tiles/cache.py);
    # -1 switches the cache off (every tile rendered, e.g. to measure the render alone).
    tile_cache_max_zoom: int = Field(default=16, ge=-1, le=22)


class DaskSettings(BaseSettings):
    """Where the partitionable part of the heavy analyses runs (dask.distributed)."""

    model_config = SettingsConfigDict(env_prefix="WEBGIS_DASK_")

    # Address of a running `dask scheduler` (tcp://host:port); empty = a LocalCluster started
    # for the run and closed after it; "serial" = in this process, without dask.
    scheduler: str = ""
    # The LocalCluster's size: 0 workers = one per core (dask's choice). One thread per worker,
    # since the analyses are numpy/shapely work that holds the GIL in places.
    workers: int = Field(default=0, ge=0)
    threads_per_worker: int = Field(default=1, ge=1)
    # host:port of the LocalCluster's dashboard; empty = no dashboard (nothing listens).
    dashboard: str = ""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBGIS_")

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "WEBGIS_DATABASE_URL")
    )
    # Where notebooks write their maps and files: outside the tracked tree (.var/ is ignored by git).
    notebook_output_dir: Path = Field(
        default=PROJECT_ROOT / ".var" / "notebooks",
        validation_alias=AliasChoices("NOTEBOOK_OUTPUT_DIR", "WEBGIS_NOTEBOOK_OUTPUT_DIR"),
    )
    pg: LocalClusterSettings = Field(default_factory=LocalClusterSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    dask: DaskSettings = Field(default_factory=DaskSettings)

    @property
    def uses_local_cluster(self) -> bool:
        return not self.database_url

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        pg = self.pg
        return f"postgresql://{pg.user}@{pg.host}:{pg.port}/{pg.database}"

    @property
    def medan_extent(self) -> tuple[float, float, float, float]:
        return MEDAN_EXTENT


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()


def database_url() -> str:
    """The database every entry point uses: DATABASE_URL if set, else the project-local cluster.

    The one answer for the web CLI, `python -m services`, `python -m devices`,
    notebooks and benchmarks, so that all of them work after `./medan run`
    with no environment variable set.
    """
    return get_settings().effective_database_url


def notebook_output_dir() -> Path:
    """The folder notebooks save into (created): NOTEBOOK_OUTPUT_DIR if set, else .var/notebooks/ of the checkout."""
    path = Path(get_settings().notebook_output_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path

"""All settings, loaded once from the environment and passed down.

This module imports nothing of the project, so every package can read it.

Groups per concern, each with its own environment prefix:
- DATABASE_URL (or WEBGIS_DATABASE_URL): an external PostGIS; when unset the
  project-local cluster under `.var/` is used and managed by the CLI.
- WEBGIS_PG_*: the project-local cluster (port, data directory, database name).
- WEBGIS_WEB_*: the web server.
- WEBGIS_PAY_*, WEBGIS_DOC_*: payments (the sandbox gateway) and issued documents.
- WEBGIS_SMTP_*: the mail server notifications are sent through; WEBGIS_NOTIFY_*: the
  notification worker (retries, back-off, the SMS/WhatsApp providers).
- WEBGIS_DB_*: read replicas and connection pooling (scale-out, docs/scaling.md).
- WEBGIS_POLLER_*: the device pollers `webgis up` starts (how many, their metrics ports).
- WEBGIS_DASK_*: where the heavy analyses run (services/analysis/distributed.py).
- WEBGIS_NETPROBE_*: the WAN probe of the offices' sites (services/skpd/probe.py).
- NOTEBOOK_OUTPUT_DIR: where notebooks save maps (default .var/notebooks/).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    # The address citizens reach the platform at (e.g. https://webgis.pemkomedan.go.id): printed in
    # the QR code of every issued document. Empty = http://<host>:<port> of this server.
    public_url: str = ""

    @property
    def public_base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    # Proxies in front of the app whose X-Forwarded-For is trusted (HAProxy of
    # `serve --instances N` sets 1): the client's address for rate limits and the audit
    # trail is then the one the nearest proxy saw. 0: the connection's peer is the client.
    proxy_hops: int = Field(default=0, ge=0, le=5)


class PaymentSettings(BaseSettings):
    """Payments (services/engine/payments): the built-in sandbox gateway and its callbacks."""

    model_config = SettingsConfigDict(env_prefix="WEBGIS_PAY_")

    # The sandbox gateway's own pay page (/sandbox/bayar); switch it off where a real gateway takes money.
    sandbox_pages: bool = True
    # The HMAC-SHA256 key the sandbox signs its callbacks with and the platform checks them with.
    # Empty = one random key per database (payments.keys), so no default key ever exists.
    sandbox_secret: str = ""
    # Where the sandbox posts its callbacks; empty = this platform's /api/pembayaran/callback/sandbox.
    sandbox_callback_url: str = ""
    # Attempts per callback before the sandbox gives up (back-off doubles from 1 s).
    sandbox_callback_attempts: int = Field(default=6, ge=1, le=20)
    # The sandbox's bank code: the first digits of every virtual account number it hands out.
    sandbox_va_prefix: str = Field(default="88908", pattern=r"^[0-9]{3,6}$")


class DocumentSettings(BaseSettings):
    """Issued documents (services/engine/documents): the key of the codes' check characters."""

    model_config = SettingsConfigDict(env_prefix="WEBGIS_DOC_")

    # HMAC key of the check characters of a document code; empty = one random key per database.
    code_secret: str = ""


class SmtpSettings(BaseSettings):
    """The mail server of the notification outbox (services/engine/notify/)."""

    model_config = SettingsConfigDict(env_prefix="WEBGIS_SMTP_")

    host: str = "127.0.0.1"
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = Field(default="WebGIS Kota Medan <noreply@medan.go.id>",
                        validation_alias=AliasChoices("WEBGIS_SMTP_FROM", "WEBGIS_SMTP_SENDER"))
    # "none", "starttls" (submission, port 587) or "ssl" (implicit TLS, port 465).
    tls: str = Field(default="none", pattern="^(none|starttls|ssl)$")
    timeout_s: float = 10.0


class NotifySettings(BaseSettings):
    """The notification worker: how often it looks, how it retries, who carries SMS and WhatsApp."""

    model_config = SettingsConfigDict(env_prefix="WEBGIS_NOTIFY_")

    # After this many failed attempts a message is dead (kept with its last reason).
    max_attempts: int = Field(default=8, ge=1, le=50)
    # Back-off after the n-th failure: base * 2**(n-1), at most max (8 attempts span ~2 h).
    backoff_base_s: float = Field(default=30.0, gt=0)
    backoff_max_s: float = Field(default=3600.0, gt=0)
    poll_every_s: float = Field(default=2.0, gt=0)
    # A claimed message not settled within this many seconds (the worker died while
    # sending) is due again.
    lease_s: float = Field(default=120.0, gt=0)
    # "record" (built in: kept in notify.recorded_messages, no gateway) or
    # "package.module:Factory" of a real gateway's MessageProvider.
    sms_provider: str = "record"
    whatsapp_provider: str = "record"


class SirsSettings(BaseSettings):
    """Hospital bed reports (services/sirs)."""

    model_config = SettingsConfigDict(env_prefix="WEBGIS_SIRS_")

    # A hospital that has not reported for longer than this is shown with a stale-report warning.
    stale_after_minutes: int = Field(default=360, ge=5, le=10080)


class DatabaseRoutingSettings(BaseSettings):
    """Where reads go and how connections are pooled (docs/scaling.md).

    replicas: comma-separated URLs of streaming replicas of the primary, for reads that
    may be slightly stale (items, tiles, search, catalogue, pages). When unset and the
    project-local cluster is used, the replicas `python -m webgis db replica add` made
    beside it are listed (Settings.replica_urls).
    """

    model_config = SettingsConfigDict(env_prefix="WEBGIS_DB_")

    replicas: str = ""
    # A replica further behind the primary than this is dropped from rotation until it
    # catches up (checked every `replica_check_interval_s`, so within a second).
    replica_max_lag_s: float = Field(default=2.0, gt=0)
    replica_check_interval_s: float = Field(default=0.25, gt=0, le=1)
    # "transaction" when DATABASE_URL (and the replicas) point at PgBouncer in transaction
    # mode: no statement is kept PREPAREd on a server connection (layers/db.py).
    pool_mode: Literal["session", "transaction"] = "session"
    # Where `serve --pooled` starts PgBouncer.
    pooler_port: int = 6432


class PollerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBGIS_POLLER_")

    # Device poller processes `webgis up` starts; more than one share the fleet by leases
    # per gateway in PostgreSQL (devices/leases.py). `./medan run --pollers N` overrides it.
    count: int = Field(default=1, ge=1, le=64)
    # Prometheus metrics of poller i (0, 1, ...) on 127.0.0.1:(metrics_port + i); 0 = none.
    metrics_port: int = Field(default=9470, ge=0, lt=32768)


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


class NetworkProbeSettings(BaseSettings):
    """The probe of the offices' sites on the city WAN (`python -m services skpd probe`)."""

    model_config = SettingsConfigDict(env_prefix="WEBGIS_NETPROBE_")

    # `webgis up` starts the probe only when asked: the seeded monitoring addresses are the city's
    # addressing plan (10.71.0.0/16), not this machine's network, so probing them would send
    # connections into whatever private network the host sits on and report every site down.
    enabled: bool = False
    interval_s: float = Field(default=60.0, ge=5, le=3600)
    tries: int = Field(default=3, ge=1, le=20)
    timeout_s: float = Field(default=2.0, gt=0, le=30)
    slow_ms: float = Field(default=300.0, gt=0)
    # A site down this long is raised to operators (once per outage).
    alert_after_s: float = Field(default=300.0, ge=0)


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
    pay: PaymentSettings = Field(default_factory=PaymentSettings)
    documents: DocumentSettings = Field(default_factory=DocumentSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    db: DatabaseRoutingSettings = Field(default_factory=DatabaseRoutingSettings)
    poller: PollerSettings = Field(default_factory=PollerSettings)
    dask: DaskSettings = Field(default_factory=DaskSettings)
    netprobe: NetworkProbeSettings = Field(default_factory=NetworkProbeSettings)
    sirs: SirsSettings = Field(default_factory=SirsSettings)

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
    def replica_urls(self) -> list[str]:
        """The read replicas: WEBGIS_DB_REPLICAS, else the local cluster's own replicas."""
        if self.db.replicas.strip():
            return [url.strip() for url in self.db.replicas.split(",") if url.strip()]
        if not self.uses_local_cluster:
            return []
        pg = self.pg
        return [f"postgresql://{pg.user}@{pg.host}:{port}/{pg.database}"
                for port in local_replica_ports(pg.data_dir)]

    @property
    def medan_extent(self) -> tuple[float, float, float, float]:
        return MEDAN_EXTENT


def local_replica_dir(primary_data_dir: Path, port: int) -> Path:
    """The data directory of the local cluster's replica listening on `port` (`db replica add`);
    its socket directory and log sit beside it, in the folder named after the port."""
    return primary_data_dir.parent / f"{primary_data_dir.name}-replica-{port}" / "data"


def local_replica_ports(primary_data_dir: Path) -> list[int]:
    """Ports of the local cluster's replicas (each a data directory with standby.signal)."""
    prefix = f"{primary_data_dir.name}-replica-"
    ports = []
    for path in primary_data_dir.parent.glob(f"{prefix}*"):
        if path.name[len(prefix):].isdigit() and (path / "data" / "standby.signal").exists():
            ports.append(int(path.name[len(prefix):]))
    return sorted(ports)


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

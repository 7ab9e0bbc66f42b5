"""A project-local PostgreSQL + PostGIS cluster under `.var/pg`.

Used when DATABASE_URL is not set, so that a fresh clone needs no database
administration. It listens on 127.0.0.1 only, on its own port and socket
directory, with trust authentication (nothing outside the machine reaches it).
PostgreSQL refuses to run as root, so as root the cluster runs as the
`postgres` system user, which owns the data directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from config.settings import LocalClusterSettings, Settings

# Every server of this cluster's data starts with these (a restored copy too: recovery refuses
# a max_connections lower than the primary's).
SERVER_OPTIONS = ("-c shared_buffers=512MB -c work_mem=32MB -c maintenance_work_mem=256MB "
                  "-c max_connections=200 -c fsync=on -c synchronous_commit=on -c jit=off")


class ClusterError(RuntimeError):
    """The local cluster cannot be set up; the message says what to install or fix."""


def postgres_bindir() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if candidates:
        return candidates[0].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise ClusterError(
        "PostgreSQL server binaries not found. On Debian: "
        "apt-get install postgresql-15 postgresql-15-postgis-3"
    )


@dataclass
class LocalCluster:
    settings: LocalClusterSettings
    # More server options (a replica's hot standby ones, geodata/replicas.py).
    extra_options: str = ""

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def socket_dir(self) -> Path:
        return self.data_dir.parent / "pg-socket"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "pg.log"

    def run_as_owner(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            args = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(args, capture_output=True, text=True, **kwargs)

    def prepare_dirs(self) -> None:
        for d in (self.data_dir.parent, self.socket_dir):
            d.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ClusterError(
                    "running as root needs the 'postgres' system user "
                    "(apt-get install postgresql-15 creates it)"
                ) from exc
            for d in (self.data_dir.parent, self.socket_dir):
                os.chown(d, owner.pw_uid, owner.pw_gid)
            if self.data_dir.exists():
                os.chown(self.data_dir, owner.pw_uid, owner.pw_gid)
            # The postgres user must be able to reach the project folder.
            for parent in self.data_dir.parents:
                if parent == Path("/"):
                    break
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o001)

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> bool:
        """Run initdb on first use. Returns True when a new cluster was made."""
        self.prepare_dirs()
        if self.is_initialised():
            return False
        bindir = postgres_bindir()
        result = self.run_as_owner(
            [
                str(bindir / "initdb"),
                "-D", str(self.data_dir),
                "-U", self.settings.user,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
        if result.returncode != 0:
            raise ClusterError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        return True

    def is_running(self) -> bool:
        bindir = postgres_bindir()
        if not self.is_initialised():
            return False
        result = self.run_as_owner([str(bindir / "pg_ctl"), "status", "-D", str(self.data_dir)])
        return result.returncode == 0

    def start(self) -> bool:
        """Start the cluster (initialising it first). Returns True if it was started now."""
        self.init()
        if self.is_running():
            return False
        bindir = postgres_bindir()
        options = (
            f"-c listen_addresses={self.settings.host} -p {self.settings.port} "
            f"-c unix_socket_directories={self.socket_dir} {SERVER_OPTIONS}"
        ) + (f" {self.extra_options}" if self.extra_options else "")
        result = self.run_as_owner(
            [
                str(bindir / "pg_ctl"), "start", "-w", "-t", "60",
                "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options,
            ]
        )
        if result.returncode != 0:
            log_tail = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise ClusterError(f"pg_ctl start failed:\n{result.stderr}\n{log_tail}")
        self._wait_ready()
        return True

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> bool:
        if not self.is_running():
            return False
        bindir = postgres_bindir()
        result = self.run_as_owner(
            [str(bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data_dir)]
        )
        if result.returncode != 0:
            raise ClusterError(f"pg_ctl stop failed: {result.stderr}")
        return True

    def url(self, database: str | None = None) -> str:
        s = self.settings
        return f"postgresql://{s.user}@{s.host}:{s.port}/{database or s.database}"


def ensure_database(server_url: str, database: str, template: str | None = None) -> bool:
    """Create `database` on the server at `server_url` (any database there) with PostGIS.

    Returns True when the database was created now.
    """
    created = False
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if cur.fetchone() is None:
                from psycopg2 import sql

                statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database))
                if template:
                    statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(database), sql.Identifier(template)
                    )
                cur.execute(statement)
                created = True
    finally:
        conn.close()
    ensure_postgis(_with_database(server_url, database))
    return created


def drop_database(server_url: str, database: str) -> None:
    from psycopg2 import sql

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
    finally:
        conn.close()


def ensure_postgis(database_url: str) -> None:
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            try:
                cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except psycopg2.Error as exc:
                raise ClusterError(
                    f"PostGIS is not available on this server ({exc.pgerror or exc}). "
                    "On Debian: apt-get install postgresql-15-postgis-3"
                ) from exc
    finally:
        conn.close()


def _with_database(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


def database_on_server(settings: Settings, database: str) -> str:
    """URL of `database` on the configured server: DATABASE_URL's, or the local cluster (started)."""
    from sqlalchemy.engine import make_url

    if settings.uses_local_cluster:
        cluster = LocalCluster(settings.pg)
        cluster.start()
        server = cluster.url("postgres")
    else:
        server = make_url(settings.database_url).set(database="postgres").render_as_string(False)
    return make_url(server).set(database=database).render_as_string(False)

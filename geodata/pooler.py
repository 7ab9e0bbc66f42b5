"""PgBouncer (Debian's) in transaction mode between the web workers and PostgreSQL.

Every gunicorn worker keeps its own SQLAlchemy pool (up to 24 connections, layers/db.py):
N instances x W workers soon pass max_connections, and each idle server connection holds
memory. PgBouncer lends a server connection for one transaction only, so a few dozen serve
hundreds of clients. What that mode forbids (state kept on a server connection between
transactions) is kept out of the code: see layers/db.py (engine_for).

One PgBouncer serves the primary and its replicas: every database name goes to the primary
(`*`, so test databases pass too), and `replica_<port>_<database>` to that replica's
`<database>`, which is how replica URLs through the pooler are written (pooled_url).
Authentication is `trust`, as the project-local cluster's is on loopback; an external
server's pooler is its administrator's (set DATABASE_URL, WEBGIS_DB_REPLICAS and
WEBGIS_DB_POOL_MODE=transaction).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

# Server connections per (database, user) pair: enough for the two cores' worth of work
# in flight; more only queue inside PostgreSQL.
DEFAULT_POOL_SIZE = 20


@dataclass(frozen=True)
class PgBouncer:
    directory: Path  # config, user list, pid, log and socket directory
    port: int
    primary_url: str
    replica_urls: tuple[str, ...] = ()
    host: str = "127.0.0.1"

    @property
    def config_file(self) -> Path:
        return self.directory / "pgbouncer.ini"

    def pooled_url(self, url: str) -> str:
        """The URL a client uses to reach `url` (the primary's or a replica's) through this pooler."""
        target = make_url(url)
        database = target.database or "postgres"
        if url != self.primary_url and url in self.replica_urls:
            database = replica_alias(target.port or 5432, database)
        return target.set(host=self.host, port=self.port, database=database).render_as_string(hide_password=False)

    def write_config(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        primary = make_url(self.primary_url)
        lines = ["[databases]", f"* = host={primary.host or '127.0.0.1'} port={primary.port or 5432}"]
        for url in self.replica_urls:
            replica = make_url(url)
            database = replica.database or "postgres"
            lines.append(f"{replica_alias(replica.port or 5432, database)} = host={replica.host or '127.0.0.1'} "
                         f"port={replica.port or 5432} dbname={database}")
        users = {primary.username or "postgres"} | {make_url(u).username or "postgres" for u in self.replica_urls}
        (self.directory / "userlist.txt").write_text("".join(f'"{user}" ""\n' for user in sorted(users)))
        lines += [
            "", "[pgbouncer]",
            f"listen_addr = {self.host}", f"listen_port = {self.port}",
            f"unix_socket_dir = {self.directory}",
            "auth_type = trust", f"auth_file = {self.directory / 'userlist.txt'}",
            f"admin_users = {','.join(sorted(users))}",
            "pool_mode = transaction",
            f"default_pool_size = {DEFAULT_POOL_SIZE}", "max_client_conn = 2000",
            # A server restart drops the server connections; clients get the next ones.
            "server_login_retry = 1", "server_connect_timeout = 5",
            # psycopg2 sends none of these itself; a GIS client may (extra_float_digits).
            "ignore_startup_parameters = extra_float_digits",
            "log_connections = 0", "log_disconnections = 0",
            f"pidfile = {self.directory / 'pgbouncer.pid'}", f"logfile = {self.directory / 'pgbouncer.log'}",
        ]
        self.config_file.write_text("\n".join(lines) + "\n")
        _give_to_postgres(self.directory)
        return self.config_file

    def command(self) -> list[str]:
        """PgBouncer in the foreground (a child of the serving command), as `postgres` when root:
        it refuses to run as root."""
        command = ["pgbouncer", str(self.config_file)]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def replica_alias(port: int, database: str) -> str:
    return f"replica_{port}_{database}"


def _give_to_postgres(directory: Path) -> None:
    if os.geteuid() != 0:
        return
    import pwd

    owner = pwd.getpwnam("postgres")
    for path in (directory, *directory.iterdir()):
        os.chown(path, owner.pw_uid, owner.pw_gid)

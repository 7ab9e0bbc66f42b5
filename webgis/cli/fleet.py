"""Several gunicorn instances behind HAProxy on one port, optionally through PgBouncer
(`python -m webgis serve --instances N [--pooled]`, `./medan run --instances N`).

HAProxy (Debian's) listens on WEBGIS_WEB_PORT and spreads requests round-robin over the
instances, on the next N ports. It asks each instance's /healthz every 500 ms and stops
sending to one after two failed checks; a request whose connection an instance refuses or
drops is sent to another (`retry-on conn-failure empty-response junk-response`, `option redispatch`),
a GET or HEAD only, since a write may have happened before the connection died. It adds
X-Forwarded-For, which the instances trust for one hop (WEBGIS_WEB_PROXY_HOPS=1), so per-address
rate limits and the audit trail see the client, not the balancer.

Nothing is kept in an instance: sessions, rate limits, CSRF secrets and the tile cache are
in PostgreSQL, so any instance answers any request (tests/scaleout/test_instances.py).

The command is the supervisor: it starts PgBouncer (with --pooled), the instances, then
HAProxy, and stops them all on Ctrl-C or SIGTERM. An instance that dies is left dead (the
balancer routes around it) and reported; restarting it is the service manager's job.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click

from config.settings import PROJECT_ROOT, Settings

HEALTH_PATH = "/healthz"


@dataclass
class FleetPlan:
    host: str
    port: int
    instance_ports: list[int]
    workers: int
    directory: Path
    env: dict[str, str] = field(default_factory=dict)
    pooler: object | None = None  # geodata.pooler.PgBouncer


def plan_fleet(settings: Settings, database_url: str, instances: int, pooled: bool, workers: int | None) -> FleetPlan:
    """Ports, files and the environment of every process the fleet runs."""
    web = settings.web
    directory = PROJECT_ROOT / ".var" / f"fleet-{web.port}"
    directory.mkdir(parents=True, exist_ok=True)
    replicas = settings.replica_urls
    env = {**os.environ, "DATABASE_URL": database_url, "WEBGIS_DB_REPLICAS": ",".join(replicas),
           "WEBGIS_WEB_PROXY_HOPS": "1", "PYTHONPATH": str(PROJECT_ROOT)}
    plan = FleetPlan(web.host, web.port, [web.port + i for i in range(1, instances + 1)],
                     workers or web.workers, directory, env)
    if pooled:
        from geodata.pooler import PgBouncer

        plan.pooler = PgBouncer(directory / "pgbouncer", settings.db.pooler_port, database_url, tuple(replicas))
        env["DATABASE_URL"] = plan.pooler.pooled_url(database_url)
        env["WEBGIS_DB_REPLICAS"] = ",".join(plan.pooler.pooled_url(url) for url in replicas)
        env["WEBGIS_DB_POOL_MODE"] = "transaction"
    return plan


def haproxy_config(host: str, port: int, instance_ports: list[int], stats_socket: Path) -> str:
    """The balancer's configuration; `stats_socket` answers `show servers state` (tests, operators)."""
    servers = "\n".join(f"    server web{i} 127.0.0.1:{p} check" for i, p in enumerate(instance_ports, 1))
    return f"""global
    maxconn 4096
    stats socket {stats_socket} mode 600 level operator

defaults
    mode http
    option forwardfor
    option redispatch
    retries 2
    retry-on conn-failure empty-response junk-response
    timeout connect 1s
    timeout client 60s
    timeout server 120s
    timeout check 1s
    timeout http-keep-alive 10s

frontend webgis
    bind {host}:{port}
    # A write is never sent twice: it may have happened before its connection died.
    http-request disable-l7-retry unless {{ method GET HEAD }}
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET {HEALTH_PATH}
    http-check expect status 200
    default-server inter 500ms fastinter 250ms downinter 1s fall 2 rise 2
{servers}
"""


class Fleet:
    """The running processes of a FleetPlan; `stop` ends them, last started first."""

    def __init__(self, plan: FleetPlan, gunicorn_command: Callable[[str, int], list[str]]):
        self.plan = plan
        self.gunicorn_command = gunicorn_command
        self.pooler_process: subprocess.Popen | None = None
        self.instances: list[subprocess.Popen] = []
        self.balancer: subprocess.Popen | None = None

    def start(self) -> None:
        plan = self.plan
        if plan.pooler is not None:
            plan.pooler.write_config()
            self.pooler_process = subprocess.Popen(plan.pooler.command(), cwd=PROJECT_ROOT)
            _wait_for_port("127.0.0.1", plan.pooler.port, "PgBouncer")
        for port in plan.instance_ports:
            command = self.gunicorn_command(f"127.0.0.1:{port}", plan.workers)
            command += ["--timeout", "120", "--graceful-timeout", "10",
                        "--control-socket", str(plan.directory / f"gunicorn-{port}.ctl")]  # one each
            self.instances.append(subprocess.Popen(command, env=plan.env, cwd=PROJECT_ROOT))
        for port in plan.instance_ports:
            _wait_for_health(port)
        config = plan.directory / "haproxy.cfg"
        config.write_text(haproxy_config(plan.host, plan.port, plan.instance_ports, plan.directory / "haproxy.sock"))
        self.balancer = subprocess.Popen(["haproxy", "-f", str(config), "-db"], cwd=PROJECT_ROOT)
        _wait_for_port(plan.host, plan.port, "HAProxy")

    def wait(self) -> None:
        """Until the balancer ends (or Ctrl-C); an instance's death is said once."""
        reported: set[int] = set()
        while self.balancer is not None and self.balancer.poll() is None:
            for port, process in zip(self.plan.instance_ports, self.instances, strict=True):
                if process.poll() is not None and port not in reported:
                    click.echo(f"web instance on port {port} ended ({process.returncode}); "
                               "the balancer sends to the others", err=True)
                    reported.add(port)
            time.sleep(1)

    def stop(self) -> None:
        running = [p for p in (self.balancer, *self.instances, self.pooler_process) if p is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_for_port(host: str, port: int, what: str, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise click.ClickException(f"{what} did not listen on {host}:{port} within {timeout:.0f} s") from None
            time.sleep(0.1)


def _wait_for_health(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{HEALTH_PATH}", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise click.ClickException(f"the web instance on port {port} was not healthy within {timeout:.0f} s")
        time.sleep(0.3)


def run_fleet(plan: FleetPlan, gunicorn_command: Callable[[str, int], list[str]]) -> None:
    fleet = Fleet(plan, gunicorn_command)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        fleet.start()
        pooled = " through PgBouncer" if plan.pooler is not None else ""
        click.echo(f"serving Medan WebGIS at http://{plan.host}:{plan.port}: HAProxy over {len(plan.instance_ports)} "
                   f"instances on ports {', '.join(map(str, plan.instance_ports))}{pooled}", err=True)
        fleet.wait()
    except KeyboardInterrupt:
        click.echo("stopping", err=True)
    finally:
        fleet.stop()
    sys.exit(0)


def _raise_keyboard_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt

"""Streaming replicas of the project-local cluster, on loopback (`python -m webgis db replica ...`).

A replica is a copy of the primary made with pg_basebackup (-R writes its standby.signal
and primary_conninfo) that then streams the primary's WAL and answers read-only queries
(hot standby). Each has a physical replication slot on the primary, so the primary keeps
the WAL a stopped replica still needs; `remove` drops the slot with the replica, or that
WAL would pile up.

The replica lives beside the primary's data directory (config.settings.local_replica_dir),
which is how the settings find it (Settings.replica_urls). It is started like the primary
(LocalCluster.start: same options, so max_connections is no lower than the primary's, as a
hot standby requires), plus hot_standby_feedback: a long read on the replica then holds
back the primary's vacuum instead of being cancelled by it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import psycopg2

from config.settings import LocalClusterSettings, local_replica_dir, local_replica_ports
from geodata.cluster import ClusterError, LocalCluster, postgres_bindir


@dataclass(frozen=True)
class ReplicaState:
    port: int
    running: bool
    replay_lsn: str | None


def slot_name(port: int) -> str:
    return f"medan_replica_{port}"


def replica_cluster(primary: LocalClusterSettings, port: int) -> LocalCluster:
    settings = primary.model_copy(update={"data_dir": local_replica_dir(primary.data_dir, port), "port": port})
    return LocalCluster(settings, extra_options="-c hot_standby=on -c hot_standby_feedback=on")


def add_replica(primary: LocalClusterSettings, port: int) -> LocalCluster:
    """Copy the running primary into a new replica listening on `port`, and start it."""
    source = LocalCluster(primary)
    if not source.is_running():
        raise ClusterError("the primary is not running: `python -m webgis db start` first")
    if port == primary.port:
        raise ClusterError(f"port {port} is the primary's")
    replica = replica_cluster(primary, port)
    if replica.is_initialised():
        raise ClusterError(f"a replica on port {port} exists already ({replica.data_dir})")
    replica.prepare_dirs()
    _drop_slot(source, port)  # left over from a replica removed by hand
    result = replica.run_as_owner([
        str(postgres_bindir() / "pg_basebackup"),
        "-h", primary.host, "-p", str(primary.port), "-U", primary.user,
        "-D", str(replica.data_dir), "-R", "-X", "stream", "-C", "-S", slot_name(port),
        "--checkpoint=fast", "--no-sync",
    ])
    if result.returncode != 0:
        shutil.rmtree(replica.data_dir, ignore_errors=True)
        raise ClusterError(f"pg_basebackup failed:\n{result.stderr}")
    replica.start()
    return replica


def remove_replica(primary: LocalClusterSettings, port: int) -> None:
    """Stop the replica on `port`, delete its files and drop its slot on the primary."""
    replica = replica_cluster(primary, port)
    if replica.is_initialised():
        replica.stop()
    shutil.rmtree(replica.data_dir.parent, ignore_errors=True)  # data, socket directory and log
    source = LocalCluster(primary)
    if source.is_running():
        _drop_slot(source, port)


def replica_states(primary: LocalClusterSettings) -> list[ReplicaState]:
    states = []
    for port in local_replica_ports(primary.data_dir):
        replica = replica_cluster(primary, port)
        running = replica.is_running()
        lsn = None
        if running:
            conn = psycopg2.connect(replica.url("postgres"), connect_timeout=2)
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT pg_last_wal_replay_lsn()::text")
                    lsn = cur.fetchone()[0]
            finally:
                conn.close()
        states.append(ReplicaState(port, running, lsn))
    return states


def _drop_slot(primary: LocalCluster, port: int) -> None:
    conn = psycopg2.connect(primary.url("postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                        "WHERE slot_name = %s AND NOT active", (slot_name(port),))
    finally:
        conn.close()

"""Continuous WAL archiving and point-in-time recovery of the project-local cluster, with pgBackRest.

`db backup` (a pg_dump) gives the database as it was at the dump; this gives
it as it was at any moment since the first full backup: every WAL segment the
cluster writes is pushed to a pgBackRest repository by `archive_command`, and a
restore replays a full backup plus the WAL up to a chosen moment.

Everything lives beside the data directory, under `<.var>/pgbackrest/`: the
configuration file the project writes (`pgbackrest.conf`), the repository
(`repo/`), logs, locks and spool, so several checkouts on one machine never
share a lock or a stanza. As root, pgBackRest runs as the `postgres` user that
owns the cluster, as PostgreSQL itself does.

A restore is made safe three ways: the moment must lie between the end of the
first backup and now (else it says which moments it can reach); before an
in-place restore the running cluster's last WAL is archived (`pgbackrest
check` switches and waits), so nothing written before stopping is lost from
the timeline; and the current data directory is moved aside, not overwritten
(`<data>.before-restore-<UTC time>`), to be deleted by hand once the restored
database is checked.
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg2

from geodata.cluster import SERVER_OPTIONS, ClusterError, LocalCluster, postgres_bindir

STANZA = "medan"
ARCHIVE_TIMEOUT_S = 60


class PitrError(RuntimeError):
    """pgBackRest is missing, failed, or the restore target cannot be reached; the message says why."""


@dataclass(frozen=True)
class RestoreReport:
    target: datetime
    data_dir: Path
    set_aside: Path | None  # the data directory as it was before an in-place restore
    seconds: float


def pgbackrest_binary() -> str:
    found = shutil.which("pgbackrest")
    if not found:
        raise PitrError("pgbackrest not found. On Debian: apt-get install pgbackrest")
    return found


def recovery_time(moment: datetime) -> str:
    """A moment as PostgreSQL's recovery_target_time reads it (UTC, microseconds)."""
    if moment.tzinfo is None:
        raise PitrError(f"the moment {moment.isoformat()} has no time zone; give one (e.g. +07:00 or Z)")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")


@dataclass
class Pitr:
    cluster: LocalCluster

    @property
    def root(self) -> Path:
        return self.cluster.data_dir.parent / "pgbackrest"

    @property
    def config_file(self) -> Path:
        return self.root / "pgbackrest.conf"

    @property
    def repository(self) -> Path:
        return self.root / "repo"

    # -- set-up ---------------------------------------------------------------------------------

    def write_config(self) -> Path:
        """The stanza for this cluster and a repository beside it (rewritten each time: settings may move)."""
        settings = self.cluster.settings
        for sub in ("repo", "log", "lock", "spool"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            "[global]\n"
            f"repo1-path={self.repository}\n"
            "repo1-retention-full=2\n"
            # lz4: the fastest of pgBackRest's codecs to restore, which is the operation whose
            # duration matters (gz costs several times more CPU on a 2-core machine).
            "compress-type=lz4\n"
            "start-fast=y\n"
            "process-max=2\n"
            f"log-path={self.root / 'log'}\n"
            f"lock-path={self.root / 'lock'}\n"
            f"spool-path={self.root / 'spool'}\n"
            "log-level-console=warn\n"
            "log-level-file=info\n"
            f"\n[{STANZA}]\n"
            f"pg1-path={self.cluster.data_dir}\n"
            f"pg1-port={settings.port}\n"
            f"pg1-socket-path={self.cluster.socket_dir}\n"
            f"pg1-user={settings.user}\n"
        )
        self._give_to_owner(self.root)
        return self.config_file

    def archive_command(self) -> str:
        return (f"{shlex.quote(pgbackrest_binary())} --config={shlex.quote(str(self.config_file))} "
                f"--stanza={STANZA} archive-push %p")

    def setup(self) -> None:
        """Archive every WAL segment from now on: configuration, archive_command, the stanza, a check.

        Turning archive_mode on needs a restart of the cluster (done here when it was off).
        """
        self.cluster.start()
        self.write_config()
        conn = self._connect()
        conn.autocommit = True  # ALTER SYSTEM refuses to run inside a transaction
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW archive_mode")
                was_on = cur.fetchone()[0] == "on"
                cur.execute("ALTER SYSTEM SET archive_mode = 'on'")
                cur.execute("ALTER SYSTEM SET archive_command = %s", (self.archive_command(),))
                # A quiet database fills a 16 MB segment slowly; without a timeout its last writes
                # would wait in pg_wal, unarchived, for hours. With it, at most a minute is at risk.
                cur.execute("ALTER SYSTEM SET archive_timeout = %s", (f"{ARCHIVE_TIMEOUT_S}s",))
                cur.execute("SELECT pg_reload_conf()")
        finally:
            conn.close()
        if not was_on:
            self.cluster.stop()
            self.cluster.start()
        self.run("stanza-create")
        self.run("check")

    def is_set_up(self) -> bool:
        return self.config_file.exists() and (self.repository / "archive" / STANZA).exists()

    # -- backups --------------------------------------------------------------------------------

    def backup(self, kind: str = "full") -> dict:
        """A backup of the running cluster (full, diff or incr); returns its entry in `info`."""
        if kind not in ("full", "diff", "incr"):
            raise PitrError(f"backup type must be full, diff or incr, not {kind!r}")
        self._require_setup()
        self.run("backup", f"--type={kind}")
        return self.backups()[-1]

    def backups(self) -> list[dict]:
        """pgBackRest's backups of the stanza, oldest first (label, type, start/stop epoch seconds)."""
        self._require_setup()
        info = json.loads(self.run("info", "--output=json").stdout or "[]")
        return info[0].get("backup", []) if info else []

    def reachable_from(self) -> datetime | None:
        """The earliest moment a restore can reach: the second after the oldest backup's end.

        pgBackRest keeps a backup's end in whole seconds and restores to a time only from a set
        that ended before the target's second, so a target in the backup's last second is refused.
        """
        backups = self.backups()
        return datetime.fromtimestamp(backups[0]["timestamp"]["stop"] + 1, UTC) if backups else None

    # -- restore --------------------------------------------------------------------------------

    def restore(self, target: datetime, *, into: Path | None = None) -> RestoreReport:
        """The cluster as it was at `target`: in place (cluster restarted on it), or into a new directory.

        A new directory gets a copy with archiving off (it must not push a second history into the
        repository); start it with `start_copy`. In place, the current data directory is set aside.
        """
        started = time.monotonic()
        self._check_target(target)
        in_place = into is None or Path(into).resolve() == self.cluster.data_dir.resolve()
        destination = self.cluster.data_dir if in_place else Path(into)
        set_aside = None
        if self.cluster.is_running():
            self._archive_up_to_now()
        if in_place:
            self.cluster.stop()
            if self.cluster.data_dir.exists():
                set_aside = self._set_aside(self.cluster.data_dir)
        elif destination.exists() and any(destination.iterdir()):
            raise PitrError(f"{destination} is not empty; restore into a new or empty directory")
        destination.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._give_to_owner(destination)
        options = ["restore", "--type=time", f"--target={recovery_time(target)}", "--target-action=promote",
                   f"--pg1-path={destination}"]
        if not in_place:
            options.append("--archive-mode=off")
        try:
            self.run(*options)
        except PitrError:
            if in_place and set_aside is not None:  # put the cluster back as it was
                shutil.rmtree(destination, ignore_errors=True)
                set_aside.rename(destination)
                set_aside = None
            raise
        if in_place:
            self.cluster.start()  # replays the WAL up to the target, then promotes
            self._wait_promoted(self.cluster.url("postgres"), self.cluster.data_dir, self.cluster.log_file)
        return RestoreReport(target, destination, set_aside, time.monotonic() - started)

    def start_copy(self, data_dir: Path, port: int) -> str:
        """Start a restored copy on 127.0.0.1:`port` (recovery runs to its target); returns its server URL."""
        socket_dir = data_dir.parent / f"{data_dir.name}-socket"
        socket_dir.mkdir(exist_ok=True)
        self._give_to_owner(socket_dir)
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={socket_dir} "
                   f"-c archive_mode=off {SERVER_OPTIONS}")
        log = data_dir.parent / f"{data_dir.name}.log"
        result = self._as_owner([str(postgres_bindir() / "pg_ctl"), "start", "-w", "-t", "120", "-D", str(data_dir),
                                 "-l", str(log), "-o", options])
        if result.returncode != 0:
            tail = log.read_text()[-1500:] if log.exists() else ""
            raise PitrError(f"the restored copy did not start: {result.stderr.strip()}\n{tail}")
        url = f"postgresql://{self.cluster.settings.user}@127.0.0.1:{port}/postgres"
        self._wait_promoted(url, data_dir, log)
        return url

    def stop_copy(self, data_dir: Path) -> None:
        self._as_owner([str(postgres_bindir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(data_dir)])

    def _check_target(self, target: datetime) -> None:
        recovery_time(target)  # refuses a moment without a time zone
        earliest = self.reachable_from()
        if earliest is None:
            raise PitrError("there is no backup yet: run `python -m webgis db pitr backup` first")
        if target < earliest:
            raise PitrError(f"{target.isoformat()} is before the end of the oldest backup "
                            f"({earliest.isoformat()}); the earliest reachable moment is that")
        if target > datetime.now(UTC):
            raise PitrError(f"{target.isoformat()} is in the future")

    def _archive_up_to_now(self) -> None:
        """Make every moment until now reachable from the repository.

        Recovery to a time stops at the first commit after it; with none in the archive
        (a quiet database) it fails with "recovery ended before configured recovery target
        was reached". So one empty transaction is committed now (txid_current() gives it an
        xid, hence a commit record), then `pgbackrest check` switches WAL and waits until
        that segment is in the repository.
        """
        conn = self._connect()
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT txid_current()")
        finally:
            conn.close()
        self.run("check")

    def _set_aside(self, data_dir: Path) -> Path:
        aside = data_dir.with_name(f"{data_dir.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%S}")
        data_dir.rename(aside)
        return aside

    def _wait_promoted(self, url: str, data_dir: Path, log: Path, timeout: float = 600.0) -> None:
        """Until recovery has reached its target and the server accepts writes; PitrError if it stops instead."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                conn = psycopg2.connect(url, connect_timeout=2)
                try:
                    with conn.cursor() as cur:
                        cur.execute("SELECT pg_is_in_recovery()")
                        if not cur.fetchone()[0]:
                            return
                finally:
                    conn.close()
            except psycopg2.OperationalError:
                if not (data_dir / "postmaster.pid").exists():
                    tail = log.read_text()[-1500:] if log.exists() else ""
                    raise PitrError(f"the restored server stopped during recovery:\n{tail}") from None
            if time.monotonic() > deadline:
                raise PitrError(f"recovery did not finish within {timeout:.0f} s; see the server log")
            time.sleep(0.2)

    # -- plumbing -------------------------------------------------------------------------------

    def run(self, command: str, *options: str) -> subprocess.CompletedProcess:
        """One pgBackRest command on this stanza, as the cluster's owner; PitrError with its message on failure."""
        args = [pgbackrest_binary(), f"--config={self.config_file}", f"--stanza={STANZA}", *options, command]
        result = self._as_owner(args)
        if result.returncode != 0:
            raise PitrError(f"pgbackrest {command} failed: {(result.stderr or result.stdout).strip()}")
        return result

    def _require_setup(self) -> None:
        if not self.is_set_up():
            raise PitrError("WAL archiving is not set up: run `python -m webgis db pitr setup` first")

    def _connect(self) -> psycopg2.extensions.connection:
        try:
            return psycopg2.connect(self.cluster.url("postgres"))
        except psycopg2.OperationalError as exc:
            raise ClusterError(f"the local cluster is not reachable: {exc}") from exc

    @staticmethod
    def _as_owner(args: list[str]) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            args = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(args, capture_output=True, text=True)

    @staticmethod
    def _give_to_owner(path: Path) -> None:
        """As root: `path` and what lies directly in it to postgres (deeper files are postgres's own)."""
        if os.geteuid() != 0:
            return
        owner = pwd.getpwnam("postgres")
        for entry in [path, *path.iterdir()]:
            os.chown(entry, owner.pw_uid, owner.pw_gid)

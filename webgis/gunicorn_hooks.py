"""gunicorn server hooks (``--config python:webgis.gunicorn_hooks``): Prometheus multiprocess mode.

Each worker writes its metrics to files in PROMETHEUS_MULTIPROC_DIR; the directory must be
set before a worker imports prometheus_client and emptied when the server starts (stale
files of an earlier run would add up), and a worker's live gauges go when it exits. One
directory per bound port, so several instances on one machine keep theirs apart.
prometheus_client is imported only inside the hooks: the master must not choose its
value class before the variable is set.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from config.settings import PROJECT_ROOT

METRICS_ROOT = PROJECT_ROOT / ".var" / "prometheus"


def on_starting(server: Any) -> None:  # gunicorn.arbiter.Arbiter
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        bind = str(server.cfg.bind[0]) if server.cfg.bind else "default"
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_ROOT / bind.replace(":", "_").replace("/", "_"))
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:  # gunicorn.arbiter.Arbiter, gunicorn.workers.base.Worker
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

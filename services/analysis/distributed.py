"""Where the partitionable part of an analysis runs: in this process, or on dask.distributed.

An analysis splits its work into independent parts (kelurahan for zonal
statistics and coverage, points for exposure counts and distances), runs one
function on each part and puts the answers back together in the parts' order.
A `Runner` does the middle step:

- `SerialRunner`: everything in one part, in this process: exactly the
  computation the analyses did before they could be spread.
- `DaskRunner`: one task per part on a dask.distributed cluster, shared inputs
  scattered to the workers once. `analysis_runner()` gives one for the settings:
  the scheduler at `WEBGIS_DASK_SCHEDULER`, or a LocalCluster started for the
  run (`WEBGIS_DASK_WORKERS`, one thread each, no dashboard unless
  `WEBGIS_DASK_DASHBOARD` names an address) and closed after it.

The split never changes an answer: each part's function computes, for its
own rows, the very numbers the whole computation computes for them (same cells
in the same order, same points), so the tables are identical, not close
(tests/services/analysis/test_distributed.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from config.settings import DaskSettings, get_settings

ProgressFn = Callable[[int, int], None]
SERIAL_SCHEDULER = "serial"


class Runner(Protocol):
    def parts(self, n: int, min_size: int = 1) -> list[np.ndarray]:
        """Split row numbers 0..n-1 into consecutive parts (at least min_size rows each where possible)."""

    def map(self, fn: Callable[..., Any], parts: Sequence[Any], **shared: Any) -> list[Any]:
        """fn(part, **shared) for every part, answers in the parts' order."""


def split(n: int, count: int) -> list[np.ndarray]:
    """Row numbers 0..n-1 in at most `count` consecutive, non-empty runs."""
    return [run for run in np.array_split(np.arange(n), max(1, min(count, n))) if len(run)] or [np.arange(0)]


@dataclass
class SerialRunner:
    """One part, in this process: the computation as it was before dask."""

    progress: ProgressFn | None = None

    def parts(self, n: int, min_size: int = 1) -> list[np.ndarray]:
        return [np.arange(n)]

    def map(self, fn: Callable[..., Any], parts: Sequence[Any], **shared: Any) -> list[Any]:
        answers = []
        for done, part in enumerate(parts, 1):
            answers.append(fn(part, **shared))
            if self.progress:
                self.progress(done, len(parts))
        return answers


SERIAL = SerialRunner()


def slices(runner: Runner, frame: Any, min_size: int = 1) -> list[Any]:
    """A frame or series cut into the runner's parts (runs of rows), each shipped only to its task."""
    parts = runner.parts(len(frame), min_size)
    return [frame] if len(parts) == 1 else [frame.iloc[rows] for rows in parts]


@dataclass
class DaskRunner:
    """Parts as tasks on a dask.distributed client; progress as tasks finish."""

    client: Any  # distributed.Client
    progress: ProgressFn | None = None
    # Send data straight to the workers rather than through the scheduler: 4x faster for 64 MB
    # on loopback (0.5 s against 2.2 s); only where this process reaches the workers (a LocalCluster).
    direct: bool | None = None
    parts_per_thread: int = 2  # a little slack, so that a slow part does not idle the other threads
    _threads: int = field(default=0, init=False)

    def parts(self, n: int, min_size: int = 1) -> list[np.ndarray]:
        if not self._threads:
            self._threads = max(1, sum(self.client.nthreads().values()))
        return split(n, min(self._threads * self.parts_per_thread, max(1, n // min_size)))

    def map(self, fn: Callable[..., Any], parts: Sequence[Any], **shared: Any) -> list[Any]:
        from distributed import as_completed

        # Scattered once and referenced by every task, instead of pickled into each of them.
        # (Wrapped in a list: scatter would otherwise spread a list's or dict's items one by one.)
        scattered = {name: self.client.scatter([value], broadcast=True, hash=False, direct=self.direct)[0]
                     for name, value in shared.items()}
        # Parts too go out by scatter, each to one worker: as task arguments they would travel inside
        # the task graph through the scheduler (a 70 MB graph for a 10 m raster's windows: 7 s).
        shipped = self.client.scatter(list(parts), hash=False, direct=self.direct)
        futures = [self.client.submit(fn, part, **scattered, pure=False) for part in shipped]
        for done, _ in enumerate(as_completed(futures), 1):
            if self.progress:
                self.progress(done, len(futures))
        answers = self.client.gather(futures)
        for future in [*futures, *shipped, *scattered.values()]:
            future.release()
        return answers


@contextmanager
def analysis_runner(progress: ProgressFn | None = None, settings: DaskSettings | None = None) -> Iterator[Runner]:
    """The runner the settings ask for, open for the duration of the block."""
    settings = settings or get_settings().dask
    if settings.scheduler == SERIAL_SCHEDULER:
        yield SerialRunner(progress)
        return
    from distributed import Client, LocalCluster

    if settings.scheduler:
        with Client(settings.scheduler, timeout="10s") as client:
            yield DaskRunner(client, progress)
        return
    with LocalCluster(n_workers=settings.workers or None, threads_per_worker=settings.threads_per_worker,
                      processes=True, host="127.0.0.1", scheduler_port=0,
                      dashboard_address=settings.dashboard or None) as cluster, Client(cluster) as client:
        yield DaskRunner(client, progress, direct=True)


def given_or_configured(runner: Runner | None) -> AbstractContextManager[Runner]:
    """`runner` as it is (the caller owns it), or the settings' runner for the block (run_* functions)."""
    return analysis_runner() if runner is None else nullcontext(runner)

"""Independent units of work (one mass, one batch of toys) run on Dask, results in a fixed order.

A scan over dark-photon masses or the toys of a limit are many independent tasks. This module
turns them into Dask tasks and gives the results back in the order of the inputs, whatever ran
them:

- ``synchronous``: in this process, one after the other (for debugging; no Dask at all);
- ``threads``: a local ``distributed`` cluster of one worker with several threads;
- ``processes``: a local ``distributed`` cluster of single-threaded worker processes;
- ``tcp://HOST:PORT``: an existing ``dask.distributed`` scheduler (a laptop, dask-jobqueue on
  SLURM/HTCondor/PBS, a Dask Gateway cluster).

The environment variable ``XHF_SCHEDULER`` sets the default; without it the default is
``processes`` with one worker per core (``synchronous`` on one core). Results never depend on
the choice: a task is a pure function of its inputs (toys take their random streams from
``numpy.random.SeedSequence(seed).spawn(...)`` per task, never from worker state).

The object every task needs (the workspace and its models) is sent once: scattered to every
worker of a cluster (``Client.scatter(..., broadcast=True)``), not pickled with each task.
A task that raises or whose worker dies is retried once; if it fails again its outcome is a
:class:`TaskFailure` in its place of the result list (never dropped). Ctrl-C cancels the
futures and re-raises :class:`KeyboardInterrupt`. One tqdm bar counts the finished tasks.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from xhf.exceptions import InvalidParameterError, XhfError

__all__ = [
    "ENVIRONMENT",
    "SCHEDULERS",
    "Scheduler",
    "TaskFailure",
    "resolve_scheduler",
    "run_tasks",
    "tune_allocator",
]

log = logging.getLogger(__name__)


def __dir__() -> list[str]:
    return __all__


#: Local schedulers by name (a ``tcp://HOST:PORT`` address is the other choice).
SCHEDULERS = ("synchronous", "threads", "processes")
#: Environment variable with the default scheduler.
ENVIRONMENT = "XHF_SCHEDULER"
#: Extra attempts of a task that raised or whose worker died.
RETRIES = 1

_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc)://[^\s:/]+(:\d{1,5})?/?$")


class Scheduler(NamedTuple):
    """Where tasks run.

    Attributes:
        kind: ``synchronous``, ``threads``, ``processes`` or ``address``.
        workers: local workers (threads for ``threads``); 0 for an address.
        address: the scheduler's address (``kind == "address"``).
    """

    kind: str
    workers: int = 1
    address: str | None = None

    def __str__(self) -> str:
        if self.kind == "address":
            return str(self.address)
        return self.kind if self.kind == "synchronous" else f"{self.kind} ({self.workers} workers)"


class TaskFailure(NamedTuple):
    """A task that failed twice (or raised a user error): its place in the results.

    Attributes:
        index: position of the task in the inputs.
        error: the exception's class name (``KilledWorker`` for a worker that kept dying).
        message: its message.
        exception: the exception itself (re-raised by callers that cannot record failures).
    """

    index: int
    error: str
    message: str
    exception: BaseException | None = None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def resolve_scheduler(spec: str | None = None, jobs: int | None = None) -> Scheduler:
    """The scheduler of ``--scheduler`` (or ``XHF_SCHEDULER``, or the default).

    Args:
        spec: ``synchronous``, ``threads``, ``processes`` or ``tcp://HOST:PORT``; None: the
            environment variable, else ``processes`` on every core (``synchronous`` on one).
        jobs: ``--jobs N``, an alias of ``processes`` with N workers (1: ``synchronous``).

    Raises:
        InvalidParameterError: an unknown scheduler, or ``--jobs`` with another scheduler.

    >>> resolve_scheduler("synchronous")
    Scheduler(kind='synchronous', workers=1, address=None)
    >>> resolve_scheduler("tcp://10.0.0.5:8786").kind
    'address'
    """
    if jobs is not None:  # an option: it wins over the environment
        if spec not in (None, "processes"):
            raise InvalidParameterError(
                f"--jobs is an alias of --scheduler processes; it cannot be used with {spec!r}"
            )
        return Scheduler("synchronous") if jobs == 1 else Scheduler("processes", jobs)
    where = "--scheduler"
    if spec is None and os.environ.get(ENVIRONMENT):
        spec, where = os.environ[ENVIRONMENT].strip(), ENVIRONMENT
    cores = _cores()
    if spec is None:
        return Scheduler("processes", cores) if cores > 1 else Scheduler("synchronous")
    if spec == "synchronous":
        return Scheduler("synchronous")
    if spec in ("threads", "processes"):
        return Scheduler(spec, cores)
    if _ADDRESS.match(spec):
        return Scheduler("address", 0, spec)
    raise InvalidParameterError(
        f"{where}: {spec!r} is not one of synchronous, threads, processes or a scheduler "
        "address tcp://HOST:PORT"
    )


#: glibc malloc settings for a process that runs fits (``mallopt`` parameter: bytes). A batch
#: of toys allocates and frees arrays of a few MB per Newton step; with glibc's defaults, and
#: much more with the ``MALLOC_TRIM_THRESHOLD_=65536`` that Dask's nanny gives its workers,
#: each such array is a fresh ``mmap`` whose pages the kernel zeroes again (measured on the
#: 99-bin model: 3000 toys in 4.6 s in-process and 7.2 s on a Dask worker, half of it system
#: time; 3.7 s with these settings). Freed memory up to the trim threshold stays with the
#: process instead of going back to the system.
MALLOC_SETTINGS = {
    -1: 256 << 20,  # M_TRIM_THRESHOLD: keep up to 256 MiB of freed heap
    -3: 32 << 20,  # M_MMAP_THRESHOLD: heap (not mmap) for arrays below 32 MiB, glibc's maximum
}
_tuned: bool | None = None


def tune_allocator() -> bool:
    """Apply :data:`MALLOC_SETTINGS` once per process (glibc only; elsewhere nothing happens).

    Called where the churn is, by every batch of toys before it is fitted
    (:func:`xhf.infer.toys.run_toy_batch`), in this process or on a worker, so a remote
    cluster needs no environment settings. Returns whether the settings are in effect.
    """
    global _tuned
    if _tuned is None:
        _tuned = False
        try:
            import ctypes

            libc = ctypes.CDLL(None)
            if hasattr(libc, "gnu_get_libc_version"):  # glibc: mallopt has these parameters
                _tuned = all(libc.mallopt(k, v) == 1 for k, v in MALLOC_SETTINGS.items())
        except (OSError, AttributeError):  # pragma: no cover - no C library to talk to
            pass
    return _tuned


class _UserError(NamedTuple):
    exception: XhfError


def _attempt(func: Callable, shared: Any, item: Any) -> Any:
    try:
        return func(shared, item)
    except XhfError as exc:  # deterministic: returned, so that it is not retried
        return _UserError(exc)


def _run_here(func, shared, items, bar, retries) -> list:
    out: list = []
    for index, item in enumerate(items):
        for attempt in range(retries + 1):
            try:
                out.append(func(shared, item))
                break
            except XhfError as exc:  # deterministic: a second attempt gives the same
                out.append(TaskFailure(index, type(exc).__name__, str(exc), exc))
                break
            except Exception as exc:
                if attempt == retries:
                    out.append(TaskFailure(index, type(exc).__name__, str(exc), exc))
                else:
                    log.warning("task %d failed (%s); retrying once", index, exc)
        bar.update(1)
    return out


def _client(scheduler: Scheduler):
    from distributed import Client, LocalCluster

    if scheduler.kind == "address":
        return Client(scheduler.address, timeout="30s"), None
    processes = scheduler.kind == "processes"
    cluster = LocalCluster(
        n_workers=scheduler.workers if processes else 1,
        threads_per_worker=1 if processes else scheduler.workers,
        processes=processes,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


#: How often a task is sent again after Dask cancelled it because every worker that held its
#: inputs died (this is not a failure of the task itself; see :func:`_run_on_cluster`).
RESUBMITS = 3


def _run_on_cluster(func, shared, items, bar, retries, scheduler) -> list:
    """Submit every item, collect each result as soon as its task ends (a later worker death
    cannot take it back), and resubmit the tasks that Dask cancelled because the workers
    holding the scattered ``shared`` object all died: it cannot be recomputed, only sent again
    (once per such loss, however many tasks it cancelled)."""
    from distributed import as_completed

    client, cluster = _client(scheduler)
    submitted: dict = {}  # future -> (index, generation of the scattered object it uses)
    try:
        generation = 0
        [remote] = client.scatter([shared], broadcast=True, hash=False)

        def submit(index: int):
            future = client.submit(
                _attempt, func, remote, items[index], retries=retries, pure=False
            )
            submitted[future] = (index, generation)
            return future

        out: list = [None] * len(items)
        resubmits = [0] * len(items)
        running = as_completed([submit(i) for i in range(len(items))])
        for future in running:
            index, used = submitted.pop(future)
            if future.status == "finished":
                value = future.result()
                if isinstance(value, _UserError):
                    exc = value.exception
                    value = TaskFailure(index, type(exc).__name__, str(exc), exc)
            elif future.status == "error":
                exc = future.exception()
                value = TaskFailure(index, type(exc).__name__, str(exc), exc)
            elif resubmits[index] < RESUBMITS:  # cancelled: its inputs died with the workers
                resubmits[index] += 1
                log.warning("task %d lost its inputs (%s); resubmitting", index, future.status)
                if used == generation:
                    generation += 1
                    [remote] = client.scatter([shared], broadcast=True, hash=False)
                running.add(submit(index))
                continue
            else:
                message = f"its inputs were lost with the workers {resubmits[index] + 1} times"
                value = TaskFailure(index, "TaskLost", message, None)
            out[index] = value
            bar.update(1)
        return out
    except BaseException:
        if submitted:
            client.cancel(list(submitted), force=True)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_tasks(
    func: Callable[[Any, Any], Any],
    items: Sequence[Any],
    *,
    shared: Any = None,
    scheduler: Scheduler | None = None,
    progress: bool = False,
    unit: str = "task",
    retries: int = RETRIES,
) -> list:
    """``[func(shared, item) for item in items]`` on a scheduler, in the order of ``items``.

    Args:
        func: a module-level function (it is pickled for process workers).
        items: one small, picklable input per task.
        shared: the large input every task needs; sent to each worker once.
        scheduler: where to run (default :func:`resolve_scheduler`).
        progress: a tqdm bar on stderr over all tasks.
        unit: the bar's unit.
        retries: extra attempts of a task that raised or whose worker died. An
            :class:`~xhf.exceptions.XhfError` (a deterministic, user-facing error) is not retried.

    Returns:
        One entry per item: the result, or a :class:`TaskFailure`.

    Raises:
        KeyboardInterrupt: the run was interrupted; the futures are cancelled.

    >>> run_tasks(lambda shared, x: shared * x, [1, 2, 3], shared=10,
    ...           scheduler=Scheduler("synchronous"))
    [10, 20, 30]
    """
    from tqdm import tqdm

    scheduler = scheduler or resolve_scheduler()
    items = list(items)
    bar = tqdm(total=len(items), unit=unit, disable=not progress, leave=False)
    try:
        if scheduler.kind == "synchronous" or (len(items) <= 1 and scheduler.kind != "address"):
            return _run_here(func, shared, items, bar, retries)
        log.info("running %d tasks on %s", len(items), scheduler)
        return _run_on_cluster(func, shared, items, bar, retries, scheduler)
    finally:
        bar.close()

"""The execution layer: schedulers, retries, and results that do not depend on who ran them.

A 2-worker ``distributed.LocalCluster`` (processes) is started once for this module; a scan and
a toy limit run on it must give the same bytes as ``synchronous``, also when a worker dies in
the middle of the run (its nanny restarts it and the task is retried).
"""

import json
import logging
import os

import numpy as np
import pytest
from click.testing import CliRunner

from xhf.cli import cli
from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.infer import AsymptoticCLs, upper_limit
from xhf.infer import dark_photon as dp
from xhf.infer.execution import ENVIRONMENT, Scheduler, TaskFailure, resolve_scheduler, run_tasks
from xhf.infer.toys import TOY_BATCH, toy_cls, toy_tasks

SYNC = Scheduler("synchronous")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# ---------------------------------------------------------------------------- schedulers
@pytest.mark.parametrize(
    ("spec", "jobs", "kind", "workers"),
    [
        ("synchronous", None, "synchronous", 1),
        ("processes", 3, "processes", 3),
        (None, 1, "synchronous", 1),
        (None, 4, "processes", 4),
        ("tcp://127.0.0.1:8786", None, "address", 0),
    ],
)
def test_scheduler_names(spec, jobs, kind, workers):
    got = resolve_scheduler(spec, jobs)
    assert (got.kind, got.workers) == (kind, workers)


def test_the_environment_sets_the_default_and_the_option_wins(monkeypatch):
    monkeypatch.setenv(ENVIRONMENT, "threads")
    assert resolve_scheduler().kind == "threads"
    assert resolve_scheduler("synchronous").kind == "synchronous"
    monkeypatch.setenv(ENVIRONMENT, "cluster-please")
    with pytest.raises(InvalidParameterError, match=rf"^{ENVIRONMENT}: 'cluster-please'"):
        resolve_scheduler()
    monkeypatch.delenv(ENVIRONMENT)
    assert resolve_scheduler().kind in ("processes", "synchronous")


@pytest.mark.parametrize("spec", ["thread", "tcp://", "http://host:80", "tcp://a b:1"])
def test_bad_schedulers_are_refused(spec):
    with pytest.raises(InvalidParameterError):
        resolve_scheduler(spec)


def test_jobs_is_only_an_alias_of_processes():
    with pytest.raises(InvalidParameterError, match="alias"):
        resolve_scheduler("threads", 2)


def test_cli_refuses_a_bad_scheduler_in_one_line(files, tmp_path):
    result = run(
        "scan", "dark-photon", files["bkg_only"], "--patchset", files["components"],
        "-o", tmp_path / "out", "--scheduler", "cluster",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--scheduler" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------- retries
class Flaky:
    """Fails the first ``times`` calls per item (in-process only)."""

    def __init__(self, times):
        self.times, self.calls = times, {}

    def __call__(self, item):
        self.calls[item] = self.calls.get(item, 0) + 1
        if self.calls[item] <= self.times:
            raise RuntimeError(f"flaky {item}")
        return 10 * item


def _call(shared, item):
    return shared(item)


def test_a_task_that_fails_once_is_retried():
    flaky = Flaky(1)
    assert run_tasks(_call, [1, 2, 3], shared=flaky, scheduler=SYNC) == [10, 20, 30]
    assert flaky.calls == {1: 2, 2: 2, 3: 2}


def test_a_task_that_fails_twice_is_reported_in_its_place():
    out = run_tasks(_call, [1, 2], shared=Flaky(2), scheduler=SYNC)
    assert [type(o) for o in out] == [TaskFailure, TaskFailure]
    assert out[1].index == 1 and out[1].error == "RuntimeError" and out[1].message == "flaky 2"


def test_a_user_error_is_not_retried():
    calls = []

    def bad(shared, item):
        calls.append(item)
        raise InvalidInputError(f"bad {item}")

    [failure] = run_tasks(bad, [7], scheduler=SYNC)
    assert calls == [7] and isinstance(failure.exception, InvalidInputError)


def test_an_interruption_stops_the_run():
    seen = []

    def interrupted(shared, item):
        seen.append(item)
        if item == 2:
            raise KeyboardInterrupt
        return item

    with pytest.raises(KeyboardInterrupt):
        run_tasks(interrupted, [1, 2, 3], scheduler=SYNC)
    assert seen == [1, 2]


def _scaled(shared, item):
    return shared["factor"] * item


def test_threads_give_the_results_in_the_order_of_the_inputs():
    items = list(range(12))
    out = run_tasks(_scaled, items, shared={"factor": 3}, scheduler=Scheduler("threads", 2))
    assert out == [3 * i for i in items]


# ----------------------------------------------------------------------------------- toys
def test_toy_batches_have_a_fixed_size_and_the_same_seeds_at_every_x(small_analysis):
    calc = AsymptoticCLs(small_analysis.fitter(), small_analysis.data)
    tasks = toy_tasks(calc, [1.0, 2.0], TOY_BATCH + 5, seed=1)
    assert [t.size for t in tasks] == [TOY_BATCH, 5, TOY_BATCH, 5]
    assert tasks[0].seed.spawn_key == tasks[2].seed.spawn_key != tasks[1].seed.spawn_key


def test_batched_toys_equal_one_at_a_time_toys_on_the_same_seeds(small_analysis):
    calc = AsymptoticCLs(small_analysis.fitter(), small_analysis.data)
    for x in (0.8, 1.6):
        obs_b, exp_b = toy_cls(calc, x, 60, seed=5)
        obs_1, exp_1 = toy_cls(calc, x, 60, seed=5, batched=False)
        assert obs_b == obs_1
        np.testing.assert_allclose(exp_b, exp_1, rtol=1e-9, atol=1e-12)


def test_batched_fits_give_the_same_bits_in_chunks_of_any_size(small_analysis, monkeypatch):
    """The toys of a batch are evaluated a chunk at a time (for the cache); each toy's numbers
    do not depend on which others share its chunk."""
    from xhf.infer import batched
    from xhf.infer.toys import _closed_form, run_toy_batch

    calc = AsymptoticCLs(small_analysis.fitter(), small_analysis.data)
    fitter = _closed_form(calc.fitter)
    (task,) = toy_tasks(calc, [1.2], 300, seed=9)
    outcomes = []
    for chunk in (7, 128, 10_000):
        monkeypatch.setattr(batched, "CHUNK", chunk)
        outcomes.append(run_toy_batch(fitter, task))
    for sb, b in outcomes[1:]:
        assert np.array_equal(sb, outcomes[0][0], equal_nan=True)
        assert np.array_equal(b, outcomes[0][1], equal_nan=True)
    assert np.isfinite(outcomes[0][0]).all()


def test_batched_toy_cls_agrees_with_the_asymptotic_cls(small_analysis):
    """Toy CLs at the asymptotic limit is 1 - cl within ~3 toy standard errors."""
    fitter = small_analysis.fitter()
    asym = upper_limit(fitter, small_analysis.data)
    calc = AsymptoticCLs(fitter, small_analysis.data)
    ntoys = 3000
    observed, expected = toy_cls(calc, asym.observed, ntoys, seed=11)
    error = np.sqrt(0.1 * 0.9 / ntoys) / 0.5  # CLs+b's error over CLb ~ 0.5, generously
    assert observed == pytest.approx(0.1, abs=3 * error + 0.01)
    assert expected[2] == pytest.approx(calc.cls(asym.observed)[1][2], abs=0.05)


def test_a_toy_batch_that_fails_twice_stops_the_limit_with_one_error(small_analysis, monkeypatch):
    from xhf.infer import toys
    from xhf.infer.exceptions import FitNotConvergedError

    def crashing(fitter, task):
        raise MemoryError("worker out of memory")

    monkeypatch.setattr(toys, "run_toy_batch", crashing)
    with pytest.raises(FitNotConvergedError, match=r"toys at x=.* failed twice \(MemoryError"):
        toys.toy_upper_limit(small_analysis.fitter(), small_analysis.data, ntoys=20)


# ------------------------------------------------------------------------------- cluster
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as local:
        # the in-process scheduler logs to the root logger, which other tests may have given a
        # handler on stdout: keep its lines out of the commands' output
        quiet = logging.getLogger("distributed")
        level, propagate = quiet.level, quiet.propagate
        quiet.setLevel(logging.ERROR)
        quiet.propagate = False
        try:
            yield local
        finally:
            quiet.setLevel(level)
            quiet.propagate = propagate


def test_a_scan_on_a_cluster_gives_the_same_bytes(files, tmp_path, cluster):
    outputs = {}
    for name, scheduler in (("sync", "synchronous"), ("cluster", cluster.scheduler_address)):
        out = tmp_path / name
        result = run(
            "scan", "dark-photon", files["bkg_only"], "--patchset", files["components"],
            "-o", out, "--scheduler", scheduler,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs[name] = [(out / f).read_bytes() for f in sorted(os.listdir(out))]
    assert len(outputs["sync"]) == 2 and outputs["cluster"] == outputs["sync"]


def test_a_toy_limit_on_a_cluster_gives_the_same_bytes(files, cluster):
    args = ["limit", files["small"], "--calculator", "toybased", "--ntoys", "30", "--json"]
    sync = run(*args, "--scheduler", "synchronous")
    remote = run(*args, "--scheduler", cluster.scheduler_address)
    assert sync.exit_code == 0 and remote.exit_code == 0, remote.output
    assert remote.stdout == sync.stdout  # (stderr may carry the cluster's log lines)
    assert json.loads(sync.stdout)["calculator"] == "toybased"


def _dies(shared, task):
    """The first ``deaths`` tasks to start each kill their worker process (the markers are
    created atomically, so exactly that many die); the others compute the curve point."""
    models, directory, deaths = shared
    for k in range(deaths):
        try:
            os.close(os.open(os.path.join(directory, f"killed_{k}"), os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            continue
        os._exit(1)
    return dp._one(models, task)


@pytest.mark.parametrize("deaths", [1, 2], ids=["one-worker", "every-worker"])
def test_a_worker_killed_mid_run_still_gives_the_complete_result(
    dark_photon, tmp_path, cluster, deaths
):
    """One death: Dask reschedules the task. Every worker dead at once: the scattered models
    are lost with them and the tasks come back cancelled; they are resubmitted, not failed."""
    models = dp.PatchedModels(
        dark_photon["bkg_only"], dark_photon["components"], dark_photon["components_meta"]
    )
    tasks = [
        dp._CurveTask(n, "cls", 0.9, None, True, None, "asymptotics", 1000, 0)
        for n in sorted(models.names)
    ]
    address = Scheduler("address", 0, cluster.scheduler_address)
    remote = run_tasks(_dies, tasks, shared=(models, str(tmp_path), deaths), scheduler=address)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"killed_{k}" for k in range(deaths)]
    assert remote == run_tasks(dp._one, tasks, shared=models, scheduler=SYNC)


def _toy_batch_allocator_state(shared, item):
    """Forget that this worker tuned its allocator, fit one batch of toys, say if it is tuned."""
    from xhf.infer import execution
    from xhf.infer.toys import run_toy_batch

    execution._tuned = None
    run_toy_batch(shared, item)
    return execution._tuned


@pytest.mark.skipif(
    not hasattr(__import__("ctypes").CDLL(None), "gnu_get_libc_version"), reason="glibc only"
)
def test_every_toy_batch_runs_with_the_tuned_allocator(small_analysis, cluster):
    """Dask's nanny gives workers a 64 kB malloc trim threshold, which makes batched fits spend
    half their time zeroing pages; each batch of toys sets glibc's thresholds before it runs."""
    from xhf.infer.execution import tune_allocator
    from xhf.infer.toys import _closed_form

    calc = AsymptoticCLs(small_analysis.fitter(), small_analysis.data)
    tasks = toy_tasks(calc, [0.8, 1.6], 20, seed=2)
    address = Scheduler("address", 0, cluster.scheduler_address)
    fitter = _closed_form(calc.fitter)
    outcomes = run_tasks(_toy_batch_allocator_state, tasks, shared=fitter, scheduler=address)
    assert outcomes == [True] * len(tasks)
    assert tune_allocator() is True and tune_allocator() is True  # once per process, idempotent

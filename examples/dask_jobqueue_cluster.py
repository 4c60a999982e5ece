"""A toy-based dark-photon curve on a SLURM or HTCondor cluster through dask-jobqueue.

Install on the login node (and in the environment the batch jobs use, e.g. a shared conda or
venv on the cluster's file system)::

    pip install xhf dask-jobqueue

then run on the login node (the scheduler runs here, the workers are batch jobs)::

    python examples/dask_jobqueue_cluster.py slurm --workers 100 --ntoys 5000 -o results/dp_toys
    python examples/dask_jobqueue_cluster.py htcondor --workers 100 --ntoys 5000 -o results/dp_toys

Every mass of the curve is one task; the workspace and patchset are sent to each worker once.
The result is byte-identical to ``xhf scan dark-photon ... --scheduler synchronous``.
Adapt ``queue``/``account``/``walltime`` (SLURM) or the requirements (HTCondor) to your site.
The same cluster can serve the command line instead: print ``cluster.scheduler_address`` and
run ``xhf scan dark-photon ... --scheduler tcp://HOST:PORT`` (or set ``XHF_SCHEDULER``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

WORKSPACE = Path("workspaces/xmass1_dark_photon_BkgOnly.json")
PATCHSET = Path("workspaces/xmass1_dark_photon_components_patchset.json")


def make_cluster(kind: str, workers: int):
    """A dask-jobqueue cluster of single-core workers, ``workers`` batch jobs."""
    common = {
        "cores": 1,  # one single-threaded worker per job: xhf's fits are single-threaded
        "processes": 1,
        "memory": "2GB",  # ~0.3 GB used per worker (docs/scaling.md), leave room
        "walltime": "01:00:00",
        "job_script_prologue": ["export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1"],
    }
    if kind == "slurm":
        from dask_jobqueue import SLURMCluster

        cluster = SLURMCluster(queue="short", account=None, **common)
    else:
        from dask_jobqueue import HTCondorCluster

        common.pop("walltime")
        cluster = HTCondorCluster(disk="1GB", **common)
    cluster.scale(jobs=workers)
    return cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["slurm", "htcondor"])
    parser.add_argument("--workers", type=int, default=43, help="batch jobs (one per mass)")
    parser.add_argument("--ntoys", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, default=Path("results/dp_toys"))
    args = parser.parse_args()

    from distributed import Client

    from xhf.infer import exclusion_curve
    from xhf.infer.dark_photon import curve_csv, curve_document
    from xhf.infer.execution import Scheduler
    from xhf.infer.loading import read_sidecar
    from xhf.jsonio import atomic_outputs, dumps
    from xhf.jsonread import read_json

    cluster = make_cluster(args.kind, args.workers)
    print(f"scheduler at {cluster.scheduler_address}; waiting for the first worker")
    with Client(cluster) as client:
        client.wait_for_workers(1)
        results = exclusion_curve(
            read_json(WORKSPACE),
            read_json(PATCHSET),
            read_sidecar(PATCHSET),
            calculator="toybased",
            ntoys=args.ntoys,
            seed=args.seed,
            on_failure="record",
            progress=True,
            scheduler=Scheduler("address", 0, cluster.scheduler_address),
        )
    cluster.close()
    document = curve_document(
        results, source={"workspace": WORKSPACE.name, "patchset": PATCHSET.name}
    )
    with atomic_outputs() as out:
        out.add(args.output / "dark_photon_limits.json", dumps(document))
        out.add(args.output / "dark_photon_limits.csv", curve_csv(results))
    print(f"wrote {args.output}/dark_photon_limits.json and .csv")


if __name__ == "__main__":
    main()

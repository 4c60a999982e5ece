#!/bin/sh
# Regenerate the shipped xhf build configs (workspaces/configs/) from the replica templates
# (templates/xmass1_replica.root), then every shipped workspace, patchset and sidecar with
# `xhf build`. Deterministic: the same templates and xhf version give the same bytes
# (tests/workspace/test_shipped.py checks it). Run from anywhere; PYTHON and XHF select the
# interpreter and the xhf executable (default: `python` and `xhf` on PATH).
set -eu
cd "$(dirname "$0")/.."
# The builder solves many small linear systems (POI bounds); BLAS threads only slow them down.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
PYTHON=${PYTHON:-python}
XHF=${XHF:-xhf}

"$PYTHON" -c 'from xhf.replica.configs import write_replica_configs as w
for path in w("workspaces/configs", "templates/xmass1_replica.root", force=True): print(path)'
for analysis in millicharge magnetic_moment; do
    "$XHF" build "workspaces/configs/xmass1_$analysis.yml" -o "workspaces/xmass1_$analysis.json" --force
done
"$XHF" build workspaces/configs/xmass1_dark_photon.yml -o workspaces/xmass1_dark_photon_BkgOnly.json --force

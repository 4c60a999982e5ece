"""Three statistical conventions on one injected excess: profile likelihood, CLs and chi2.

A magnetic-moment-like signal is injected into a seeded Poisson draw of a synthetic 99-bin,
XMASS-I-shaped model (the test fixture ``tests/support/synthetic.py``; not the replica, no
physics claim). The same data are then analysed with

- ``pl``: the one-sided profile-likelihood limit of the xenon TPCs (Baxter et al., Eur. Phys.
  J. C 81 (2021) 907), without and with a power constraint at P = 0.16;
- ``cls``: pyhf's CLs, the LHC convention;
- ``chi2``: the XMASS-I paper's chi2 with a flat prior (Phys. Lett. B 809 (2020) 135741).

Every method also prints the best fit, the local significance Z = sqrt(q0) and the two-sided
profile-likelihood interval. Run:

    python examples/pl_vs_cls.py [--injected 3.0] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from xhf.infer import build_analysis, limit

# The synthetic workspaces are test fixtures (tests/support/synthetic.py), not library code:
# put the repository root on the path to import them when run as a script.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.synthetic import magnetic_moment_like


def compare(injected: float = 3.0, cl: float = 0.9) -> dict[str, dict]:
    """The limit documents (``xhf limit --json``) of each method on the same pseudo-data."""
    spec, meta = magnetic_moment_like(injected_mu=injected)
    analysis = build_analysis(spec, meta, source=f"synthetic, injected mu = {injected:g}")
    runs = {
        "pl": {"method": "pl"},
        "pl_power_0.16": {"method": "pl", "power_constraint": 0.16},
        "cls": {"method": "cls"},
        "chi2": {"method": "chi2"},
    }
    return {name: limit(analysis, cl=cl, **kwargs).to_dict() for name, kwargs in runs.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--injected", type=float, default=3.0, help="injected signal strength")
    parser.add_argument("--json", action="store_true", help="print the documents as JSON")
    args = parser.parse_args(argv)
    results = compare(args.injected)
    if args.json:
        print(json.dumps(results, indent=2, sort_keys=True))
        return
    unit = results["pl"]["unit"]
    print(f"# injected mu = {args.injected:g} (mu_nu = 1e-10 sqrt(mu) {unit}), 90% CL")
    print(f"# {'method':<14} {'observed':>10} {'expected':>10} {'best fit':>10} {'Z':>5}  interval")
    for name, doc in results.items():
        iv = doc["interval"]
        print(
            f"  {name:<14} {doc['observed']:10.4g} {doc['expected']['0']:10.4g} "
            f"{doc['best_fit']:10.4g} {doc['significance']:5.2f}  "
            f"[{iv['lower']:.4g}, {iv['upper']:.4g}]"
        )


if __name__ == "__main__":
    main()

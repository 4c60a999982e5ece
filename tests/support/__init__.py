"""Helpers shared by the test modules (and the benchmarks): one package instead of per-folder
copies.

- :mod:`tests.support.synthetic`: synthetic workspaces following docs/workspace-conventions.md
  (tests/infer, benchmarks/, examples/pl_vs_cls.py);
- :mod:`tests.support.templates`: small TemplateSets and their ROOT + build-config form;
- :mod:`tests.support.cards`: experiment cards, the replica's workspaces, an Asimov CLs limit;
- :mod:`tests.support.files`: directory snapshots, the bad-input corpus's expected messages and
  the loader of scripts that are no modules (generators beside the files they write);
- :mod:`tests.support.mutations`: YAML mutations for the property tests of the loaders;
- :mod:`tests.support.sidecar_corpus`: the sidecar cases of the bad-input corpus (also a script
  that rewrites them).

The repository root is on ``sys.path`` when pytest runs (``pythonpath`` in pyproject.toml), so
``from tests.support import ...`` works from any folder; ``tests`` itself stays a namespace
package (no ``tests/__init__.py``). Scripts outside pytest put the root on ``sys.path``
themselves (benchmarks/bench_limits.py).
"""

from pathlib import Path

#: The repository's root directory.
ROOT = Path(__file__).resolve().parents[2]

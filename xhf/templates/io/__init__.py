"""Template file formats: ROOT (through uproot), NPZ and CSV, and one dispatcher by suffix.

All three store the same tables of named columns and the same JSON document
(:mod:`xhf.templates.io.layout`); docs/template-formats.md describes the layouts.

>>> import tempfile, pathlib, numpy as np
>>> from xhf.templates import Channel, Sample, TemplateSet
>>> bkg = Sample(name="kr85", yields=np.array([1.0, 2.0]), stat_error=np.array([0.1, 0.2]))
>>> ts = TemplateSet((Channel(name="low", bin_edges=np.array([2.0, 3.0, 4.0]), backgrounds=(bkg,)),))
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = write_templates(ts, pathlib.Path(tmp) / "templates.npz")
...     read_templates(path).channel("low").background("kr85").stat_error.tolist()
[0.1, 0.2]
"""

from xhf.templates.io.checks import check_same_binning
from xhf.templates.io.csvdir import read_csv, write_csv
from xhf.templates.io.dispatch import read_templates, template_format, write_templates
from xhf.templates.io.npz import read_npz, write_npz
from xhf.templates.io.root import RootHistogram, read_root, read_root_histogram, write_root

__all__ = [
    "RootHistogram",
    "check_same_binning",
    "read_csv",
    "read_npz",
    "read_root",
    "read_root_histogram",
    "read_templates",
    "template_format",
    "write_csv",
    "write_npz",
    "write_root",
    "write_templates",
]


def __dir__() -> list[str]:
    return __all__

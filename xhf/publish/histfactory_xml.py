"""HistFactory XML + ROOT of a workspace, with the staterror configuration pyhf's JSON means.

pyhf's ``json2xml`` (:func:`pyhf.writexml.writexml`) writes no ``StatErrorConfig``, so ROOT's
HistFactory falls back to its defaults: a relative-error threshold of 5 % (bins whose MC
statistical error is below it lose their gamma) and a Poisson constraint in some versions.
pyhf's staterror has no threshold and a Gaussian constraint (Cranmer et al.,
CERN-OPEN-2012-016, Sec. 4.4.1), so the XML would describe another likelihood.
:func:`write_histfactory_xml` runs pyhf's writer and adds
``<StatErrorConfig RelErrorThreshold="0" ConstraintType="Gaussian"/>`` to every channel
(the DTD's place: after ``Data``, before the samples). Paths inside the files are relative to
the output directory (``config/``, ``data/data.root``), so the bytes do not depend on where
they were written. pyhf's ``xml2json`` reads the files back to the same model (it ignores
``StatErrorConfig``; it names the staterror ``staterror_<channel>``).
"""

from __future__ import annotations

import contextlib
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xhf.jsonio import atomic_directory

__all__ = ["DATA_FILE", "RESULT_PREFIX", "STAT_ERROR_CONFIG", "write_histfactory_xml"]


def __dir__() -> list[str]:
    return __all__


#: The StatErrorConfig that matches pyhf's staterror: no pruning threshold, Gaussian.
STAT_ERROR_CONFIG = {"RelErrorThreshold": "0", "ConstraintType": "Gaussian"}
#: File prefix of the top-level file (``FitConfig.xml``) and of the channel files.
RESULT_PREFIX = "FitConfig"
#: The ROOT file of the histograms, relative to the output directory.
DATA_FILE = "data/data.root"
_CHANNEL_DOCTYPE = "<!DOCTYPE Channel SYSTEM '../HistFactorySchema.dtd'>\n\n"


def _with_stat_error_config(path: Path) -> None:
    """Add the StatErrorConfig; make every ``InputFile`` relative (pyhf writes it absolute)."""
    channel = ET.parse(path).getroot()
    for element in channel.iter():
        if "InputFile" in element.attrib:
            element.set("InputFile", DATA_FILE)
    position = sum(1 for child in channel if child.tag == "Data")
    config = ET.Element("StatErrorConfig", STAT_ERROR_CONFIG)
    channel.insert(position, config)
    ET.indent(channel)
    path.write_text(_CHANNEL_DOCTYPE + ET.tostring(channel, encoding="unicode"), "utf-8")


@contextlib.contextmanager
def _cwd(path: Path):
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def write_histfactory_xml(
    workspace: Mapping[str, Any], outdir: str | os.PathLike[str], *, force: bool = False
) -> Path:
    """Write ``workspace`` as HistFactory XML + ROOT into the directory ``outdir`` (atomic).

    Layout: ``FitConfig.xml`` (the combination and measurements), ``HistFactorySchema.dtd``,
    ``config/FitConfig_<channel>.xml`` (with the StatErrorConfig above) and ``data/data.root``.

    Raises:
        OutputExistsError: ``outdir`` exists and ``force`` is false.
    """
    from pyhf import writexml

    with atomic_directory(outdir, force=force) as stage:
        stage.mkdir(parents=True, exist_ok=True)
        (stage / "config").mkdir()
        (stage / "data").mkdir()
        with _cwd(stage):
            top = writexml.writexml(dict(workspace), "config", "data", RESULT_PREFIX)
        (stage / f"{RESULT_PREFIX}.xml").write_bytes(top)
        for channel_file in sorted((stage / "config").glob(f"{RESULT_PREFIX}_*.xml")):
            _with_stat_error_config(channel_file)
    return Path(outdir)

"""Every ceiling xhf puts on its inputs, in one place.

An input beyond a ceiling is refused early, before the work it would cost, with one line
naming the file (or option), the field and the ceiling. The values are generous for any real
analysis (the XMASS-I fit: 99 bins, 18 samples, a few hundred modifiers, configs of a few
kilobytes) and stop garbage -- a 20000-bin workspace that fits for minutes and then asks for
tens of GiB, a two-hundred-million-point energy grid, a YAML "billion laughs" -- from ending in
a hang or a ``MemoryError``. docs/reliability.md lists them.
"""

from __future__ import annotations

__all__ = [
    "ENERGY_RANGE_KEV",
    "MAX_BINS",
    "MAX_ENERGIES",
    "MAX_EVENTS",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_MODIFIERS",
    "MAX_PARAMETERS",
    "MAX_PATCHES",
    "MAX_SAMPLES",
    "MAX_YAML_BYTES",
    "MAX_YAML_NODES",
    "MAX_YAML_TEXT",
]


def __dir__() -> list[str]:
    return __all__


#: Largest |expected events| a bin of a template, dataset, stat error or variation may hold.
#: Contents are expected events (the XMASS-I replica: at most ~700 in a bin over 711 days);
#: 1e15 leaves room for any detector and exposure and refuses garbage such as 1e300, whose sums
#: and squares overflow in the likelihood. The readers refuse ROOT variances (sumw2) above its
#: square.
MAX_EVENTS = 1e15

#: Most bins of a config channel, a card window, and of a workspace, patched workspace or
#: combination in total over its channels (XMASS-I: 99 bins of 2 keV).
MAX_BINS = 10_000

#: Most samples over all channels of a workspace (XMASS-I: 18).
MAX_SAMPLES = 1_000

#: Most modifiers over all samples of a workspace (XMASS-I: a few hundred).
MAX_MODIFIERS = 100_000

#: Most patches of a patchset (a dark-photon grid: a few hundred).
MAX_PATCHES = 100_000

#: Most energies ``xhf spectrum`` evaluates (each costs a quadrature over the solar spectra).
MAX_ENERGIES = 1_000_000

#: Recoil energies ``xhf spectrum`` accepts, keV (below, 1/T^2 terms overflow; above, every
#: solar-neutrino rate is zero).
ENERGY_RANGE_KEV = (1e-6, 1e6)

#: Largest size of each physical parameter a signal is computed or referenced at: the magnetic
#: moment in Bohr magnetons, the millicharge in units of e, the B-L coupling, the dark-photon
#: mass in MeV. Each is orders of magnitude above any allowed value, and keeps rates finite.
MAX_PARAMETERS = {"mu_nu": 1e-3, "charge": 1.0, "coupling": 1.0, "mass_mev": 1e6}

#: Largest JSON file read whole (workspaces, patchsets, sidecars, results, targets).
MAX_JSON_BYTES = 1 << 30

#: Deepest nesting of arrays and objects in a JSON document (a pyhf patchset: about 10).
MAX_JSON_DEPTH = 100

#: Largest YAML file (a build config or an experiment card: a few kilobytes).
MAX_YAML_BYTES = 64 << 20

#: Most nodes a YAML document may expand to, aliases followed.
MAX_YAML_NODES = 1_000_000

#: Most characters of scalars a YAML document may expand to, aliases followed (a "billion
#: laughs" of long strings stays under MAX_YAML_NODES).
MAX_YAML_TEXT = 16 << 20

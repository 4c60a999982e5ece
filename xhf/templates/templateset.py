"""The TemplateSet: everything a binned likelihood is built from, as plain arrays.

A :class:`TemplateSet` holds channels (binning in reconstructed energy, background samples,
observed or pseudo datasets) and signals (templates at a reference value of a physical
parameter). It is the interface between the detector/replica stages and the workspace builder,
and what the ROOT/NPZ/CSV readers produce. In the notation of XMASS-I (Phys. Lett. B 809 (2020)
135741, Eqs. 4-7):

- a background :class:`Sample` is B_ij with its MC-statistics error sigma(B_stat)_ij, its
  activity constraint sigma(B_RI)_j (``norm_uncertainty``; ``None`` = free normalisation) and
  its systematic variations B_ij +- sigma(B_sys)_ijk (:class:`Variation`, histosys);
- a :class:`Signal` is S0_i at a reference parameter value with its variations sigma(S_sys)_il.
  A signal has one or more *parts*, each scaling as a power of the parameter: the magnetic
  moment ``(mu/mu_ref)^2``; the dark photon ``(g/g_ref)^2`` (interference) plus ``(g/g_ref)^4``
  (pure), so that S(g) = sum_k (g/g_ref)^p_k S_k.

Variations with the same name are the same nuisance parameter everywhere.

>>> import numpy as np
>>> bkg = Sample(name="flat", yields=np.array([10.0, 10.0]), stat_error=np.array([1.0, 1.0]),
...              norm_uncertainty=0.1)
>>> ch = Channel(name="c", bin_edges=np.array([2.0, 4.0, 6.0]), backgrounds=(bkg,),
...              data={"asimov": np.array([10.0, 10.0])})
>>> sig = Signal(name="mm", channel="c", parts=(Sample(name="mm", yields=np.array([1.0, 0.5])),),
...              parameter="mu_nu", unit="mu_B", reference=1e-10, powers=(2,))
>>> ts = TemplateSet((ch,), (sig,))
>>> ts.validate()
>>> sig.expected(2e-10).tolist()
[4.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.ceilings import MAX_EVENTS
from xhf.exceptions import InvalidTemplateError

__all__ = ["MAX_EVENTS", "Channel", "Sample", "Signal", "TemplateSet", "Variation"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class Variation:
    """A named systematic variation of one sample: absolute up and down templates per bin."""

    name: str
    up: NDArray[np.float64]
    down: NDArray[np.float64]


@dataclass(frozen=True, kw_only=True)
class Sample:
    """One histogram template (background component or signal part), in events per bin.

    Attributes:
        name: sample name (``^[A-Za-z0-9_]+$``).
        yields: expected events per bin at nominal parameters.
        stat_error: absolute 1-sigma Monte Carlo statistical error per bin, or ``None``.
        norm_uncertainty: fractional 1-sigma normalisation (activity) constraint; ``None``
            leaves a background free (``free=True``) or, for signal parts, unconstrained.
        free: the normalisation floats without constraint (a normfactor).
        variations: shape systematics (histosys), named.
        norm_variations: flat systematics ``{name: (hi, lo)}`` as multiplicative factors
            (normsys), e.g. a flux uncertainty that scales a signal uniformly.
    """

    name: str
    yields: NDArray[np.float64]
    stat_error: NDArray[np.float64] | None = None
    norm_uncertainty: float | None = None
    free: bool = False
    variations: tuple[Variation, ...] = ()
    norm_variations: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def variation(self, name: str) -> Variation:
        """The variation called ``name``."""
        for var in self.variations:
            if var.name == name:
                return var
        raise KeyError(name)


@dataclass(frozen=True, kw_only=True)
class Channel:
    """A fit region: bin edges in reconstructed energy (keV), backgrounds and datasets.

    ``data`` maps a dataset label to observed counts per bin; xhf's replica labels its
    datasets as pseudo-data (``asimov`` and ``pseudo_poisson``) and says so in the metadata.
    """

    name: str
    bin_edges: NDArray[np.float64]
    backgrounds: tuple[Sample, ...]
    data: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)

    @property
    def n_bins(self) -> int:
        """Number of bins."""
        return len(self.bin_edges) - 1

    @property
    def bin_widths_kev(self) -> NDArray[np.float64]:
        """Bin widths in keV."""
        return np.diff(self.bin_edges)

    def background(self, name: str) -> Sample:
        """The background sample called ``name``."""
        for sample in self.backgrounds:
            if sample.name == name:
                return sample
        raise KeyError(name)

    def total_background(self) -> NDArray[np.float64]:
        """Sum of all background yields per bin."""
        return np.sum([s.yields for s in self.backgrounds], axis=0)


@dataclass(frozen=True, kw_only=True)
class Signal:
    """A signal template in one channel at a reference value of its physical parameter.

    Attributes:
        name: signal name, e.g. ``magnetic_moment`` or ``dark_photon_m1e_03``.
        channel: name of the channel it lives in.
        parts: one sample per power of the parameter.
        parameter: physical parameter (``mu_nu``, ``charge``, ``coupling``).
        unit: its unit (``mu_B``, ``e``, ``g_BL``).
        reference: parameter value at which ``parts`` were computed.
        powers: exponent of ``parameter / reference`` for each part.
        metadata: model, flavour, atomic model, fluxes, mass, ... (plain JSON values).
    """

    name: str
    channel: str
    parts: tuple[Sample, ...]
    parameter: str
    unit: str
    reference: float
    powers: tuple[int, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def expected(self, value: float) -> NDArray[np.float64]:
        """Signal yields per bin at parameter ``value``: sum_k (value/reference)^p_k part_k."""
        ratio = value / self.reference
        return np.sum(
            [ratio**p * part.yields for p, part in zip(self.powers, self.parts, strict=True)],
            axis=0,
        )

    @property
    def is_power_law(self) -> bool:
        """True when the signal is a single power of its parameter (a plain signal strength)."""
        return len(self.parts) == 1


@dataclass(frozen=True)
class TemplateSet:
    """Channels and signals of an analysis, plus plain-JSON metadata (provenance, exposure)."""

    channels: tuple[Channel, ...]
    signals: tuple[Signal, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def channel(self, name: str) -> Channel:
        """The channel called ``name``."""
        for ch in self.channels:
            if ch.name == name:
                return ch
        raise KeyError(name)

    def signal(self, name: str) -> Signal:
        """The signal called ``name``."""
        for sig in self.signals:
            if sig.name == name:
                return sig
        raise KeyError(name)

    def with_signals(self, signals: tuple[Signal, ...]) -> TemplateSet:
        """A copy with another tuple of signals."""
        return replace(self, signals=signals)

    def validate(self, source: str = "template set") -> None:
        """Check names, binning and contents; raise :class:`InvalidTemplateError` naming the bin.

        Contents must be finite, at most :data:`MAX_EVENTS` in size, and non-negative except
        in signal parts; signal powers are whole numbers >= 1.

        Args:
            source: prefix of every message (a file name when read from disk).
        """
        _unique(source, "channel", [c.name for c in self.channels])
        _unique(source, "signal", [s.name for s in self.signals])
        for ch in self.channels:
            where = f"{source}: channel {ch.name!r}"
            edges = np.asarray(ch.bin_edges, dtype=float)
            if edges.ndim != 1 or edges.size < 2 or not np.all(np.isfinite(edges)):
                raise InvalidTemplateError(f"{where}: bin_edges must be >= 2 finite numbers")
            if np.any(np.diff(edges) <= 0):
                bad = int(np.argmax(np.diff(edges) <= 0))
                raise InvalidTemplateError(f"{where}: bin_edges must increase (at edge {bad + 1})")
            _unique(where, "background", [s.name for s in ch.backgrounds])
            for sample in ch.backgrounds:
                _check_sample(f"{where}, sample {sample.name!r}", sample, ch.n_bins, negative=False)
            for label, counts in ch.data.items():
                _check_array(f"{where}, data {label!r}", counts, ch.n_bins, negative=False)
        names = {c.name for c in self.channels}
        for sig in self.signals:
            where = f"{source}: signal {sig.name!r}"
            if sig.channel not in names:
                raise InvalidTemplateError(f"{where}: unknown channel {sig.channel!r}")
            if len(sig.parts) != len(sig.powers) or not sig.parts:
                raise InvalidTemplateError(f"{where}: needs one power per part")
            if not all(_is_power(p) for p in sig.powers):
                raise InvalidTemplateError(
                    f"{where}: powers {list(sig.powers)} must be whole numbers >= 1"
                )
            if not (np.isfinite(sig.reference) and sig.reference > 0):
                raise InvalidTemplateError(f"{where}: reference must be positive")
            n_bins = self.channel(sig.channel).n_bins
            for part in sig.parts:
                _check_sample(f"{where}, part {part.name!r}", part, n_bins, negative=True)


def _unique(where: str, what: str, names: list[str]) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise InvalidTemplateError(f"{where}: duplicated {what} name {name!r}")
        seen.add(name)


def _is_power(power: Any) -> bool:
    try:
        value = float(power)
    except (TypeError, ValueError, OverflowError):
        return False
    return not isinstance(power, bool) and value >= 1 and value.is_integer()


def _check_array(where: str, values: Any, n_bins: int, *, negative: bool) -> None:
    arr = np.asarray(values, dtype=float)
    if arr.shape != (n_bins,):
        raise InvalidTemplateError(f"{where}: has {arr.size} bins, the channel has {n_bins}")
    bad = ~np.isfinite(arr)
    if np.any(bad):
        raise InvalidTemplateError(f"{where}: bin {int(np.argmax(bad))} is not finite")
    if not negative and np.any(arr < 0):
        raise InvalidTemplateError(f"{where}: bin {int(np.argmax(arr < 0))} is negative")
    huge = np.abs(arr) > MAX_EVENTS
    if np.any(huge):
        i = int(np.argmax(huge))
        raise InvalidTemplateError(f"{where}: bin {i} is {float(arr[i])!r}, more than 1e15 events")


def _check_sample(where: str, sample: Sample, n_bins: int, *, negative: bool) -> None:
    _check_array(where, sample.yields, n_bins, negative=negative)
    if sample.stat_error is not None:
        _check_array(f"{where} stat_error", sample.stat_error, n_bins, negative=False)
    if sample.norm_uncertainty is not None and not (0 <= sample.norm_uncertainty < 1):
        raise InvalidTemplateError(f"{where}: norm_uncertainty must lie in [0, 1)")
    _unique(where, "variation", [v.name for v in sample.variations])
    for var in sample.variations:
        _check_array(f"{where}, variation {var.name!r} up", var.up, n_bins, negative=negative)
        _check_array(f"{where}, variation {var.name!r} down", var.down, n_bins, negative=negative)
    for name, (hi, lo) in sample.norm_variations.items():
        if not (np.isfinite(hi) and np.isfinite(lo) and hi > 0 and lo > 0):
            raise InvalidTemplateError(f"{where}, norm variation {name!r}: hi and lo must be > 0")

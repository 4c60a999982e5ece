"""The replica's detector: one response matrix per channel, built once, plus its variations."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.detector import Efficiency, Exposure, Resolution, ResponseMatrix
from xhf.replica.settings import ReplicaSettings
from xhf.replica.signals import rate_inputs

__all__ = ["ChannelResponse", "channel_response", "detector_matrix", "replica_detector"]


def __dir__() -> list[str]:
    return __all__


def detector_matrix(settings: ReplicaSettings, edges_kev: NDArray) -> ResponseMatrix:
    """The XMASS-I-like response (Eq. 3) for reconstructed ``edges_kev`` and the settings'
    efficiency, resolution and exposure."""
    return ResponseMatrix(
        edges_kev,
        resolution=Resolution.from_fraction(settings.resolution_at_122kev, 122.0),
        efficiency=Efficiency(
            settings.efficiency_plateau,
            settings.efficiency_threshold_kev,
            settings.efficiency_width_kev,
        ),
        exposure=Exposure(settings.live_days, settings.fiducial_mass_kg),
    )


@dataclass(frozen=True)
class ChannelResponse:
    """A channel's response matrix with the full-window one (for normalisations) and the
    energy-scale variations (the same true grid, so one rate array folds with all three)."""

    matrix: ResponseMatrix
    full_matrix: ResponseMatrix

    @property
    def edges_kev(self) -> NDArray:
        """Reconstructed-energy bin edges in keV."""
        return self.matrix.reco_edges_kev

    @property
    def widths_kev(self) -> NDArray:
        """Bin widths in keV."""
        return np.diff(self.matrix.reco_edges_kev)

    @property
    def centers_kev(self) -> NDArray:
        """Bin centres in keV."""
        edges = self.matrix.reco_edges_kev
        return 0.5 * (edges[:-1] + edges[1:])

    @property
    def grid_kev(self) -> NDArray:
        """True energies at which rates are evaluated for :meth:`fold`."""
        return self.matrix.true_energy_kev

    def fold(self, rate: NDArray) -> NDArray:
        """Counts per bin for a true-energy rate in events/(kg day keV) on :attr:`grid_kev`."""
        return self.matrix.fold(rate)

    def fold_lines(self, lines: tuple[tuple[float, float], ...]) -> NDArray:
        """Counts per bin for 1 event/(kg day) split among ``((energy_kev, fraction), ...)``."""
        energies, fractions = zip(*lines, strict=True)
        return self.matrix.fold_lines(energies, fractions)

    @cached_property
    def full(self) -> ChannelResponse:
        """The response of the full analysis window."""
        return ChannelResponse(self.full_matrix, self.full_matrix)

    @cached_property
    def scale_up(self) -> ChannelResponse:
        """The energy scale shifted by +1 sigma."""
        return ChannelResponse(self.matrix.with_energy_scale(+1.0), self.full_matrix)

    @cached_property
    def scale_down(self) -> ChannelResponse:
        """The energy scale shifted by -1 sigma."""
        return ChannelResponse(self.matrix.with_energy_scale(-1.0), self.full_matrix)


def channel_response(settings: ReplicaSettings, channel: str) -> ChannelResponse:
    """The response of ``low_energy`` or ``full_energy`` (see :meth:`ReplicaSettings.edges`)."""
    full = detector_matrix(settings, settings.edges("full_energy"))
    if channel == "full_energy":
        return ChannelResponse(full, full)
    return ChannelResponse(detector_matrix(settings, settings.edges(channel)), full)


def replica_detector(settings: ReplicaSettings | None = None) -> dict[str, Any]:
    """The replica's detector and physics inputs as the keyword arguments of
    :func:`xhf.publish.reinterpret.dark_photon_limit`: ``response`` (channel name ->
    :class:`ChannelResponse`) and ``inputs`` (the paper's fluxes and flavour fractions).

    >>> sorted(replica_detector())
    ['inputs', 'response']
    """
    settings = settings or ReplicaSettings()
    return {
        "response": functools.partial(channel_response, settings),
        "inputs": rate_inputs(settings),
    }

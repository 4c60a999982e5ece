"""From a normfactor to the physical parameter, as the workspace sidecar describes it.

docs/workspace-conventions.md: a signal part scales as ``(parameter / reference) ** power``, so
for the part of lowest power ``parameter = reference * normfactor ** (1 / power)``. XMASS-I
(Phys. Lett. B 809 (2020) 135741): the magnetic-moment rate goes as mu_nu^2 and the
millicharge (pure term) as delta^2, hence ``mu_nu = mu_ref sqrt(mu)``; the dark photon's excess
is ``(g/g_ref)^2 I + (g/g_ref)^4 P`` and its parameter of interest ``x = (g/g_ref)^2``.
The paper's flavour limits on the millicharge are the all-flavour limit divided by the square
root of the flavour fraction (54 / 23 / 23 %): only that flavour carries the charge, and the
rate scales with fraction x delta^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from xhf.exceptions import InvalidInputError
from xhf.physics.rates import MODEL_UNITS
from xhf.workspace.sidecar import check_unit

__all__ = ["DEFAULT_FRACTIONS", "SignalInfo", "SignalPart", "flavor_limits"]


def __dir__() -> list[str]:
    return __all__


def _default_fractions() -> dict[str, float]:
    from xhf.physics.oscillations import XMASS_FRACTIONS

    return {"e": XMASS_FRACTIONS.e, "mu": XMASS_FRACTIONS.mu, "tau": XMASS_FRACTIONS.tau}


#: XMASS-I's fixed flavour fractions of the solar flux at Earth (54 / 23 / 23 %).
DEFAULT_FRACTIONS = _default_fractions()


@dataclass(frozen=True)
class SignalPart:
    """One part of a signal: its sample, normfactor and power of ``parameter / reference``."""

    sample: str
    normfactor: str
    power: float | None


@dataclass(frozen=True)
class SignalInfo:
    """The sidecar's ``signal`` block: what the parameter of interest means physically.

    Attributes:
        model: signal model (``magnetic-moment``, ``millicharge``, ``dark-photon``) or None.
        parameter: physical parameter name (``mu_nu``, ``delta``, ``g``; ``mu`` if unknown).
        unit: its unit (``mu_B``, ``e``, ``""``).
        reference: the parameter value of the templates (normfactor 1).
        parts: the signal parts.
        flavor: flavours carrying the interaction (``all``, ``e``, ``mu``, ``tau``).
        mass_mev: dark-photon mass, if any.
        fractions: flavour fractions used for single-flavour limits.
        references: per-patch reference values (a components patchset: one per mass).
    """

    model: str | None
    parameter: str
    unit: str
    reference: float | None
    parts: tuple[SignalPart, ...]
    flavor: str = "all"
    mass_mev: float | None = None
    fractions: dict[str, float] | None = None
    references: dict[str, float] | None = None

    @classmethod
    def from_sidecar(cls, meta: dict[str, Any], source: str = "sidecar") -> SignalInfo:
        """Read and check the ``signal`` block of a sidecar (errors name file and field)."""
        signal = meta.get("signal")
        if not isinstance(signal, dict):
            raise InvalidInputError(
                f"{source}: field 'signal' is missing (a background-only sidecar?)"
            )
        parts_raw = signal.get("parts")
        if not isinstance(parts_raw, list) or not parts_raw:
            raise InvalidInputError(f"{source}: field 'signal.parts' must be a non-empty list")
        parts = []
        for i, part in enumerate(parts_raw):
            try:
                power = part.get("power")
                parts.append(
                    SignalPart(
                        str(part["sample"]),
                        str(part["normfactor"]),
                        None if power is None else float(power),
                    )
                )
            except (KeyError, TypeError, AttributeError, ValueError):
                raise InvalidInputError(
                    f"{source}: field 'signal.parts[{i}]' needs 'sample', 'normfactor', 'power'"
                ) from None
            if parts[-1].power is not None and not parts[-1].power > 0:
                raise InvalidInputError(
                    f"{source}: field 'signal.parts[{i}].power' must be positive"
                )
        reference = signal.get("reference")
        if reference is not None:
            try:
                reference = float(reference)
            except (TypeError, ValueError):
                raise InvalidInputError(
                    f"{source}: field 'signal.reference' must be a number"
                ) from None
            if not 0 < reference < math.inf:
                raise InvalidInputError(
                    f"{source}: field 'signal.reference' must be a positive finite number, "
                    f"not {reference!r}"
                )
        model, unit = signal.get("model"), str(signal.get("unit") or "")
        if model in MODEL_UNITS and unit == "":
            unit = MODEL_UNITS[model]  # not given: the model's own
        check_unit(model, unit, f"{source}: field 'signal.unit'")
        fractions = signal.get("flavor_fractions") or meta.get("flavor_fractions")
        if fractions is not None:
            try:
                fractions = {k: float(fractions[k]) for k in ("e", "mu", "tau")}
            except (KeyError, TypeError, ValueError):
                raise InvalidInputError(
                    f"{source}: field 'signal.flavor_fractions' needs numbers for e, mu, tau"
                ) from None
            values = list(fractions.values())
            if not all(0 <= v <= 1 for v in values) or abs(sum(values) - 1) > 1e-3:
                raise InvalidInputError(
                    f"{source}: field 'signal.flavor_fractions' must be in [0, 1] and sum to 1 "
                    f"(sum {sum(values):g})"
                )
        references = signal.get("references")
        if references is not None:
            try:
                references = {str(k): float(v) for k, v in references.items()}
            except (AttributeError, TypeError, ValueError):
                raise InvalidInputError(
                    f"{source}: field 'signal.references' must map patch names to numbers"
                ) from None
        mass = signal.get("mass_mev")  # a list in a patchset sidecar: the patches say which
        mass = float(mass) if isinstance(mass, int | float) else None
        return cls(
            model=model,
            parameter=str(signal.get("parameter") or parts[0].normfactor),
            unit=unit,
            reference=reference,
            parts=tuple(parts),
            flavor=str(signal.get("flavor") or "all"),
            mass_mev=mass,
            fractions=fractions,
            references=references,
        )

    def for_patch(self, name: str) -> SignalInfo:
        """This signal with the reference of patch ``name`` (if the sidecar lists one)."""
        if self.references and name in self.references:
            return replace(self, reference=self.references[name])
        return self

    @classmethod
    def bare(cls, poi: str) -> SignalInfo:
        """No sidecar: the parameter is the normfactor itself (reference 1, power 1)."""
        return cls(None, poi, "", 1.0, (SignalPart("signal", poi, 1.0),))

    @property
    def power_law(self) -> bool:
        """Every part has a power (False for an exact excess at one grid point)."""
        return all(p.power is not None for p in self.parts)

    @property
    def lowest(self) -> SignalPart:
        """The part of lowest power: its normfactor is the parameter of interest x."""
        if not self.power_law:
            return self.parts[0]
        return min(self.parts, key=lambda p: p.power)

    @property
    def prior_exponent(self) -> float:
        """alpha = x ** prior_exponent is the strength of the highest-power part.

        The chi2 method's flat prior is on alpha (the paper: on mu_nu^2, delta^2 and, for the
        dark photon, g^4).
        """
        if not self.power_law:
            return 1.0
        return max(p.power for p in self.parts) / self.lowest.power

    def to_parameter(self, x: float, reference: float | None = None) -> float:
        """Physical parameter for a value x of the lowest-power normfactor.

        >>> info = SignalInfo("magnetic-moment", "mu_nu", "mu_B", 1e-10,
        ...                   (SignalPart("signal", "mu", 2.0),))
        >>> info.to_parameter(4.0)
        2e-10
        """
        ref = self.reference if reference is None else reference
        if ref is None:
            raise InvalidInputError(
                f"no reference value of {self.parameter!r}: the sidecar (or its 'patches' "
                "entry) must give 'reference'"
            )
        if not self.power_law:
            return x
        return float(ref * max(x, 0.0) ** (1.0 / self.lowest.power))


def flavor_limits(limit_all: float, fractions: dict[str, float] | None = None) -> dict[str, float]:
    """Single-flavour limits from the all-flavour limit: ``delta_f = delta_all / sqrt(f)``.

    The paper's millicharge limits (5.4e-12 e for all flavours; 7.3e-12, 1.1e-11, 1.1e-11 for
    e, mu, tau alone) follow this rule with the fractions 0.54 / 0.23 / 0.23.

    >>> {k: round(v, 13) for k, v in flavor_limits(5.4e-12).items()}
    {'e': 7.3e-12, 'mu': 1.13e-11, 'tau': 1.13e-11}
    """
    fr = DEFAULT_FRACTIONS if fractions is None else fractions
    out = {}
    for flavour in ("e", "mu", "tau"):
        f = float(fr[flavour])
        if not 0.0 < f <= 1.0:
            raise InvalidInputError(f"flavour fraction of {flavour} must lie in (0, 1], got {f}")
        out[flavour] = limit_all / math.sqrt(f)
    return out

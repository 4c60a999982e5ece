"""``xhf spectrum``: true-energy differential rates dR/dT for any model."""

from __future__ import annotations

import click
import numpy as np

from xhf import __version__
from xhf.ceilings import ENERGY_RANGE_KEV, MAX_ENERGIES, MAX_PARAMETERS
from xhf.jsonio import dumps
from xhf.physics import FLAVOR_CHOICES, MODELS
from xhf.physics.fluxes import FLUX_MODELS
from xhf.physics.rates import REFERENCE_PARAMETERS

__all__ = ["parse_energies", "spectrum"]


def __dir__() -> list[str]:
    return __all__


def parse_energies(text: str) -> list[float]:
    """Parse ``"1,5,30"`` or ``"1:200:100"`` (start:stop:count, log-spaced) into energies.

    Energies lie in :data:`~xhf.ceilings.ENERGY_RANGE_KEV`, at most
    :data:`~xhf.ceilings.MAX_ENERGIES` of them.
    """
    low, high = ENERGY_RANGE_KEV
    try:
        if ":" in text:
            start, stop, count = (float(v) for v in text.split(":"))
        else:
            values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma list or start:stop:count") from None
    if ":" in text:
        if not (0 < start < stop < float("inf")) or count != int(count) or count < 2:
            raise click.BadParameter(
                f"{text!r}: a range needs 0 < start < stop and an integer count >= 2"
            )
        if count > MAX_ENERGIES:
            raise click.BadParameter(
                f"{text!r}: {count:.0f} energies, above the ceiling of {MAX_ENERGIES}"
            )
        values = np.geomspace(start, stop, int(count)).tolist()
    if not values or any(not v > 0 or v != v or v == float("inf") for v in values):
        raise click.BadParameter(f"energies must be positive and finite, got {text!r}")
    if len(values) > MAX_ENERGIES:
        raise click.BadParameter(f"{len(values)} energies, above the ceiling of {MAX_ENERGIES}")
    outside = [v for v in values if not low <= v <= high]
    if outside:
        raise click.BadParameter(f"{outside[0]:g} keV is outside [{low:g}, {high:g}] keV")
    return values


def _in_range(name: str, *, signed: bool = False):
    """A click callback: the value's size is positive (non-zero if ``signed``), finite and at
    most :data:`~xhf.ceilings.MAX_PARAMETERS` ``[name]``."""
    ceiling = MAX_PARAMETERS[name]

    def check(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
        if value is None:
            return value
        size = abs(value) if signed else value
        if not 0 < size <= ceiling:
            what = "non-zero with a size" if signed else "positive and"
            raise click.BadParameter(f"must be {what} at most {ceiling:g}, got {value}")
        return value

    return check


def _energies(ctx: click.Context, param: click.Parameter, value: str) -> list[float]:
    return parse_energies(value)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--model",
    type=click.Choice(MODELS),
    default="sm",
    show_default=True,
    help="Interaction: SM or a new-physics signal (the excess over the SM).",
)
@click.option(
    "--mu-nu",
    type=float,
    callback=_in_range("mu_nu"),
    help=f"Magnetic moment in Bohr magnetons [default {REFERENCE_PARAMETERS['mu_nu']}].",
)
@click.option(
    "--charge",
    type=float,
    callback=_in_range("charge", signed=True),
    help=f"Millicharge in units of e [default {REFERENCE_PARAMETERS['charge']}].",
)
@click.option(
    "--coupling",
    type=float,
    callback=_in_range("coupling"),
    help=f"B-L coupling g [default {REFERENCE_PARAMETERS['coupling']}].",
)
@click.option(
    "--mass-mev",
    type=float,
    callback=_in_range("mass_mev"),
    help=f"Dark-photon mass in MeV [default {REFERENCE_PARAMETERS['mass_mev']}].",
)
@click.option(
    "--flavor",
    type=click.Choice(FLAVOR_CHOICES),
    default="all",
    show_default=True,
    help="Flavours that carry the interaction.",
)
@click.option(
    "--atomic",
    default=None,
    help="Atomic model: fea, epa (millicharge) or a CSV energy_kev,ratio_to_fea "
    "[default: epa for the millicharge, fea otherwise].",
)
@click.option(
    "--fluxes",
    type=click.Choice(FLUX_MODELS),
    default="b16-gs98",
    show_default=True,
    help="Solar model.",
)
@click.option(
    "--energies-kev",
    "energies",
    default="1,2,5,10,20,30,50,100,200",
    show_default=True,
    callback=_energies,
    help="Recoil energies: a comma list, or start:stop:count (log-spaced).",
)
@click.option(
    "--interference/--no-interference",
    default=False,
    show_default=True,
    help="Millicharge: add the sign-dependent interference term (FEA picture).",
)
@click.option(
    "--fixed-fractions",
    is_flag=True,
    help="Use XMASS-I's fixed flavour fractions 54/23/23 % instead of MSW P_ee(E).",
)
@click.option(
    "--tree-level", is_flag=True, help="Tree-level SM couplings instead of effective ones."
)
@click.option(
    "--target",
    default="xenon",
    show_default=True,
    help="Target name (xenon, argon, germanium) or a target JSON file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def spectrum(
    model,
    mu_nu,
    charge,
    coupling,
    mass_mev,
    flavor,
    atomic,
    fluxes,
    energies,
    interference,
    fixed_fractions,
    tree_level,
    target,
    as_json,
) -> None:
    """Print the true-energy rate dR/dT in events/(kg day keV).

    For new physics the rate is the signal: the excess over the SM, interference included
    where there is one (the dark photon; the millicharge with --interference).

    \b
    Examples:
      xhf spectrum --model magnetic-moment --mu-nu 1e-11 --energies-kev 1,5,30
      xhf spectrum --model dark-photon --coupling 1e-4 --mass-mev 10 --json
      xhf spectrum --model millicharge --charge 5.4e-12 --flavor e --atomic fea
    """
    from xhf.api import compute_spectrum

    computed = compute_spectrum(
        energies,
        model,
        mu_nu=mu_nu,
        charge=charge,
        coupling=coupling,
        mass_mev=mass_mev,
        flavor=flavor,
        atomic=atomic,
        fluxes=fluxes,
        interference=interference,
        fixed_fractions=fixed_fractions,
        tree_level=tree_level,
        target=target,
    )
    rate, parameters, atomic, inputs = computed
    _check_finite(energies, np.asarray(rate, dtype=float).ravel(), model)
    if as_json:
        click.echo(
            dumps(
                {
                    "model": model,
                    "energy_kev": energies,
                    "rate": [float(r) for r in rate.ravel()],
                    "unit": "1/(kg day keV)",
                    "parameters": parameters,
                    "flavor": flavor,
                    "atomic": atomic,
                    "target": target,
                    **inputs.describe(),
                    "xhf_version": __version__,
                }
            ),
            nl=False,
        )
        return
    described = ", ".join(f"{k}={v}" for k, v in parameters.items()) or "standard model"
    click.echo(f"# {model} ({described}); flavor={flavor}, atomic={atomic}, fluxes={fluxes}")
    click.echo(f"# {'T [keV]':>12}  {'dR/dT [1/(kg day keV)]':>24}")
    for t, r in zip(energies, rate.ravel(), strict=True):
        click.echo(f"  {t:12.4g}  {r:24.6e}")


#: The option that sets each model's signal size (named when a rate is not finite).
_SIZE_OPTION = {
    "magnetic-moment": "--mu-nu",
    "millicharge": "--charge",
    "dark-photon": "--coupling",
}


def _check_finite(energies: list[float], rate: np.ndarray, model: str) -> None:
    """A rate that overflowed is refused, naming the option, instead of printed as inf."""
    bad = np.flatnonzero(~np.isfinite(rate))
    if bad.size:
        i = int(bad[0])
        options = (
            f"{_SIZE_OPTION[model]} or --energies-kev"
            if model in _SIZE_OPTION
            else "--energies-kev"
        )
        raise click.BadParameter(
            f"the rate at {energies[i]:g} keV is not finite ({rate[i]}); choose other values",
            param_hint=options,
        )

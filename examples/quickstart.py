# %% [markdown]
# # xhf in five lines
#
# A rate, a likelihood and a limit on the XMASS-I-like replica shipped with xhf (its data are
# pseudo-data, not XMASS-I data). Run it from the repository root, as a script or cell by cell
# in an editor that understands `# %%` cells (VS Code, Spyder, Jupytext).

# %%
import numpy as np

import xhf

# %% [markdown]
# The true-energy rate dR/dT in events / (kg day keV) of a neutrino magnetic moment of
# 1e-11 Bohr magnetons (the excess over the Standard Model), as `xhf spectrum` prints it.

# %%
energy_kev = np.array([1.0, 2.0, 5.0, 10.0, 30.0])
rate = xhf.spectrum(energy_kev, model="magnetic-moment", mu_nu=1e-11)
for t, r in zip(energy_kev, rate, strict=True):
    print(f"{t:6.1f} keV  {r:.4e} /(kg day keV)")

# %% [markdown]
# The likelihood: the shipped millicharge workspace with its sidecar (which turns the signal
# strength into the millicharge in units of e). `xhf.build("workspaces/configs/xmass1_millicharge.yml")`
# builds the same likelihood from its config.

# %%
lh = xhf.load("workspaces/xmass1_millicharge.json")
print(lh.source, "-", lh.sidecar["signal"]["parameter"], "in", lh.sidecar["signal"]["unit"])

# %% [markdown]
# The 90 % CL upper limit with pyhf's asymptotic CLs; printing it gives the text of
# `xhf limit workspaces/xmass1_millicharge.json`.

# %%
result = xhf.limit(lh, method="cls", cl=0.9)
print(result)

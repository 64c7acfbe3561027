"""Communes used for synthetic addresses: real INSEE codes when a geography folder is
configured, documented pseudo codes otherwise.

With a geography folder (``iae_diag.config.geo_dir()``): communes and their legal population
from ``population-legale-2021-communes-idf.csv`` (``;``, columns COM, Commune, PMUN, DEP;
Paris appears as its 20 arrondissements 75101-75120) and the communes holding a QPV from
``qpv2024-ile-de-france-communes.csv`` (code_qp, lib_qp, insee_com; Paris QPVs carry 75056,
applied to every arrondissement). Addresses are drawn in proportion to the population.

Fallback (no folder, or a département absent from its files): ``PSEUDO_COMMUNES`` pseudo
communes per département, code = département code followed by a zero-padded number up to 5
characters (``93001``..``93020``, ``2A001``, ``97101``..), name ``COMMUNE FICTIVE <code>``,
equal weights; the first ``PSEUDO_QPV_COMMUNES`` of them are treated as holding a QPV.
Pseudo codes are not real INSEE codes (some collide with real ones): maps and population
ratios need a geography folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

POPULATION_FILE = "population-legale-2021-communes-idf.csv"
QPV_FILE = "qpv2024-ile-de-france-communes.csv"
PSEUDO_COMMUNES = 20
PSEUDO_QPV_COMMUNES = 5


@dataclass
class Communes:
    """Per département: arrays of commune codes, names, weights, QPV flag and QPV name."""

    by_dep: dict[str, pd.DataFrame]
    source: str  # "geo" | "pseudo" | "mixed"

    def table(self, dep: str) -> pd.DataFrame:
        return self.by_dep[dep]


def _pseudo(dep: str) -> pd.DataFrame:
    width = 5 - len(dep)
    codes = [f"{dep}{i:0{width}d}" for i in range(1, PSEUDO_COMMUNES + 1)]
    return pd.DataFrame(
        {
            "code": codes,
            "name": [f"COMMUNE FICTIVE {c}" for c in codes],
            "weight": np.ones(len(codes)),
            "qpv": [i < PSEUDO_QPV_COMMUNES for i in range(len(codes))],
            "qpv_name": [
                f"QUARTIER FICTIF {c}" if i < PSEUDO_QPV_COMMUNES else ""
                for i, c in enumerate(codes)
            ],
        }
    )


def load_communes(deps: list[str], geo_dir: Path | None) -> Communes:
    """Commune tables for ``deps``; real ones from ``geo_dir`` where available."""
    real: dict[str, pd.DataFrame] = {}
    if geo_dir is not None and (Path(geo_dir) / POPULATION_FILE).is_file():
        pop = pd.read_csv(
            Path(geo_dir) / POPULATION_FILE,
            sep=";",
            dtype=str,
            keep_default_na=False,
            usecols=["DEP", "COM", "Commune", "PMUN"],
        )
        pop["weight"] = pd.to_numeric(pop["PMUN"], errors="coerce").fillna(0.0)
        qpv = pd.DataFrame(columns=["code_qp", "lib_qp", "insee_com"])
        if (Path(geo_dir) / QPV_FILE).is_file():
            qpv = pd.read_csv(Path(geo_dir) / QPV_FILE, dtype=str, keep_default_na=False)
        first = qpv.drop_duplicates("insee_com").set_index("insee_com")["lib_qp"]
        key = pop["COM"].where(~pop["COM"].str.startswith("751"), "75056")
        pop["qpv"] = key.isin(first.index)
        pop["qpv_name"] = key.map(first).fillna("")
        for dep, g in pop.groupby("DEP", sort=True):
            g = g[g["weight"] > 0]
            if len(g):
                real[str(dep)] = pd.DataFrame(
                    {
                        "code": g["COM"].to_numpy(),
                        "name": g["Commune"].str.upper().to_numpy(),
                        "weight": g["weight"].to_numpy(),
                        "qpv": g["qpv"].to_numpy(),
                        "qpv_name": g["qpv_name"].to_numpy(),
                    }
                ).reset_index(drop=True)
    by_dep = {d: real[d] if d in real else _pseudo(d) for d in deps}
    n_real = sum(d in real for d in deps)
    source = "geo" if n_real == len(deps) else ("pseudo" if n_real == 0 else "mixed")
    return Communes(by_dep=by_dep, source=source)


def draw_communes(
    communes: Communes, deps: np.ndarray, want_qpv: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Index (into each département's table) of one commune per item, weighted by population;
    among communes holding a QPV when ``want_qpv`` (any commune when the département has none).
    Returns an int array aligned with ``deps``."""
    n = len(deps)
    out = np.zeros(n, dtype=np.int64)
    u = rng.random(n)
    dep_codes, inv = np.unique(np.asarray(deps).astype(str), return_inverse=True)
    grp = inv * 2 + np.asarray(want_qpv, dtype=np.int64)
    order = np.argsort(grp, kind="stable")
    bounds = np.searchsorted(grp[order], np.arange(len(dep_codes) * 2 + 1))
    for di, dep in enumerate(dep_codes):
        tab = communes.table(str(dep))
        w = tab["weight"].to_numpy(float)
        wq = np.where(tab["qpv"].to_numpy(bool), w, 0.0)
        if wq.sum() == 0:
            wq = w
        for flag, ww in ((0, w), (1, wq)):
            g = di * 2 + flag
            idx = order[bounds[g] : bounds[g + 1]]
            if len(idx):
                cum = np.cumsum(ww) / ww.sum()
                out[idx] = np.minimum(np.searchsorted(cum, u[idx], side="right"), len(ww) - 1)
    return out

"""Populations légales by commune and département, and the choice of the vintage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from iae_diag.errors import InputError
from iae_diag.geo.layers import load_geography


def population_by_departement(
    geo_dir: Path | str | None, vintage: str | None = None
) -> pd.DataFrame | None:
    """Legal population (population municipale) by département: columns code_departement (str),
    population (int), vintage (str). The vintage is ``vintage`` or the oldest available
    (:attr:`Geography.population_vintage`). None without a population file."""
    geo = load_geography(geo_dir)
    if geo is None or not geo.populations:
        return None
    vintage = vintage or geo.population_vintage
    if vintage not in geo.populations:
        raise InputError(
            f"Geography folder {geo.folder}: no population of vintage {vintage!r}; "
            f"available: {', '.join(sorted(geo.populations))}."
        )
    p = geo.populations[vintage]
    out = (
        p.groupby("code_departement", sort=True)["population"].sum().astype("int64").reset_index()
    )
    out["vintage"] = str(vintage)
    return out[["code_departement", "population", "vintage"]]

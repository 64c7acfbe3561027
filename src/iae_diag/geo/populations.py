"""Populations légales by commune and département, the choice of the vintage closest to the
data year, and the coverage of the offer per inhabitants computed with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from iae_diag.errors import InputError
from iae_diag.figures import publishable
from iae_diag.geo.layers import Geography, load_geography
from iae_diag.territories import Territory


def _dep_population(geo: Geography, vintage: str) -> pd.DataFrame:
    if vintage not in geo.populations:
        raise InputError(
            f"Geography folder {geo.folder}: no population of vintage {vintage!r}; "
            f"available: {', '.join(sorted(geo.populations))}."
        )
    p = geo.populations[vintage]
    out = p.groupby("code_departement", sort=True)["population"].sum().round()
    out = out.astype("int64").reset_index()
    out["vintage"] = str(vintage)
    return out[["code_departement", "population", "vintage"]]


def population_by_departement(
    geo_dir: Path | str | None, vintage: str | None = None, year: int | None = None
) -> pd.DataFrame | None:
    """Legal population (population municipale) by département: columns code_departement (str),
    population (int), vintage (str). The vintage is ``vintage``, else the one closest to
    ``year`` (:meth:`Geography.population_vintage_for`), else the oldest available
    (:attr:`Geography.population_vintage`). None without a population file."""
    geo = load_geography(geo_dir)
    if geo is None or not geo.populations:
        return None
    if vintage is None:
        vintage = geo.population_vintage_for(year) if year is not None else None
    return _dep_population(geo, vintage or geo.population_vintage)


def territory_population(
    geo: Geography, territory: Territory, year: int
) -> tuple[int, str] | None:
    """(population, vintage) of a département or region for the data year ``year`` (closest
    vintage); None without population or when one of its départements is missing."""
    vintage = geo.population_vintage_for(year)
    if vintage is None:
        return None
    p = _dep_population(geo, vintage).set_index("code_departement")["population"]
    deps = territory.departements()
    if not set(deps) <= set(p.index):
        return None
    return int(p.loc[deps].sum()), vintage


def _value(indicators: pd.DataFrame, name: str, terr: Territory, year: int) -> float | None:
    t = indicators
    sel = t.loc[
        (t["indicator"] == name)
        & (t["territory_level"] == terr.level)
        & (t["territory_code"].astype(str) == terr.code)
        & (t["year"] == year)
        & (t["type_siae"] == "ALL")
        & (t["breakdown"].fillna("") == "")
    ]
    if sel.empty or pd.isna(sel["value"].iloc[0]):
        return None
    return float(sel["value"].iloc[0])


def coverage_per_inhabitants(
    indicators: pd.DataFrame, geo: Geography | None, territories: list[Territory], year: int
) -> pd.DataFrame:
    """ETP réalisés and salariés per 10,000 inhabitants of each territory in ``year``, with
    the population of the vintage closest to ``year``: columns territory_level,
    territory_code, etp_realises, salaries, population, vintage, etp_per_10000,
    salaries_per_10000 (NaN when the population is unknown; the salariés rate is NaN when it
    rests on 1 to 4 salariés, statistical secrecy)."""
    rows = []
    for terr in territories:
        etp = _value(indicators, "etp_realises", terr, year)
        sal = _value(indicators, "salaries", terr, year)
        pop = territory_population(geo, terr, year) if geo is not None else None
        population, vintage = pop if pop else (np.nan, None)
        rate_etp = etp / population * 10_000 if pop and etp is not None else np.nan
        rate_sal = sal / population * 10_000 if pop and sal is not None else None
        rate_sal = publishable(rate_sal, sal)
        rows.append(
            {
                "territory_level": terr.level,
                "territory_code": terr.code,
                "etp_realises": etp if etp is not None else np.nan,
                "salaries": sal if sal is not None else np.nan,
                "population": population,
                "vintage": vintage,
                "etp_per_10000": rate_etp,
                "salaries_per_10000": np.nan if rate_sal is None else rate_sal,
            }
        )
    return pd.DataFrame(rows)

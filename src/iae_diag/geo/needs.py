"""Needs of the territories and the offer measured against them (orientation 1.2.3):
households receiving the RSA (CNAF) and unemployment rates of the zones d'emploi (INSEE),
by département and by analysis unit (commune, or arrondissement where the folder has the
contours). A figure whose source is missing for a territory is NaN, never estimated."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iae_diag.figures import publishable
from iae_diag.geo.codes import arrondissement_city
from iae_diag.geo.layers import Geography
from iae_diag.geo.populations import _value
from iae_diag.territories import Territory, region_of_dep


def rsa_by_unit(geo: Geography) -> pd.DataFrame | None:
    """Households receiving the RSA by analysis unit: code_unit, code_departement, foyers_rsa.
    Rows whose commune is not identified (``75XXX``) count only in their département."""
    if geo.rsa is None:
        return None
    r = geo.rsa.loc[~geo.rsa["code_commune"].str.contains("X")]
    r = r.assign(code_unit=geo.unit_codes(r["code_commune"]).astype(str))
    return r.groupby(["code_unit", "code_departement"], as_index=False, sort=True)[
        "foyers_rsa"
    ].sum()


def rsa_by_departement(geo: Geography) -> pd.Series | None:
    """Households receiving the RSA by département (every row of the file, unidentified
    communes included)."""
    if geo.rsa is None:
        return None
    return geo.rsa.groupby("code_departement", sort=True)["foyers_rsa"].sum()


def unemployment_year(geo: Geography, year: int) -> int | None:
    """The year of the unemployment rates used for data year ``year``: the closest year whose
    four quarters are in the file (the earlier on a tie); None without the file."""
    if geo.unemployment is None or geo.ze_communes is None:
        return None
    n = geo.unemployment.groupby("annee")["trimestre"].nunique()
    full = sorted(int(y) for y in n.index[n == 4])
    if not full:
        return None
    return min(full, key=lambda y: (abs(y - int(year)), y))


def unemployment_by_unit(geo: Geography, year: int) -> pd.DataFrame | None:
    """Annual mean of the quarterly rates of the zone d'emploi of each unit (arrondissements
    take their city's zone): code_unit, code_ze, lib_ze, taux_chomage; None without data."""
    y = unemployment_year(geo, year)
    if y is None:
        return None
    u = geo.unemployment.loc[geo.unemployment["annee"] == y]
    rates = u.groupby(["code_ze", "lib_ze"], as_index=False, sort=True)["taux"].mean()
    zc = geo.ze_communes.assign(
        code_ref=geo.unit_codes(geo.ze_communes["code_commune"]).astype(str)
    )
    zc = zc.drop_duplicates("code_ref")
    units = geo.units
    if units is None:
        return None
    city = units["code_unit"].map(lambda c: c if c in set(zc["code_ref"]) else None)
    city = city.fillna(units["code_unit"].map(arrondissement_city))
    out = pd.DataFrame({"code_unit": units["code_unit"], "code_ref": city})
    out = out.merge(zc[["code_ref", "code_ze"]], on="code_ref", how="left")
    out = out.merge(rates, on="code_ze", how="left").rename(columns={"taux": "taux_chomage"})
    return out[["code_unit", "code_ze", "lib_ze", "taux_chomage"]]


def unemployment_by_departement(geo: Geography, year: int) -> pd.Series | None:
    """Unemployment rate of each département: the mean of its communes' zone d'emploi rates
    weighted by their population of the vintage closest to ``year`` (a zone d'emploi can
    straddle départements)."""
    u = unemployment_by_unit(geo, year)
    vintage = geo.population_vintage_for(year)
    if u is None or vintage is None:
        return None
    p = geo.population(vintage, units=True)[["code_commune_ref", "code_departement", "population"]]
    m = p.merge(u, left_on="code_commune_ref", right_on="code_unit", how="inner").dropna(
        subset=["taux_chomage"]
    )
    m["w"] = m["population"] * m["taux_chomage"]
    g = m.groupby("code_departement", sort=True)[["w", "population"]].sum()
    return g["w"] / g["population"]


def needs_by_departement(
    indicators: pd.DataFrame, geo: Geography | None, territory: Territory, year: int
) -> pd.DataFrame:
    """Offer against needs, by département of ``territory`` and for the whole territory:
    code (département code or the territory's), salaries, etp_realises, foyers_rsa,
    salaries_per_100_rsa, etp_per_100_rsa, share_rsa and share_salaries (of the territory's
    total), taux_chomage (zones d'emploi, population-weighted). NaN where a source is missing;
    the salariés rate and share are NaN when they rest on 1 to 4 salariés (secrecy)."""
    deps = territory.departements()
    terrs = [Territory("dep", d) for d in deps] if territory.level != "dep" else [territory]
    parent = territory
    if territory.level == "dep":
        parent = Territory("region", region_of_dep(territory.code))
    rsa = rsa_by_departement(geo) if geo is not None else None
    chom = unemployment_by_departement(geo, year) if geo is not None else None
    parent_deps = parent.departements()
    rsa_parent = (
        float(rsa.reindex(parent_deps).sum())
        if rsa is not None and set(parent_deps) <= set(rsa.index)
        else np.nan
    )
    sal_parent = _value(indicators, "salaries", parent, year)
    rows = []
    for terr in [*terrs, parent] if territory.level == "dep" else [*terrs, territory]:
        sal = _value(indicators, "salaries", terr, year)
        etp = _value(indicators, "etp_realises", terr, year)
        tdeps = terr.departements()
        f = (
            float(rsa.reindex(tdeps).sum())
            if rsa is not None and set(tdeps) <= set(rsa.index)
            else np.nan
        )
        c = np.nan
        if chom is not None and terr.level == "dep" and terr.code in chom.index:
            c = float(chom.loc[terr.code])
        elif chom is not None and terr.level != "dep" and geo is not None:
            vintage = geo.population_vintage_for(year)
            pop = geo.population(vintage, units=True)
            pdep = pop.groupby("code_departement")["population"].sum().reindex(tdeps)
            cc = chom.reindex(tdeps)
            if cc.notna().all():
                c = float((cc * pdep).sum() / pdep.sum())
        ok = f == f and f > 0
        rows.append(
            {
                "level": terr.level,
                "code": terr.code,
                "salaries": sal,
                "etp_realises": etp,
                "foyers_rsa": f,
                "salaries_per_100_rsa": _pub(
                    sal / f * 100 if ok and sal is not None else None, sal
                ),
                "etp_per_100_rsa": etp / f * 100 if ok and etp is not None else np.nan,
                "share_rsa": f / rsa_parent if rsa_parent == rsa_parent and rsa_parent else np.nan,
                "share_salaries": _pub(
                    sal / sal_parent if sal is not None and sal_parent else None, sal
                ),
                "taux_chomage": c,
            }
        )
    return pd.DataFrame(rows)


def _pub(value: float | None, persons: float | None) -> float:
    """``value``, or NaN when missing or resting on 1 to 4 salariés (statistical secrecy, the
    shared rule of :func:`iae_diag.figures.publishable`; zero salariés is published)."""
    if persons is not None and persons == 0:
        return np.nan if value is None else float(value)
    v = publishable(value, persons)
    return np.nan if v is None else v


def needs_by_unit(siae: pd.DataFrame, geo: Geography, deps: list[str], year: int) -> pd.DataFrame:
    """Offer against needs by analysis unit of ``deps`` (communes, arrondissements): code_unit,
    nom, code_departement, structures, salaries (sum over the SIAE whose administrative address
    is in the unit; NaN when 1 to 4, secrecy), etp_realises, foyers_rsa (NaN when the unit is
    not in the RSA file), salaries_per_100_rsa, etp_per_100_rsa, lib_ze, taux_chomage."""
    units = geo.units
    u = units.loc[units["code_departement"].isin(deps), ["code_unit", "nom", "code_departement"]]
    s = siae.loc[siae["year"] == year]
    s = s.assign(code_unit=geo.unit_codes(s["code_commune"].astype("string")).astype(str))
    agg = s.groupby("code_unit").agg(
        structures=("structure_id_siae", "nunique"),
        salaries=("salaries", "sum"),
        etp_realises=("etp_realises", "sum"),
    )
    out = u.merge(agg, left_on="code_unit", right_index=True, how="left")
    out[["structures", "salaries", "etp_realises"]] = out[
        ["structures", "salaries", "etp_realises"]
    ].fillna(0)
    rsa = rsa_by_unit(geo)
    if rsa is not None:
        out = out.merge(rsa[["code_unit", "foyers_rsa"]], on="code_unit", how="left")
    else:
        out["foyers_rsa"] = np.nan
    ch = unemployment_by_unit(geo, year)
    if ch is not None:
        out = out.merge(ch[["code_unit", "lib_ze", "taux_chomage"]], on="code_unit", how="left")
    else:
        out["lib_ze"] = None
        out["taux_chomage"] = np.nan
    f = out["foyers_rsa"].where(out["foyers_rsa"] > 0)
    out["salaries_per_100_rsa"] = [
        _pub(v, n) for v, n in zip(out["salaries"] / f * 100, out["salaries"], strict=True)
    ]
    out["etp_per_100_rsa"] = out["etp_realises"] / f * 100
    out["salaries"] = [_pub(n, n) for n in out["salaries"]]
    return out.sort_values("code_unit").reset_index(drop=True)

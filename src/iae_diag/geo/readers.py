"""Readers of the layers of a geography folder: each returns a table with the project's
column names and string codes, or raises InputError naming the file, line (or feature) and
column at fault. Vector layers are returned in WGS84."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from iae_diag.errors import InputError
from iae_diag.geo.codes import WGS84, arrondissement_city, reference_codes
from iae_diag.geo.files import (
    _COMMUNE_COLS,
    _NAME_COLS,
    _POP_COLS,
    _QPV_COLS,
    _QPV_LABEL_COLS,
    _RSA_COMMUNE_COLS,
    _RSA_COUNT_COLS,
    _SERIES_COL,
    _ZE_COLS,
    _csv_sep,
    _lower_map,
    _pick,
    _year_in_name,
)
from iae_diag.territories import dep_of_commune, normalize_dep_code

# --------------------------------------------------------------------------------------------
# geometry repair
# --------------------------------------------------------------------------------------------


def _reject_first(bad: pd.Series, message: Callable[[int], str]) -> None:
    """Raise :class:`InputError` with ``message(i)`` for the first row ``i`` where ``bad`` holds:
    every reader names its file, line (or feature) and column in ``message``."""
    if bad.any():
        raise InputError(message(int(np.flatnonzero(bad.to_numpy())[0])))


def repair_geometries(geoms: gpd.GeoSeries) -> tuple[gpd.GeoSeries, int, int]:
    """Repair invalid polygons with ``shapely.make_valid`` (structure method, collapsed parts
    dropped, so the result stays polygonal). Returns (geometries, invalid before, invalid
    after)."""
    invalid = ~geoms.is_valid
    before = int(invalid.sum())
    if before:
        fixed = shapely.make_valid(
            np.asarray(geoms[invalid].values), method="structure", keep_collapsed=False
        )
        geoms = geoms.copy()
        geoms[invalid] = fixed
    after = int((~geoms.is_valid).sum())
    return geoms, before, after


# --------------------------------------------------------------------------------------------
# layer readers
# --------------------------------------------------------------------------------------------


def _read_vector(path: Path) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path)
    if gdf.crs is None:  # RFC 7946: GeoJSON without a crs member is WGS84
        gdf = gdf.set_crs(WGS84)
    elif gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(WGS84)
    return gdf


def _code_column(gdf: pd.DataFrame, candidates: tuple[str, ...], path: Path) -> str:
    cols = _lower_map(gdf.columns)
    col = _pick(cols, candidates) or cols.get("code")
    if col is None:
        raise InputError(
            f"Geography file {path}: no code column found; expected one of "
            f"{', '.join(candidates)} or 'code' "
            f"(columns read: {', '.join(map(str, gdf.columns))})."
        )
    return col


def _as_code(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.upper()


def _explode_qpv_communes(qpv: pd.DataFrame, mergers: dict[str, str]) -> pd.DataFrame:
    rows = qpv[["code_qp", "lib_qp", "insee_com"]].copy()
    rows["code_commune"] = rows["insee_com"].astype(str).str.split(",")
    rows = rows.explode("code_commune")
    rows["code_commune"] = _as_code(rows["code_commune"])
    rows = rows[rows["code_commune"].str.len() == 5]
    ref, _ = reference_codes(rows["code_commune"], mergers)
    rows["code_commune_ref"] = ref
    rows["code_departement"] = rows["code_commune_ref"].map(dep_of_commune)
    return rows.drop(columns="insee_com").reset_index(drop=True)


def _read_departements(path: Path) -> gpd.GeoDataFrame:
    g = _read_vector(path)
    col = _code_column(g, ("insee_dep", "code_departement", "code_dep"), path)
    name = _pick(_lower_map(g.columns), _NAME_COLS)
    codes = g[col].map(normalize_dep_code)
    if codes.isna().any():
        bad = g.loc[codes.isna(), col].iloc[0]
        raise InputError(
            f"Geography file {path}, column {col!r}: {bad!r} is not a département code "
            "(expected INSEE codes such as 93, 2A, 971)."
        )
    out = gpd.GeoDataFrame(
        {
            "code_departement": codes.astype(str),
            "nom": g[name].astype(str) if name else codes.astype(str),
        },
        geometry=g.geometry.values,
        crs=g.crs,
    )
    return out.sort_values("code_departement").reset_index(drop=True)


def _read_region(path: Path) -> gpd.GeoDataFrame:
    g = _read_vector(path)
    col = _code_column(g, ("insee_reg", "code_region", "code_reg"), path)
    name = _pick(_lower_map(g.columns), _NAME_COLS)
    return gpd.GeoDataFrame(
        {
            "code_region": _as_code(g[col]).astype(str),
            "nom": g[name].astype(str) if name else _as_code(g[col]).astype(str),
        },
        geometry=g.geometry.values,
        crs=g.crs,
    )


def _read_communes(path: Path, mergers: dict[str, str]) -> gpd.GeoDataFrame:
    g = _read_vector(path)
    col = _code_column(g, ("insee_com", "code_commune", "codgeo", "code_insee"), path)
    name = _pick(_lower_map(g.columns), _NAME_COLS)
    codes = _as_code(g[col])
    bad = codes.isna() | (codes.str.len() != 5)
    _reject_first(
        bad,
        lambda i: (
            f"Geography file {path}, feature {i + 1}, column {col!r}: {g[col].iloc[i]!r} is "
            "not an INSEE commune code (expected 5 characters such as 93066 or 2A004)."
        ),
    )
    ref, _ = reference_codes(codes, mergers)
    out = gpd.GeoDataFrame(
        {
            "code_commune": codes.astype(str),
            "nom": g[name].astype(str) if name else codes.astype(str),
            "code_commune_ref": ref.astype(str),
            "code_departement": ref.map(dep_of_commune).astype(object),
        },
        geometry=g.geometry.values,
        crs=g.crs,
    )
    return out.sort_values("code_commune").reset_index(drop=True)


def _read_qpv(path: Path) -> gpd.GeoDataFrame:
    g = _read_vector(path)
    cols = _lower_map(g.columns)
    code = _pick(cols, _QPV_COLS)
    label = _pick(cols, _QPV_LABEL_COLS)
    com = _pick(cols, ("insee_com",))
    dep = _pick(cols, ("insee_dep", "code_departement", "code_dep"))
    out = pd.DataFrame({"code_qp": _as_code(g[code]).astype(str)})
    out["lib_qp"] = g[label].astype(str) if label else out["code_qp"]
    if com:
        out["insee_com"] = g[com].astype(str)
    if dep:
        out["code_departement"] = g[dep].map(normalize_dep_code)
    elif com:
        out["code_departement"] = out["insee_com"].str.split(",").str[0].map(dep_of_commune)
    else:
        out["code_departement"] = out["code_qp"].str[3:5].map(normalize_dep_code)
    gdf = gpd.GeoDataFrame(out, geometry=g.geometry.values, crs=g.crs)
    return gdf.sort_values("code_qp").reset_index(drop=True)


def _read_csv_str(path: Path) -> pd.DataFrame:
    return pd.read_csv(
        path, sep=_csv_sep(path), dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


def _read_qpv_communes(path: Path, mergers: dict[str, str]) -> pd.DataFrame:
    t = _read_csv_str(path)
    cols = _lower_map(t.columns)
    code, com = _pick(cols, _QPV_COLS), _pick(cols, _COMMUNE_COLS)
    label = _pick(cols, _QPV_LABEL_COLS)
    codes = _as_code(t[com])
    bad = codes.str.len() != 5
    _reject_first(
        bad,
        lambda i: (
            f"QPV-commune list {path}, line {i + 2}, column {com!r}: {t[com].iloc[i]!r} is not "
            "an INSEE commune code (expected 5 characters such as 93066)."
        ),
    )
    ref, _ = reference_codes(codes, mergers)
    out = pd.DataFrame(
        {
            "code_qp": _as_code(t[code]).astype(str),
            "lib_qp": t[label].astype(str) if label else _as_code(t[code]).astype(str),
            "code_commune": codes.astype(str),
            "code_commune_ref": ref.astype(str),
        }
    )
    out["code_departement"] = out["code_commune_ref"].map(dep_of_commune)
    return out.sort_values(["code_qp", "code_commune"]).reset_index(drop=True)


def _read_population(path: Path) -> tuple[str, pd.DataFrame]:
    vintage = _year_in_name(path)
    if vintage is None:
        raise InputError(
            f"Population file {path}: its vintage is not in its name. Rename it with the "
            "year of the populations légales, e.g. population-legale-2021-communes.csv."
        )
    t = _read_csv_str(path)
    cols = _lower_map(t.columns)
    com, pop = _pick(cols, _COMMUNE_COLS), _pick(cols, _POP_COLS)
    name = _pick(cols, _NAME_COLS)
    dep = _pick(cols, ("dep", "code_departement", "insee_dep"))
    values = t[pop].str.strip().str.replace("\u00a0", "").str.replace(" ", "")
    bad = ~values.str.fullmatch(r"\d+")
    _reject_first(
        bad,
        lambda i: (
            f"Population file {path}, line {i + 2}, column {pop!r}: {t[pop].iloc[i]!r} is not "
            "a whole number of inhabitants."
        ),
    )
    codes = _as_code(t[com])
    out = pd.DataFrame(
        {
            "code_commune": codes.astype(str),
            "nom": t[name].astype(str)
            if name
            else pd.Series(pd.NA, index=t.index, dtype="string"),
            "population": values.astype("int64"),
        }
    )
    deps = t[dep].map(normalize_dep_code) if dep else codes.map(dep_of_commune)
    out["code_departement"] = deps.where(deps.notna(), codes.map(dep_of_commune))
    _reject_first(
        out["code_departement"].isna(),
        lambda i: (
            f"Population file {path}, line {i + 2}: commune {t[com].iloc[i]!r} has no known "
            "département (expected an INSEE commune code)."
        ),
    )
    return vintage, out


def _read_arrondissements(path: Path) -> gpd.GeoDataFrame:
    """Municipal arrondissements (IGN ADMIN EXPRESS ``ARRONDISSEMENT_MUNICIPAL``: ``INSEE_ARM``,
    ``INSEE_COM``, ``NOM``): code_commune (the arrondissement, ``75113``), code_ville (its
    commune, ``75056``), nom, code_departement, geometry."""
    g = _read_vector(path)
    cols = _lower_map(g.columns)
    arm = _as_code(g[cols["insee_arm"]])
    city = arm.map(lambda c: arrondissement_city(c) if isinstance(c, str) else None)
    bad = city.isna()
    _reject_first(
        bad,
        lambda i: (
            f"Geography file {path}, feature {i + 1}, column {cols['insee_arm']!r}: "
            f"{g[cols['insee_arm']].iloc[i]!r} is not the INSEE code of a municipal "
            "arrondissement (75101-75120, 69381-69389, 13201-13216)."
        ),
    )
    com = cols.get("insee_com")
    if com is not None:
        given = _as_code(g[com])
        wrong = given != city
        _reject_first(
            wrong,
            lambda i: (
                f"Geography file {path}, feature {i + 1}, column {com!r}: {g[com].iloc[i]!r} "
                f"is not the commune of arrondissement {arm.iloc[i]} (expected {city.iloc[i]})."
            ),
        )
    name = _pick(cols, _NAME_COLS)
    out = gpd.GeoDataFrame(
        {
            "code_commune": arm.astype(str),
            "code_ville": city.astype(str),
            "nom": g[name].astype(str) if name else arm.astype(str),
            "code_departement": arm.map(dep_of_commune).astype(object),
        },
        geometry=g.geometry.values,
        crs=g.crs,
    )
    return out.sort_values("code_commune").reset_index(drop=True)


def _read_population_series(path: Path) -> dict[str, pd.DataFrame]:
    """The INSEE historical series (``insee;...;popmun2006;...;popmun2017``): one population
    table per ``popmunYYYY`` column (vintage YYYY), as :func:`_read_population`. Values may
    carry decimals (the series is re-expressed in a later commune geography): they are kept
    as numbers and rounded once summed by territory."""
    t = _read_csv_str(path)
    cols = _lower_map(t.columns)
    com = _pick(cols, ("insee", *_COMMUNE_COLS))
    codes = _as_code(t[com])
    bad = codes.str.len() != 5
    _reject_first(
        bad,
        lambda i: (
            f"Population series {path}, line {i + 2}, column {com!r}: {t[com].iloc[i]!r} is "
            "not an INSEE commune code (expected 5 characters such as 93066)."
        ),
    )
    deps = codes.map(dep_of_commune)
    _reject_first(
        deps.isna(),
        lambda i: (
            f"Population series {path}, line {i + 2}: commune {t[com].iloc[i]!r} has no known "
            "département (expected an INSEE commune code)."
        ),
    )
    out: dict[str, pd.DataFrame] = {}
    for low, col in sorted(cols.items()):
        m = _SERIES_COL.match(low)
        if not m:
            continue
        values = t[col].str.strip()
        bad = ~values.str.fullmatch(r"\d+(\.\d+)?")
        _reject_first(
            bad,
            lambda i, col=col: (
                f"Population series {path}, line {i + 2}, column {col!r}: {t[col].iloc[i]!r} "
                "is not a number of inhabitants."
            ),
        )
        out[m.group(1)] = pd.DataFrame(
            {
                "code_commune": codes.astype(str),
                "nom": pd.Series(pd.NA, index=t.index, dtype="string"),
                "population": values.astype("float64"),
                "code_departement": deps,
            }
        )
    return out


#: CNAF modalities that count households receiving the RSA (the prime d'activité alone does not)
RSA_MODALITIES = ("rsa seul", "rsa et ppa", "rsa + ppa", "rsa")


def _read_rsa(path: Path) -> tuple[str | None, pd.DataFrame]:
    """Households receiving the RSA by commune (CNAF open data: ``Date référence;Numéro
    commune;RSA ou PPA;Nom commune;Nombre foyers RSA_PPA;...``). Returns (vintage ``YYYY-MM``
    from ``Date référence``, else the year in the file name; table code_commune,
    code_departement, foyers_rsa). Rows of the prime d'activité alone are left out; a
    ``75XXX`` row (commune not identified) is kept with its département only."""
    t = _read_csv_str(path)
    cols = _lower_map(t.columns)
    com, count = _pick(cols, _RSA_COMMUNE_COLS), _pick(cols, _RSA_COUNT_COLS)
    date = _pick(cols, ("date référence", "date reference", "date_ref"))
    modality = _pick(cols, ("rsa ou ppa", "modalite", "modalité"))
    if modality is not None:
        t = t.loc[t[modality].str.strip().str.lower().isin(RSA_MODALITIES)]
    values = t[count].str.strip().str.replace("\u00a0", "").str.replace(" ", "")
    bad = ~values.str.fullmatch(r"\d+")
    _reject_first(
        bad,
        lambda i: (
            f"RSA file {path}, line {t.index[i] + 2}, column {count!r}: "
            f"{t[count].iloc[i]!r} is not a whole number of households."
        ),
    )
    codes = _as_code(t[com])
    deps = codes.map(lambda c: dep_of_commune(c.replace("XXX", "000")) if len(c) == 5 else None)
    _reject_first(
        deps.isna(),
        lambda i: (
            f"RSA file {path}, line {t.index[i] + 2}, column {com!r}: {t[com].iloc[i]!r} is "
            "not an INSEE commune code (expected 5 characters such as 93066, or 75XXX)."
        ),
    )
    out = pd.DataFrame(
        {
            "code_commune": codes.astype(str),
            "code_departement": deps.astype(str),
            "foyers_rsa": values.astype("int64"),
        }
    ).reset_index(drop=True)
    vintage = None
    if date is not None and len(t):
        dates = sorted(set(t[date].str.strip()))
        if len(dates) > 1:
            raise InputError(
                f"RSA file {path}, column {date!r}: several reference dates "
                f"({', '.join(dates)}); keep one date per file."
            )
        vintage = dates[0]
    vintage = vintage or _year_in_name(path)
    out = out.groupby(["code_commune", "code_departement"], as_index=False, sort=True).sum()
    return vintage, out


def _read_unemployment(path: Path) -> pd.DataFrame:
    """Quarterly unemployment rates by zone d'emploi (INSEE, taux de chômage localisés):
    code_ze, lib_ze, trimestre (``2021-T1``), annee (int), taux (percent)."""
    t = _read_csv_str(path)
    cols = _lower_map(t.columns)
    ze = _pick(cols, _ZE_COLS)
    label = _pick(cols, ("lib_ze2020", "lib_ze", "libze2020"))
    quarter = t[cols["trimestre"]].str.strip()
    bad = ~quarter.str.fullmatch(r"(19|20)\d{2}-T[1-4]")
    _reject_first(
        bad,
        lambda i: (
            f"Unemployment file {path}, line {i + 2}, column {cols['trimestre']!r}: "
            f"{quarter.iloc[i]!r} is not a quarter (expected 2021-T1)."
        ),
    )
    rate = t[cols["taux_chomage_pct"]].str.strip().str.replace(",", ".")
    bad = ~rate.str.fullmatch(r"\d+(\.\d+)?")
    _reject_first(
        bad,
        lambda i: (
            f"Unemployment file {path}, line {i + 2}, column {cols['taux_chomage_pct']!r}: "
            f"{t[cols['taux_chomage_pct']].iloc[i]!r} is not a rate in percent."
        ),
    )
    return pd.DataFrame(
        {
            "code_ze": _as_code(t[ze]).astype(str),
            "lib_ze": t[label].astype(str) if label else _as_code(t[ze]).astype(str),
            "trimestre": quarter,
            "annee": quarter.str[:4].astype("int64"),
            "taux": rate.astype("float64"),
        }
    )


def _read_ze_communes(path: Path) -> pd.DataFrame:
    """Commune -> zone d'emploi table: code_commune, code_ze."""
    t = _read_csv_str(path)
    cols = _lower_map(t.columns)
    com, ze = _pick(cols, _COMMUNE_COLS), _pick(cols, _ZE_COLS)
    codes = _as_code(t[com])
    bad = codes.str.len() != 5
    _reject_first(
        bad,
        lambda i: (
            f"Commune-zone d'emploi table {path}, line {i + 2}, column {com!r}: "
            f"{t[com].iloc[i]!r} is not an INSEE commune code."
        ),
    )
    return pd.DataFrame(
        {"code_commune": codes.astype(str), "code_ze": _as_code(t[ze]).astype(str)}
    )


def _read_cog_list(path: Path, level: str) -> pd.DataFrame:
    """INSEE COG list of départements (``DEP,REG,CHEFLIEU,TNCC,NCC,NCCENR,LIBELLE``) or regions
    (``REG,...``): code, cheflieu, tncc (int 0-8), nom."""
    t = _read_csv_str(path)
    cols = _lower_map(t.columns)
    code = cols["dep" if level == "dep" else "reg"]
    tncc = t[cols["tncc"]].str.strip()
    bad = ~tncc.str.fullmatch(r"[0-8]")
    _reject_first(
        bad,
        lambda i: (
            f"INSEE list {path}, line {i + 2}, column {cols['tncc']!r}: {tncc.iloc[i]!r} is "
            "not a type of name (TNCC, 0 to 8)."
        ),
    )
    name = _pick(cols, ("libelle", "nccenr", "ncc"))
    return pd.DataFrame(
        {
            "code": _as_code(t[code]).astype(str),
            "cheflieu": _as_code(t[cols["cheflieu"]]).astype(str) if "cheflieu" in cols else "",
            "tncc": tncc.astype("int64"),
            "nom": t[name].astype(str),
        }
    )

"""Commune codes and projections: reference codes (municipal arrondissements folded into
their commune unless their contours are in the folder, merged communes mapped to the commune
that absorbed them), the COG vintage of a commune layer, the metric projection of a map."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from iae_diag.config import REFERENCE_DIR

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"
OVERSEAS_CRS = {
    "971": "EPSG:5490",  # RGAF09 / UTM 20N
    "972": "EPSG:5490",
    "973": "EPSG:2972",  # RGFG95 / UTM 22N
    "974": "EPSG:2975",  # RGR92 / UTM 40S
    "976": "EPSG:4471",  # RGM04 / UTM 38S
}

MERGERS_FILE = REFERENCE_DIR / "communes_fusionnees.csv"

#: Municipal arrondissements folded into their commune: (first code, last code) -> commune.
ARRONDISSEMENTS = {
    ("75101", "75120"): "75056",  # Paris
    ("13201", "13216"): "13055",  # Marseille
    ("69381", "69389"): "69123",  # Lyon
}
ARRONDISSEMENT_CITY_NAMES = {"75056": "Paris", "13055": "Marseille", "69123": "Lyon"}


def arrondissement_city(code: str) -> str | None:
    """The commune of a municipal arrondissement (``"75113"`` -> ``"75056"``), else None."""
    for (lo, hi), city in ARRONDISSEMENTS.items():
        if len(code) == 5 and lo <= code <= hi:
            return city
    return None


@lru_cache(maxsize=1)
def packaged_mergers() -> pd.DataFrame:
    """The packaged table of communes merged after 2018 (old code -> new code), as strings."""
    return pd.read_csv(MERGERS_FILE, dtype=str, keep_default_na=False)


def _merger_map(extra: pd.DataFrame | None) -> dict[str, str]:
    """old code -> final code, followed transitively (a commune merged twice ends at the last)."""
    tables = [packaged_mergers()] + ([extra] if extra is not None else [])
    pairs: dict[str, str] = {}
    for t in tables:
        for old, new in zip(t["code_ancien"], t["code_nouveau"], strict=True):
            pairs[str(old).strip()] = str(new).strip()
    out = {}
    for old in pairs:
        seen = {old}
        cur = pairs[old]
        while cur in pairs and cur not in seen:
            seen.add(cur)
            cur = pairs[cur]
        out[old] = cur
    return out


def reference_codes(
    codes: pd.Series, mergers: dict[str, str], split_cities: frozenset[str] = frozenset()
) -> tuple[pd.Series, pd.Series]:
    """Map commune codes to reference codes. Returns (reference code, reason) where the reason
    is ``""`` (unchanged), ``"arrondissement"`` or ``"fusion"``. The arrondissements of a city
    of ``split_cities`` (its arrondissement contours are in the folder) are kept as they are:
    the reference unit is then the arrondissement."""
    s = codes.astype("string").str.strip().str.upper()
    ref = s.copy()
    reason = pd.Series("", index=s.index, dtype="string")
    arr = s.map(lambda c: arrondissement_city(c) if isinstance(c, str) else None)
    arr = arr.where(~arr.isin(split_cities))
    is_arr = arr.notna()
    ref[is_arr] = arr[is_arr]
    reason[is_arr] = "arrondissement"
    merged = ref.map(mergers)
    is_merged = merged.notna()
    ref[is_merged] = merged[is_merged]
    reason[is_merged & ~is_arr] = "fusion"
    return ref, reason


def metric_crs(dep_codes: list[str] | None = None) -> str:
    """The projection for areas and distances: Lambert-93, or the local UTM projection when
    every département given is the same overseas one."""
    deps = {str(d) for d in (dep_codes or [])}
    if len(deps) == 1:
        return OVERSEAS_CRS.get(next(iter(deps)), LAMBERT93)
    return LAMBERT93


def infer_cog_vintage(codes: set[str]) -> str | None:
    """The COG vintage of a commune layer whose name gives none, inferred from the packaged
    merger table: the year before the earliest merger whose absorbed commune is still in the
    layer (the layer predates that merger). None when no absorbed commune is present."""
    m = packaged_mergers()
    present = m[m["code_ancien"].isin(codes)]
    if present.empty:
        return None
    return str(int(present["date_effet"].str[:4].astype(int).min()) - 1)

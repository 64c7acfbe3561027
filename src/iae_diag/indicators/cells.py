"""Cells of the flow and exit indicators: sums and distinct counts by (territory, year, type),
and their long-table rows (pure functions on numpy arrays, no I/O).

A cube has shape (n_territory_slots, n_years, 6[, n_breakdown]): the five types of
:data:`iae_diag.vocabulary.TYPES` then ALL. Sums roll up by adding the département cells;
distinct counts are recounted at each level from the (entity, territory) pairs, never added.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iae_diag.indicators.common import Geography
from iae_diag.indicators.keys import distinct_pairs
from iae_diag.vocabulary import TYPES, TYPES_WITH_ALL

N_TYPES = len(TYPES)
ALL_I = N_TYPES


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 or NaN."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=(den > 0) & ~np.isnan(den))
    return out


def sum_cube(
    geo: Geography,
    level: str,
    n_y: int,
    dep_i: np.ndarray,
    year_i: np.ndarray,
    type_i: np.ndarray,
    weights: np.ndarray | None = None,
    extra_i: np.ndarray | None = None,
    n_extra: int = 1,
) -> np.ndarray:
    """Sum of ``weights`` (1 per row when None) by (territory slot of ``level``, year, type
    [, extra]) plus the ALL type. Shape (n_t, n_y, 6, n_extra)."""
    n_t = geo.n_territories(level)
    t = geo.territory_of(level, np.asarray(dep_i, dtype=np.int64))
    e = np.zeros(len(t), dtype=np.int64) if extra_i is None else extra_i
    key = ((t * n_y + year_i) * N_TYPES + type_i) * n_extra + e
    size = n_t * n_y * N_TYPES * n_extra
    w = None if weights is None else np.asarray(weights, dtype=float)
    c = np.bincount(key, weights=w, minlength=size).astype(float)
    c = c.reshape(n_t, n_y, N_TYPES, n_extra)
    return np.concatenate([c, c.sum(axis=2, keepdims=True)], axis=2)


def distinct_cube(
    geo: Geography,
    level: str,
    n_y: int,
    entity: np.ndarray,
    n_entity: int,
    entity_year_i: np.ndarray,
    dep_i: np.ndarray,
    type_i: np.ndarray,
    profile: np.ndarray,
    n_profiles: int,
) -> np.ndarray:
    """Distinct entities by (territory slot of ``level``, year, type) plus ALL (an entity in
    two types counts once in each and once in ALL), by profile.

    ``entity`` (codes below ``n_entity``) is specific to a year (e.g. a person-year) and
    ``entity_year_i`` is that year; ``profile`` (one code below ``n_profiles`` per entity) is a
    combination of the entity's characteristics. Shape (n_t, n_y, 6, n_profiles): summed over
    the last axis, the count."""
    n_t = geo.n_territories(level)
    t = geo.territory_of(level, np.asarray(dep_i, dtype=np.int64))
    size = n_t * n_y * (N_TYPES + 1)
    out = np.zeros(size * n_profiles)
    for by_type in (True, False):
        value = t * N_TYPES + type_i if by_type else t
        first = np.flatnonzero(distinct_pairs(entity, n_entity, value))
        slot = type_i[first] if by_type else ALL_I
        cell = (t[first] * n_y + entity_year_i[first]) * (N_TYPES + 1) + slot
        out += np.bincount(cell * n_profiles + profile[entity[first]], minlength=len(out))
    return out.reshape(n_t, n_y, N_TYPES + 1, n_profiles)


def distinct_cubes(
    geo: Geography,
    n_y: int,
    entity: np.ndarray,
    n_entity: int,
    entity_year_i: np.ndarray,
    dep_i: np.ndarray,
    type_i: np.ndarray,
    profile: np.ndarray,
    n_profiles: int,
) -> dict[str, np.ndarray]:
    """:func:`distinct_cube` at every level (``dep``, ``region``, ``france``), in one pass.

    The rows are first made distinct per (entity, département, type). An entity left with one
    such row (nearly every person-month, every entrant of one SIAE) counts once in its cells at
    every level: those are summed and rolled up. Only the entities in several départements or
    types are recounted at each level (:func:`distinct_cube` on their rows)."""
    dep_i = np.asarray(dep_i, dtype=np.int64)
    first = np.flatnonzero(distinct_pairs(entity, n_entity, dep_i * N_TYPES + type_i))
    ent, dep, typ, yr = entity[first], dep_i[first], type_i[first], entity_year_i[first]
    single = np.bincount(ent, minlength=n_entity)[ent] == 1
    s = np.flatnonzero(single)
    n_d = geo.n_territories("dep")
    key = ((dep[s] * n_y + yr[s]) * N_TYPES + typ[s]) * n_profiles + profile[ent[s]]
    size = n_d * n_y * N_TYPES * n_profiles
    by_dep = np.bincount(key, minlength=size).astype(float)
    by_dep = by_dep.reshape(n_d, n_y, N_TYPES, n_profiles)
    by_dep = np.concatenate([by_dep, by_dep.sum(axis=2, keepdims=True)], axis=2)
    m = np.flatnonzero(~single)
    out = {}
    for level in ("dep", "region", "france"):
        cube = geo.roll_up(level, by_dep)
        if len(m):
            cube = cube + distinct_cube(
                geo, level, n_y, ent[m], n_entity, yr[m], dep[m], typ[m], profile, n_profiles
            )
        out[level] = cube
    return out


def long_rows(
    indicator: str,
    level: str,
    codes: list[str],
    years: np.ndarray,
    value: np.ndarray,
    numerator: np.ndarray | None = None,
    denominator: np.ndarray | None = None,
    breakdown: list[str] | None = None,
) -> pd.DataFrame:
    """Long-table rows (``vocabulary.INDICATOR_COLUMNS``) of cubes of shape
    (n_codes, n_y, 6[, n_breakdown])."""
    if breakdown is None:
        value = value[..., None]
        numerator = None if numerator is None else numerator[..., None]
        denominator = None if denominator is None else denominator[..., None]
        breakdown = [""]
    shape = (len(codes), len(years), len(TYPES_WITH_ALL), len(breakdown))
    grid = np.indices(shape).reshape(4, -1)
    n = grid.shape[1]

    def flat(a: np.ndarray | None) -> np.ndarray:
        return np.full(n, np.nan) if a is None else np.broadcast_to(a, shape).reshape(-1)

    return pd.DataFrame(
        {
            "indicator": np.full(n, indicator, dtype=object),
            "territory_level": np.full(n, level, dtype=object),
            "territory_code": np.asarray(codes, dtype=object)[grid[0]],
            "year": np.asarray(years, dtype=np.int64)[grid[1]],
            "type_siae": np.asarray(TYPES_WITH_ALL, dtype=object)[grid[2]],
            "breakdown": np.asarray(breakdown, dtype=object)[grid[3]],
            "value": flat(value).astype(float),
            "numerator": flat(numerator).astype(float),
            "denominator": flat(denominator).astype(float),
        }
    )


def quality_rows(
    level: str, codes: list[str], years: np.ndarray, check: str, breakdown: str, arr: np.ndarray
) -> pd.DataFrame:
    """Data-quality rows (``vocabulary.QUALITY_COLUMNS``) of an array (n_codes, n_y)."""
    arr = np.asarray(arr, dtype=float)
    n_c, n_y = len(codes), len(years)
    return pd.DataFrame(
        {
            "territory_level": level,
            "territory_code": np.repeat(np.asarray(codes, dtype=object), n_y),
            "year": np.tile(np.asarray(years, dtype=np.int64), n_c),
            "check": check,
            "breakdown": breakdown,
            "value": arr.reshape(n_c * n_y),
        }
    )

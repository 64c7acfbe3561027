"""Linear-time key operations on integer ids (lookups, dense codes, distinct pairs).

Hash tables of tens of millions of keys fall out of the processor caches and make a pass grow
faster than the data. fluxIAE ids are database sequences (dense), so these helpers use
direct-address arrays when the id range is small enough, and fall back to pandas hashing
otherwise. Results do not depend on which path is taken.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Direct addressing is used when the key range is at most this many times the row count
#: (plus a constant): memory stays proportional to the data.
_DENSITY = 4
_SLACK = 1 << 20


def _dense_range(lo: int, hi: int, n: int) -> bool:
    return hi - lo + 1 <= _DENSITY * n + _SLACK


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: ``np.unique(values)`` by a sort. numpy >= 2.3 finds the
    distinct values of a plain ``np.unique`` with a hash table, about 15 times slower than a
    sort on millions of distinct int64 and larger in memory (``docs/performance.md``)."""
    s = np.sort(np.asarray(values).reshape(-1))
    if len(s) == 0:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def positions(ids: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Position of each ``query`` value in ``ids`` (unique values), -1 when absent."""
    ids = np.asarray(ids, dtype=np.int64)
    query = np.asarray(query, dtype=np.int64)
    if len(ids) == 0:
        return np.full(len(query), -1, dtype=np.int64)
    lo, hi = int(ids.min()), int(ids.max())
    if not _dense_range(lo, hi, len(ids) + len(query)):
        return pd.Index(ids).get_indexer(query).astype(np.int64)
    table = np.full(hi - lo + 1, -1, dtype=np.int64)
    table[ids - lo] = np.arange(len(ids), dtype=np.int64)
    inside = (query >= lo) & (query <= hi)
    out = np.full(len(query), -1, dtype=np.int64)
    out[inside] = table[query[inside] - lo]
    return out


def first_of_each(values: np.ndarray) -> np.ndarray:
    """Mask of the first row of each distinct value (file order)."""
    values = np.asarray(values, dtype=np.int64)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=bool)
    lo, hi = int(values.min()), int(values.max())
    if not _dense_range(lo, hi, n):
        return ~pd.Series(values).duplicated().to_numpy()
    first = np.full(hi - lo + 1, n, dtype=np.int64)
    np.minimum.at(first, values - lo, np.arange(n, dtype=np.int64))
    mask = np.zeros(n, dtype=bool)
    mask[first[first < n]] = True
    return mask


def has_duplicates(values: np.ndarray) -> np.ndarray:
    """Mask of the rows whose value occurs more than once."""
    values = np.asarray(values, dtype=np.int64)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=bool)
    lo, hi = int(values.min()), int(values.max())
    if not _dense_range(lo, hi, n):
        return pd.Series(values).duplicated(keep=False).to_numpy()
    return np.bincount(values - lo, minlength=hi - lo + 1)[values - lo] > 1


def dense_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques): codes 0..k-1 numbering the distinct values in increasing order."""
    values = np.asarray(values, dtype=np.int64)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo, hi = int(values.min()), int(values.max())
    if not _dense_range(lo, hi, n):
        codes, uniques = pd.factorize(values, sort=True)
        return codes.astype(np.int64), np.asarray(uniques, dtype=np.int64)
    seen = np.zeros(hi - lo + 1, dtype=bool)
    seen[values - lo] = True
    code_of = np.cumsum(seen) - 1
    return code_of[values - lo].astype(np.int64), np.flatnonzero(seen).astype(np.int64) + lo


def distinct_pairs(entity: np.ndarray, n_entity: int, value: np.ndarray) -> np.ndarray:
    """Mask keeping one row per distinct (entity, value) pair.

    ``entity`` holds codes 0..n_entity-1. Most entities carry a single value (a person in
    one SIAE in a year): the rows with the entity's smallest value are settled by direct
    addressing, only the others are hashed."""
    entity = np.asarray(entity, dtype=np.int64)
    value = np.asarray(value, dtype=np.int64)
    n = len(entity)
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    big = np.iinfo(np.int64).max
    low = np.full(n_entity, big, dtype=np.int64)
    np.minimum.at(low, entity, value)
    at_low = value == low[entity]
    rows = np.flatnonzero(at_low)
    first = np.full(n_entity, n, dtype=np.int64)
    np.minimum.at(first, entity[rows], rows)
    mask[first[first < n]] = True
    other = np.flatnonzero(~at_low)
    if len(other):
        v_lo = int(value[other].min())
        span = int(value[other].max()) - v_lo + 1
        if span * n_entity < 2**62:
            key = entity[other] * span + (value[other] - v_lo)
        else:
            key = pd.factorize(pd.MultiIndex.from_arrays([entity[other], value[other]]))[0]
        mask[other[~pd.Series(key).duplicated().to_numpy()]] = True
    return mask


def duplicated_any_order(values: np.ndarray) -> np.ndarray:
    """Mask of the rows whose value occurs more than once (like :func:`has_duplicates`), for
    wide keys: a nearly sorted column (an export in key order) is settled by a stable sort,
    which is linear on sorted runs; otherwise by hashing."""
    values = np.asarray(values, dtype=np.int64)
    n = len(values)
    if n < 2:
        return np.zeros(n, dtype=bool)
    descents = int(np.count_nonzero(values[1:] < values[:-1]))
    if descents == 0:
        return np.concatenate([values[1:] == values[:-1], [False]]) | np.concatenate(
            [[False], values[1:] == values[:-1]]
        )
    if descents > n // 20:
        return has_duplicates(values)
    order = np.argsort(values, kind="stable")
    s = values[order]
    same = s[1:] == s[:-1]
    dup_sorted = np.concatenate([same, [False]]) | np.concatenate([[False], same])
    out = np.zeros(n, dtype=bool)
    out[order] = dup_sorted
    return out


def hash_key_codes(keys: np.ndarray) -> np.ndarray:
    """Codes 0..k-1 of hash strings such as the salted NIR hashes (None/NaN -> -1), equal
    exactly when the strings are equal.

    The first 16 bytes of each key are mixed into one 64-bit integer and numbered by a sort;
    every key is then compared with its number's representative, so a collision (two keys
    sharing a number) falls back to numbering the strings themselves."""
    keys = np.asarray(keys, dtype=object)
    n = len(keys)
    present = pd.notna(keys)
    codes = np.full(n, -1, dtype=np.int64)
    if not present.any():
        return codes
    idx = np.flatnonzero(present)
    try:
        raw = keys[idx].astype("S")
    except UnicodeEncodeError:
        raw = None
    if raw is not None and raw.dtype.itemsize >= 16 and raw.dtype.itemsize % 8 == 0:
        words = raw.view(np.uint64).reshape(len(idx), raw.dtype.itemsize // 8)
        mixed = words[:, 0] * np.uint64(0x9E3779B97F4A7C15) + words[:, 1]
        uniques, c = np.unique(mixed, return_inverse=True)
        rep = np.zeros(len(uniques), dtype=np.int64)
        rep[c] = np.arange(len(c))
        if (raw == raw[rep[c]]).all():
            codes[idx] = c
            return codes
    c, _ = pd.factorize(keys[idx])
    codes[idx] = c
    return codes

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


def position_dtype(n: int) -> type:
    """The integer type of positions (and counts) up to ``n``, -1 included: int32 below
    2**31, half the memory of int64 in the national-size lookups, else int64."""
    return np.int32 if n < 2**31 else np.int64


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


#: Packed keys stay below this bound (int64, with room for the arithmetic).
_PACK_LIMIT = 2**62


def sort_order(*columns: np.ndarray) -> np.ndarray:
    """Positions that sort the rows by ``columns`` (integers, the first most significant),
    ties in row order: ``np.lexsort(columns[::-1])``, computed as one stable sort of a
    packed int64 key (:func:`_stable_argsort`) when the columns' value ranges fit in 62 bits
    (the first column is replaced by its dense rank when that makes them fit; a last column
    already in row order is left out). ``np.lexsort`` sorts once per column; on millions of
    contracts one sort is several times faster."""
    cols = [np.asarray(c, dtype=np.int64) for c in columns]
    n = len(cols[0]) if cols else 0
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # a last column already in row order (e.g. ids of a table in id order) needs no sorting:
    # the stable sort on the others leaves its ties in row order, which is its order
    while len(cols) > 1 and bool((cols[-1][1:] >= cols[-1][:-1]).all()):
        cols.pop()

    def widths(cs):
        return [int(c.max()) - int(c.min()) + 1 for c in cs]

    w = widths(cols)
    if np.prod([float(x) for x in w]) >= _PACK_LIMIT:
        rest = float(np.prod([float(x) for x in w[1:]]))
        if n * rest >= _PACK_LIMIT:
            return np.lexsort(cols[::-1])
        cols[0] = np.unique(cols[0], return_inverse=True)[1].reshape(-1).astype(np.int64)
        w = widths(cols)
    key = np.zeros(n, dtype=np.int64)
    for col, width in zip(cols, w, strict=True):
        key *= width
        key += col - int(col.min())
    return _stable_argsort(key, float(np.prod([float(x) for x in w])))


def _stable_argsort(key: np.ndarray, span: float) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` for non-negative int64 ``key`` below ``span``, which
    it may overwrite.

    - ``span`` at most 2**16 (the hiring days of a history): numpy's radix sort of the keys
      as 16-bit integers, in linear time (three times as fast as the packed sort below on the
      contracts of the 4x national bench, ``docs/performance.md``).
    - When each key shifted left by the bits of a row position still fits in 63 bits, the
      positions are packed under the keys and the packed values sorted in place (numpy sorts
      int64 values with SIMD: about twice as fast on millions of contracts as a stable
      argsort, and no second array); equal keys stay in row order since their packed values
      are ordered by position.
    - Otherwise the stable argsort."""
    n = len(key)
    if span <= 2.0**16:  # e.g. hiring days: numpy sorts 16-bit keys by radix, in linear time
        return np.argsort(key.astype(np.uint16), kind="stable")
    bits = max(int(n - 1).bit_length(), 1)
    if span * float(1 << bits) >= 2.0**63:
        return np.argsort(key, kind="stable")
    key <<= bits
    key |= np.arange(n, dtype=np.int64)
    key.sort()
    key &= (1 << bits) - 1
    return key


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


class Lookup:
    """:func:`positions` in a fixed array of unique ids, its table built once: for the
    contracts and the Salarie rows, looked up by every part of every year (rebuilding a
    direct-address table of a national history's contract ids at each lookup cost more than
    the lookups)."""

    def __init__(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        self.n = len(ids)
        self.lo = int(ids.min()) if len(ids) else 0
        self.hi = int(ids.max()) if len(ids) else -1
        self.table: np.ndarray | None = None
        self.index: pd.Index | None = None
        if len(ids) and _dense_range(self.lo, self.hi, len(ids)):
            narrow = position_dtype(len(ids))  # half the table a national history looks up
            self.table = np.full(self.hi - self.lo + 1, -1, dtype=narrow)
            self.table[ids - self.lo] = np.arange(len(ids), dtype=narrow)
        elif len(ids):
            self.index = pd.Index(ids)

    def positions(self, query: np.ndarray) -> np.ndarray:
        """Position of each ``query`` value among the ids, -1 when absent."""
        query = np.asarray(query, dtype=np.int64)
        if self.table is None and self.index is None:
            return np.full(len(query), -1, dtype=np.int64)
        if self.index is not None:
            return self.index.get_indexer(query).astype(np.int64)
        inside = (query >= self.lo) & (query <= self.hi)
        out = np.full(len(query), -1, dtype=np.int64)
        out[inside] = self.table[query[inside] - self.lo]
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
    offset = values - lo
    seen = np.zeros(hi - lo + 1, dtype=bool)
    seen[offset] = True
    # narrow running count (the range can be several times the rows: a part of the persons)
    code_of = np.cumsum(seen, dtype=position_dtype(len(seen)))
    code_of -= 1
    return code_of[offset].astype(np.int64), np.flatnonzero(seen).astype(np.int64) + lo


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


def sorted_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """(codes, k): codes 0..k-1 numbering the distinct 64-bit integers ``values`` in increasing
    order, the inverse of ``np.unique(values, return_inverse=True)``.

    One sort of the values' top bits with each row's position packed in the bits below
    (numpy sorts 64-bit integers with SIMD; ``np.unique`` sorts positions, several times
    slower on the millions of Salarie rows of a national history, ``docs/performance.md``).
    Distinct values sharing their top bits (rare: a few pairs among millions of hashes) can
    come out of order: those runs alone are sorted again on the whole values."""
    v = np.asarray(values)
    n = len(v)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    if v.dtype == np.uint64:
        u = v
    else:  # signed: flipping the sign bit keeps the order in uint64
        u = v.astype(np.int64, copy=False).view(np.uint64) ^ np.uint64(1 << 63)
    bits = np.uint64(max(int(n - 1).bit_length(), 1))
    packed = (u >> bits) << bits
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort()
    order = (packed & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64)
    packed >>= bits  # the sorted top bits
    s = u[order]
    down = np.flatnonzero(s[1:] < s[:-1])
    for t in sorted_unique(packed[down]).tolist():  # runs of one top, out of order
        a = int(np.searchsorted(packed, np.uint64(t), side="left"))
        b = int(np.searchsorted(packed, np.uint64(t), side="right"))
        by = np.argsort(s[a:b], kind="stable")
        order[a:b], s[a:b] = order[a:b][by], s[a:b][by]
    del packed
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    del s
    code_sorted = np.cumsum(first, dtype=np.int64)
    code_sorted -= 1
    codes = np.empty(n, dtype=np.int64)
    codes[order] = code_sorted
    return codes, int(code_sorted[-1]) + 1


def hash_key_codes(keys: np.ndarray) -> np.ndarray:
    """Codes 0..k-1 of hash strings such as the salted NIR hashes (None/NaN -> -1), equal
    exactly when the strings are equal.

    The first 16 bytes of each key are mixed into one 64-bit integer and numbered by a sort;
    every key is then compared with its number's representative, so a collision (two keys
    sharing a number) falls back to numbering the strings themselves."""
    words = _arrow_words(keys) if isinstance(keys, pd.Series) else None
    keys = np.asarray(keys, dtype=object) if words is None else None
    if words is not None:
        present, words = words
    else:
        present = pd.notna(keys)
    n = len(present)
    codes = np.full(n, -1, dtype=np.int64)
    if not present.any():
        return codes
    idx = np.flatnonzero(present)
    if words is None:
        try:
            raw = keys[idx].astype("S")
        except UnicodeEncodeError:
            raw = None
        if raw is not None and raw.dtype.itemsize >= 16 and raw.dtype.itemsize % 8 == 0:
            words = raw.view(np.uint64).reshape(len(idx), raw.dtype.itemsize // 8)
    if words is not None:
        mixed = words[:, 0] * np.uint64(0x9E3779B97F4A7C15) + words[:, 1]
        c, n_distinct = sorted_codes(mixed)
        del mixed
        rep = np.zeros(n_distinct, dtype=np.int64)
        rep[c] = np.arange(len(c))
        if _all_equal_rows(words, rep, c):
            codes[idx] = c
            return codes
    if keys is None:
        keys = np.asarray(_as_objects(present, words), dtype=object)
    c, _ = pd.factorize(keys[idx])
    codes[idx] = c
    return codes


#: Rows compared at a time by :func:`_all_equal_rows` (a few MB: memory the allocator reuses).
_COMPARE_ROWS = 1 << 16


def _all_equal_rows(words: np.ndarray, rep: np.ndarray, c: np.ndarray) -> bool:
    """Whether every row of ``words`` equals the row of its code's representative
    (``words[rep[c]]``), compared by blocks of rows instead of one copy of every key."""
    for a in range(0, len(c), _COMPARE_ROWS):
        block = words[a : a + _COMPARE_ROWS]
        if not (block == words[rep[c[a : a + _COMPARE_ROWS]]]).all():
            return False
    return True


def _arrow_words(keys: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """(present mask, the present keys' bytes as rows of uint64 words) of a text Series held
    by pyarrow whose present values all have the same length (a multiple of 8, at least 16
    bytes: the hex hashes), read from the arrow buffers of each chunk into one array, without
    a Python string a value nor a copy of the column; None otherwise."""
    import pyarrow as pa

    dtype = keys.dtype
    held = isinstance(dtype, pd.ArrowDtype) or (
        isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    )
    if not held or len(keys) == 0:
        return None
    arr = keys.array.__arrow_array__()
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    if any(ch.type not in (pa.string(), pa.large_string()) for ch in chunks):
        return None
    parts = []  # per chunk: (validity, word positions of its present values in its data)
    width = None
    for ch in chunks:
        valid = ch.is_valid().to_numpy(zero_copy_only=False)
        offsets_type = np.int64 if ch.type == pa.large_string() else np.int32
        offsets = np.frombuffer(ch.buffers()[1], dtype=offsets_type)[
            ch.offset : ch.offset + len(ch) + 1
        ].astype(np.int64)
        starts = offsets[:-1][valid]
        lengths = offsets[1:][valid] - starts
        if len(lengths):
            lo, hi = int(lengths.min()), int(lengths.max())
            if lo != hi or lo < 16 or lo % 8 or (width is not None and lo != width):
                return None
            if (starts % 8).any():
                return None
            width = lo
        data = ch.buffers()[2]
        words = np.frombuffer(data, dtype=np.uint64, count=len(data) // 8) if data else None
        parts.append((valid, starts // 8, words))
    present = np.concatenate([v for v, _, _ in parts])
    n_words = (width or 16) // 8
    out = np.empty((int(present.sum()), n_words), dtype=np.uint64)
    row = 0
    for _, first_word, words in parts:
        k = len(first_word)
        for w in range(n_words):
            out[row : row + k, w] = words[first_word + w] if k else 0
        row += k
    return present, out


def _as_objects(present: np.ndarray, words: np.ndarray) -> np.ndarray:
    """The keys back as bytes objects (the rare fallback after a collision of the mix)."""
    out = np.full(len(present), None, dtype=object)
    out[np.flatnonzero(present)] = [bytes(w) for w in words]
    return out

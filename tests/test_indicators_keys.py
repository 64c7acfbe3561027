"""The linear-time key helpers give the same answers on dense and sparse ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iae_diag.indicators.activity import combine_keys
from iae_diag.indicators.keys import (
    dense_codes,
    distinct_pairs,
    duplicated_any_order,
    first_of_each,
    has_duplicates,
    hash_key_codes,
    positions,
    sort_order,
    sorted_codes,
    sorted_unique,
)


@pytest.mark.parametrize("spread", [1, 10**12])  # dense ids, then ids far apart (hash path)
def test_helpers_match_pandas(spread):
    rng = np.random.default_rng(3)
    values = rng.integers(0, 500, 2000) * spread + 7
    ids = np.unique(values)
    query = np.concatenate([values, [-5, 3, ids.max() + 1]])
    expect = pd.Index(ids).get_indexer(query)
    assert np.array_equal(positions(ids, query), expect)
    assert np.array_equal(first_of_each(values), ~pd.Series(values).duplicated().to_numpy())
    assert np.array_equal(
        has_duplicates(values), pd.Series(values).duplicated(keep=False).to_numpy()
    )
    codes, uniques = dense_codes(values)
    ref_codes, ref_uniques = pd.factorize(values, sort=True)
    assert np.array_equal(codes, ref_codes) and np.array_equal(uniques, ref_uniques)


def test_distinct_pairs_keeps_one_row_per_pair():
    rng = np.random.default_rng(4)
    entity = rng.integers(0, 300, 5000)
    value = rng.integers(0, 4, 5000) * (entity % 3 == 0) + entity % 7
    mask = distinct_pairs(entity, 300, value)
    kept = set(zip(entity[mask].tolist(), value[mask].tolist(), strict=True))
    assert len(kept) == mask.sum()  # no pair twice
    assert kept == set(zip(entity.tolist(), value.tolist(), strict=True))  # every pair once


def test_combine_keys_is_injective_even_when_ranges_overflow():
    a = np.array([0, 1, 2**40, 2**40, 5])
    b = np.array([3, 3, 2**40, 1, 3])
    c = np.array([1, 1, 1, 1, 2])
    k = combine_keys(a, b, c)
    assert len(set(k.tolist())) == len(set(zip(a.tolist(), b.tolist(), c.tolist(), strict=True)))


def test_duplicated_any_order_on_sorted_nearly_sorted_and_random_keys():
    rng = np.random.default_rng(5)
    base = np.sort(rng.integers(0, 10**15, 3000))
    nearly = base.copy()
    nearly[[10, 20]] = nearly[[20, 10]]
    for values in (base, nearly, rng.permutation(base), np.array([5, 5]), np.array([7])):
        expect = pd.Series(values).duplicated(keep=False).to_numpy()
        assert np.array_equal(duplicated_any_order(values), expect)


def test_hash_key_codes_equal_exactly_when_keys_are_equal():
    a = "0123456789abcdef" * 4
    b = "0123456789abcdef" + "f" * 48  # same 16-byte start as a: a collision to detect
    keys = np.array([a, None, b, a, "ff" * 32, float("nan")], dtype=object)
    codes = hash_key_codes(keys)
    assert codes[1] == -1 and codes[5] == -1
    assert codes[0] == codes[3] and len({codes[0], codes[2], codes[4]}) == 3
    plain = hash_key_codes(np.array(["not-hex-é", "not-hex-é", "x"], dtype=object))
    assert plain[0] == plain[1] != plain[2]


@pytest.mark.parametrize("scale", [1, 2**40])
def test_sort_order_is_lexsort(scale):
    """One packed argsort when the ranges fit (scale 1), the first column ranked first when
    they do not (scale 2**40): always the order of np.lexsort, ties in row order."""
    rng = np.random.default_rng(3)
    a = rng.integers(0, 50, 2000) * scale
    b = rng.integers(-5, 5, 2000)
    c = rng.integers(0, 3, 2000)
    assert np.array_equal(sort_order(a, b, c), np.lexsort((c, b, a)))
    assert np.array_equal(sort_order(a), np.argsort(a, kind="stable"))
    assert sort_order(np.zeros(0, dtype=np.int64)).tolist() == []


def test_sort_order_falls_back_to_lexsort_when_nothing_fits():
    a = np.array([2**61, 0, 2**61, 5], dtype=np.int64)
    b = np.array([2**61, 1, 0, 2**60], dtype=np.int64)
    assert sort_order(a, b).tolist() == np.lexsort((b, a)).tolist() == [1, 3, 2, 0]


def test_stable_argsort_packs_the_positions_under_the_keys_only_when_they_fit():
    """Keys below 2**16 are sorted by radix as 16-bit integers; wider ones with the positions
    packed under them when key span x rows fits in 63 bits; otherwise a stable argsort. Each
    path gives equal keys in row order. Computed by hand on five rows (two pairs of equal
    keys), in each path."""
    from iae_diag.indicators.keys import _stable_argsort

    key = np.array([7, 3, 7, 0, 3], dtype=np.int64)
    by_hand = [3, 1, 4, 0, 2]
    assert _stable_argsort(key.copy(), 8.0).tolist() == by_hand  # radix
    assert _stable_argsort(key + 2**16 - 8, 2.0**16).tolist() == by_hand  # radix, the top
    packed = key * 2**20  # span 2**23 x 8 rows: 26 bits, packed
    assert _stable_argsort(packed, 2.0**23).tolist() == by_hand
    # span x 8 (3 bits of positions) reaches 2**63: the stable argsort, the same order
    big = key * 2**59
    assert _stable_argsort(big.copy(), 2.0**61).tolist() == by_hand
    assert _stable_argsort(np.zeros(1, dtype=np.int64), 1.0).tolist() == [0]


def test_positions_are_int32_below_2_31():
    from iae_diag.indicators.keys import position_dtype

    assert position_dtype(0) is np.int32
    assert position_dtype(2**31 - 1) is np.int32
    assert position_dtype(2**31) is np.int64


def test_sorted_unique_is_np_unique():
    v = np.array([5, 3, 5, -1, 3, 9], dtype=np.int64)
    assert sorted_unique(v).tolist() == [-1, 3, 5, 9]
    assert sorted_unique(np.zeros(0, dtype=np.int64)).tolist() == []


def test_sorted_codes_number_the_distinct_values_in_order():
    """By hand: 2**40 + 5 and 2**40 + 3 share their top bits (the positions take the 3 low
    bits of 6 rows): the sort of the tops leaves them in row order, then the run is sorted."""
    top = 2**40
    v = np.array([top + 5, 7, top + 3, top + 5, 2**63 + 1, 7], dtype=np.uint64)
    codes, k = sorted_codes(v)
    assert codes.tolist() == [2, 0, 1, 2, 3, 0] and k == 4
    signed = np.array([3, -2, 3, -(2**63), 2**63 - 1], dtype=np.int64)
    codes, k = sorted_codes(signed)
    assert codes.tolist() == [2, 1, 2, 0, 3] and k == 4
    assert sorted_codes(np.zeros(0, dtype=np.uint64))[1] == 0
    assert sorted_codes(np.array([9], dtype=np.uint64))[0].tolist() == [0]


def test_sorted_codes_is_np_unique_inverse_on_many_values_sharing_their_top_bits():
    rng = np.random.default_rng(4)
    n = 5000  # positions take 13 bits: the 13 low bits of every value collide in pairs
    tops = rng.integers(0, 2**51, n // 2, dtype=np.uint64) << np.uint64(13)
    v = np.concatenate([tops, tops]) | rng.integers(0, 2**13, n, dtype=np.uint64)
    v[::7] = v[0]  # and repeated values
    codes, k = sorted_codes(v)
    uniques, inverse = np.unique(v, return_inverse=True)
    assert codes.tolist() == inverse.reshape(-1).tolist() and k == len(uniques)


def test_hash_key_codes_read_from_arrow_buffers_as_from_python_strings():
    """The salted NIR hashes held by pyarrow are numbered from their buffers (no Python
    string a value): the same codes as from Python strings; keys of several lengths go the
    general way."""
    import hashlib

    keys = [hashlib.sha256(str(i % 50).encode()).hexdigest() for i in range(200)] + [None] * 3
    text = pd.StringDtype("pyarrow")
    expected = hash_key_codes(np.asarray(keys, dtype=object))
    assert sorted(set(expected.tolist())) == [-1, *range(50)]
    assert np.array_equal(hash_key_codes(pd.Series(keys, dtype=text)), expected)
    assert np.array_equal(hash_key_codes(pd.Series(keys, dtype=text)[5:]), expected[5:])
    mixed = ["a" * 16, "b" * 24, None, "a" * 16]
    assert hash_key_codes(pd.Series(mixed, dtype=text)).tolist() == [0, 1, -1, 0]


def test_sort_order_leaves_out_a_last_column_already_in_row_order():
    a = np.array([3, 1, 3, 1, 2], dtype=np.int64)
    ids = np.array([10, 11, 12, 12, 40], dtype=np.int64)  # non-decreasing: row order
    assert sort_order(a, ids).tolist() == np.lexsort((ids, a)).tolist() == [1, 3, 4, 0, 2]
    back = ids[::-1].copy()  # not in row order: used
    assert sort_order(a, back).tolist() == np.lexsort((back, a)).tolist() == [3, 1, 4, 2, 0]


def test_hash_key_codes_read_from_several_arrow_chunks_with_nulls_and_slices():
    """A column read from parquet is several arrow chunks (string or large_string), some
    sliced, with nulls inside and whole chunks of nulls: every chunk is read from its own
    buffers into one array, with the codes of the Python strings; a collision of the 16-byte
    mix (same start, different end) is still told apart."""
    import hashlib

    import pyarrow as pa

    keys = [
        None if i % 7 == 3 else hashlib.sha256(str(i % 40).encode()).hexdigest()
        for i in range(300)
    ]
    keys[10] = keys[0][:16] + "f" * 48  # same first 16 bytes as keys[0], another key
    expected = hash_key_codes(np.asarray(keys[2:], dtype=object))
    for kind in (pa.string(), pa.large_string()):
        chunked = pa.chunked_array(
            [pa.array(keys[:120], kind).slice(2), pa.array(keys[120:], kind), pa.array([], kind)]
        )
        series = pd.Series(pd.arrays.ArrowStringArray(chunked.cast(pa.large_string())))
        assert series.array.__arrow_array__().num_chunks >= 2
        codes = hash_key_codes(series)
        assert np.array_equal(codes, expected)
        assert codes[8] != codes[2 + 40 - 2]  # keys[10] vs keys[40] (= keys[0]'s value)
    nulls = pa.chunked_array([pa.array([None, None], pa.large_string())])
    assert hash_key_codes(pd.Series(pd.arrays.ArrowStringArray(nulls))).tolist() == [-1, -1]


def test_dense_codes_when_the_range_is_many_times_the_rows():
    """A part of the persons (every fourth person): its values span four times its rows."""
    values = np.array([40, 0, 8, 40, 4, 12], dtype=np.int64)
    codes, uniques = dense_codes(values)
    assert codes.tolist() == [4, 0, 2, 4, 1, 3]
    assert uniques.tolist() == [0, 4, 8, 12, 40]
    assert codes.dtype == np.int64

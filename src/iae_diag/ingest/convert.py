"""Typing and checking the raw text columns, vectorised (pyarrow, numpy): each value gets
a typed value and a status code (:data:`OK`, :data:`MISSING`, :data:`INVALID`...); the
processed types of the contract (docs/architecture.md)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from iae_diag.ingest.schemas import (
    DATE_YEAR_MAX,
    DATE_YEAR_MIN,
    FALSE_VALUES,
    PE_DUREE_LABELS,
    TRUE_VALUES,
    Col,
    TableSpec,
)

# status codes of a converted value
OK, MISSING, INVALID, BELOW, ABOVE, NOT_ALLOWED, IMPLAUSIBLE = range(7)

_INVALID_REASON = {
    "id": "invalid_id",
    "int": "invalid_integer",
    "float": "invalid_number",
    "date": "invalid_date",
    "bool": "invalid_boolean",
    "code": "invalid_value",
    "str": "invalid_value",
}


def as_numpy(a: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(a.to_numpy(zero_copy_only=False))


def _strip_accents_upper(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(s.upper().split())


def _normalize_values(values: pa.Array, how: str | None) -> pa.Array:
    """Normalise the (few) distinct values of a text column."""
    if how is None:
        return values
    if how == "upper":
        return pc.utf8_upper(values)
    if how == "pad2":
        return pc.if_else(pc.equal(values, ""), values, pc.utf8_lpad(values, 2, "0"))
    if how == "pe_duree":
        mapped = [
            PE_DUREE_LABELS.get(_strip_accents_upper(v), v) if v is not None else None
            for v in values.to_pylist()
        ]
        return pa.array(mapped, pa.string())
    if how == "dep":
        from iae_diag.territories import normalize_dep_code

        out = []
        for v in values.to_pylist():
            out.append(normalize_dep_code(v) or v if v else v)
        return pa.array(out, pa.string())
    raise ValueError(f"unknown normalisation {how!r}")


def _convert_unique(values: pa.Array, col: Col) -> tuple[pa.Array, np.ndarray]:
    """Convert distinct raw values (text) of a column: (typed values, status per value)."""
    v = pc.utf8_trim_whitespace(values)
    empty = as_numpy(pc.equal(v, ""))
    status = np.where(empty, MISSING, OK).astype(np.int8)
    kind = col.kind
    if kind in ("id", "int", "float"):
        pattern = {
            "id": r"^[0-9]{1,18}$",
            "int": r"^[+-]?[0-9]{1,18}(\.0+)?$",
            "float": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
        }[kind]
        good = as_numpy(pc.match_substring_regex(v, pattern))
        status[~empty & ~good] = INVALID
        clean = pc.if_else(pa.array(good), v, None)
        if kind == "int":
            clean = pc.replace_substring_regex(clean, r"\.0+$", "")
        out = pc.cast(clean, pa.float64() if kind == "float" else pa.int64())
        num = as_numpy(pc.fill_null(pc.cast(out, pa.float64()), 0.0))
        if col.min is not None:
            status[(status == OK) & (num < col.min)] = BELOW
        if col.max is not None:
            status[(status == OK) & (num > col.max)] = ABOVE
        return out, status
    if kind == "date":
        good = as_numpy(
            pc.match_substring_regex(
                v, r"^[0-9]{2}/[0-9]{2}/[0-9]{4}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
            )
        )
        d10 = pc.if_else(pa.array(good), pc.utf8_slice_codeunits(v, 0, 10), None)
        ts = pc.strptime(d10, format="%d/%m/%Y", unit="s", error_is_null=True)
        day = pc.cast(pc.utf8_slice_codeunits(d10, 0, 2), pa.int64())
        month = pc.cast(pc.utf8_slice_codeunits(d10, 3, 5), pa.int64())
        # strptime rolls 31/02 over to 03/03: the day and month must survive the parse
        same = pc.and_(pc.equal(pc.day(ts), day), pc.equal(pc.month(ts), month))
        valid = as_numpy(pc.fill_null(same, False))
        status[~empty & ~valid] = INVALID
        year = as_numpy(pc.fill_null(pc.year(ts), 0))
        status[(status == OK) & ~empty & ((year < DATE_YEAR_MIN) | (year > DATE_YEAR_MAX))] = (
            IMPLAUSIBLE
        )
        usable = pa.array(valid & (year >= DATE_YEAR_MIN) & (year <= DATE_YEAR_MAX))
        out = pc.cast(pc.if_else(usable, ts, None), pa.timestamp("ns"))
        return out, status
    if kind == "bool":
        u = pc.utf8_upper(v)
        t = as_numpy(pc.is_in(u, value_set=pa.array(TRUE_VALUES)))
        f = as_numpy(pc.is_in(u, value_set=pa.array(FALSE_VALUES)))
        status[~empty & ~t & ~f] = INVALID
        out = pa.array(np.where(t, True, False), pa.bool_(), mask=~(t | f))
        return out, status
    # code / str
    v = _normalize_values(v, col.normalize)
    if col.allowed is not None:
        ok = as_numpy(pc.is_in(v, value_set=pa.array(col.allowed)))
        status[(status == OK) & ~ok] = NOT_ALLOWED
    if col.pattern is not None:
        ok = as_numpy(pc.fill_null(pc.match_substring_regex(v, col.pattern), False))
        status[(status == OK) & ~ok] = NOT_ALLOWED
    out = pc.if_else(pc.equal(v, ""), None, v)
    return out, status


def _check_numeric(out: pa.Array, col: Col) -> tuple[pa.Array, np.ndarray]:
    """Status of a numeric column cast from text (int64 or float64; empty -> null)."""
    status = np.zeros(len(out), dtype=np.int8)
    num = as_numpy(out if out.null_count == 0 else pc.fill_null(out, 0))
    if out.null_count:
        status[as_numpy(pc.is_null(out))] = MISSING
    if col.kind == "id":
        status[(status == OK) & (num < 0)] = INVALID
    if col.kind == "float":
        status[(status == OK) & ~np.isfinite(num)] = INVALID  # "nan", "inf" are not numbers
    if col.min is not None:
        status[(status == OK) & (num < col.min)] = BELOW
    if col.max is not None:
        status[(status == OK) & (num > col.max)] = ABOVE
    return out, status


def convert(raw: pa.Array, col: Col) -> tuple[pa.Array, np.ndarray]:
    """Typed values and status codes of a raw text column (one entry per row)."""
    if col.kind in ("id", "int", "float"):
        # fast path for clean columns: a direct cast (empty fields made null first); a
        # column with a stray value takes the regex path below
        empty = pc.equal(raw, "")
        n_empty = pc.sum(empty).as_py() or 0
        target = pa.float64() if col.kind == "float" else pa.int64()
        if n_empty == len(raw):
            return pa.nulls(len(raw), target), np.full(len(raw), MISSING, dtype=np.int8)
        src = raw if n_empty == 0 else pc.if_else(empty, None, raw)
        try:
            out = pc.cast(src, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            out = None
        if out is not None:
            return _check_numeric(out, col)
    if col.kind == "id":  # ids are mostly distinct: no dictionary
        return _convert_unique(raw, col)
    enc = pc.dictionary_encode(raw)
    values, status_u = _convert_unique(enc.dictionary, col)
    idx = enc.indices
    return pc.take(values, idx), status_u[as_numpy(idx)]


def reason_of(col: Col, status: int) -> str:
    if status == MISSING:
        return "missing_key" if col.kind == "id" else "missing_value"
    if status == INVALID:
        return _INVALID_REASON[col.kind]
    if status == BELOW:
        return col.below_reason
    if status == ABOVE:
        return col.above_reason
    if status == NOT_ALLOWED:
        return col.allowed_reason
    if status == IMPLAUSIBLE:
        return "implausible_date"
    raise ValueError(status)


def arrow_type(col: Col) -> pa.DataType:
    return {
        "id": pa.int64(),
        "int": pa.int64(),
        "float": pa.float64(),
        "date": pa.timestamp("ns"),
        "bool": pa.bool_(),
        "code": pa.string(),
        "str": pa.string(),
    }[col.kind]


def _pandas_dtype(col: Col) -> object:
    if col.kind in ("id", "int") and col.required:
        return "int64"
    if col.kind in ("id", "int"):
        return "Int64"
    return {
        "float": "float64",
        "date": "datetime64[ns]",
        "bool": "boolean",
        "code": "object",
        "str": "object",
    }[col.kind]


def with_pandas_metadata(t: pa.Table, spec: TableSpec) -> pa.Table:
    """Attach the pandas metadata so that ``pd.read_parquet`` restores the contract's dtypes
    (``Int64``, ``boolean``) without a pandas round trip of the big tables."""
    dtypes = {c.name: _pandas_dtype(c) for c in spec.columns if c.output}
    dtypes.update(
        {"person_key": "object", "salarie_annee_naissance": "Int64", "source_line": "int64"}
    )
    empty = pd.DataFrame({name: pd.Series([], dtype=dtypes[name]) for name in t.column_names})
    meta = pa.Schema.from_pandas(empty, preserve_index=False).metadata
    schema = pa.schema([t.schema.field(i) for i in range(t.num_columns)], metadata=meta)
    return t.cast(schema)

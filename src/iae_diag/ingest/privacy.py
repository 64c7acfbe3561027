"""Pseudonymisation: the NIR becomes ``person_key``, the birth date a birth year; nothing
else personal is ever read into the output."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from iae_diag.ingest.convert import MISSING, OK, as_numpy, convert
from iae_diag.ingest.schemas import BIRTH_YEAR_MAX, BIRTH_YEAR_MIN, NIR_PATTERN, Col, TableSpec


def derive_personal(
    spec: TableSpec,
    raw_cols: dict[str, pa.Array],
    out: dict[str, pa.Array],
    alive: np.ndarray,
    salt: str,
) -> dict:
    """``person_key`` from the NIR and ``salarie_annee_naissance`` from the birth date (added
    to ``out``); returns the counts of missing/invalid values among the kept rows."""
    info: dict = {}
    n = len(alive)
    if spec.nir_column and spec.nir_column in raw_cols:
        nir = pc.replace_substring(pc.utf8_upper(raw_cols[spec.nir_column]), " ", "")
        empty = as_numpy(pc.equal(nir, ""))
        valid = as_numpy(pc.match_substring_regex(nir, NIR_PATTERN))
        key13 = pc.utf8_slice_codeunits(nir, 0, 13).to_numpy(zero_copy_only=False)
        salt_b = salt.encode("utf-8")
        keys_arr = np.full(n, None, dtype=object)
        # hashlib has no vectorised form: one C call per valid NIR
        keys_arr[valid] = [
            hashlib.sha256(salt_b + k.encode("ascii")).hexdigest() for k in key13[valid]
        ]
        out["person_key"] = pa.array(keys_arr, pa.string())
        info["nir_missing"] = int((empty & alive).sum())
        info["nir_invalid"] = int((~empty & ~valid & alive).sum())
    if spec.birth_date_column and spec.birth_date_column in raw_cols:
        ts, status = convert(raw_cols[spec.birth_date_column], Col(spec.birth_date_column, "date"))
        yv = as_numpy(pc.fill_null(pc.year(ts), 0))
        good = (status == OK) & (yv >= BIRTH_YEAR_MIN) & (yv <= BIRTH_YEAR_MAX)
        info["birth_date_missing"] = int(((status == MISSING) & alive).sum())
        info["birth_date_invalid"] = int(((status != MISSING) & ~good & alive).sum())
        out["salarie_annee_naissance"] = pa.array(np.where(good, yv, 0), pa.int64(), mask=~good)
    return info

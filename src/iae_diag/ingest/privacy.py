"""Pseudonymisation: the NIR becomes ``person_key`` (a keyed hash), the birth date a birth
year; nothing else personal is ever read into the output.

A NIR is valid (definitions v2, "Eligible records") when, after removing spaces and
upper-casing, it has 13 characters, or 15 whose last two are the control key
(97 - number mod 97, the number being the first 13 characters with ``2A`` -> ``19`` and
``2B`` -> ``18``); its first character is 1, 2, 3, 4, 7 or 8; the others are digits, except
``2A``/``2B`` in the département position (characters 6-7). A valid NIR carried by Salarie rows
of different sex or birth year is a shared placeholder, not a person: invalid for every row
carrying it, whatever the order of the rows. ``person_key`` = HMAC-SHA-256(key, first 13
characters), hex; null for a missing, invalid or placeholder NIR (the indicators then use the
pair (structure, ``salarie_id``)).
"""

from __future__ import annotations

import hashlib
import hmac
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from iae_diag.ingest.convert import MISSING, OK, as_numpy, convert
from iae_diag.ingest.schemas import BIRTH_YEAR_MAX, BIRTH_YEAR_MIN, Col, TableSpec

#: Form of a NIR after normalisation (the control key is checked apart).
NIR_FORM = re.compile(r"[123478][0-9]{4}([0-9]{2}|2A|2B)[0-9]{6}([0-9]{2})?")
#: Civility (``salarie_rci_libelle``, upper-cased) -> sex, for the placeholder check.
CIVILITY_SEX = {
    "MME": "F",
    "MLLE": "F",
    "MADAME": "F",
    "MADEMOISELLE": "F",
    "M.": "M",
    "M": "M",
    "MR": "M",
    "MONSIEUR": "M",
}

# status of a NIR value
NIR_OK, NIR_MISSING, NIR_INVALID = "ok", "missing", "invalid"


def normalize_nir(value: str | None) -> str:
    """Spaces removed, upper case."""
    return "".join((value or "").split()).upper()


def check_nir(value: str | None) -> tuple[str | None, str]:
    """(the 13 characters to hash or None, status ``ok`` | ``missing`` | ``invalid``) of a raw
    NIR value (the placeholder rule needs every row: :func:`placeholder_nirs`)."""
    nir = normalize_nir(value)
    if not nir:
        return None, NIR_MISSING
    if not NIR_FORM.fullmatch(nir):
        return None, NIR_INVALID
    nir13 = nir[:13]
    if len(nir) == 15:
        number = int(nir13[:5] + {"2A": "19", "2B": "18"}.get(nir13[5:7], nir13[5:7]) + nir13[7:])
        if 97 - number % 97 != int(nir[13:]):
            return None, NIR_INVALID
    return nir13, NIR_OK


def nir_numbers(nir13: pa.Array) -> pa.Array:
    """Each valid NIR13 as one integer (null where ``nir13`` is null), one to one: the
    département ``2A`` / ``2B`` counts as 100 / 101, so it never meets ``19`` / ``18``. Sorting
    and comparing integers takes a fraction of the memory of strings."""
    head = pc.cast(pc.utf8_slice_codeunits(nir13, 0, 5), pa.int64())
    dep = pc.utf8_slice_codeunits(nir13, 5, 7)
    dep = pc.replace_substring(pc.replace_substring(dep, "2A", "100"), "2B", "101")
    tail = pc.cast(pc.utf8_slice_codeunits(nir13, 7, 13), pa.int64())
    return pc.add(
        pc.add(pc.multiply(head, 102_000_000), pc.multiply(pc.cast(dep, pa.int64()), 1_000_000)),
        tail,
    )


def placeholder_nirs(persons: pa.Table) -> np.ndarray:
    """The valid NIRs (:func:`nir_numbers`, sorted) carried by rows of more than one known
    sex or birth year (an unknown sex or year contradicts nothing); ``persons``: columns
    ``number`` (null unless valid), ``sex`` (0: unknown), ``year`` (-1: unknown) of every row.
    Depends on the set of rows, not their order."""
    valid = persons.filter(pc.is_valid(persons["number"]))
    number = as_numpy(valid["number"]).astype(np.int64)
    shared = [np.empty(0, np.int64)]
    for name, unknown in (("sex", 0), ("year", -1)):
        attr = as_numpy(valid[name])
        known = attr != unknown
        num, val = number[known], attr[known]
        order = np.lexsort((val, num))
        num, val = num[order], val[order]
        differ = (num[1:] == num[:-1]) & (val[1:] != val[:-1])
        shared.append(num[1:][differ])
    return np.unique(np.concatenate(shared))


def hmac_hex(key: str, messages: list[str]) -> list[str]:
    """HMAC-SHA-256(key, message), hex, of each message (ASCII)."""
    base = hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)
    out = []
    for m in messages:
        h = base.copy()
        h.update(m.encode("ascii"))
        out.append(h.hexdigest())
    return out


def derive_personal(
    spec: TableSpec,
    raw_cols: dict[str, pa.Array],
    out: dict[str, pa.Array],
    alive: np.ndarray,
) -> tuple[dict, pa.Table | None]:
    """``salarie_annee_naissance`` from the birth date (added to ``out``) and the NIR checks of
    one block of rows. Returns the counts among the kept rows (``birth_date_missing``,
    ``birth_date_invalid``, ``nir_missing``, ``nir_invalid``) and, when the table has a NIR
    column, the kept rows' ``nir`` (the 13 characters to hash, null unless valid), its
    ``number`` (:func:`nir_numbers`), ``sex`` and ``year`` (an arrow table): the placeholder
    rule needs every row of the table, so ``person_key`` (null in ``out``) is computed by
    :func:`person_keys` once the placeholders of the whole file are known."""
    info: dict = {}
    n = len(alive)
    year = np.zeros(n, dtype=np.int64)
    year_known = np.zeros(n, dtype=bool)
    if spec.birth_date_column and spec.birth_date_column in raw_cols:
        ts, status = convert(raw_cols[spec.birth_date_column], Col(spec.birth_date_column, "date"))
        yv = as_numpy(pc.fill_null(pc.year(ts), 0))
        good = (status == OK) & (yv >= BIRTH_YEAR_MIN) & (yv <= BIRTH_YEAR_MAX)
        info["birth_date_missing"] = int(((status == MISSING) & alive).sum())
        info["birth_date_invalid"] = int(((status != MISSING) & ~good & alive).sum())
        out["salarie_annee_naissance"] = pa.array(np.where(good, yv, 0), pa.int64(), mask=~good)
        year, year_known = yv, good
    if not (spec.nir_column and spec.nir_column in raw_cols):
        return info, None
    # each distinct raw value is checked once
    enc = pc.dictionary_encode(raw_cols[spec.nir_column])
    checked = [check_nir(v) for v in enc.dictionary.to_pylist()]
    idx = as_numpy(enc.indices)
    nir13 = np.array([c[0] for c in checked], dtype=object)[idx]
    status = np.array([c[1] for c in checked], dtype=object)[idx]
    valid = (status == NIR_OK) & alive
    sex = np.zeros(n, dtype=np.int8)  # 0: unknown, 1: woman, 2: man
    if spec.sex_column in out:
        enc = pc.dictionary_encode(out[spec.sex_column])
        labels = [CIVILITY_SEX.get(v) for v in enc.dictionary.to_pylist()]
        codes = np.array([{"F": 1, "M": 2}.get(x, 0) for x in labels] + [0], dtype=np.int8)
        sex = codes[as_numpy(pc.fill_null(enc.indices, len(labels)))]
    nir = pa.array(np.where(valid, nir13, None), pa.string())
    persons = pa.table(
        {
            "nir": nir,
            "number": nir_numbers(nir),
            "sex": pa.array(sex),
            "year": pa.array(np.where(year_known, year, -1)),
        }
    )
    out["person_key"] = pa.nulls(n, pa.string())
    info["nir_missing"] = int(((status == NIR_MISSING) & alive).sum())
    info["nir_invalid"] = int(((status == NIR_INVALID) & alive).sum())
    return info, persons.filter(pa.array(alive))


def person_keys(persons: pa.Table, shared: np.ndarray, key: str) -> tuple[pa.Array, int]:
    """``person_key`` of the kept rows of one block (``persons``: see
    :func:`derive_personal`): HMAC of the valid NIR, null when it is one of the ``shared``
    placeholders (:func:`placeholder_nirs` of every block); and the number of rows carrying a
    placeholder."""
    nir = persons["nir"].combine_chunks()
    number = persons["number"].combine_chunks()
    valid = as_numpy(pc.is_valid(number))
    placeholder = valid & np.isin(as_numpy(pc.fill_null(number, -1)), shared)
    keyed = valid & ~placeholder
    keys_arr = np.full(len(nir), None, dtype=object)
    keys_arr[keyed] = hmac_hex(key, pc.filter(nir, pa.array(keyed)).to_pylist())
    return pa.array(keys_arr, pa.string()), int(placeholder.sum())

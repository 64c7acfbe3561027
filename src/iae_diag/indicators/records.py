"""Repeated records settled by their content, never by file order (definitions v2, "Eligible
records", "Order independence").

The ingest keeps every readable row, repeated keys included. This module decides which row of a
repeated key the indicators use, from the rows' values only: the same rows in any order give
the same choice. Every decision is vectorised; only the rows of a repeated key are sorted.

- :func:`content_codes`: a canonical, order-free ranking of the rows' values (the last rule of
  every tie).
- :func:`resolve_ids`: one row per id of ContratMission, Salarie and Structure: the latest
  modification date, then the most complete row, then the content rule.
- :func:`resolve_emi`: the three steps of the counted EMI rows before the eligibility and hours
  test (exact duplicates, ``emi_dsm_id``, statement key).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iae_diag.indicators.keys import duplicated_any_order, has_duplicates

#: Columns that are not part of a row's content (where the row sits in the raw file).
NOT_CONTENT = ("source_line",)

#: Modification date of each table's rows, used first when a key repeats. The real layouts
#: carry ``contrat_date_modification``, ``salarie_date_modification``,
#: ``structure_date_modification`` and ``emi_date_modification``; a processed table without
#: the column (or with nulls) falls back to the next rules.
MODIFICATION_DATES = {
    "contrat_id_ctr": "contrat_date_modification",
    "salarie_id": "salarie_date_modification",
    "structure_id_siae": "structure_date_modification",
}
EMI_MODIFICATION_DATE = "emi_date_modification"
#: Modification date of an AF row (the definitions' third AF rule). The real AnnexeFinanciere
#: layout has no such column: the rule applies when a processed table carries it.
AF_MODIFICATION_DATE = "af_date_modification"

#: Reasons an EMI row is set aside before the eligibility and hours test (``resolve_emi``).
EMI_KEPT = 0
EMI_EXACT_DUPLICATE = 1
EMI_DSM_SUPERSEDED = 2
EMI_DSM_TIE = 3
EMI_STATEMENT_SUPERSEDED = 4
#: Quality check of each reason (quality table, ``docs/architecture.md``).
EMI_CHECKS = {
    EMI_EXACT_DUPLICATE: "emi_exact_duplicate",
    EMI_DSM_SUPERSEDED: "emi_dsm_superseded",
    EMI_DSM_TIE: "emi_dsm_tie",
    EMI_STATEMENT_SUPERSEDED: "emi_statement_superseded",
}


def content_columns(df: pd.DataFrame) -> list[str]:
    """The columns of ``df`` that make a row's content (all but :data:`NOT_CONTENT`)."""
    return [c for c in df.columns if c not in NOT_CONTENT]


def content_codes(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """An (n, k) int64 matrix: for each column, the rank of each row's value among the distinct
    values of that column, compared as canonical text (nulls rank last). Equal rows have equal
    codes, and sorting by the codes orders rows by their content whatever their order."""
    n = len(df)
    out = np.zeros((n, len(columns)), dtype=np.int64)
    for j, c in enumerate(columns):
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            text = pd.Series(s.dt.strftime("%Y-%m-%dT%H:%M:%S"), index=s.index)
        else:
            text = s.astype("string")
        codes, _ = pd.factorize(text.astype(object).where(text.notna(), None), sort=True)
        codes = codes.astype(np.int64)
        codes[codes < 0] = int(codes.max()) + 1 if n else 0
        out[:, j] = codes
    return out


def date_rank(s: pd.Series) -> np.ndarray:
    """Rank of each date (0 for a null, the oldest; equal dates share a rank)."""
    d = pd.to_datetime(s, errors="coerce")
    values = d.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    missing = d.isna().to_numpy()
    rank = np.zeros(len(values), dtype=np.int64)
    if (~missing).any():
        _, inv = np.unique(values[~missing], return_inverse=True)
        rank[~missing] = inv.reshape(-1) + 1
    return rank


def _group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """True at the first row of each run of equal values in a sorted 1-d array."""
    start = np.ones(len(sorted_keys), dtype=bool)
    start[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return start


def _same_as_previous(matrix: np.ndarray) -> np.ndarray:
    """True where a row of a 2-d array equals the row before it (False for the first row)."""
    same = np.zeros(len(matrix), dtype=bool)
    if len(matrix) > 1:
        same[1:] = (matrix[1:] == matrix[:-1]).all(axis=1)
    return same


def _content_keys(codes: np.ndarray) -> list[np.ndarray]:
    """The columns of a code matrix as ``np.lexsort`` keys (first column most significant)."""
    return [codes[:, j] for j in range(codes.shape[1] - 1, -1, -1)]


@dataclass(frozen=True)
class IdResolution:
    """What :func:`resolve_ids` settled for one table."""

    rows_set_aside: int  # rows not used because another row of their id was chosen
    exact_copies: int  # of which rows identical to another row of the id
    ids_by_content: int  # ids with differing rows that the modification date did not settle


def resolve_ids(
    df: pd.DataFrame,
    id_column: str,
    content: Callable[[np.ndarray], pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, IdResolution]:
    """One row per ``id_column`` value, chosen by content only.

    Among the rows of a repeated id: the latest modification date
    (:data:`MODIFICATION_DATES`; a row without one is the oldest), then the row with the most
    filled values, then the row whose values come first in :func:`content_codes` order. Rows
    identical on every column but ``source_line`` are copies of one row. Returns the table
    restricted to the kept rows (in their original order, index reset when rows were dropped)
    and the counts. ``content(positions)``, when given, returns every column of the rows of
    ``df`` at those positions (``df`` may then hold only the columns its users read)."""
    ids = df[id_column].to_numpy(dtype=np.int64)
    dup = has_duplicates(ids)
    if not dup.any():
        return df, IdResolution(0, 0, 0)
    rows = np.flatnonzero(dup)
    sub = df.iloc[rows] if content is None else content(rows)
    cols = [c for c in content_columns(sub) if c != id_column]
    codes = content_codes(sub, cols)
    date_col = MODIFICATION_DATES.get(id_column)
    date = (
        date_rank(sub[date_col])
        if date_col in sub.columns
        else np.zeros(len(rows), dtype=np.int64)
    )
    filled = sub[cols].notna().sum(axis=1).to_numpy(dtype=np.int64)
    sub_ids = ids[rows]
    order = np.lexsort([*_content_keys(codes), -filled, -date, sub_ids])
    s_ids, s_date = sub_ids[order], date[order]
    start = _group_starts(s_ids)
    exact = ~start & _same_as_previous(np.column_stack([s_ids, codes[order]]))
    # the first row of an id that differs from the kept one: same date -> settled by content
    kept_at = np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))
    other = np.flatnonzero(~start & ~exact)
    first_other = other[_group_starts(s_ids[other])]
    by_content = int(np.count_nonzero(s_date[first_other] == s_date[kept_at[first_other]]))
    keep = np.ones(len(df), dtype=bool)
    keep[rows[order[~start]]] = False
    return df.loc[keep].reset_index(drop=True), IdResolution(
        rows_set_aside=int(np.count_nonzero(~start)),
        exact_copies=int(np.count_nonzero(exact)),
        ids_by_content=by_content,
    )


def resolve_emi(
    emi: pd.DataFrame,
    dsm: np.ndarray,
    version: np.ndarray,
    hours: np.ndarray,
    month_key: np.ndarray,
    ctr: np.ndarray,
    content: Callable[[np.ndarray], pd.DataFrame] | None = None,
) -> np.ndarray:
    """Steps 1-3 of the counted EMI rows (definitions v2), by content only.

    ``dsm``, ``version`` (-1 when missing), ``hours`` (NaN when missing), ``month_key`` (one
    int64 per (``emi_pph_id``, ``emi_afi_id``, ``emi_sme_annee``, ``emi_sme_mois``)) and ``ctr``
    (``emi_ctr_id``, -1 when missing) are the arrays of the rows of ``emi``; the statement key
    is (``month_key``, ``ctr``). Returns one status per row:
    :data:`EMI_KEPT`, or why the row is set aside:

    1. :data:`EMI_EXACT_DUPLICATE`: a copy of another row (every column but ``source_line``);
    2. rows sharing an ``emi_dsm_id``: the highest version, then the latest
       ``emi_date_modification``, then the most hours is kept; the others are
       :data:`EMI_DSM_SUPERSEDED`, or :data:`EMI_DSM_TIE` when they equal the kept row on all
       three (the kept row is then the first in :func:`content_codes` order);
    3. rows sharing a statement key: only the rows of the highest version stay; the others are
       :data:`EMI_STATEMENT_SUPERSEDED`. Several rows at that version all stay.

    ``content(positions)``, when given, returns every column of the rows of ``emi`` at those
    positions (``emi`` may then hold only some columns: the rows of a repeated
    ``emi_dsm_id``, a small share, are the only ones whose whole content is read).
    """
    n = len(emi)
    status = np.zeros(n, dtype=np.int8)
    dup = duplicated_any_order(dsm)  # the ids of a year in file order: nearly sorted
    if dup.any():
        rows = np.flatnonzero(dup)
        sub = emi.iloc[rows] if content is None else content(rows)
        codes = content_codes(sub, content_columns(sub))
        date = (
            date_rank(sub[EMI_MODIFICATION_DATE])
            if EMI_MODIFICATION_DATE in sub.columns
            else np.zeros(len(rows), dtype=np.int64)
        )
        h = np.nan_to_num(hours[rows], nan=-1.0)
        v = version[rows]
        order = np.lexsort([*_content_keys(codes), -h, -date, -v, dsm[rows]])
        s_dsm = dsm[rows][order]
        start = _group_starts(s_dsm)
        exact = ~start & _same_as_previous(codes[order])
        kept_at = np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))
        rank = np.column_stack([v, date, h])[order]
        tie = (rank == rank[kept_at]).all(axis=1)
        reason = np.where(
            exact, EMI_EXACT_DUPLICATE, np.where(tie, EMI_DSM_TIE, EMI_DSM_SUPERSEDED)
        )
        status[rows[order[~start]]] = reason[~start]
    alive = np.flatnonzero(status == EMI_KEPT)
    # rows alone on their person-AF-month are alone on their statement key: only the others
    # (a small share of an export) are sorted
    same = duplicated_any_order(month_key[alive])
    if same.any():
        rows = alive[same]
        v = version[rows]
        order = np.lexsort([-v, ctr[rows], month_key[rows]])
        key = np.column_stack([month_key[rows], ctr[rows]])[order]
        start = np.ones(len(order), dtype=bool)
        start[1:] = (key[1:] != key[:-1]).any(axis=1)
        top = v[order][np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))]
        status[rows[order[v[order] < top]]] = EMI_STATEMENT_SUPERSEDED
    return status

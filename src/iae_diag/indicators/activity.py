"""Activity: counted EMI rows, hours, ETP réalisés, persons (pure functions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iae_diag.indicators.common import require_columns
from iae_diag.indicators.keys import Lookup, first_of_each, hash_key_codes, positions
from iae_diag.indicators.records import EMI_KEPT, resolve_emi

EMI_COLUMNS = [
    "emi_dsm_id",
    "emi_afi_id",
    "emi_pph_id",
    "emi_ctr_id",
    "emi_sme_annee",
    "emi_sme_mois",
    "emi_sme_version",
    "emi_nb_heures_travail",
]
#: Exit motif of an EMI row (optional column: the parcours' motif when the contract has none).
MOTIF_COLUMN = "emi_motif_sortie_id"
_LIMIT = 2**62


def int_values(s: pd.Series, missing: int = -1) -> np.ndarray:
    """An integer column as an int64 array, ``missing`` for a null value."""
    if isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
        if pd.api.types.is_integer_dtype(s.dtype):
            return s.to_numpy(dtype=np.int64, na_value=missing)
        return pd.to_numeric(s, errors="coerce").fillna(missing).to_numpy(dtype=np.int64)
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.to_numpy().astype(np.int64, copy=False)
    return pd.to_numeric(s, errors="coerce").fillna(missing).to_numpy(dtype=np.int64)


def combine_keys(*columns: np.ndarray) -> np.ndarray:
    """One int64 key per row, equal exactly when every column is equal (non-negative ints).

    Columns are packed by multiplication when the product of their ranges fits in 62 bits,
    else densified with ``pd.factorize`` first."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    span = 1
    for col in columns:
        col = np.asarray(col, dtype=np.int64)
        lo = int(col.min()) if len(col) else 0
        width = (int(col.max()) - lo + 1) if len(col) else 1
        if span * width >= _LIMIT:
            key = pd.factorize(key)[0].astype(np.int64)
            span = int(key.max()) + 1 if len(key) else 1
            if span * width >= _LIMIT:
                col = pd.factorize(col)[0].astype(np.int64)
                lo, width = 0, int(col.max()) + 1
        key *= width  # in place: one entry per contract of a national history
        key += col
        key -= lo
        span *= width
    return key


_NO_SET_ASIDE = (
    np.zeros(0, dtype=np.int8),
    np.zeros(0, dtype=np.int64),
    np.zeros(0, dtype=np.int64),
)


class EmiRows:
    """Counted EMI rows as parallel numpy arrays (no per-row Python objects).

    ``set_aside`` holds, for the rows of an eligible AF that steps 1-3 of the definitions set
    aside, their reason (``records.EMI_*``), AF position and year (for the quality table).

    ``rows``: when given, the arrays ``af_pos`` to ``ctr_id`` are a whole chunk's columns and
    the counted rows are their entries at ``rows`` (:func:`counted_emi`): the counted rows of a
    national year are then not copied once more before their parts are taken (:meth:`take`,
    ``docs/performance.md``). Each of these attributes then returns a new array of the counted
    rows; :meth:`materialized` copies them once (read each attribute once). ``motif_code`` is
    always one entry per counted row."""

    _COLUMNS = ("af_pos", "year", "month", "hours", "pph_id", "ctr_id")

    def __init__(
        self,
        af_pos: np.ndarray,  # position of the row's AF among the eligible AF
        year: np.ndarray,
        month: np.ndarray,
        hours: np.ndarray,  # float
        pph_id: np.ndarray,
        ctr_id: np.ndarray,  # -1 when missing
        set_aside: tuple[np.ndarray, np.ndarray, np.ndarray] = _NO_SET_ASIDE,
        motif_code: np.ndarray | None = None,
        motif_values: tuple[str, ...] = (),
        rows: np.ndarray | None = None,
    ):
        values = (af_pos, year, month, hours, pph_id, ctr_id)
        self._columns = dict(zip(self._COLUMNS, values, strict=True))
        self._rows = rows
        self.set_aside = set_aside  # (reason, af_pos, year)
        #: ``emi_motif_sortie_id`` of each row as a code into ``motif_values`` (-1: none);
        #: empty when the table has no such column
        self.motif_code = np.zeros(0, dtype=np.int64) if motif_code is None else motif_code
        self.motif_values = motif_values

    def _column(self, name: str) -> np.ndarray:
        values = self._columns[name]
        return values if self._rows is None else values[self._rows]

    af_pos = property(lambda self: self._column("af_pos"))
    year = property(lambda self: self._column("year"))
    month = property(lambda self: self._column("month"))
    hours = property(lambda self: self._column("hours"))
    pph_id = property(lambda self: self._column("pph_id"))
    ctr_id = property(lambda self: self._column("ctr_id"))

    def __len__(self) -> int:
        return len(self._columns["af_pos"] if self._rows is None else self._rows)

    def take(self, idx: np.ndarray) -> EmiRows:
        """The rows at positions ``idx`` (without the rows set aside), as a selection of the
        same columns: a column is copied when it is read, and only then (a part of a national
        year reads four of the six, ``docs/performance.md``)."""
        at = idx if self._rows is None else self._rows[idx]
        return EmiRows(
            *(self._columns[c] for c in self._COLUMNS),
            motif_code=self.motif_code[idx] if len(self.motif_code) else self.motif_code,
            motif_values=self.motif_values,
            rows=at,
        )

    def materialized(self) -> EmiRows:
        """These rows with arrays of their own (itself when they already are)."""
        if self._rows is None:
            return self
        return EmiRows(
            *(self._column(c) for c in self._COLUMNS),
            set_aside=self.set_aside,
            motif_code=self.motif_code,
            motif_values=self.motif_values,
        )


def counted_emi(
    emi: pd.DataFrame,
    af_ids: np.ndarray,
    content: Callable[[np.ndarray], pd.DataFrame] | None = None,
    year: int | None = None,
) -> EmiRows:
    """Counted EMI rows (definitions v2, "Counted EMI row"): exact duplicate rows count once;
    one row per ``emi_dsm_id`` (highest ``emi_sme_version``, then latest
    ``emi_date_modification``, then most hours, then the content rule); per statement key
    (person, AF, contract, year, month) the rows of the highest version only; then the row's AF
    is eligible and its hours are > 0 (:func:`iae_diag.indicators.records.resolve_emi`).

    The counted rows are returned as a selection of the chunk's columns (``EmiRows.rows``,
    no copy of them here): read each attribute once, ``take`` parts (selections too), or
    ``materialized()`` once.

    ``af_ids`` are the ids of the eligible AF; ``af_pos`` is the position of the row's AF in
    it. The version rules come before the hours test: a later version with zero hours
    supersedes an earlier one with hours. Nothing depends on the order of the rows.

    ``content``: see :func:`~iae_diag.indicators.records.resolve_emi`. ``year``: keep only
    the rows (counted or set aside) of that ``emi_sme_annee`` (``emi`` is then one chunk of
    :class:`~iae_diag.indicators.emi_years.EmiYears`, which may carry rows of other years
    sharing an ``emi_dsm_id`` with the year's rows)."""
    require_columns(emi, "etat_mensuel_indiv", EMI_COLUMNS)
    row_year = int_values(emi["emi_sme_annee"])
    month = int_values(emi["emi_sme_mois"])
    pph = int_values(emi["emi_pph_id"])
    afi = int_values(emi["emi_afi_id"])
    ctr = int_values(emi["emi_ctr_id"])
    hours = pd.to_numeric(emi["emi_nb_heures_travail"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    status = np.zeros(len(emi), dtype=np.int8)
    if len(emi):
        status = resolve_emi(
            emi,
            int_values(emi["emi_dsm_id"]),
            int_values(emi["emi_sme_version"]),
            hours,
            combine_keys(pph, afi, row_year * 12 + month),
            ctr,
            content,
        )
    af_pos = positions(af_ids, afi)
    eligible = af_pos >= 0
    if year is not None:
        eligible &= row_year == year
    aside = np.flatnonzero(eligible & (status != EMI_KEPT))
    sel = np.flatnonzero(eligible & (status == EMI_KEPT) & (np.nan_to_num(hours, nan=0.0) > 0))
    motif_code, motif_values = np.full(len(sel), -1, dtype=np.int64), ()
    if MOTIF_COLUMN in emi.columns:
        column = emi[MOTIF_COLUMN]
        if isinstance(column.dtype, pd.CategoricalDtype):  # read coded (EmiYears): stays coded
            motif = column.iloc[sel]
        else:
            motif = pd.Series(column.to_numpy(dtype=object)[sel], dtype="string")
        codes, uniques = pd.factorize(motif, use_na_sentinel=True)
        motif_code, motif_values = codes.astype(np.int64), tuple(str(u) for u in uniques)
    return EmiRows(
        af_pos=af_pos,
        year=row_year,
        month=month,
        hours=hours,
        pph_id=pph,
        ctr_id=ctr,
        set_aside=(status[aside], af_pos[aside], row_year[aside]),
        motif_code=motif_code,
        motif_values=motif_values,
        rows=sel,
    )


def etp_of_rows(hours: np.ndarray, annual_hours: np.ndarray) -> np.ndarray:
    """ETP réalisés of each EMI row: hours / annual hours of one FTE of the row's AF."""
    return np.asarray(hours, dtype=float) / np.asarray(annual_hours, dtype=float)


@dataclass(frozen=True)
class PersonIndex:
    """The persons of ``fluxIAE_Salarie``: each ``salarie_id`` (first row of each) and the code
    of its ``person_key`` (-1 without one); built once for all the years."""

    salarie_ids: np.ndarray
    key_codes: np.ndarray
    n_keys: int
    lookup: Lookup  # positions among salarie_ids

    @classmethod
    def of(cls, salarie: pd.DataFrame) -> PersonIndex:
        require_columns(salarie, "salarie", ["salarie_id", "person_key"])
        sal_ids = int_values(salarie["salarie_id"])
        first = first_of_each(sal_ids)
        keys = salarie["person_key"]
        if not first.all():  # else no copy of the column
            keys, sal_ids = keys[first], sal_ids[first]
        pk_codes = hash_key_codes(keys)
        n_keys = int(pk_codes.max()) + 1 if len(pk_codes) else 0
        return cls(sal_ids, pk_codes, n_keys, Lookup(sal_ids))


def person_ids(
    pph_id: np.ndarray,
    structure_id: np.ndarray,
    salarie: pd.DataFrame,
    index: PersonIndex | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Integer person of each EMI row and whether it rests on a NIR.

    A person is the ``person_key`` (salted hash of the NIR) of the row's ``fluxIAE_Salarie``
    row when present; otherwise the pair (structure of the row's AF, ``salarie_id``).
    ``index``: ``PersonIndex.of(salarie)`` when already built (once for all the years).
    Returns (person int64 array, has_nir bool array)."""
    if index is None:
        index = PersonIndex.of(salarie)
    sal_pos = index.lookup.positions(pph_id)
    code = np.full(len(pph_id), -1, dtype=np.int64)
    found = sal_pos >= 0
    code[found] = index.key_codes[sal_pos[found]]
    has_nir = code >= 0
    person = code
    if (~has_nir).any():
        miss = np.flatnonzero(~has_nir)
        pair_codes, _ = pd.factorize(combine_keys(structure_id[miss], pph_id[miss]))
        person[miss] = index.n_keys + pair_codes
    return person, has_nir

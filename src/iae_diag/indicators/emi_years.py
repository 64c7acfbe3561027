"""The EtatMensuelIndiv rows one year at a time (bounded memory, ``docs/performance.md``).

The counted EMI rows of a year depend only on the rows of that year, with one exception
handled here: the rows sharing an ``emi_dsm_id`` are settled together (definitions v2,
"Counted EMI row", step 2), and nothing in the format forbids one ``emi_dsm_id`` from carrying
rows of two years (a statement is for one month, but a corrected row may carry another
month). The statement key (step 3) holds the year, so it never crosses years. The rows of a
year are therefore read together with the rows of other years that share an ``emi_dsm_id``
with them (:meth:`EmiYears.chunk`): steps 1-2 then see every row of each of their groups, in
the same order as in the whole table, and the caller keeps the results of the year's own rows.

Two sources give the same chunks: a table in memory (``build_tables`` on loaded data, the
tests) and the processed parquet file, read with pyarrow filters so that only the year's
rows (and only the needed columns, the whole content for the few rows of a repeated
``emi_dsm_id``) are ever in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from iae_diag.indicators.activity import EMI_COLUMNS, MOTIF_COLUMN, int_values
from iae_diag.indicators.common import require_columns
from iae_diag.indicators.keys import sorted_unique
from iae_diag.memory import release_arrow_memory

YEAR = "emi_sme_annee"
DSM = "emi_dsm_id"


@dataclass(frozen=True)
class EmiChunk:
    """The rows of one year (``year``) and of its ``emi_dsm_id`` groups, in table order.

    ``rows`` holds the columns the counted rows need (:data:`EMI_COLUMNS` and the exit
    motif when present; read from parquet, not the modification date); ``content(positions)``
    returns every column of the rows at those positions of ``rows`` (for the rules of
    repeated records: the modification date, the content)."""

    year: int
    rows: pd.DataFrame
    content: Callable[[np.ndarray], pd.DataFrame]


def _cross_year_ids(dsm: np.ndarray, year: np.ndarray) -> dict[int, np.ndarray]:
    """For each year, the ``emi_dsm_id`` values it shares with another year (sorted)."""
    if len(dsm) == 0:
        return {}
    years = np.unique(year)  # a few values
    year_i = np.searchsorted(years, year)
    if len(years) == 1:
        return {}
    lo = int(dsm.min())
    # one int64 per distinct (dsm, year) pair, sorted by dsm then year (ids stay far below
    # 2**62 / the number of years)
    pairs = sorted_unique((dsm - lo) * len(years) + year_i.reshape(-1))
    p_dsm, p_year = pairs // len(years), pairs % len(years)
    multi = p_dsm[1:] == p_dsm[:-1]
    cross = np.zeros(len(pairs), dtype=bool)
    cross[1:] |= multi
    cross[:-1] |= multi
    return {
        int(years[y]): sorted_unique(p_dsm[cross & (p_year == y)]) + lo
        for y in np.unique(p_year[cross])
    }


def _group_ranges(pf: pq.ParquetFile) -> list[tuple | None]:
    """(year lo, year hi, dsm lo, dsm hi) of each row group of ``pf`` from its statistics;
    None for a row group without usable statistics (none, or a null)."""
    md = pf.metadata
    col = {md.schema.column(i).name: i for i in range(md.num_columns)}
    groups = []
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        st_y, st_d = rg.column(col[YEAR]).statistics, rg.column(col[DSM]).statistics
        usable = all(
            st is not None and st.has_min_max and st.null_count == 0 for st in (st_y, st_d)
        )
        groups.append((st_y.min, st_y.max, st_d.min, st_d.max) if usable else None)
    return groups


def _suspect_rows(
    pf: pq.ParquetFile, groups: list[tuple | None]
) -> tuple[np.ndarray, np.ndarray, set[int]]:
    """(dsm, year) of the rows that may share an ``emi_dsm_id`` with a row of another year, and
    the years of the other rows, from the row groups' statistics: a row group of one year
    whose ``emi_dsm_id`` range meets no range of a row group of another year holds no such
    row, and only its year is needed. The other row groups (several years, a range that
    overlaps another year's, no statistics, a null) are read (two columns). A file written
    in year order (the ingest of a real or synthetic extract) is then nearly never read here:
    the cost no longer grows with the history (``docs/performance.md``). ``groups``: the
    row groups' ranges (:func:`_group_ranges`)."""
    suspect = []
    for g, r in enumerate(groups):
        if r is None or r[0] != r[1]:
            suspect.append(g)
            continue
        for h, o in enumerate(groups):
            if h != g and (o is None or (o[0], o[1]) != (r[0], r[0])):
                if o is None or (o[2] <= r[3] and r[2] <= o[3]):
                    suspect.append(g)
                    break
    known = {int(r[0]) for g, r in enumerate(groups) if g not in set(suspect)}
    if not suspect:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), known
    t = pf.read_row_groups(suspect, columns=[DSM, YEAR])
    dsm = int_values(t.column(DSM).to_pandas())
    year = int_values(t.column(YEAR).to_pandas())
    return dsm, year, known


class EmiYears:
    """The EMI rows as chunks of one year each (:meth:`chunk`), from memory or parquet."""

    def __init__(self, frame: pd.DataFrame | None = None, path: Path | str | None = None):
        if (frame is None) == (path is None):
            raise ValueError("EmiYears needs exactly one of a frame or a parquet path")
        self.frame = frame
        self.path = None if path is None else Path(path)
        if frame is not None:
            require_columns(frame, "etat_mensuel_indiv", EMI_COLUMNS)
            self.columns = list(frame.columns)
            dsm, year = int_values(frame[DSM]), int_values(frame[YEAR])
            known_years = set()
        else:
            self.columns = list(pq.read_schema(self.path).names)
            require_columns(
                pd.DataFrame(columns=self.columns),
                f"etat_mensuel_indiv ({self.path})",
                EMI_COLUMNS,
            )
            pf = pq.ParquetFile(self.path)
            self._groups = _group_ranges(pf)
            dsm, year, known_years = _suspect_rows(pf, self._groups)
        self.n_rows = len(frame) if frame is not None else pq.read_metadata(self.path).num_rows
        self.years = sorted({*known_years, *(int(y) for y in np.unique(year))})
        self._cross = _cross_year_ids(dsm, year)
        del dsm, year
        release_arrow_memory()
        # emi_date_modification only settles the rows of a repeated emi_dsm_id: read with
        # their whole content (``content``), not for every row of a year
        self._needed = [c for c in self.columns if c in EMI_COLUMNS or c == MOTIF_COLUMN]

    def chunk(self, year: int) -> EmiChunk:
        """The rows of ``year`` plus the rows of other years sharing an ``emi_dsm_id`` with
        them, in table order."""
        cross = self._cross.get(year, np.zeros(0, dtype=np.int64))
        if self.frame is not None:
            f = self.frame
            mask = int_values(f[YEAR]) == year
            if len(cross):
                mask |= np.isin(int_values(f[DSM]), cross)
            sub = f.loc[mask].reset_index(drop=True)
            return EmiChunk(year, sub, lambda pos: sub.iloc[pos])
        rows = self._read_year(year, cross)

        def content(pos: np.ndarray) -> pd.DataFrame:
            # every row of the chunk with one of these ids, in table order: the rows at
            # ``pos`` when ``pos`` is every row of those ids (as ``resolve_emi`` asks); the
            # file is opened here, for the few chunks with a repeated id
            where = pc.field(YEAR) == year
            if len(cross):
                where = where | pc.field(DSM).isin(pa_ints(cross))
            ids = np.unique(int_values(rows[DSM].iloc[pos]))
            dataset = ds.dataset(self.path, format="parquet")
            full = dataset.to_table(filter=where & pc.field(DSM).isin(pa_ints(ids))).to_pandas()
            if len(full) != len(pos):
                raise AssertionError(
                    f"{self.path}: {len(full)} rows read back for {len(pos)} repeated "
                    "emi_dsm_id rows (the file changed while it was read?)"
                )
            return full

        return EmiChunk(year, rows, content)

    def _read_year(self, year: int, cross: np.ndarray) -> pd.DataFrame:
        """The needed columns of the rows of ``year`` or of an ``emi_dsm_id`` in ``cross``, in
        file order, read one row group at a time (the row groups whose statistics rule both
        out are skipped) into numpy arrays sized for those row groups: no arrow table of the
        whole year and no second copy of it (``docs/performance.md``). An integer column with
        a null among these rows is float (NaN), as ``to_pandas`` makes it; the exit motif stays
        coded (a ``Categorical``)."""
        lo, hi = (int(cross.min()), int(cross.max())) if len(cross) else (None, None)
        coded = [MOTIF_COLUMN] if MOTIF_COLUMN in self._needed else None
        pf = pq.ParquetFile(self.path, read_dictionary=coded)
        schema = pf.schema_arrow
        groups = [
            g
            for g, r in enumerate(self._groups)
            if r is None or r[0] <= year <= r[1] or (lo is not None and r[2] <= hi and lo <= r[3])
        ]
        capacity = sum(pf.metadata.row_group(g).num_rows for g in groups)
        numbers = {}  # numeric column -> its array, filled group after group
        others: dict[str, list] = {}  # other column -> its arrow chunks
        for c in self._needed:
            kind = schema.field(c).type
            if pa.types.is_integer(kind) or pa.types.is_floating(kind):
                numbers[c] = np.empty(
                    capacity, dtype=np.int64 if pa.types.is_integer(kind) else float
                )
            else:
                others[c] = []
        n = 0
        for g in groups:
            t = pf.read_row_group(g, columns=self._needed)
            keep = t.column(YEAR).to_numpy() == year  # a null (NaN) is not kept
            if lo is not None:
                keep |= np.isin(t.column(DSM).to_numpy(), cross)
            whole = bool(keep.all())
            k = t.num_rows if whole else int(np.count_nonzero(keep))
            for c, out in numbers.items():
                v = t.column(c).to_numpy()  # no copy without a null; with one, float and NaN
                v = v if whole else v[keep]
                if out.dtype.kind == "i" and v.dtype.kind == "f" and np.isnan(v).any():
                    numbers[c] = out = out.astype(float)  # a null kept: float, as to_pandas
                out[n : n + k] = v
            for c, chunks in others.items():
                column = t.column(c) if whole else t.column(c).filter(pa.array(keep))
                chunks.extend(column.chunks)
            n += k
            del t
        columns = {
            c: numbers[c][:n]
            if c in numbers
            else pa.chunked_array(others[c], type=schema.field(c).type).to_pandas()
            for c in self._needed
        }
        return pd.DataFrame(columns, copy=False)


def pa_ints(values: np.ndarray) -> pa.Array:
    """A pyarrow int64 array of ``values`` (for ``isin`` filters)."""
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64())

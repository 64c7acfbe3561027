"""Hours by sector of each SIAE: what the statistical-secrecy rules on structures' magnitudes
need for the hours by sector (how many SIAE make a cell, and the largest one's share).

``siae.parquet`` gives the hours, ETP and ETP conventionnés of each SIAE; this module adds
``siae_sectors.parquet``: one row per SIAE (structure and type), year, annex département and
sector with hours, from the same counted EMI rows and the same ROME -> sector reference as
the indicator ``hours_by_sector`` (so the rows add up to it). Structures are legal entities,
not persons; the file stays in the processed folder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iae_diag.indicators.activity import EmiRows, counted_emi
from iae_diag.indicators.eligibility import eligible_af
from iae_diag.indicators.emi_years import EmiYears
from iae_diag.indicators.keys import positions
from iae_diag.indicators.sectors import (
    MISSING,
    SectorReference,
    load_sector_reference,
    sector_codes_of,
)
from iae_diag.processed import ProcessedData

SIAE_SECTORS_FILE = "siae_sectors.parquet"
#: columns of siae_sectors.parquet, in order
SIAE_SECTOR_COLUMNS: list[str] = [
    "structure_id_siae",
    "type_siae",
    "year",
    "code_departement",
    "sector_code",
    "hours",
]


def siae_sector_hours(
    data: ProcessedData,
    sector_reference: SectorReference | None = None,
    emi: EmiYears | None = None,
) -> pd.DataFrame:
    """Hours worked (counted EMI rows) by SIAE, year, annex département and sector (sector of
    the row's contract ROME code, ``non_renseigne`` without a usable one). Rows with zero
    hours are left out; rows whose annex has no département are left out (as in the
    département figures). Sorted by every key column. The EMI rows are read one year at a
    time from ``emi`` (default: ``data.etat_mensuel_indiv``; see ``build_tables``)."""
    ref = sector_reference if sector_reference is not None else load_sector_reference()
    af = eligible_af(data.annexe_financiere, data.structure)
    emi = emi if emi is not None else EmiYears(frame=data.etat_mensuel_indiv)
    contrat = data.contrat_mission.drop_duplicates("contrat_id_ctr")
    sectors = sector_codes_of(contrat["contrat_code_rome"], ref).to_numpy(dtype=object)
    parts = []
    for year in emi.years:
        chunk = emi.chunk(year)
        rows = counted_emi(chunk.rows, af["af_id"].to_numpy(), chunk.content, year=year)
        rows = rows.materialized()
        del chunk
        if len(rows):
            parts.append(_sector_hours(rows, af, contrat, sectors))
    if not parts:
        return pd.DataFrame({c: [] for c in SIAE_SECTOR_COLUMNS}).astype(
            {"structure_id_siae": "int64", "year": "int64", "hours": "float64"}
        )
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(SIAE_SECTOR_COLUMNS[:5], kind="stable")
    out["code_departement"] = out["code_departement"].astype(str)
    return out[SIAE_SECTOR_COLUMNS].reset_index(drop=True)


def _sector_hours(
    emi: EmiRows, af: pd.DataFrame, contrat: pd.DataFrame, sectors: np.ndarray
) -> pd.DataFrame:
    """The hours of the counted rows ``emi`` (one year) summed by SIAE, year, département and
    sector."""
    ctr_pos = positions(contrat["contrat_id_ctr"].to_numpy(dtype=np.int64), emi.ctr_id)
    row_sector = np.where(
        (emi.ctr_id >= 0) & (ctr_pos >= 0), sectors[np.maximum(ctr_pos, 0)], MISSING
    )
    rows = pd.DataFrame(
        {
            "structure_id_siae": af["structure_id"].to_numpy(dtype=np.int64)[emi.af_pos],
            "type_siae": af["type_siae"].to_numpy(dtype=object)[emi.af_pos],
            "year": np.asarray(emi.year, dtype=np.int64),
            "code_departement": af["code_departement"].to_numpy(dtype=object)[emi.af_pos],
            "sector_code": row_sector.astype(object),
            "hours": np.asarray(emi.hours, dtype=float),
        }
    )
    rows = rows.loc[rows["code_departement"].notna() & (rows["hours"] > 0)]
    keys = SIAE_SECTOR_COLUMNS[:5]
    return rows.groupby(keys, sort=True, as_index=False)["hours"].sum()

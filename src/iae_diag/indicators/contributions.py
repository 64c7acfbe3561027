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

from iae_diag.indicators.activity import counted_emi
from iae_diag.indicators.eligibility import eligible_af
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
    data: ProcessedData, sector_reference: SectorReference | None = None
) -> pd.DataFrame:
    """Hours worked (counted EMI rows) by SIAE, year, annex département and sector (sector of
    the row's contract ROME code, ``non_renseigne`` without a usable one). Rows with zero
    hours are left out; rows whose annex has no département are left out (as in the
    département figures). Sorted by every key column."""
    ref = sector_reference if sector_reference is not None else load_sector_reference()
    af = eligible_af(data.annexe_financiere, data.structure)
    emi = counted_emi(data.etat_mensuel_indiv, af["af_id"].to_numpy())
    if len(emi) == 0:
        return pd.DataFrame({c: [] for c in SIAE_SECTOR_COLUMNS}).astype(
            {"structure_id_siae": "int64", "year": "int64", "hours": "float64"}
        )
    contrat = data.contrat_mission.drop_duplicates("contrat_id_ctr")
    ctr_pos = positions(contrat["contrat_id_ctr"].to_numpy(dtype=np.int64), emi.ctr_id)
    sectors = sector_codes_of(contrat["contrat_code_rome"], ref).to_numpy(dtype=object)
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
    out = rows.groupby(keys, sort=True, as_index=False)["hours"].sum()
    out["code_departement"] = out["code_departement"].astype(str)
    return out[SIAE_SECTOR_COLUMNS].reset_index(drop=True)

"""Offer: SIAE active in a year, and ETP conventionnés (pure functions on eligible AF)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _month_number(dates: pd.Series | np.ndarray) -> np.ndarray:
    """year * 12 + month - 1 of each date (float, NaN for a missing date)."""
    d = pd.DatetimeIndex(dates)
    out = (d.year * 12 + d.month - 1).to_numpy(dtype=float)
    out[d.isna()] = np.nan
    return out


def months_in_year(date_debut: pd.Series, date_fin: pd.Series, year: int) -> np.ndarray:
    """Number of calendar months of ``year`` (0-12) overlapped by [date_debut, date_fin].

    A period with a missing date, or ending before it starts, overlaps no month."""
    start = np.maximum(_month_number(date_debut), year * 12)
    end = np.minimum(_month_number(date_fin), year * 12 + 11)
    n = end - start + 1
    return np.where(np.isnan(n) | (n < 0), 0, n).astype(np.int64)


def etp_conventionnes(etp_postes: np.ndarray, months: np.ndarray) -> np.ndarray:
    """ETP conventionnés of each AF for one year: ``af_etp_postes_insertion`` x months / 12."""
    return np.asarray(etp_postes, dtype=float) * np.asarray(months, dtype=float) / 12.0


def af_year_table(af: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """One row per (eligible AF, year of ``years``) the AF's effect period overlaps.

    Columns: af_pos (row position in ``af``), year, months (1-12), etp_conventionnes.
    An AF is *active* in a year exactly when it has a row here."""
    parts = []
    for y in years:
        m = months_in_year(af["date_debut"], af["date_fin"], y)
        pos = np.flatnonzero(m > 0)
        parts.append(
            pd.DataFrame(
                {
                    "af_pos": pos.astype(np.int64),
                    "year": np.full(len(pos), y, dtype=np.int64),
                    "months": m[pos],
                    "etp_conventionnes": etp_conventionnes(
                        af["etp_postes"].to_numpy()[pos], m[pos]
                    ),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {"af_pos": [], "year": [], "months": [], "etp_conventionnes": []}
        ).astype({"af_pos": np.int64, "year": np.int64, "months": np.int64})
    return pd.concat(parts, ignore_index=True)

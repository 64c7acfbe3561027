"""Activity: counted EMI rows, hours, ETP réalisés, persons (pure functions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iae_diag.indicators.common import require_columns

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


def _int_array(s: pd.Series, missing: int = -1) -> np.ndarray:
    """An integer column as int64, ``missing`` for a null value."""
    return pd.to_numeric(s, errors="coerce").fillna(missing).to_numpy(dtype=np.int64)


def counted_emi(emi: pd.DataFrame, af_ids: np.ndarray) -> pd.DataFrame:
    """Counted EMI rows (definitions.md): rows of an eligible AF, one per ``emi_dsm_id``,
    the highest ``emi_sme_version`` per (person id, AF, year, month), then hours > 0.

    ``af_ids`` are the ids of the eligible AF (sorted or not). Columns: af_pos (position of the
    row's AF in ``af_ids``), year, month, hours (float), pph_id, ctr_id (-1 when missing).
    The version de-duplication happens before the hours filter: a later version with zero
    hours supersedes an earlier one with hours."""
    require_columns(emi, "etat_mensuel_indiv", EMI_COLUMNS)
    af_pos = pd.Index(af_ids).get_indexer(emi["emi_afi_id"].to_numpy())
    keep = np.flatnonzero(af_pos >= 0)
    df = pd.DataFrame(
        {
            "af_pos": af_pos[keep].astype(np.int64),
            "year": _int_array(emi["emi_sme_annee"].iloc[keep]),
            "month": _int_array(emi["emi_sme_mois"].iloc[keep]),
            "hours": pd.to_numeric(emi["emi_nb_heures_travail"].iloc[keep], errors="coerce")
            .fillna(0.0)
            .to_numpy(dtype=float),
            "pph_id": _int_array(emi["emi_pph_id"].iloc[keep]),
            "ctr_id": _int_array(emi["emi_ctr_id"].iloc[keep]),
            "dsm_id": _int_array(emi["emi_dsm_id"].iloc[keep]),
            "version": _int_array(emi["emi_sme_version"].iloc[keep]),
        }
    )
    month_key = ["pph_id", "af_pos", "year", "month"]
    if df["dsm_id"].duplicated().any() or df.duplicated(month_key).any():
        df = df.sort_values("version", ascending=False, kind="stable")
        df = df.drop_duplicates("dsm_id", keep="first")
        df = df.drop_duplicates(month_key, keep="first").sort_index()
    df = df.loc[df["hours"] > 0].reset_index(drop=True)
    return df.drop(columns=["dsm_id", "version"])


def etp_of_rows(hours: np.ndarray, annual_hours: np.ndarray) -> np.ndarray:
    """ETP réalisés of each EMI row: hours / annual hours of one FTE of the row's AF."""
    return np.asarray(hours, dtype=float) / np.asarray(annual_hours, dtype=float)


def person_ids(
    pph_id: np.ndarray, structure_id: np.ndarray, salarie: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Integer person of each EMI row and whether it rests on a NIR.

    A person is the ``person_key`` (salted hash of the NIR) of the row's ``fluxIAE_Salarie``
    row when present; otherwise the pair (structure of the row's AF, ``salarie_id``).
    Returns (person int64 array, has_nir bool array)."""
    require_columns(salarie, "salarie", ["salarie_id", "person_key"])
    sal = salarie.drop_duplicates("salarie_id")
    pk_codes, _ = pd.factorize(sal["person_key"].astype(object), use_na_sentinel=True)
    n_keys = int(pk_codes.max()) + 1 if len(pk_codes) else 0
    sal_pos = pd.Index(sal["salarie_id"].to_numpy()).get_indexer(pph_id)
    code = np.where(sal_pos >= 0, pk_codes[np.maximum(sal_pos, 0)] if len(pk_codes) else -1, -1)
    has_nir = code >= 0
    person = code.astype(np.int64)
    if (~has_nir).any():
        miss = np.flatnonzero(~has_nir)
        pairs = pd.MultiIndex.from_arrays([structure_id[miss], pph_id[miss]])
        pair_codes, _ = pd.factorize(pairs)
        person[miss] = n_keys + pair_codes
    return person, has_nir

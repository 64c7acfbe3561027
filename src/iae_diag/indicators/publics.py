"""Publics: one set of characteristics per person and year (pure functions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iae_diag.indicators.common import (
    LOW_QUALIFICATION_CODES,
    as_bool,
    require_columns,
    text_in,
)
from iae_diag.indicators.keys import first_of_each, positions
from iae_diag.vocabulary import PUBLIC_KEYS

CONTRACT_COLUMNS = [
    "contrat_id_ctr",
    "contrat_id_pph",
    "contrat_date_embauche",
    "contrat_salarie_rsa",
    "contrat_salarie_ass",
    "contrat_salarie_aah",
    "contrat_salarie_rqth",
    "contrat_salarie_pe_duree_code",
    "contrat_niveau_de_formation_code",
]
SALARIE_COLUMNS = [
    "salarie_id",
    "salarie_rci_libelle",
    "salarie_annee_naissance",
    "salarie_adr_qpv_type",
]
#: Values of contrat_salarie_pe_duree_code meaning "24 months or more".
JOB_SEEKER_24M = frozenset({"4", "24 MOIS ET PLUS"})


def latest_contract(py: np.ndarray, ctr_id: np.ndarray, contrat: pd.DataFrame) -> np.ndarray:
    """For each person-year code ``0..max(py)``, the row position in ``contrat`` of its most
    recent contract (latest ``contrat_date_embauche``, ties: highest ``contrat_id_ctr``) among
    the contracts its counted EMI rows reference; -1 when none is known.

    ``py`` and ``ctr_id`` are per EMI row (``ctr_id`` -1 when missing). ``contrat`` must hold
    one row per ``contrat_id_ctr``."""
    n_py = int(py.max()) + 1 if len(py) else 0
    ids = contrat["contrat_id_ctr"].to_numpy(dtype=np.int64)
    pos = positions(ids, ctr_id)
    ok = np.flatnonzero((ctr_id >= 0) & (pos >= 0))
    if len(ok) == 0:
        return np.full(n_py, -1, dtype=np.int64)
    hired = pd.to_datetime(contrat["contrat_date_embauche"]).to_numpy().astype("datetime64[ns]")
    order = np.lexsort((ids, hired.astype(np.int64)))  # NaT (min int) is the oldest
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    best = np.full(n_py, -1, dtype=np.int64)
    np.maximum.at(best, py[ok], rank[pos[ok]])
    return np.where(best >= 0, order[np.maximum(best, 0)], -1)


def characteristics(
    contract_pos: np.ndarray, py_year: np.ndarray, contrat: pd.DataFrame, salarie: pd.DataFrame
) -> pd.DataFrame:
    """Characteristics of each person-year (one row per entry of ``contract_pos``).

    ``contract_pos`` is the person-year's contract (row of ``contrat``, -1 if none) and
    ``py_year`` its year. Sex, birth year and QPV come from the ``fluxIAE_Salarie`` row the
    contract points to (``contrat_id_pph`` = ``salarie_id``). Columns: the public keys
    (bool; a person-year with no known contract has none) and ``qpv_known`` (the QPV status
    is ``QP`` or ``NQP``)."""
    require_columns(contrat, "contrat_mission", CONTRACT_COLUMNS)
    require_columns(salarie, "salarie", SALARIE_COLUMNS)
    n = len(contract_pos)
    has = contract_pos >= 0
    c = contrat.iloc[contract_pos[has]]
    flags = {k: np.zeros(n, dtype=bool) for k in PUBLIC_KEYS}
    flags["qpv_known"] = np.zeros(n, dtype=bool)
    if not has.any():
        return pd.DataFrame(flags)
    flags["rsa"][has] = text_in(c["contrat_salarie_rsa"], {"OUI-M", "OUI-NM"})
    flags["ass"][has] = as_bool(c["contrat_salarie_ass"])
    flags["aah"][has] = as_bool(c["contrat_salarie_aah"])
    flags["rqth"][has] = as_bool(c["contrat_salarie_rqth"])
    flags["job_seeker_24m_plus"][has] = text_in(c["contrat_salarie_pe_duree_code"], JOB_SEEKER_24M)
    flags["low_qualification"][has] = text_in(
        c["contrat_niveau_de_formation_code"], LOW_QUALIFICATION_CODES
    )
    sal = salarie.loc[first_of_each(salarie["salarie_id"].to_numpy(dtype=np.int64))]
    spos = positions(sal["salarie_id"].to_numpy(), c["contrat_id_pph"].to_numpy())
    found = spos >= 0
    s = sal.iloc[spos[found]]
    idx = np.flatnonzero(has)[found]
    flags["women"][idx] = text_in(s["salarie_rci_libelle"], {"MME"})
    born = pd.to_numeric(s["salarie_annee_naissance"], errors="coerce").to_numpy(dtype=float)
    age = py_year[idx] - born
    flags["under_26"][idx] = np.nan_to_num(age, nan=999) < 26
    flags["age_50_plus"][idx] = np.nan_to_num(age, nan=-1) >= 50
    flags["qpv"][idx] = text_in(s["salarie_adr_qpv_type"], {"QP"})
    flags["qpv_known"][idx] = text_in(s["salarie_adr_qpv_type"], {"QP", "NQP"})
    return pd.DataFrame(flags)

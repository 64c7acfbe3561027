"""Publics: one set of characteristics per person and year (pure functions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iae_diag.indicators.common import (
    EDUCATION_CODE_PATTERN,
    EDUCATION_KEYS,
    FALSE_TEXT,
    LOW_QUALIFICATION_CODES,
    TRUE_TEXT,
    TextColumn,
    as_bool,
    require_columns,
    text_in,
)
from iae_diag.indicators.keys import positions, sort_order
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
    "salarie_adr_is_zrr",
]
#: Values of contrat_salarie_pe_duree_code meaning "24 months or more" ("très longue durée").
JOB_SEEKER_24M = frozenset({"4", "24 MOIS ET PLUS"})
#: Values meaning "12 to 23 months".
JOB_SEEKER_12_23M = frozenset({"3", "DE 12 A 23 MOIS"})
#: Every known value of contrat_salarie_pe_duree_code (ASP classes 0-4 and their labels).
PE_DUREE_KNOWN = frozenset(
    {"0", "1", "2", "3", "4", "NON", "MOINS DE 6 MOIS", "DE 6 A 11 MOIS"}
    | JOB_SEEKER_12_23M
    | JOB_SEEKER_24M
)
#: contrat_salarie_rsa: the known codes, and those meaning "receives the RSA".
RSA_CODES = frozenset({"NON", "OUI-M", "OUI-NM"})
RSA_YES = frozenset({"OUI-M", "OUI-NM"})
#: Keys whose value comes from the Salarie row (a person without one is out of their
#: denominators); the others come from the contract.
SALARIE_KEYS = ("women", "under_26", "age_50_plus", "qpv", "zrr")
#: salarie_rci_libelle: the civilities that tell the sex (MME: a woman, M.: a man).
CIVILITIES = frozenset({"MME", "M."})


_DAY_NS = 86_400 * 10**9


def contract_order(contrat: pd.DataFrame) -> np.ndarray:
    """Row positions of ``contrat`` from the oldest contract to the most recent (``contrat_
    date_embauche``, NaT the oldest; ties: ``contrat_id_ctr``), for :func:`latest_contract`."""
    ids = contrat["contrat_id_ctr"].to_numpy(dtype=np.int64)
    hired = pd.to_datetime(contrat["contrat_date_embauche"]).to_numpy().astype("datetime64[ns]")
    ns = hired.astype(np.int64)  # NaT (min int) is the oldest
    days = hired.astype("datetime64[D]").astype(np.int64)
    nat = np.isnat(hired)
    if len(ns) and not nat.all() and (ns[~nat] == days[~nat] * _DAY_NS).all():
        # whole days (the dates of the file): the same order, on a narrower key
        days[nat] = days[~nat].min() - 1
        return sort_order(days, ids)
    return np.lexsort((ids, ns))


def latest_contract(
    py: np.ndarray,
    ctr_id: np.ndarray,
    contrat: pd.DataFrame,
    order: np.ndarray | None = None,
    pos: np.ndarray | None = None,
    rank: np.ndarray | None = None,
) -> np.ndarray:
    """For each person-year code ``0..max(py)``, the row position in ``contrat`` of its most
    recent contract (latest ``contrat_date_embauche``, ties: highest ``contrat_id_ctr``) among
    the contracts its counted EMI rows reference; -1 when none is known.

    ``py`` and ``ctr_id`` are per EMI row (``ctr_id`` -1 when missing). ``contrat`` must hold
    one row per ``contrat_id_ctr``; when already computed (once for all the years):
    ``order``, its :func:`contract_order`; ``pos``, the position of each ``ctr_id`` in it
    (-1 absent); ``rank``, each contract's rank in ``order``."""
    n_py = int(py.max()) + 1 if len(py) else 0
    ids = contrat["contrat_id_ctr"].to_numpy(dtype=np.int64)
    if pos is None:
        pos = positions(ids, ctr_id)
    ok = np.flatnonzero((ctr_id >= 0) & (pos >= 0))
    if len(ok) == 0:
        return np.full(n_py, -1, dtype=np.int64)
    if order is None:
        order = contract_order(contrat)
    if rank is None:
        rank = np.empty(len(ids), dtype=np.int64)
        rank[order] = np.arange(len(ids))
    best = np.full(n_py, -1, dtype=np.int64)
    np.maximum.at(best, py[ok], rank[pos[ok]])
    return np.where(best >= 0, order[np.maximum(best, 0)], -1)


def _take(df: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """Rows ``rows`` (positions) of the ``columns`` of ``df`` only (the tables carry many
    more columns than the publics read)."""
    return df.iloc[rows, [df.columns.get_loc(c) for c in columns]]


def _known_bool(values: pd.Series) -> np.ndarray:
    """True where a boolean column holds a value (true or false, in any accepted spelling)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.notna().to_numpy(dtype=bool)
    return text_in(values, TRUE_TEXT | FALSE_TEXT)


def characteristics(
    contract_pos: np.ndarray, py_year: np.ndarray, contrat: pd.DataFrame, salarie: pd.DataFrame
) -> pd.DataFrame:
    """Characteristics of each person-year (one row per entry of ``contract_pos``).

    ``contract_pos`` is the person-year's contract (row of ``contrat``, -1 if none) and
    ``py_year`` its year. Sex, birth year, QPV and ZRR come from the ``fluxIAE_Salarie`` row the
    contract points to (``contrat_id_pph`` = ``salarie_id``; ``salarie`` must hold one row per
    id). Columns: each public key (bool: the person has the characteristic), ``<key>_known``
    for each key but ``qpv_all`` (bool: the value is known, the person is in the key's
    denominator), ``has_contract`` and ``has_salarie`` (the contract's Salarie row exists).
    A person-year without a usable contract knows no key; without a Salarie row, none of
    :data:`SALARIE_KEYS`."""
    require_columns(contrat, "contrat_mission", CONTRACT_COLUMNS)
    require_columns(salarie, "salarie", SALARIE_COLUMNS)
    n = len(contract_pos)
    has = contract_pos >= 0
    flags = {k: np.zeros(n, dtype=bool) for k in PUBLIC_KEYS}
    known = {f"{k}_known": np.zeros(n, dtype=bool) for k in PUBLIC_KEYS if k != "qpv_all"}
    flags.update(known)
    flags["has_contract"] = has.copy()
    flags["has_salarie"] = np.zeros(n, dtype=bool)
    if not has.any():
        return pd.DataFrame(flags)
    c = _take(contrat, contract_pos[has], CONTRACT_COLUMNS)
    at = np.flatnonzero(has)

    def put(key: str, value: np.ndarray, is_known: np.ndarray, idx: np.ndarray = at) -> None:
        flags[key][idx] = value & is_known
        flags[f"{key}_known"][idx] = is_known

    rsa = TextColumn.of(c["contrat_salarie_rsa"])
    put("rsa", rsa.isin(RSA_YES), rsa.isin(RSA_CODES))
    for key in ("ass", "aah", "rqth"):
        col = c[f"contrat_salarie_{key}"]
        put(key, as_bool(col), _known_bool(col))
    pe = TextColumn.of(c["contrat_salarie_pe_duree_code"])
    pe_known = pe.isin(PE_DUREE_KNOWN)
    put("job_seeker_24m_plus", pe.isin(JOB_SEEKER_24M), pe_known)
    put("job_seeker_12_23m", pe.isin(JOB_SEEKER_12_23M), pe_known)
    edu = TextColumn.of(c["contrat_niveau_de_formation_code"])
    edu_known = edu.matches(EDUCATION_CODE_PATTERN)
    put("low_qualification", edu.isin(LOW_QUALIFICATION_CODES), edu_known)
    for key, codes in EDUCATION_KEYS.items():
        put(key, edu.isin(codes), edu_known)

    spos = positions(
        salarie["salarie_id"].to_numpy(dtype=np.int64), c["contrat_id_pph"].to_numpy()
    )
    found = spos >= 0
    s = _take(salarie, spos[found], SALARIE_COLUMNS)
    idx = at[found]
    flags["has_salarie"][idx] = True
    civ = TextColumn.of(s["salarie_rci_libelle"])
    put("women", civ.isin({"MME"}), civ.isin(CIVILITIES), idx)
    born = pd.to_numeric(s["salarie_annee_naissance"], errors="coerce").to_numpy(dtype=float)
    age = py_year[idx] - born
    age_known = ~np.isnan(age)
    put("under_26", np.nan_to_num(age, nan=999) < 26, age_known, idx)
    put("age_50_plus", np.nan_to_num(age, nan=-1) >= 50, age_known, idx)
    qpv = TextColumn.of(s["salarie_adr_qpv_type"])
    put("qpv", qpv.isin({"QP"}), qpv.isin({"QP", "NQP"}), idx)
    flags["qpv_all"][idx] = flags["qpv"][idx]
    zrr = s["salarie_adr_is_zrr"]
    put("zrr", as_bool(zrr), _known_bool(zrr), idx)
    return pd.DataFrame(flags)

"""Publics: one set of characteristics per person and year (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iae_diag.indicators.activity import int_values
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
from iae_diag.indicators.keys import position_dtype, positions, sort_order
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
    best = np.full(n_py, -1, dtype=rank.dtype)  # ufunc.at is fast on one dtype only
    np.maximum.at(best, py[ok], rank[pos[ok]])
    return np.where(best >= 0, order[np.maximum(best, 0)], -1).astype(np.int64, copy=False)


#: Keys whose value comes from the contract (the others, :data:`SALARIE_KEYS`, from its
#: Salarie row; ``qpv_all`` is ``qpv``).
CONTRACT_KEYS = (
    "rsa",
    "ass",
    "aah",
    "rqth",
    "job_seeker_24m_plus",
    "job_seeker_12_23m",
    "low_qualification",
    *EDUCATION_KEYS,
)
#: Keys read from the Salarie row's own columns (the ages come from its birth year).
SALARIE_FLAG_KEYS = ("women", "qpv", "zrr")


def _pack(values: dict[str, tuple[np.ndarray, np.ndarray]], keys, dtype) -> np.ndarray:
    """One integer a row: for the j-th key, bit 2j the value (only when known), bit 2j+1
    whether it is known. Built in place (a national history has millions of contracts)."""
    n = len(next(iter(values.values()))[0]) if values else 0
    out = np.zeros(n, dtype=dtype)
    bit = np.empty(n, dtype=dtype)
    both = np.empty(n, dtype=bool)
    for j, key in enumerate(keys):
        value, known = values[key]
        np.logical_and(value, known, out=both)
        for flag, shift in ((both, 2 * j), (known, 2 * j + 1)):
            np.copyto(bit, flag, casting="unsafe")
            np.left_shift(bit, dtype(shift), out=bit)
            np.bitwise_or(out, bit, out=out)
    return out


def _unpack(packed: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
    """(value, known) of the j-th key of :func:`_pack`'s integers."""
    return ((packed >> (2 * j)) & 1).astype(bool), ((packed >> (2 * j + 1)) & 1).astype(bool)


@dataclass(frozen=True)
class PublicsSources:
    """What the publics read, computed once for every contract and every Salarie row
    (elementwise: the same values as when computed on the rows a person-year points to).
    A national history looks its person-years up in these few narrow arrays instead of
    gathering the text columns of millions of contracts at every part of every year
    (``docs/performance.md``)."""

    contract: np.ndarray  # per contract row: CONTRACT_KEYS packed by _pack (uint32)
    contract_salarie: np.ndarray  # per contract row: position of its Salarie row, -1 none
    salarie: np.ndarray  # per Salarie row: SALARIE_FLAG_KEYS packed (uint8)
    born: np.ndarray  # per Salarie row: birth year (float, NaN unknown)

    @classmethod
    def of(cls, contrat: pd.DataFrame, salarie: pd.DataFrame) -> PublicsSources:
        require_columns(contrat, "contrat_mission", CONTRACT_COLUMNS)
        require_columns(salarie, "salarie", SALARIE_COLUMNS)
        values: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        rsa = TextColumn.of(contrat["contrat_salarie_rsa"])
        values["rsa"] = rsa.isin(RSA_YES), rsa.isin(RSA_CODES)
        for key in ("ass", "aah", "rqth"):
            col = contrat[f"contrat_salarie_{key}"]
            values[key] = as_bool(col), _known_bool(col)
        pe = TextColumn.of(contrat["contrat_salarie_pe_duree_code"])
        pe_known = pe.isin(PE_DUREE_KNOWN)
        values["job_seeker_24m_plus"] = pe.isin(JOB_SEEKER_24M), pe_known
        values["job_seeker_12_23m"] = pe.isin(JOB_SEEKER_12_23M), pe_known
        edu = TextColumn.of(contrat["contrat_niveau_de_formation_code"])
        edu_known = edu.matches(EDUCATION_CODE_PATTERN)
        values["low_qualification"] = edu.isin(LOW_QUALIFICATION_CODES), edu_known
        for key, codes in EDUCATION_KEYS.items():
            values[key] = edu.isin(codes), edu_known
        spos = positions(
            salarie["salarie_id"].to_numpy(dtype=np.int64),
            int_values(contrat["contrat_id_pph"]),
        )
        civ = TextColumn.of(salarie["salarie_rci_libelle"])
        qpv = TextColumn.of(salarie["salarie_adr_qpv_type"])
        zrr = salarie["salarie_adr_is_zrr"]
        flags = {
            "women": (civ.isin({"MME"}), civ.isin(CIVILITIES)),
            "qpv": (qpv.isin({"QP"}), qpv.isin({"QP", "NQP"})),
            "zrr": (as_bool(zrr), _known_bool(zrr)),
        }
        born = pd.to_numeric(salarie["salarie_annee_naissance"], errors="coerce")
        return cls(
            contract=_pack(values, CONTRACT_KEYS, np.uint32),
            contract_salarie=spos.astype(position_dtype(len(salarie))),
            salarie=_pack(flags, SALARIE_FLAG_KEYS, np.uint8),
            born=born.to_numpy(dtype=float, na_value=np.nan),
        )


def _known_bool(values: pd.Series) -> np.ndarray:
    """True where a boolean column holds a value (true or false, in any accepted spelling)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.notna().to_numpy(dtype=bool)
    return text_in(values, TRUE_TEXT | FALSE_TEXT)


def characteristics(
    contract_pos: np.ndarray,
    py_year: np.ndarray,
    contrat: pd.DataFrame,
    salarie: pd.DataFrame,
    sources: PublicsSources | None = None,
) -> pd.DataFrame:
    """Characteristics of each person-year (one row per entry of ``contract_pos``).

    ``contract_pos`` is the person-year's contract (row of ``contrat``, -1 if none) and
    ``py_year`` its year. Sex, birth year, QPV and ZRR come from the ``fluxIAE_Salarie`` row the
    contract points to (``contrat_id_pph`` = ``salarie_id``; ``salarie`` must hold one row per
    id). Columns: each public key (bool: the person has the characteristic), ``<key>_known``
    for each key but ``qpv_all`` (bool: the value is known, the person is in the key's
    denominator), ``has_contract`` and ``has_salarie`` (the contract's Salarie row exists).
    A person-year without a usable contract knows no key; without a Salarie row, none of
    :data:`SALARIE_KEYS`. ``sources``: ``PublicsSources.of(contrat, salarie)`` when already
    built (once for all the years)."""
    n = len(contract_pos)
    has = contract_pos >= 0
    flags = {k: np.zeros(n, dtype=bool) for k in PUBLIC_KEYS}
    known = {f"{k}_known": np.zeros(n, dtype=bool) for k in PUBLIC_KEYS if k != "qpv_all"}
    flags.update(known)
    flags["has_contract"] = has.copy()
    flags["has_salarie"] = np.zeros(n, dtype=bool)
    if not has.any():
        return pd.DataFrame(flags)
    if sources is None:
        sources = PublicsSources.of(contrat, salarie)
    at = np.flatnonzero(has)
    rows = contract_pos[at]

    def put(key: str, value: np.ndarray, is_known: np.ndarray, idx: np.ndarray = at) -> None:
        flags[key][idx] = value & is_known
        flags[f"{key}_known"][idx] = is_known

    packed = sources.contract[rows]
    for j, key in enumerate(CONTRACT_KEYS):
        put(key, *_unpack(packed, j))
    spos = sources.contract_salarie[rows]
    found = spos >= 0
    srows = spos[found]
    idx = at[found]
    flags["has_salarie"][idx] = True
    packed = sources.salarie[srows]
    for j, key in enumerate(SALARIE_FLAG_KEYS):
        put(key, *_unpack(packed, j), idx)
    age = py_year[idx] - sources.born[srows]
    age_known = ~np.isnan(age)
    put("under_26", np.nan_to_num(age, nan=999) < 26, age_known, idx)
    put("age_50_plus", np.nan_to_num(age, nan=-1) >= 50, age_known, idx)
    flags["qpv_all"][idx] = flags["qpv"][idx]
    return pd.DataFrame(flags)

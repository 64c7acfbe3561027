"""Flows and exits (definitions v2, "Flows: hirings, monthly average, year-end stock" and
"Parcours and exits"): hirings, entrants and their publics, renewals, salariés en moyenne
mensuelle, présents en fin d'année, sortants, sorties examinées, exits by category, exit rates
and AF objectives, length of the parcours; and their data-quality rows.

:func:`flow_tables` is the one entry point (called by ``tables.build_tables``). The counted EMI
rows reach it already aggregated, year by year as ``build_tables`` reads them (memory bounded
by the largest year, ``docs/performance.md``): per contract (:class:`ContractActivity`: hours,
first and last month with its département, latest exit motif) and per person-month
(:func:`person_month_cubes`). It then works on contracts and parcours only. Layout of the rows:
``docs/architecture.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iae_diag.indicators.activity import PersonIndex, combine_keys, int_values, person_ids
from iae_diag.indicators.cells import (
    ALL_I,
    N_TYPES,
    distinct_cubes,
    long_rows,
    quality_rows,
    ratio,
    sum_cube,
)
from iae_diag.indicators.common import Geography, require_columns
from iae_diag.indicators.eligibility import OBJECTIVE_COLUMNS
from iae_diag.indicators.keys import (
    dense_codes,
    position_dtype,
    positions,
    sort_order,
    sorted_unique,
)
from iae_diag.indicators.parcours import (
    CATEGORIES,
    DAYS_PER_MONTH,
    DYNAMIC,
    RATE_CATEGORIES,
    RATE_KEYS,
    UNKNOWN_REASONS,
    examined,
    exit_category,
    motif_categories,
    parcours_of_contracts,
    unknown_reason,
)
from iae_diag.indicators.publics import CONTRACT_COLUMNS, PublicsSources, characteristics
from iae_diag.territories import LEVELS, dep_of_commune
from iae_diag.vocabulary import MESURE_TYPES, PUBLIC_KEYS, TYPES

#: ContratMission columns the flows read (besides the publics' ``CONTRACT_COLUMNS``).
FLOW_CONTRACT_COLUMNS = [
    "contrat_id_ctr",
    "contrat_id_pph",
    "contrat_id_structure",
    "contrat_mesure_disp_code",
    "contrat_date_embauche",
    "contrat_date_sortie_definitive",
    "contrat_type_contrat",
]
#: Exit motif of a contract (optional column: without it, motifs come from the EMI rows).
CONTRACT_MOTIF_COLUMN = "contrat_motif_sortie_id"
#: rate key -> AF objective column (percentages in the annex).
OBJECTIVE_OF_RATE = dict(
    zip(
        ("emploi_durable", "emploi_transition", "sorties_positives", "sorties_dynamiques"),
        OBJECTIVE_COLUMNS,
        strict=True,
    )
)
KNOWN_KEYS = [k for k in PUBLIC_KEYS if k != "qpv_all"]


@dataclass(frozen=True)
class EmiActivity:
    """The counted EMI rows of a block of years as the flows need them: one entry per row."""

    years: np.ndarray  # the block's years (sorted)
    ctr_id: np.ndarray  # emi_ctr_id, -1 when missing
    ctr_pos: np.ndarray  # position of the contract in ContratMission, -1 none or unknown
    person_year: np.ndarray  # code of the row's (person, year), 0..k-1 in that order
    year_i: np.ndarray  # index of the row's year in ``years``
    month: np.ndarray  # 1-12
    dep_i: np.ndarray  # département slot of the row's AF
    type_i: np.ndarray  # type index of the row's AF
    hours: np.ndarray
    motif_code: np.ndarray  # code into motif_values, -1 none (may be empty: no column)
    motif_values: tuple[str, ...]


class ContractActivity:
    """The counted EMI rows aggregated per contract (one entry per contract id of ``ids``),
    accumulated block by block of years (:meth:`add`, blocks in year order).

    Hours are summed per year, then the years in order: the same sums whatever the blocks
    (one block of every year or one block per year). Months are absolute
    (``year * 12 + month - 1``): only their order and the département or motif they carry are
    read."""

    def __init__(self, ids: np.ndarray, n_dep_slots: int) -> None:
        n = len(ids)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.n_d1 = n_dep_slots
        self.hours = np.zeros(n)
        #: (absolute month * n_dep_slots + département slot) of the first and last counted row
        #: (int32: year 9999 x 12 x 1000 slots still fits; one entry per contract of a national
        #: history)
        self.first_key = np.full(n, np.iinfo(np.int32).max, dtype=np.int32)
        self.last_key = np.full(n, -1, dtype=np.int32)
        #: absolute month of the latest counted row carrying an exit motif (-1: none), and that
        #: motif as a code into ``motif_values`` (the highest value when a month has several)
        self.motif_month = np.full(n, -1, dtype=np.int32)
        self.motif_code = np.full(n, -1, dtype=np.int32)
        self.motif_values: list[str] = []
        self._code_of: dict[str, int] = {}

    def add(self, emi: EmiActivity) -> None:
        """Add the counted rows of a block (of the years already added or later ones; a
        contract's hours are added per year, in the order the years come)."""
        if self.first_key is None:
            raise RuntimeError("ContractActivity.add after release_read(): the flows read it")
        pos = emi.ctr_pos
        month_abs = np.asarray(emi.years, dtype=np.int64)[emi.year_i] * 12 + emi.month - 1
        for y in sorted_unique(emi.year_i):
            ok = np.flatnonzero((pos >= 0) & (emi.year_i == y))
            cp = pos[ok]
            np.add.at(self.hours, cp, emi.hours[ok])
            key = (month_abs[ok] * self.n_d1 + emi.dep_i[ok]).astype(np.int32)
            np.minimum.at(self.first_key, cp, key)
            np.maximum.at(self.last_key, cp, key)
            if len(emi.motif_code) and len(emi.motif_values):
                self._add_motifs(cp, month_abs[ok], emi.motif_code[ok], emi.motif_values)

    def release_read(self) -> None:
        """Free the first months and the motifs per contract once the flows have read them
        (:func:`_contracts`): the parcours, where the flows' memory peaks, reuse that memory
        (``docs/performance.md``). Nothing can be added afterwards."""
        self.first_key = self.motif_month = self.motif_code = None

    def _add_motifs(self, cp, month_abs, code, values: tuple[str, ...]) -> None:
        """The latest motif of each contract among rows of one year: kept when later than
        the one already held (a later month; the same month: a higher value as text)."""
        carry = np.flatnonzero(code >= 0)  # the rows with a motif: few (the exits)
        local = np.sort(np.asarray(values, dtype=object))
        n_m = len(local)
        rank = pd.Index(local).get_indexer(list(values))
        row_key = month_abs[carry] * n_m + rank[code[carry]]
        by = sort_order(cp[carry], row_key)
        ctr, row_key = cp[carry][by], row_key[by]
        last = np.ones(len(ctr), dtype=bool)
        last[:-1] = ctr[1:] != ctr[:-1]
        c, key = ctr[last], row_key[last]  # each contract's latest (month, motif)
        for v in local:
            if v not in self._code_of:
                self._code_of[v] = len(self.motif_values)
                self.motif_values.append(v)
        global_code = np.asarray([self._code_of[v] for v in local], dtype=np.int64)
        month, motif = key // n_m, global_code[key % n_m]
        held_month, held = self.motif_month[c], self.motif_code[c].astype(np.int64)
        text_rank = np.empty(len(self.motif_values), dtype=np.int64)
        text_rank[np.argsort(np.asarray(self.motif_values, dtype=object))] = np.arange(
            len(self.motif_values)
        )
        later = (month > held_month) | (
            (month == held_month) & (text_rank[motif] > text_rank[np.maximum(held, 0)])
        )
        c, month, motif = c[later], month[later], motif[later]
        self.motif_month[c] = month.astype(np.int32)
        self.motif_code[c] = motif.astype(np.int32)


@dataclass(frozen=True)
class AfObjectives:
    """The eligible AF with their exit objectives, and the (AF, year) pairs they are active."""

    dep_i: np.ndarray  # per eligible AF
    type_i: np.ndarray
    etp_postes: np.ndarray  # af_etp_postes_insertion (the weight)
    objectives: dict[str, np.ndarray]  # rate key -> objective (percentage, NaN when none)
    active_af: np.ndarray  # af position of each active (AF, year) pair
    active_year_i: np.ndarray


def objectives_of(af: pd.DataFrame) -> dict[str, np.ndarray]:
    """Rate key -> objective column of the eligible AF (``eligibility.eligible_af``), for the
    objective columns it has with at least one value."""
    out = {}
    for key, column in OBJECTIVE_OF_RATE.items():
        if column in af.columns and af[column].notna().any():
            out[key] = af[column].to_numpy(dtype=float)
    return out


# --------------------------------------------------------------------------- entry point


def flow_tables(
    geo: Geography,
    years: np.ndarray,
    slots: dict[str, np.ndarray],
    activity: ContractActivity,
    person_months: dict[str, np.ndarray],
    contrat: pd.DataFrame,
    salarie: pd.DataFrame,
    structure: pd.DataFrame,
    objectives: AfObjectives,
    ref_motif_sort: pd.DataFrame | None,
    ref_categorie_sort: pd.DataFrame | None,
    persons: PersonIndex | None = None,
    publics: PublicsSources | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The flow and exit indicators and their data-quality rows for every territory slot of
    ``slots`` (level -> slots) and year of ``years`` (sorted).

    ``contrat``, ``salarie`` and ``structure`` hold one row per id (``records.resolve_ids``);
    ``activity`` aggregates the counted EMI rows per contract of ``contrat`` (same order) and
    ``person_months`` per person-month (:func:`person_month_cubes`, every year); ``persons``:
    the ``activity.PersonIndex`` of ``salarie`` when already built; ``publics``: the
    ``publics.PublicsSources`` of ``contrat`` and ``salarie`` when already built. Returns
    (indicator rows, quality rows) in the long layouts of ``docs/architecture.md``."""
    require_columns(contrat, "contrat_mission", [*FLOW_CONTRACT_COLUMNS, *CONTRACT_COLUMNS])
    require_columns(structure, "structure", ["structure_id_siae"])
    years = np.asarray(years, dtype=np.int64)
    n_y = len(years)
    c = _contracts(geo, years, activity, contrat, salarie, structure, persons)
    p = _parcours(geo, years, c, ref_motif_sort, ref_categorie_sort)
    month = person_months
    entrants = _entrants(geo, years, c, contrat, salarie, publics)
    ind, qual = [], []
    counts = _Counts(geo, n_y)
    for level in LEVELS:
        sl = slots[level]
        codes = [geo.codes(level)[i] for i in sl]

        def add(name, value, num=None, den=None, breakdown=None, codes=codes, level=level):
            ind.append(long_rows(name, level, codes, years, value, num, den, breakdown))

        def quality(check, arr, breakdown="", codes=codes, level=level):
            qual.append(quality_rows(level, codes, years, check, breakdown, arr))

        _flows_of_level(level, sl, c, month, entrants, counts, add, quality)
        _exits_of_level(geo, level, sl, n_y, p, objectives, counts, add, quality)
        quality("contract_without_hiring_date", np.full((len(sl), n_y), float(c.no_hire_date)))
    return pd.concat(ind, ignore_index=True), pd.concat(qual, ignore_index=True)


# --------------------------------------------------------------------------- contracts


@dataclass(frozen=True)
class _Contracts:
    """One entry per contract of ``contrat`` (same order)."""

    ids: np.ndarray
    person: np.ndarray
    structure: np.ndarray
    type_i: np.ndarray  # int8, -1: mesure without a SIAE type
    kind: np.ndarray  # int32, contrat_type_contrat, -1 unknown
    hired: np.ndarray  # days since 1970, NaN unknown
    ended: np.ndarray  # contrat_date_sortie_definitive in days, NaN none
    hired_year_i: np.ndarray  # int32, index among the years, -1 outside them or unknown
    dep_i: np.ndarray  # int32, first counted EMI row's AF département, else the address's
    by_address: np.ndarray  # bool: no counted EMI row, placed by the structure's address
    address_dep_i: np.ndarray
    hours: np.ndarray  # hours of the counted EMI rows
    last_key: np.ndarray  # int32, (absolute month * n_dep_slots + dep) of the last row, -1
    emi_motif_key: np.ndarray  # (month index * n_motifs + motif rank) of the latest, -1
    motif_code: np.ndarray  # contrat_motif_sortie_id as a code into motif_values, -1 missing
    motif_values: np.ndarray  # the distinct motifs (stripped), then None (read by code -1)
    emi_motifs: np.ndarray  # motif values sorted (the ranks of emi_motif_key)
    no_hire_date: int  # contracts with a SIAE type and no hiring date (left out)


def _days(s: pd.Series) -> np.ndarray:
    d = pd.to_datetime(s, errors="coerce")
    out = d.to_numpy(dtype="datetime64[D]").astype("datetime64[D]").astype(np.int64)
    return np.where(d.isna().to_numpy(), np.nan, out.astype(float))


def _contracts(geo, years, act, contrat, salarie, structure, persons) -> _Contracts:
    ids = int_values(contrat["contrat_id_ctr"])
    pph = int_values(contrat["contrat_id_pph"])
    sid = int_values(contrat["contrat_id_structure"])
    # text columns are normalised on their distinct values only (a few per million rows)
    codes, uniques = pd.factorize(contrat["contrat_mesure_disp_code"], use_na_sentinel=True)
    type_of = [MESURE_TYPES.get(str(u).strip().upper(), "") for u in uniques]
    type_of_code = np.append(pd.Index(TYPES).get_indexer(type_of), -1).astype(np.int8)
    type_i = type_of_code[codes]  # code -1 (missing) reads the trailing -1
    # narrow integers where the range is small: one entry per contract of a national history
    kind = int_values(contrat["contrat_type_contrat"], missing=-1).astype(np.int32)
    hired = _days(contrat["contrat_date_embauche"])
    ended = _days(contrat["contrat_date_sortie_definitive"])
    hired_year = pd.DatetimeIndex(pd.to_datetime(contrat["contrat_date_embauche"])).year
    hired_year = np.asarray(hired_year.fillna(-1), dtype=np.int64)
    y_i = np.searchsorted(years, hired_year)
    y_ok = (y_i < len(years)) & (years[np.minimum(y_i, len(years) - 1)] == hired_year)
    hired_year_i = np.where(y_ok, y_i, -1).astype(np.int32)
    del hired_year, y_i, y_ok
    person, _ = person_ids(pph, sid, salarie, persons)

    # the structure's administrative address (contracts without counted EMI rows)
    # (its commune coded once per structure, then looked up by each contract)
    st = structure.drop_duplicates("structure_id_siae")
    if "structure_adresse_admin_code_insee" in st.columns:
        st_code, uniq = pd.factorize(
            st["structure_adresse_admin_code_insee"], use_na_sentinel=True
        )
        at = positions(int_values(st["structure_id_siae"]), sid)
        codes = np.full(len(sid), -1, dtype=np.int64)  # -1: no such structure, no commune
        found = at >= 0
        codes[found] = st_code[at[found]]
    else:
        codes, uniq = np.full(len(sid), -1, dtype=np.int64), []
    uniq_dep = geo.dep_index(pd.Series([dep_of_commune(u) for u in uniq], dtype=object))
    address_dep_i = np.append(uniq_dep, geo.n_dep).astype(np.int32)[codes]

    # the counted EMI rows, aggregated per contract year by year (ContractActivity)
    if len(act.ids) != len(ids) or (act.ids != ids).any():
        raise ValueError("ContractActivity built on other contracts than contrat_mission's")
    ids = act.ids  # the same values: one array
    n_c, n_d1 = len(ids), geo.n_territories("dep")
    hours = act.hours
    last_key = act.last_key
    has_emi = last_key >= 0
    dep_i = np.where(has_emi, act.first_key % n_d1, address_dep_i).astype(np.int32)

    emi_motifs = np.sort(np.asarray(act.motif_values, dtype=object))
    # int32 while the keys fit (one entry per contract of a national history)
    top = (int(act.motif_month.max()) + 1) * max(len(emi_motifs), 1) if n_c else 0
    emi_motif_key = np.full(n_c, -1, dtype=position_dtype(top))
    if len(emi_motifs):
        rank_of_code = pd.Index(emi_motifs).get_indexer(list(act.motif_values))
        carry = act.motif_month >= 0
        emi_motif_key[carry] = act.motif_month[carry].astype(np.int64) * len(
            emi_motifs
        ) + rank_of_code[act.motif_code[carry]].astype(np.int64)
    act.release_read()
    motif_code = np.full(n_c, -1, dtype=np.int32)
    motif_values = np.asarray([None], dtype=object)
    if CONTRACT_MOTIF_COLUMN in contrat.columns:
        codes, uniques = pd.factorize(contrat[CONTRACT_MOTIF_COLUMN], use_na_sentinel=True)
        motif_code = codes.astype(np.int32)
        motif_values = np.asarray([*(str(u).strip() or None for u in uniques), None], object)
    return _Contracts(
        ids=ids,
        person=person,
        structure=sid,
        type_i=type_i,
        kind=kind,
        hired=hired,
        ended=ended,
        hired_year_i=hired_year_i,
        dep_i=dep_i,
        by_address=~has_emi,
        address_dep_i=address_dep_i,
        hours=hours,
        last_key=last_key,
        emi_motif_key=emi_motif_key,
        motif_code=motif_code,
        motif_values=motif_values,
        emi_motifs=emi_motifs,
        no_hire_date=int(np.count_nonzero((type_i >= 0) & np.isnan(hired))),
    )


# --------------------------------------------------------------------------- hirings


@dataclass(frozen=True)
class _Entrants:
    """The persons hired in each year (initial contracts) and the publics of their hiring."""

    #: level -> (n_t, n_y, 6, 1 + 2k): entrants, then the persons having each public key and
    #: knowing its value (PUBLIC_KEYS, then the "known" columns of KNOWN_KEYS)
    cubes: dict[str, np.ndarray]


def _entrants(geo, years, c: _Contracts, contrat, salarie, publics=None) -> _Entrants:
    """The hiring contract of each entrant-year is its latest initial contract of the year
    (latest hiring date, then highest ``contrat_id_ctr``), whatever the type; its publics come
    from that contract and its Salarie row (age in the year)."""
    rows = np.flatnonzero((c.kind == 0) & (c.type_i >= 0) & (c.hired_year_i >= 0))
    n_y = len(years)
    entity, uniques = dense_codes(c.person[rows] * max(n_y, 1) + c.hired_year_i[rows])
    n_e = len(uniques)
    order = sort_order(entity, c.hired[rows].astype(np.int64), c.ids[rows])
    last = np.ones(len(order), dtype=bool)
    last[:-1] = entity[order][1:] != entity[order][:-1]
    chosen = np.empty(n_e, dtype=np.int64)
    chosen[entity[order][last]] = rows[order][last]
    chars = characteristics(chosen, years[uniques % max(n_y, 1)], contrat, salarie, publics)
    # the flags of an entrant packed in one integer: few distinct profiles to count
    columns = [*PUBLIC_KEYS, *(f"{k}_known" for k in KNOWN_KEYS)]
    packed = np.zeros(n_e, dtype=np.int64)
    for j, column in enumerate(columns):
        packed |= chars[column].to_numpy(dtype=np.int64) << j
    profile, uniques = pd.factorize(packed)
    bits = (np.asarray(uniques, dtype=np.int64)[:, None] >> np.arange(len(columns))) & 1
    bits = np.column_stack([np.ones(len(uniques)), bits]).astype(float)
    r = rows
    cubes = distinct_cubes(
        geo, n_y, entity, n_e, c.hired_year_i[r], c.dep_i[r], c.type_i[r],
        profile.astype(np.int64), len(uniques),
    )  # fmt: skip
    return _Entrants(cubes={level: cube @ bits for level, cube in cubes.items()})


def person_month_cubes(geo, emi: EmiActivity) -> dict[str, np.ndarray]:
    """Level -> (n_t, n_y, 7, 2), ``n_y`` the years of the block ``emi``: distinct
    person-months of the year (x 1/12: the monthly average), and those of December (the
    year-end stock). A person-month holds its year: blocks of disjoint years are concatenated
    along the year axis."""
    n_y = len(emi.years)
    # person-month codes from the person-year codes: a dense range, numbered by direct addressing
    codes, uniques = dense_codes(emi.person_year * 12 + emi.month - 1)
    n_e = len(uniques)
    december = np.zeros(n_e, dtype=np.int64)
    december[codes] = emi.month == 12
    cubes = distinct_cubes(geo, n_y, codes, n_e, emi.year_i, emi.dep_i, emi.type_i, december, 2)
    # [..., 0]: person-months, [..., 1]: those of December
    return {level: np.stack([c.sum(axis=-1), c[..., 1]], axis=-1) for level, c in cubes.items()}


class _Counts:
    """Counts by (département slot, year, type[, extra]) computed once, at the first level
    asked, and rolled up to every level (sums of ones: exact whatever the order), instead of
    one pass over every contract or exit per level."""

    def __init__(self, geo: Geography, n_y: int) -> None:
        self.geo, self.n_y, self._by_dep = geo, n_y, {}

    def __call__(self, level: str, name: tuple, rows) -> np.ndarray:
        """The cube of ``name`` at ``level``; ``rows()`` gives (dep_i, year_i, type_i, mask or
        None, extra_i or None, n_extra) of the rows counted, called once."""
        if name not in self._by_dep:
            dep_i, year_i, type_i, mask, extra, n_extra = rows()
            w = None if mask is None else mask.astype(float)
            self._by_dep[name] = sum_cube(
                self.geo, "dep", self.n_y, dep_i, year_i, type_i, w, extra, n_extra
            )
        return self.geo.roll_up(level, self._by_dep[name])


def _flows_of_level(level, sl, c: _Contracts, month, entrants, counts, add, quality) -> None:
    """Hirings, entrants and their publics, renewals, monthly average, year-end stock."""

    def in_y():
        return (c.hired_year_i >= 0) & (c.type_i >= 0)

    def count(name, mask):  # contracts by their département, hiring year and type
        return counts(
            level,
            ("contracts", name),
            lambda: (
                c.dep_i,
                np.maximum(c.hired_year_i, 0),
                np.maximum(c.type_i, 0),
                mask(),
                None,
                1,
            ),
        )[sl]

    for name, kind in (("embauches", lambda k: k == 0), ("renouvellements", lambda k: k > 0)):
        add(name, count(name, lambda kind=kind: in_y() & kind(c.kind))[..., 0])
    ent = entrants.cubes[level][sl]
    n_ent = ent[..., 0]
    add("entrants", n_ent)
    k = len(PUBLIC_KEYS)
    num = ent[..., 1 : 1 + k]
    known = {key: ent[..., 1 + k + i] for i, key in enumerate(KNOWN_KEYS)}
    den = np.stack([n_ent if key == "qpv_all" else known[key] for key in PUBLIC_KEYS], axis=-1)
    add("public_share_entrants", ratio(num, den), num, den, list(PUBLIC_KEYS))
    pm = month[level][sl]
    add("salaries_moyenne_mensuelle", pm[..., 0] / 12.0)
    add("presents_fin_annee", pm[..., 1])
    # quality: contracts hired in the year placed by the address, of unknown type
    for check, breakdown, mask in (
        ("contract_address_fallback", "", lambda: in_y() & (c.kind >= 0) & c.by_address),
        ("contract_unknown_type", "mesure", lambda: (c.hired_year_i >= 0) & (c.type_i < 0)),
        ("contract_unknown_type", "type_contrat", lambda: in_y() & (c.kind < 0)),
    ):
        quality(check, count((check, breakdown), mask)[:, :, ALL_I, 0], breakdown)


# --------------------------------------------------------------------------- parcours


@dataclass(frozen=True)
class _Parcours:
    """One entry per parcours ending in a year of the tables (the sortants)."""

    dep_i: np.ndarray
    type_i: np.ndarray
    year_i: np.ndarray  # year of the end
    category_i: np.ndarray  # index in parcours.CATEGORIES
    examined: np.ndarray  # bool
    months: np.ndarray  # (end - start) / DAYS_PER_MONTH
    unknown_reason_i: np.ndarray  # index in UNKNOWN_REASONS, -1 known
    by_address: np.ndarray
    motif_from_emi: np.ndarray
    end_before_start: np.ndarray
    # parcours starting in a year with a renewal (no initial contract before it)
    orphan_dep_i: np.ndarray
    orphan_type_i: np.ndarray
    orphan_year_i: np.ndarray


def _parcours(geo, years, c: _Contracts, ref_motif_sort, ref_categorie_sort) -> _Parcours:
    use = np.flatnonzero((c.type_i >= 0) & ~np.isnan(c.hired))
    siae = combine_keys(c.person[use], c.structure[use], c.type_i[use])
    code, order, orphan = parcours_of_contracts(
        siae, c.hired[use].astype(np.int64), c.kind[use], c.ids[use]
    )
    del siae
    n_p = int(code.max()) + 1 if len(code) else 0
    s_code = code[order]
    head = np.ones(len(order), dtype=bool)
    head[1:] = s_code[1:] != s_code[:-1]
    tail = np.ones(len(order), dtype=bool)
    tail[:-1] = s_code[1:] != s_code[:-1]
    first = use[order[head]]  # contract rows, one per parcours in code order
    last = use[order[tail]]
    start, end = c.hired[first], c.ended[last]
    type_i = c.type_i[first]
    hours = np.bincount(code, weights=c.hours[use], minlength=n_p)
    n_d1 = geo.n_territories("dep")
    starts = np.flatnonzero(head)  # each parcours' contracts are contiguous in ``order``

    def latest(values: np.ndarray) -> np.ndarray:  # per parcours, the maximum of its contracts
        if n_p == 0:
            return np.zeros(0, dtype=np.int64)
        return np.maximum.reduceat(values[use[order]], starts).astype(np.int64)

    last_key = latest(c.last_key)
    by_address = last_key < 0
    dep_i = np.where(by_address, c.address_dep_i[last], last_key % n_d1)
    emi_key = latest(c.emi_motif_key)
    # the motif of each parcours as a code into ``motifs`` (no Python string a parcours): its
    # last contract's, else the latest of its counted EMI rows'
    ctr_code = c.motif_code[last].astype(np.int64)  # -1 reads the trailing None
    from_emi = pd.isna(c.motif_values)[ctr_code] & (emi_key >= 0)
    n_ctr, n_m = len(c.motif_values) - 1, max(len(c.emi_motifs), 1)
    motif_code = np.where(from_emi, n_ctr + np.maximum(emi_key, 0) % n_m, ctr_code)
    motifs = [*c.motif_values[:-1], *c.emi_motifs]

    end_year = pd.DatetimeIndex(pd.to_datetime(np.nan_to_num(end, nan=0), unit="D")).year
    end_year = np.where(np.isnan(end), -1, np.asarray(end_year, dtype=np.int64))
    y_i = np.searchsorted(years, end_year)
    out = (y_i < len(years)) & (years[np.minimum(y_i, len(years) - 1)] == end_year)
    x = np.flatnonzero(out)
    cats = motif_categories(ref_motif_sort, ref_categorie_sort)
    tables = ref_motif_sort is not None and ref_categorie_sort is not None
    # categories and reasons are decided once per distinct motif (the last entry: no motif)
    codes = motif_code[x]
    distinct = pd.Series([*motifs, None], dtype="string")
    category = exit_category(distinct, cats).to_numpy(dtype=object)[codes]
    reason = unknown_reason(distinct, cats, tables)[codes]
    days = end[x] - start[x]
    type_key = np.asarray(TYPES, dtype=object)[type_i[x]]
    exam = examined(category, days, hours[x], type_key)

    start_year = pd.DatetimeIndex(pd.to_datetime(start, unit="D")).year.to_numpy(dtype=np.int64)
    s_i = np.searchsorted(years, start_year)
    s_ok = (s_i < len(years)) & (years[np.minimum(s_i, len(years) - 1)] == start_year)
    orphan_p = np.zeros(n_p, dtype=bool)
    orphan_p[code[orphan]] = c.kind[use][orphan] > 0
    o = np.flatnonzero(orphan_p & s_ok)
    return _Parcours(
        dep_i=dep_i[x].astype(np.int32),
        type_i=type_i[x],
        year_i=y_i[x].astype(np.int32),
        category_i=pd.Index(CATEGORIES).get_indexer(category).astype(np.int8),
        examined=exam,
        months=days / DAYS_PER_MONTH,
        unknown_reason_i=pd.Index(UNKNOWN_REASONS).get_indexer(reason).astype(np.int8),
        by_address=by_address[x],
        motif_from_emi=from_emi[x],
        end_before_start=days < 0,
        orphan_dep_i=dep_i[o].astype(np.int64),
        orphan_type_i=type_i[o],
        orphan_year_i=s_i[o].astype(np.int64),
    )


def _exits_of_level(geo, level, sl, n_y, p: _Parcours, obj: AfObjectives, counts, add, quality):
    """Sortants, exits by category, sorties examinées, rates, objectives, lengths."""

    def cube(name, mask=lambda: None, extra=lambda: None, n_extra=1):
        rows = lambda: (p.dep_i, p.year_i, p.type_i, mask(), extra(), n_extra)  # noqa: E731
        return counts(level, ("exits", name), rows)[sl]

    def rate_i():
        categories = np.asarray(CATEGORIES, dtype=object)[p.category_i]
        return pd.Index(RATE_CATEGORIES).get_indexer(categories)

    add("sortants", cube("sortants")[..., 0])
    by_category = cube("category", extra=lambda: p.category_i, n_extra=len(CATEGORIES))
    add("exits_by_category", by_category, breakdown=list(CATEGORIES))
    exam = cube("examined", lambda: p.examined)[..., 0]
    add("sorties_examinees", exam)
    by_cat = cube(
        "examined_by_rate",
        lambda: p.examined & (rate_i() >= 0),
        lambda: np.maximum(rate_i(), 0),
        len(RATE_CATEGORIES),
    )
    dyn = by_cat[..., [RATE_CATEGORIES.index(k) for k in DYNAMIC]].sum(axis=-1, keepdims=True)
    num = np.concatenate([by_cat, dyn], axis=-1)
    den = np.broadcast_to(exam[..., None], num.shape)
    add("exit_rate", ratio(num, den), num, den, list(RATE_KEYS))
    if obj.objectives:
        keys = [k for k in RATE_KEYS if k in obj.objectives]
        a = obj.active_af
        nums, dens = [], []
        for k in keys:
            rate = obj.objectives[k][a]
            has = ~np.isnan(rate)
            w = np.where(has, obj.etp_postes[a], 0.0)
            args = (geo, level, n_y, obj.dep_i[a], obj.active_year_i, obj.type_i[a])
            nums.append(sum_cube(*args, w * np.nan_to_num(rate) / 100.0)[sl, ..., 0])
            dens.append(sum_cube(*args, w)[sl, ..., 0])
        o_num, o_den = np.stack(nums, axis=-1), np.stack(dens, axis=-1)
        add("exit_rate_objective", ratio(o_num, o_den), o_num, o_den, keys)
    mean, median = _lengths(geo, level, sl, n_y, p)
    add("duree_parcours_mois_mean", mean)
    add("duree_parcours_mois_median", median)
    # quality (all types)
    for i, why in enumerate(UNKNOWN_REASONS):
        unknown = cube(("unknown", why), lambda i=i: p.unknown_reason_i == i)
        quality("exit_category_unknown", unknown[..., ALL_I, 0], why)
    quality("exit_motif_from_emi", cube("from_emi", lambda: p.motif_from_emi)[..., ALL_I, 0])
    quality("parcours_address_fallback", cube("by_address", lambda: p.by_address)[..., ALL_I, 0])
    quality(
        "parcours_end_before_start", cube("end_before", lambda: p.end_before_start)[..., ALL_I, 0]
    )
    orphans = counts(
        level,
        ("orphans",),
        lambda: (p.orphan_dep_i, p.orphan_year_i, p.orphan_type_i, None, None, 1),
    )
    quality("renewal_without_initial", orphans[sl, :, ALL_I, 0])


def _lengths(geo, level, sl, n_y, p: _Parcours) -> tuple[np.ndarray, np.ndarray]:
    """Mean and median length (months) of the sorties examinées per cell (NaN when none)."""
    n_t = geo.n_territories(level)
    shape = (n_t, n_y, N_TYPES + 1)
    mean, median = np.full(shape, np.nan), np.full(shape, np.nan)
    e = np.flatnonzero(p.examined)
    t = geo.territory_of(level, p.dep_i[e])
    df = pd.DataFrame({"t": t, "y": p.year_i[e], "type": p.type_i[e], "m": p.months[e]})
    for keys, slot in ((["t", "y", "type"], None), (["t", "y"], ALL_I)):
        g = df.groupby(keys, sort=True)["m"].agg(["mean", "median"]).reset_index()
        ty = g["type"].to_numpy() if slot is None else np.full(len(g), slot)
        idx = (g["t"].to_numpy(), g["y"].to_numpy(), ty)
        mean[idx] = g["mean"].to_numpy()
        median[idx] = g["median"].to_numpy()
    return mean[sl], median[sl]

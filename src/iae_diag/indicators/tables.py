"""One pass over the processed data -> the indicator, data-quality and SIAE tables.

Everything is computed at département level with vectorised numpy (``bincount`` on integer
keys), then rolled up to regions and France: additive quantities (hours, ETP, ETP
conventionnés, counts of rows or annexes) are summed; distinct counts (salariés, publics,
structures) are recounted at each level from the distinct (entity, territory) pairs, never
summed. Layout of the outputs: ``docs/architecture.md``, "Indicator tables".
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iae_diag.errors import InputError
from iae_diag.indicators.activity import (
    EmiRows,
    PersonIndex,
    counted_emi,
    etp_of_rows,
    int_values,
    person_ids,
)
from iae_diag.indicators.cells import ALL_I, N_TYPES, ratio, sum_cube
from iae_diag.indicators.common import Geography, require_columns
from iae_diag.indicators.eligibility import eligible_af
from iae_diag.indicators.emi_years import YEAR, EmiYears
from iae_diag.indicators.flows import (
    AfObjectives,
    ContractActivity,
    EmiActivity,
    flow_tables,
    objectives_of,
    person_month_cubes,
)
from iae_diag.indicators.keys import Lookup, dense_codes, distinct_pairs, position_dtype
from iae_diag.indicators.offer import af_year_table
from iae_diag.indicators.publics import (
    CONTRACT_COLUMNS,
    SALARIE_COLUMNS,
    SALARIE_KEYS,
    PublicsSources,
    characteristics,
    contract_order,
    latest_contract,
)
from iae_diag.indicators.quality import quarantine_counts, unknown_value_counts
from iae_diag.indicators.records import EMI_CHECKS, resolve_ids
from iae_diag.indicators.sectors import (
    MISSING,
    SectorReference,
    load_sector_reference,
    sector_positions,
)
from iae_diag.memory import release_arrow_memory, reuse_freed_memory
from iae_diag.processed import ProcessedData, full_rows
from iae_diag.progress import Progress
from iae_diag.territories import LEVELS
from iae_diag.vocabulary import (
    INDICATOR_COLUMNS,
    INDICATOR_KEYS,
    PUBLIC_KEYS,
    QUALITY_COLUMNS,
    SIAE_COLUMNS,
    TYPE_ALL,
    TYPES,
    TYPES_WITH_ALL,
)

log = logging.getLogger(__name__)

#: Columns of ``characteristics`` telling that a key's value is known (its denominator).
KNOWN_COLUMNS = [f"{k}_known" for k in PUBLIC_KEYS if k != "qpv_all"]
#: Flags counted for each person-year (``_distinct_cube``), in the order of the cubes.
PERSON_COLUMNS = [
    *PUBLIC_KEYS,
    *KNOWN_COLUMNS,
    "without_contract",
    "without_salarie",
    "without_nir",
]


# --------------------------------------------------------------------------- cube helpers


def _distinct_cube(
    geo: Geography,
    level: str,
    n_y: int,
    entity: np.ndarray,
    n_entity: int,
    year_i: np.ndarray,
    dep_i: np.ndarray,
    type_i: np.ndarray,
    profiles: list[np.ndarray],
    bits: list[np.ndarray],
) -> np.ndarray:
    """Distinct entities by (territory slot of ``level``, year, type) with an ALL slot, plus
    the number of those entities having each flag.

    ``entity`` must already be specific to a year (e.g. a person-year code); its flags are
    given in groups: for each group, the row ``profiles[g]`` of the 0/1 matrix ``bits[g]``
    (one column per flag), constant per entity (groups keep the number of distinct profiles,
    hence the count arrays, small); entity codes are below ``n_entity``. Shape
    (n_t, n_y, 6, 1 + n_flags), flags in group order: [..., 0] is the count."""
    n_t = geo.n_territories(level)
    t = geo.territory_of(level, dep_i)
    size = n_t * n_y * (N_TYPES + 1)
    counts = [np.zeros(size * b.shape[0]) for b in bits]
    total = np.zeros(size)
    for by_type in (True, False):
        if by_type:
            slot = type_i
            first = distinct_pairs(entity, n_entity, t * N_TYPES + type_i)
        else:
            slot = np.full(len(t), ALL_I, dtype=np.int64)
            first = distinct_pairs(entity, n_entity, t)
        cell = ((t * n_y + year_i) * (N_TYPES + 1) + slot)[first]
        total += np.bincount(cell, minlength=size)
        for g, b in enumerate(bits):
            n_p = b.shape[0]
            counts[g] += np.bincount(cell * n_p + profiles[g][first], minlength=size * n_p)
    parts = [total[:, None]] + [
        c.reshape(size, b.shape[0]) @ b for c, b in zip(counts, bits, strict=True)
    ]
    k = sum(b.shape[1] for b in bits)
    out = np.concatenate(parts, axis=1)
    return out.reshape(n_t, n_y, N_TYPES + 1, 1 + k)


def _changes(
    geo: Geography,
    level: str,
    years: list[int],
    siae: np.ndarray,
    siae_type: np.ndarray,
    year_i: np.ndarray,
    dep_i: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(created, closed) cubes (n_t, n_y, 6): SIAE active in the territory in Y and not in
    Y-1, and the reverse; NaN when Y-1 is not a year of the data."""
    n_t = geo.n_territories(level)
    n_y = len(years)
    t = geo.territory_of(level, dep_i)
    created = np.full((n_t, n_y, N_TYPES + 1), np.nan)
    closed = np.full((n_t, n_y, N_TYPES + 1), np.nan)
    keys = siae * n_t + t
    sets = [np.unique(keys[year_i == y]) for y in range(n_y)]
    for y in range(n_y):
        if y == 0 or years[y - 1] != years[y] - 1:
            continue
        for target, a, b in ((created, sets[y], sets[y - 1]), (closed, sets[y - 1], sets[y])):
            new = a[~np.isin(a, b)]
            tt = new % n_t
            ty = siae_type[new // n_t]
            c = np.bincount(tt * N_TYPES + ty, minlength=n_t * N_TYPES).reshape(n_t, N_TYPES)
            target[:, y, :N_TYPES] = c
            target[:, y, ALL_I] = c.sum(axis=1)
    return created, closed


#: the stages of the pass, in order, as the progress line names them
STAGES = {
    "af": "annexes financières",
    "emi": "états mensuels",
    "additive": "heures et ETP",
    "flows": "embauches, parcours et sorties",
    "levels": "départements, régions, France",
    "siae": "structures",
}


class _Clock:
    """Wall time of the stages of the pass (logged at DEBUG level), and the progress line on a
    terminal (:mod:`iae_diag.progress`): the stage done, with the counted EMI rows once known;
    during the EMI stage, the year being read with the EMI rows read so far."""

    def __init__(self) -> None:
        self.t = time.perf_counter()
        self.laps: list[tuple[str, float]] = []
        self.progress = Progress("indicators")
        self.rows: int | None = None

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self.t))
        self.t = now
        self.progress.update(STAGES[name], self.rows, len(self.laps), len(STAGES))
        if len(self.laps) == len(STAGES):
            self.progress.close()

    def year(self, year: int, index: int, total: int, rows_read: int) -> None:
        self.progress.update(f"{STAGES['emi']} {year}", rows_read, index, total)

    def __str__(self) -> str:
        return " ".join(f"{n}={s:.2f}" for n, s in self.laps)


@dataclass
class _Frame:
    """Collects long-format rows, one block per (indicator, level)."""

    years: np.ndarray
    parts: list

    def add(
        self,
        indicator: str,
        level: str,
        codes: list[str],
        value: np.ndarray,
        numerator: np.ndarray | None = None,
        denominator: np.ndarray | None = None,
        breakdown: list[str] | None = None,
        types: tuple[str, ...] = TYPES_WITH_ALL,
        type_slots: list[int] | None = None,
    ) -> None:
        """``value`` (and numerator/denominator) have shape (n_codes, n_y, n_types[, n_b])."""
        if breakdown is None:
            value = value[..., None]
            numerator = None if numerator is None else numerator[..., None]
            denominator = None if denominator is None else denominator[..., None]
            breakdown = [""]
        if type_slots is not None:
            value = value[:, :, type_slots]
            numerator = None if numerator is None else numerator[:, :, type_slots]
            denominator = None if denominator is None else denominator[:, :, type_slots]
        shape = (len(codes), len(self.years), len(types), len(breakdown))
        grid = np.indices(shape).reshape(4, -1)
        n = grid.shape[1]
        nan = np.full(n, np.nan)
        self.parts.append(
            pd.DataFrame(
                {
                    "indicator": np.full(n, indicator, dtype=object),
                    "territory_level": np.full(n, level, dtype=object),
                    "territory_code": np.asarray(codes, dtype=object)[grid[0]],
                    "year": self.years[grid[1]],
                    "type_siae": np.asarray(types, dtype=object)[grid[2]],
                    "breakdown": np.asarray(breakdown, dtype=object)[grid[3]],
                    "value": np.broadcast_to(value, shape).reshape(-1).astype(float),
                    "numerator": nan
                    if numerator is None
                    else np.broadcast_to(numerator, shape).reshape(-1).astype(float),
                    "denominator": nan
                    if denominator is None
                    else np.broadcast_to(denominator, shape).reshape(-1).astype(float),
                }
            )
        )


@dataclass(frozen=True)
class YearRows:
    """The counted EMI rows of a block of years as narrow parallel arrays (one entry per row),
    what every per-year computation reads. ``years`` are the block's years (sorted) and
    ``year_i`` each row's position in them; person-years (``py``) are numbered within the
    block. A new per-year indicator step (e.g. flows) takes a ``YearRows`` and returns arrays
    with a year axis of ``len(years)``, stacked across blocks like :class:`_Block`'s."""

    years: np.ndarray
    af_pos: np.ndarray
    year_i: np.ndarray
    month: np.ndarray
    dep_i: np.ndarray
    type_i: np.ndarray
    hours: np.ndarray
    etp: np.ndarray
    sector_i: np.ndarray
    ctr_id: np.ndarray
    ctr_pos: np.ndarray  # position of the row's contract in ContratMission, -1 none
    person: np.ndarray
    has_nir: np.ndarray  # the person rests on a NIR (``person_ids``)
    py: np.ndarray  # person-year code, 0..n_py-1
    py_year: np.ndarray  # year of each person-year (n_py)


@dataclass
class _Block:
    """Everything the counted EMI rows of a block of years contribute, with a year axis of the
    block's years: concatenated along that axis, the blocks of every year give the cubes of
    one pass over the whole history (``_stack``)."""

    years: np.ndarray
    rows: int
    hours_sec: np.ndarray  # (n_dep + 1, n_y, 7, n_sec)
    etp_dep: np.ndarray  # (n_dep + 1, n_y, 7)
    quality_dep: dict  # (check, breakdown) -> (n_dep + 1, n_y)
    salaries: dict  # level -> (n_t, n_y, 7, 1 + n_flags)
    siae: dict  # "hours", "etp", "salaries" -> (n_sd, n_y)
    person_months: dict  # level -> (n_t, n_y, 7, 2) (flows.person_month_cubes)


@dataclass(frozen=True)
class _Static:
    """What every block reads and nothing in the EMI changes (the small reference tables)."""

    geo: Geography
    af: pd.DataFrame
    af_dep: np.ndarray
    af_type: np.ndarray
    contrat: pd.DataFrame
    ctr_sector: np.ndarray
    missing_i: int
    n_sec: int
    salarie: pd.DataFrame
    persons: PersonIndex
    publics: PublicsSources  # what the publics read, per contract and Salarie row
    contract_order: np.ndarray
    contract_rank: np.ndarray  # rank of each contract in contract_order
    contracts: Lookup  # positions among the contracts' ids
    sd_af: np.ndarray
    n_sd: int


def _persons(base: _Static, emi, af_pos=None) -> tuple[np.ndarray, np.ndarray]:
    """The person of each counted row and whether it rests on a NIR (``person_ids``);
    ``af_pos``: ``emi.af_pos`` when already read."""
    af_pos = emi.af_pos if af_pos is None else af_pos
    structure_id = base.af["structure_id"].to_numpy()[af_pos]
    return person_ids(emi.pph_id, structure_id, base.salarie, base.persons)


def _year_rows(
    base: _Static, emi, years_arr: np.ndarray, persons=None, n_parts: int = 1
) -> YearRows:
    """The narrow arrays of the counted rows ``emi`` (an ``EmiRows``) of the years
    ``years_arr``; ``persons``: their (person, has_nir) when already known. ``n_parts``: the
    rows are one part of :func:`_parts_block` (every person ``p`` with one remainder modulo
    ``n_parts``): their persons are numbered from ``p // n_parts``, the same order on a range
    ``n_parts`` times smaller (the numbering's cost follows the range, not the rows)."""
    # each column read once (a part's are copied when read: ``EmiRows.take``)
    row_af = emi.af_pos
    hours = emi.hours
    ctr_id = emi.ctr_id
    ctr_pos = base.contracts.positions(ctr_id)
    row_sector = np.where(ctr_pos >= 0, base.ctr_sector[np.maximum(ctr_pos, 0)], base.missing_i)
    row_sector = np.where(ctr_id >= 0, row_sector, base.missing_i).astype(np.int64)
    if len(years_arr) == 1:  # a year's block: every row is of that year (``counted_emi``)
        row_year = np.zeros(len(row_af), dtype=np.int64)
    else:
        row_year = np.searchsorted(years_arr, emi.year).astype(np.int64)
    person, has_nir = _persons(base, emi, row_af) if persons is None else persons
    n_y = len(years_arr)
    ranked = person // n_parts if n_parts > 1 else person
    py, py_uniques = dense_codes(ranked * max(n_y, 1) + row_year)
    del ranked
    return YearRows(
        years=years_arr,
        af_pos=row_af,
        year_i=row_year,
        month=emi.month,
        dep_i=base.af_dep[row_af],
        type_i=base.af_type[row_af],
        hours=hours,
        etp=etp_of_rows(hours, base.af["annual_hours"].to_numpy()[row_af]),
        sector_i=row_sector,
        ctr_id=ctr_id,
        ctr_pos=ctr_pos,
        person=person,
        has_nir=has_nir,
        py=py,
        py_year=years_arr[py_uniques % max(n_y, 1)] if n_y else years_arr,
    )


#: The counted EMI rows of a block are processed in parts of at most this many rows, each
#: holding every row of its persons (``docs/performance.md``): the arrays of a part (a few tens
#: of MB) are reused by the allocator and stay in the processor's cache, so the cost of a
#: national year grows as its rows, and its memory is bounded by this budget, not by the year.
ROWS_PER_PART = 2_000_000


def _parts_block(base: _Static, emi, years: list[int], activity: ContractActivity) -> _Block:
    """The block of the counted rows ``emi`` of ``years``, computed in parts of at most
    :data:`ROWS_PER_PART` rows split by person: every count of distinct persons (salariés,
    publics, person-months, salariés of a SIAE) then adds up over the parts, as the sums do.
    A contract's rows belong to its person, hence to one part."""
    n_parts = -(-len(emi) // ROWS_PER_PART)
    if n_parts <= 1:  # the selection itself: each column is copied when read, once
        return _block(base, emi, years, activity)
    person, has_nir = _persons(base, emi)
    part = person % n_parts
    blocks = []
    for p in range(n_parts):
        idx = np.flatnonzero(part == p)
        part_persons = (person[idx], has_nir[idx])
        blocks.append(_block(base, emi.take(idx), years, activity, part_persons, n_parts))
    return _sum_blocks(blocks)


def _sum_blocks(blocks: list[_Block]) -> _Block:
    """The blocks of disjoint sets of persons over the same years as one block."""

    def add(arrays):
        out = arrays[0].copy()
        for a in arrays[1:]:
            out += a
        return out

    return _combine(blocks, blocks[0].years, add)


def _combine(blocks: list[_Block], years: np.ndarray, join) -> _Block:
    """One block of ``years`` whose every cube is ``join`` of the blocks' cubes."""
    first = blocks[0]
    return _Block(
        years=years,
        rows=sum(b.rows for b in blocks),
        hours_sec=join([b.hours_sec for b in blocks]),
        etp_dep=join([b.etp_dep for b in blocks]),
        quality_dep={k: join([b.quality_dep[k] for b in blocks]) for k in first.quality_dep},
        salaries={k: join([b.salaries[k] for b in blocks]) for k in first.salaries},
        siae={k: join([b.siae[k] for b in blocks]) for k in first.siae},
        person_months={k: join([b.person_months[k] for b in blocks]) for k in first.person_months},
    )


def _block(
    base: _Static,
    emi,
    years: list[int],
    activity: ContractActivity,
    persons=None,
    n_parts: int = 1,
) -> _Block:
    """The cubes of the counted EMI rows ``emi`` (an ``EmiRows``) of the years ``years``; their
    hours, months and exit motifs per contract are added to ``activity``. One function per
    concern, so that the per-row temporaries of each are freed before the next (the peak
    memory of a national year, ``docs/performance.md``). ``persons``, ``n_parts``: see
    ``_year_rows``."""
    years_arr = np.asarray(years, dtype=np.int64)
    r = _year_rows(base, emi, years_arr, persons, n_parts)
    person_months = _flows_of_rows(base, r, emi, activity)
    hours_sec, etp_dep, quality_dep = _additive_of_rows(base, r)
    salaries, siae = _persons_of_rows(base, r)
    return _Block(
        years=years_arr,
        rows=len(emi),
        hours_sec=hours_sec,
        etp_dep=etp_dep,
        quality_dep=quality_dep,
        salaries=salaries,
        siae=siae,
        person_months=person_months,
    )


def _flows_of_rows(base: _Static, r: YearRows, emi, activity: ContractActivity) -> dict:
    """The flows' share of the rows (``indicators/flows.py``): their hours, months and motifs
    added per contract to ``activity``; the person-month cubes returned."""
    rows = EmiActivity(
        r.years,
        r.ctr_id,
        r.ctr_pos,
        r.py,
        r.year_i,
        r.month,
        r.dep_i,
        r.type_i,
        r.hours,
        emi.motif_code,
        emi.motif_values,
    )
    activity.add(rows)
    return person_month_cubes(base.geo, rows)


def _additive_of_rows(base: _Static, r: YearRows) -> tuple[np.ndarray, np.ndarray, dict]:
    """Hours by sector, ETP and the EMI quality checks at département level
    (n_dep + 1, n_y, 7, ...)."""
    geo, n_y = base.geo, len(r.years)
    row_dep, row_year, row_type = r.dep_i, r.year_i, r.type_i
    hours_sec = sum_cube(
        geo, "dep", n_y, row_dep, row_year, row_type, r.hours, r.sector_i, base.n_sec
    )
    etp_dep = sum_cube(geo, "dep", n_y, row_dep, row_year, row_type, r.etp)[..., 0]
    row_default = base.af["annual_hours_default"].to_numpy()[r.af_pos]
    unknown = (r.sector_i == base.missing_i).astype(float)
    quality_w = {
        ("etp_type_default", "etp"): lambda: r.etp * row_default,
        ("etp_type_default", "rows"): lambda: row_default.astype(float),
        ("unknown_rome", "hours"): lambda: r.hours * unknown,
        ("unknown_rome", "rows"): lambda: unknown,
    }
    quality_dep = {
        k: sum_cube(geo, "dep", n_y, row_dep, row_year, row_type, w())[..., ALL_I, 0]
        for k, w in quality_w.items()
    }
    return hours_sec, etp_dep, quality_dep


def _persons_of_rows(base: _Static, r: YearRows) -> tuple[dict, dict]:
    """Distinct salariés and their publics, recounted at each level, and hours, ETP and
    salariés by (SIAE-département, year)."""
    geo, n_y = base.geo, len(r.years)
    # persons, person-years and their characteristics
    py, n_py = r.py, len(r.py_year)
    contract_of_py = latest_contract(
        py, r.ctr_id, base.contrat, base.contract_order, r.ctr_pos, base.contract_rank
    )
    chars = characteristics(contract_of_py, r.py_year, base.contrat, base.salarie, base.publics)
    py_nir = np.zeros(n_py, dtype=bool)
    py_nir[py] = r.has_nir
    chars["without_contract"] = ~chars["has_contract"]
    chars["without_salarie"] = chars["has_contract"] & ~chars["has_salarie"]
    chars["without_nir"] = ~py_nir
    # two groups of flags (the publics; what is known): each has few distinct profiles
    flag_groups = [list(PUBLIC_KEYS), PERSON_COLUMNS[len(PUBLIC_KEYS) :]]
    py_profiles, bits = [], []
    for group in flag_groups:
        flags = np.column_stack([chars[k].to_numpy(dtype=bool) for k in group])
        packed = flags.astype(np.int64) @ (1 << np.arange(flags.shape[1]))
        codes, uniques = pd.factorize(packed)
        py_profiles.append(codes.astype(np.int64))
        bits.append(
            ((np.asarray(uniques, dtype=np.int64)[:, None] >> np.arange(len(group))) & 1).astype(
                float
            )
        )
    del chars
    # distinct units: (person-year, SIAE-département)
    row_sd = base.sd_af[r.af_pos]
    ufirst = distinct_pairs(py, n_py, row_sd)
    u_py, u_sd = py[ufirst], row_sd[ufirst]
    u_dep, u_type, u_year = r.dep_i[ufirst], r.type_i[ufirst], r.year_i[ufirst]
    u_profiles = [p[u_py] for p in py_profiles]
    salaries = {
        level: _distinct_cube(geo, level, n_y, u_py, n_py, u_year, u_dep, u_type, u_profiles, bits)
        for level in LEVELS
    }
    size = base.n_sd * max(n_y, 1)
    row_cell = row_sd * n_y + r.year_i
    siae = {
        "hours": np.bincount(row_cell, weights=r.hours, minlength=size),
        "etp": np.bincount(row_cell, weights=r.etp, minlength=size),
        "salaries": np.bincount(u_sd * n_y + u_year, minlength=size),
    }
    return salaries, {k: v.reshape(base.n_sd, max(n_y, 1))[:, :n_y] for k, v in siae.items()}


def _no_rows() -> EmiRows:
    """No counted EMI row (a block of years without activity)."""
    none = np.zeros(0, dtype=np.int64)
    return EmiRows(none, none, none, np.zeros(0), none, none)


def _stack(blocks: list[_Block]) -> _Block:
    """The blocks of consecutive disjoint year sets as one block of all their years."""
    if len(blocks) == 1:
        return blocks[0]

    def cat(arrays):
        return np.concatenate(arrays, axis=1)

    return _combine(blocks, np.concatenate([b.years for b in blocks]), cat)


def _emi_blocks(
    base: _Static,
    emi: EmiYears,
    by_year: bool,
    set_aside: list,
    activity: ContractActivity,
    clock: _Clock,
) -> list[_Block]:
    """The blocks of the counted EMI rows: one per year with counted rows (``by_year``), or
    one for the whole table. The rows set aside by steps 1-3 are appended to ``set_aside``;
    the contracts' activity is accumulated in ``activity``."""
    af_ids = base.af["af_id"].to_numpy()
    if not by_year:
        counted = counted_emi(emi.frame, af_ids)
        set_aside.append(counted.set_aside)
        years = sorted(int(y) for y in pd.unique(counted.year))
        return [_parts_block(base, counted, years, activity)] if years else []
    blocks = []
    done = 0
    for i, year in enumerate(emi.years, start=1):
        clock.year(year, i, len(emi.years), done)
        chunk = emi.chunk(year)
        counted = counted_emi(chunk.rows, af_ids, chunk.content, year=year)
        done += int(np.count_nonzero(int_values(chunk.rows[YEAR]) == year))
        del chunk
        set_aside.append(counted.set_aside)
        if len(counted):
            blocks.append(_parts_block(base, counted, [year], activity))
        del counted
        clock.year(year, i, len(emi.years), done)
    # arrow's pool keeps what it used to read a year for the next one (what one year needs:
    # the memory stays bounded by the largest year); :func:`_build_tables` empties it after
    return blocks


# --------------------------------------------------------------------------- main entry

#: The heap a pass takes ahead, per EMI row (``memory.reuse_freed_memory``): the pass grows
#: by 108 (4x) to 158 (1x) bytes per row on the national bench (``docs/performance.md``).
AHEAD_BYTES_PER_ROW = 96


def build_tables(
    data: ProcessedData,
    population: pd.DataFrame | None = None,
    sector_reference: SectorReference | None = None,
    emi: EmiYears | None = None,
    by_year: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every indicator for every territory present (each département, each region, France)
    and every year present: returns (indicators, quality, siae), layouts of
    ``docs/architecture.md``.

    ``population`` (columns code_departement, population) adds the coverage indicators
    ``etp_per_10000_inhabitants`` and ``salaries_per_10000_inhabitants`` (ALL types) for
    départements and regions (a region's population is the sum of its départements', and
    the indicator is left out when one of them is missing). The years are those of the
    counted EMI rows (or, without any, the start years of the eligible AF).

    The EMI rows are read one year at a time (``by_year``, the default: memory bounded by
    the largest year, ``docs/performance.md``) from ``emi`` (default: the table
    ``data.etat_mensuel_indiv`` in memory; ``EmiYears(path=...)`` reads the parquet file
    year by year, ``data.etat_mensuel_indiv`` may then be None). ``by_year=False`` computes
    everything in one pass over the whole table: the same tables, figure for figure.

    The pass runs inside ``memory.reuse_freed_memory`` (the C heap keeps the arrays a step
    frees for the next one, and the heap the pass needs is taken ahead,
    ``docs/performance.md``)."""
    if emi is not None:
        n_rows = emi.n_rows
    else:
        n_rows = 0 if data.etat_mensuel_indiv is None else len(data.etat_mensuel_indiv)
    with reuse_freed_memory(ahead=AHEAD_BYTES_PER_ROW * n_rows):
        return _build_tables(data, population, sector_reference, emi, by_year)


def _build_tables(data, population, sector_reference, emi, by_year):
    """:func:`build_tables`."""
    clock = _Clock()
    geo = Geography.from_reference()
    ref = sector_reference if sector_reference is not None else load_sector_reference()
    require_columns(
        data.contrat_mission, "contrat_mission", ["contrat_id_ctr", "contrat_code_rome"]
    )
    require_columns(data.salarie, "salarie", ["salarie_id"])
    require_columns(data.structure, "structure", ["structure_id_siae"])
    if emi is None:
        emi = EmiYears(frame=data.etat_mensuel_indiv)
    if not by_year and emi.frame is None:
        raise ValueError("build_tables(by_year=False) needs the EMI table in memory")

    # --- one row per id of the reference tables, chosen by content (records.resolve_ids)
    resolved = {
        "Structure": _resolve(data, "structure", "structure_id_siae"),
        "ContratMission": _resolve(data, "contrat_mission", "contrat_id_ctr"),
        "Salarie": _resolve(data, "salarie", "salarie_id"),
    }
    structure = resolved["Structure"][0]

    # --- eligible AF and their attributes
    af = eligible_af(data.annexe_financiere, structure)
    af_dep = geo.dep_index(af["code_departement"])
    af_type = pd.Index(TYPES).get_indexer(af["type_siae"]).astype(np.int64)
    if af.empty:
        n = len(data.annexe_financiere)
        raise InputError(
            f"annexe_financiere: none of its {n} rows is an eligible annex (state VALIDE, "
            "PROVISOIRE or CLOTURE and a mesure other than FDI): there is nothing to compute. "
            "Check the AnnexeFinanciere file of the extract."
        )
    siae_of_af, siae_keys = pd.factorize(af["structure_id"].to_numpy() * 8 + af_type)
    siae_of_af = siae_of_af.astype(np.int64)
    siae_type = (np.asarray(siae_keys, dtype=np.int64) % 8).astype(np.int64)
    siae_structure = np.asarray(siae_keys, dtype=np.int64) // 8
    n_dep1 = geo.n_territories("dep")
    sd_af, sd_codes = dense_codes(siae_of_af * n_dep1 + af_dep)

    # sector of each contract through its ROME code
    contrat = _columns(
        resolved["ContratMission"][0], "contrat_mission", [*CONTRACT_COLUMNS, "contrat_code_rome"]
    )
    sector_codes = ref.codes
    ctr_sector = sector_positions(contrat["contrat_code_rome"], ref)
    salarie = _columns(resolved["Salarie"][0], "salarie", ["person_key", *SALARIE_COLUMNS])
    # the contracts' order and ranks as narrow positions (two national-size lookups)
    position = position_dtype(len(contrat))
    order = contract_order(contrat).astype(position)
    rank = np.empty(len(order), dtype=position)
    rank[order] = np.arange(len(order), dtype=position)
    base = _Static(
        geo=geo,
        af=af,
        af_dep=af_dep,
        af_type=af_type,
        contrat=contrat,
        ctr_sector=ctr_sector,
        missing_i=sector_codes.index(MISSING),
        n_sec=len(sector_codes),
        salarie=salarie,
        persons=PersonIndex.of(salarie),
        publics=PublicsSources.of(contrat, salarie),
        contract_order=order,
        contract_rank=rank,
        contracts=Lookup(contrat["contrat_id_ctr"].to_numpy(dtype=np.int64)),
        sd_af=sd_af,
        n_sd=len(sd_codes),
    )
    clock.lap("af")

    # --- counted EMI rows, one block of years at a time
    set_aside: list = []
    activity = ContractActivity(int_values(contrat["contrat_id_ctr"]), n_dep1)
    blocks = _emi_blocks(base, emi, by_year, set_aside, activity, clock)
    if blocks:
        emi_all = _stack(blocks)
        years = [int(y) for y in emi_all.years]
    else:
        years = sorted(int(y) for y in pd.unique(pd.DatetimeIndex(af["date_debut"]).year.dropna()))
        emi_all = _block(base, _no_rows(), years, activity)
    persons, publics = base.persons, base.publics
    del blocks, base, order, rank, ctr_sector  # the per-contract lookups of the pass
    # arrow's pool, kept from year to year, is emptied; the flows reuse the heap
    release_arrow_memory(heap=False)
    clock.rows = emi_all.rows
    n_y = len(years)
    years_arr = np.asarray(years, dtype=np.int64)
    clock.lap("emi")

    # --- quantities of the AF (small)
    hours_sec, etp_dep = emi_all.hours_sec, emi_all.etp_dep
    quality_dep = dict(emi_all.quality_dep)
    afy = af_year_table(af, years)
    afy_pos = afy["af_pos"].to_numpy()
    afy_year = np.searchsorted(years_arr, afy["year"].to_numpy()).astype(np.int64)
    afy_dep = af_dep[afy_pos]
    afy_type = af_type[afy_pos]
    conv_dep = sum_cube(
        geo, "dep", n_y, afy_dep, afy_year, afy_type, afy["etp_conventionnes"].to_numpy()
    )[..., 0]
    fallback_w = af["address_fallback"].to_numpy()[afy_pos].astype(float)
    quality_dep[("af_address_fallback", "")] = sum_cube(
        geo, "dep", n_y, afy_dep, afy_year, afy_type, fallback_w
    )[..., ALL_I, 0]
    for check, column in (
        ("af_duplicate_tie", "duplicate_tie"),
        ("af_partial_month", "partial_month"),
    ):
        w = af[column].to_numpy()[afy_pos].astype(float)
        quality_dep[(check, "")] = sum_cube(geo, "dep", n_y, afy_dep, afy_year, afy_type, w)[
            ..., ALL_I, 0
        ]
    reason, aside_af, aside_year = (
        np.concatenate(a) for a in zip(*(set_aside or [_no_rows().set_aside]), strict=True)
    )
    in_years = np.isin(aside_year, years_arr)
    for code, check in EMI_CHECKS.items():
        m = in_years & (reason == code)
        quality_dep[(check, "")] = sum_cube(
            geo,
            "dep",
            n_y,
            af_dep[aside_af[m].astype(np.int64)],
            np.searchsorted(years_arr, aside_year[m]).astype(np.int64),
            af_type[aside_af[m].astype(np.int64)],
            None,
        )[..., ALL_I, 0]
    clock.lap("additive")
    n_siae = len(siae_type)
    s_entity = siae_of_af[afy_pos] * max(n_y, 1) + afy_year

    present_deps = np.unique(af_dep[af_dep < geo.n_dep])
    slots = {
        "dep": present_deps,
        "region": np.unique(geo.region_of_dep[present_deps]),
        "france": np.array([0]),
    }
    pop_dep = _population_slots(geo, population) if population is not None else None
    # flows and exits (indicators/flows.py): contracts, parcours, person-months
    flow_rows, flow_quality = flow_tables(
        geo,
        years_arr,
        slots,
        activity,
        emi_all.person_months,
        contrat,
        salarie,
        structure,
        AfObjectives(
            af_dep, af_type, af["etp_postes"].to_numpy(), objectives_of(af), afy_pos, afy_year
        ),
        data.ref_motif_sort,
        data.ref_categorie_sort,
        persons,
        publics,
    )
    del publics
    clock.lap("flows")

    out = _Frame(years=years_arr, parts=[flow_rows])
    quality_parts = [flow_quality]
    for level in LEVELS:
        sl = slots[level]
        codes = [geo.codes(level)[i] for i in sl]
        sal = emi_all.salaries[level][sl]
        st = _distinct_cube(
            geo,
            level,
            n_y,
            s_entity,
            n_siae * max(n_y, 1),
            afy_year,
            afy_dep,
            afy_type,
            [],
            [],
        )[sl, ..., 0]
        created, closed = _changes(
            geo, level, years, siae_of_af[afy_pos], siae_type, afy_year, afy_dep
        )
        hs = geo.roll_up(level, hours_sec)[sl]
        h = hs.sum(axis=-1)
        e = geo.roll_up(level, etp_dep)[sl]
        cv = geo.roll_up(level, conv_dep)[sl]
        n_sal = sal[..., 0]
        typ = list(range(N_TYPES))
        out.add("structures", level, codes, st)
        out.add("structures_created", level, codes, created[sl])
        out.add("structures_closed", level, codes, closed[sl])
        out.add("structures_net", level, codes, created[sl] - closed[sl])
        out.add("salaries", level, codes, n_sal)
        sal_den = np.broadcast_to(n_sal[:, :, :N_TYPES].sum(axis=2, keepdims=True), n_sal.shape)
        out.add(
            "salaries_share",
            level,
            codes,
            ratio(n_sal, sal_den),
            n_sal,
            sal_den,
            types=TYPES,
            type_slots=typ,
        )
        out.add("etp_realises", level, codes, e)
        etp_den = np.broadcast_to(e[:, :, ALL_I:], e.shape)
        out.add(
            "etp_share", level, codes, ratio(e, etp_den), e, etp_den, types=TYPES, type_slots=typ
        )
        out.add("etp_conventionnes", level, codes, cv)
        out.add("taux_realisation", level, codes, ratio(e, cv), e, cv)
        out.add("hours", level, codes, h)
        out.add("hours_by_sector", level, codes, hs, breakdown=sector_codes)
        h_den = np.broadcast_to(h[..., None], hs.shape)
        out.add(
            "hours_share_by_sector",
            level,
            codes,
            ratio(hs, h_den),
            hs,
            h_den,
            breakdown=sector_codes,
        )
        flag = {k: sal[..., 1 + i] for i, k in enumerate(PERSON_COLUMNS)}
        pub_num = np.stack([flag[k] for k in PUBLIC_KEYS], axis=-1)
        pub_den = np.stack(
            [n_sal if k == "qpv_all" else flag[f"{k}_known"] for k in PUBLIC_KEYS], axis=-1
        )
        out.add(
            "public_share",
            level,
            codes,
            ratio(pub_num, pub_den),
            pub_num,
            pub_den,
            breakdown=list(PUBLIC_KEYS),
        )
        if pop_dep is not None and level != "france":
            pop = geo.roll_up(level, pop_dep)[sl]  # NaN when a département is missing
            pop_c = np.broadcast_to(pop[:, None, None], (len(sl), n_y, 1))
            for name, num in (("etp", e), ("salaries", n_sal)):
                num_all = num[:, :, ALL_I:]
                ok = ~np.isnan(pop)
                if ok.any():
                    out_v = ratio(num_all, pop_c) * 10000.0
                    out.add(
                        f"{name}_per_10000_inhabitants",
                        level,
                        [c for c, k in zip(codes, ok, strict=True) if k],
                        out_v[ok],
                        num_all[ok],
                        pop_c[ok],
                        types=(TYPE_ALL,),
                    )
        # quality
        q = {k: geo.roll_up(level, v)[sl] for k, v in quality_dep.items()}
        q[("persons_without_nir", "")] = flag["without_nir"][..., ALL_I]
        q[("persons_without_contract", "")] = flag["without_contract"][..., ALL_I]
        q[("persons_without_salarie_row", "")] = flag["without_salarie"][..., ALL_I]
        for k in PUBLIC_KEYS:
            if k == "qpv_all":
                continue
            out_of_den = flag["without_contract"] + (
                flag["without_salarie"] if k in SALARIE_KEYS else 0.0
            )
            q[("public_unknown_value", k)] = (n_sal - out_of_den - flag[f"{k}_known"])[..., ALL_I]
        for (check, breakdown), arr in q.items():
            quality_parts.append(_quality_block(level, codes, years_arr, check, breakdown, arr))
        if level == "france":
            arr = np.asarray([_unlocated_af(af_dep, afy_pos, afy_year, geo.n_dep, n_y)])
            quality_parts.append(
                _quality_block(level, codes, years_arr, "af_without_departement", "", arr)
            )
        extract_wide = [
            *(("rows_quarantined", t, c) for t, c in quarantine_counts(data).items()),
            *(("duplicate_rows", t, r.rows_set_aside) for t, (_, r) in resolved.items()),
            *(("duplicate_content_rule", t, r.ids_by_content) for t, (_, r) in resolved.items()),
            *(("unknown_values", c, n) for c, n in unknown_value_counts(data).items()),
        ]
        for check, breakdown, count in extract_wide:
            arr = np.full((len(sl), n_y), float(count))
            quality_parts.append(_quality_block(level, codes, years_arr, check, breakdown, arr))

    clock.lap("levels")
    indicators = _finish(out.parts, INDICATOR_COLUMNS, INDICATOR_KEYS)
    quality = _finish(quality_parts, QUALITY_COLUMNS, QUALITY_COLUMNS[:5])
    siae = _siae_table(
        structure,
        af,
        af_dep,
        geo,
        years_arr,
        siae_of_af,
        siae_structure,
        siae_type,
        emi_all.siae,
        (sd_af, sd_codes),
        afy,
    )
    clock.lap("siae")
    log.debug("indicator pass, seconds by stage: %s", clock)
    log.info(
        "indicators: %d rows (%d territories, years %s), %d counted EMI rows",
        len(indicators),
        sum(len(v) for v in slots.values()),
        f"{years[0]}-{years[-1]}" if years else "none",
        emi_all.rows,
    )
    return indicators, quality, siae


# --------------------------------------------------------------------------- helpers


def _resolve(data: ProcessedData, table: str, id_column: str):
    """``records.resolve_ids`` on ``data.<table>``; for a table loaded with some columns only
    (``data.narrowed``), the whole content of the rows of a repeated id is read from its file."""
    df = getattr(data, table)
    path = data.narrowed.get(table)
    if path is None:
        return resolve_ids(df, id_column)
    ids = df[id_column].to_numpy(dtype=np.int64)

    def content(rows: np.ndarray) -> pd.DataFrame:
        full = full_rows(path, id_column, ids[rows])
        if len(full) != len(rows):
            raise InputError(
                f"{path}: {len(full)} rows read back for the {len(rows)} rows of a repeated "
                f"{id_column} (was the file changed while it was read?)"
            )
        return full

    return resolve_ids(df, id_column, content)


def _columns(df: pd.DataFrame, table: str, columns: list[str]) -> pd.DataFrame:
    """``df`` (one row per id, see ``records.resolve_ids``) once it is checked to hold
    ``columns`` (not copied: the callers read columns by name)."""
    require_columns(df, table, columns)
    return df


def _population_slots(geo: Geography, population: pd.DataFrame) -> np.ndarray:
    """Population of each département slot (NaN when unknown)."""
    require_columns(population, "population", ["code_departement", "population"])
    pop = np.full(geo.n_territories("dep"), np.nan)
    idx = pd.Index(geo.deps).get_indexer(population["code_departement"].astype(str))
    vals = pd.to_numeric(population["population"], errors="coerce").to_numpy(dtype=float)
    ok = idx >= 0
    pop[idx[ok]] = vals[ok]
    return pop


def _unlocated_af(af_dep, afy_pos, afy_year, n_dep, n_y) -> np.ndarray:
    """Per year: eligible AF active in the year whose département is unknown."""
    mask = af_dep[afy_pos] == n_dep
    return np.bincount(afy_year[mask], minlength=n_y).astype(float)


def _quality_block(level, codes, years, check, breakdown, arr) -> pd.DataFrame:
    arr = np.asarray(arr, dtype=float)
    n_c, n_y = len(codes), len(years)
    return pd.DataFrame(
        {
            "territory_level": level,
            "territory_code": np.repeat(np.asarray(codes, dtype=object), n_y),
            "year": np.tile(years, n_c),
            "check": check,
            "breakdown": breakdown,
            "value": arr.reshape(n_c * n_y),
        }
    )


def _finish(parts: list[pd.DataFrame], columns: list[str], keys: list[str]) -> pd.DataFrame:
    if parts:
        df = pd.concat(parts, ignore_index=True)
    else:
        df = pd.DataFrame({c: [] for c in columns})
    df = df[columns]
    for c in columns:
        if c == "year":
            df[c] = df[c].astype(np.int64)
        elif c in ("value", "numerator", "denominator"):
            df[c] = df[c].astype(float)
        else:
            df[c] = df[c].astype(object).astype(str)
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def _siae_table(
    structure,
    af,
    af_dep,
    geo,
    years_arr,
    siae_of_af,
    siae_structure,
    siae_type,
    emi_cells,
    sd,
    afy,
) -> pd.DataFrame:
    """One row per SIAE, year and AF département (nearly always one département per SIAE)
    where the SIAE is active or has counted hours. ``emi_cells``: hours, ETP and distinct
    salariés by (SIAE-département, year), arrays (n_sd, n_y) (``_Block.siae``)."""
    n_y = len(years_arr)
    sd_af, sd_uniques = sd
    n_sd = len(sd_uniques)
    size = n_sd * max(n_y, 1)

    def cells(a: np.ndarray) -> np.ndarray:
        out = np.zeros((n_sd, max(n_y, 1)), dtype=a.dtype)
        out[:, :n_y] = a
        return out.reshape(size)

    h, e, s = (cells(emi_cells[k]) for k in ("hours", "etp", "salaries"))
    afy_cell = sd_af[afy["af_pos"].to_numpy()] * n_y + np.searchsorted(
        years_arr, afy["year"].to_numpy()
    )
    cv = np.bincount(afy_cell, weights=afy["etp_conventionnes"].to_numpy(), minlength=size)
    active = np.bincount(afy_cell, minlength=size) > 0
    keep = np.flatnonzero(active | (h > 0))
    sd = keep // max(n_y, 1)
    sd_code = np.asarray(sd_uniques, dtype=np.int64)[sd]
    siae = sd_code // geo.n_territories("dep")
    dep = sd_code % geo.n_territories("dep")
    st = structure.set_index("structure_id_siae")
    sid = siae_structure[siae]
    dep_codes = np.asarray(geo.codes("dep"), dtype=object)[dep]
    commune = pd.Series(sid).map(st["structure_adresse_admin_code_insee"]) if len(st) else None
    denom = (
        pd.Series(sid).map(st["structure_denomination"])
        if "structure_denomination" in st.columns
        else pd.Series([None] * len(sid))
    )
    out = pd.DataFrame(
        {
            "structure_id_siae": sid.astype(np.int64),
            "type_siae": np.asarray(TYPES, dtype=object)[siae_type[siae]],
            "year": years_arr[keep % max(n_y, 1)] if n_y else np.zeros(0, dtype=np.int64),
            "code_departement": dep_codes,
            "code_commune": (commune if commune is not None else pd.Series([None] * len(sid)))
            .astype("string")
            .to_numpy(dtype=object),
            "denomination": denom.astype("string").to_numpy(dtype=object),
            "etp_realises": e[keep],
            "hours": h[keep],
            "salaries": s[keep].astype(np.int64),
            "etp_conventionnes": cv[keep],
        }
    )
    return out.sort_values(
        ["structure_id_siae", "type_siae", "year", "code_departement"],
        kind="stable",
        na_position="last",
    ).reset_index(drop=True)[SIAE_COLUMNS]

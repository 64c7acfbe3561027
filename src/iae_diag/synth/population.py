"""Persons, spells, contracts and monthly rows of the synthetic dataset (vectorised numpy).

A *spell* is one person employed by one SIAE over consecutive months, split into a chain of
contracts (initial contract then renewals). Spell starts follow a Poisson process per SIAE
and month whose rate is corrected twice so that the distinct persons per type and year hit
the plan; monthly hours are then rescaled per (type, year, sector) so that hours and ETP hit
the published figures exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iae_diag.indicators.common import LOW_QUALIFICATION_CODES
from iae_diag.synth import assumptions as A
from iae_diag.synth.design import Plan, Publics, activity_factors, sector_mix

TYPE_CODE = {t: i for i, t in enumerate(A.TYPES)}


def month_index(year: np.ndarray | int, month: np.ndarray | int) -> np.ndarray:
    """Absolute month number: year * 12 + month - 1."""
    return np.asarray(year) * 12 + np.asarray(month) - 1


def quota_draw(rng: np.random.Generator, group: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Stratified categorical draw: within each group, items in random order take categories
    in the exact proportions ``probs[group]`` (rows sum to 1). Returns category indices."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(group + rng.random(n), kind="stable")
    g_sorted = group[order]
    counts = np.bincount(group, minlength=probs.shape[0])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(n) - starts[g_sorted]
    x = (rank + 0.5) / counts[g_sorted]
    cum = np.cumsum(probs, axis=1)[g_sorted]
    cat_sorted = (x[:, None] > cum).sum(axis=1)
    cat_sorted = np.minimum(cat_sorted, probs.shape[1] - 1)
    out = np.empty(n, dtype=np.int64)
    out[order] = cat_sorted
    return out


@dataclass
class Spells:
    """Arrays aligned on spells (index = spell number)."""

    siae: np.ndarray  # row of the SIAE table
    type_code: np.ndarray
    start: np.ndarray  # absolute month of the first month (may be before the data)
    end: np.ndarray  # absolute month of the last month (natural end, may be after the data)
    exits: np.ndarray  # bool: ends within the data (exit date and motive written)


@dataclass
class Months:
    """Arrays aligned on spell-months within the data window."""

    spell: np.ndarray
    month: np.ndarray  # absolute month
    zero: np.ndarray  # bool: zero hours this month


def _siae_arrays(siae: pd.DataFrame, y0: int) -> tuple[np.ndarray, np.ndarray]:
    first = siae["first_year"].to_numpy()
    s_start = np.where(
        first >= y0,
        month_index(first, siae["start_month"].to_numpy()),
        y0 * 12 - A.WARMUP_MONTHS,
    )
    s_end = month_index(siae["last_year"].to_numpy(), siae["end_month"].to_numpy())
    return s_start, s_end


def yearly_plan(
    siae: pd.DataFrame, plan: Plan, counts: pd.DataFrame, years: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Planned persons and ETP per (type, year): arrays [n_types, n_years]."""
    nt, ny = len(A.TYPES), len(years)
    persons = np.zeros((nt, ny))
    etp = np.zeros((nt, ny))
    tc = siae["type"].map(TYPE_CODE).to_numpy()
    act = siae["activity"].to_numpy()
    for j, y in enumerate(years):
        fp, fe = activity_factors(plan, counts, y)
        on = (siae["first_year"].to_numpy() <= y) & (siae["last_year"].to_numpy() >= y)
        for t, i in TYPE_CODE.items():
            m = on & (tc == i)
            persons[i, j] = (act[m] * plan.persons_per_siae[t] * fp).sum()
            etp[i, j] = (act[m] * plan.etp_per_siae[t] * fe).sum()
    return persons, etp


def draw_spells(
    siae: pd.DataFrame,
    plan: Plan,
    counts: pd.DataFrame,
    years: list[int],
    corr: np.ndarray,
    rng: np.random.Generator,
) -> tuple[Spells, Months]:
    """Spells of every SIAE with start rates ``persons_per_siae / (11 + mean length)``
    multiplied by the SIAE size, its activity factor and ``corr[type, year]``."""
    y0, y1 = years[0], years[-1]
    w0, w1 = y0 * 12, y1 * 12 + 11
    s_start, s_end = _siae_arrays(siae, y0)
    tc = siae["type"].map(TYPE_CODE).to_numpy()
    nmonths = s_end - s_start + 1
    pair_siae = np.repeat(np.arange(len(siae)), nmonths)
    offs = np.arange(len(pair_siae)) - np.repeat(np.cumsum(nmonths) - nmonths, nmonths)
    pair_month = s_start[pair_siae] + offs
    pair_year = np.clip(pair_month // 12, y0, y1)
    yi = pair_year - y0
    fp = np.array([activity_factors(plan, counts, y)[0] for y in years])
    pps = np.array([plan.persons_per_siae[t] for t in A.TYPES])
    mean_len = np.array([A.SPELL_MEAN_MONTHS[t] for t in A.TYPES])
    t_pair = tc[pair_siae]
    rate = (
        pps[t_pair]
        * fp[yi]
        / (11.0 + mean_len[t_pair])
        * siae["size"].to_numpy()[pair_siae]
        * siae["activity"].to_numpy()[pair_siae]
        * corr[t_pair, yi]
    )
    n_new = rng.poisson(rate)
    sp_pair = np.repeat(np.arange(len(pair_siae)), n_new)
    sp_siae = pair_siae[sp_pair]
    sp_type = tc[sp_siae]
    sp_start = pair_month[sp_pair]
    max_len = np.array([A.SPELL_MAX_MONTHS[t] for t in A.TYPES])
    length = np.minimum(rng.geometric(1.0 / mean_len[sp_type]), max_len[sp_type])
    # a SIAE still open at the end of the data does not end its spells: they run past the
    # extract (no definitive exit); a closing SIAE ends them at its closure
    still_open = siae["last_year"].to_numpy() >= y1
    cap = np.where(still_open, w1 + max_len.max() + 1, s_end)
    sp_end = np.minimum(sp_start + length - 1, cap[sp_siae])
    keep = sp_end >= w0
    sp = Spells(
        siae=sp_siae[keep],
        type_code=sp_type[keep],
        start=sp_start[keep],
        end=sp_end[keep],
        exits=sp_end[keep] <= w1,
    )
    first = np.maximum(sp.start, w0)
    last = np.minimum(sp.end, w1)
    nm = last - first + 1
    m_spell = np.repeat(np.arange(len(sp.start)), nm)
    m_off = np.arange(len(m_spell)) - np.repeat(np.cumsum(nm) - nm, nm)
    m_month = first[m_spell] + m_off
    zshare = np.array([A.ZERO_HOURS_SHARE[t] for t in A.TYPES])
    zero = rng.random(len(m_spell)) < zshare[sp.type_code[m_spell]]
    return sp, Months(spell=m_spell, month=m_month, zero=zero)


def pair_persons(
    sp: Spells,
    siae: pd.DataFrame,
    women: np.ndarray,
    has_nir: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Person id of each spell: its own index, except for ``TWO_SIAE_SHARE`` of the spells
    paired with a spell of another type and another structure, of the same sex (same person,
    two SIAE)."""
    n = len(sp.start)
    person = np.arange(n)
    k = int(n * A.TWO_SIAE_SHARE) * 2
    if k < 2:
        return person
    cand = rng.choice(np.flatnonzero(has_nir), size=min(k, int(has_nir.sum())), replace=False)
    cand = cand[np.lexsort((rng.random(len(cand)), women[cand]))]
    a, b = cand[0:-1:2], cand[1::2]
    a = a[: len(b)]
    struct = siae["structure_idx"].to_numpy()
    ok = (
        (women[a] == women[b])
        & (sp.type_code[a] != sp.type_code[b])
        & (struct[sp.siae[a]] != struct[sp.siae[b]])
    )
    person[b[ok]] = a[ok]
    return person


def count_persons(
    sp: Spells, mo: Months, person: np.ndarray, years: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct persons with a worked month, per (type, year) and per year (all types).
    Paired spells (same person) are of different types, so by type a spell is a person."""
    ny = len(years)
    n = len(sp.start)
    worked = ~mo.zero
    yi = mo.month[worked] // 12 - years[0]
    sy = np.zeros(n * ny, dtype=bool)
    sy[mo.spell[worked] * ny + yi] = True
    spell_year = sy.reshape(n, ny)
    by_type = np.zeros((len(A.TYPES), ny))
    for i in range(len(A.TYPES)):
        by_type[i] = spell_year[sp.type_code == i].sum(axis=0)
    py = np.zeros((n, ny), dtype=bool)
    np.logical_or.at(py, person, spell_year)
    return by_type, py.sum(axis=0).astype(float)


def spells_calibrated(
    siae: pd.DataFrame,
    plan: Plan,
    counts: pd.DataFrame,
    years: list[int],
    publics: Publics,
    seed: int,
    iterations: int = 3,
) -> tuple[Spells, Months, dict]:
    """Draw spells, correcting the start rates so that persons per (type, year) hit the plan.
    Returns the spells, their months, and the person-level draws (sex, NIR presence, person)."""
    planned, _ = yearly_plan(siae, plan, counts, years)
    corr = np.ones((len(A.TYPES), len(years)))
    for it in range(iterations):
        rng = np.random.default_rng([seed, 101, it])
        sp, mo = draw_spells(siae, plan, counts, years, corr, rng)
        people = draw_people(sp, siae, publics, plan, years, np.random.default_rng([seed, 102]))
        if it == iterations - 1:
            break
        by_type, total = count_persons(sp, mo, people["person"], years)
        overlap = by_type.sum(0) / np.maximum(total, 1)
        target = planned * overlap[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(by_type > 0, target / by_type, 1.0)
        corr = corr * np.clip(f, 0.5, 2.0)
    return sp, mo, people


def draw_people(
    sp: Spells,
    siae: pd.DataFrame,
    publics: Publics,
    plan: Plan,
    years: list[int],
    rng: np.random.Generator,
) -> dict:
    """Person-level draws with exact quotas per (type, start year): sex, age, NIR presence,
    the pairing of persons working in two SIAE, and QPV status per (département, start year)."""
    y0, y1 = years[0], years[-1]
    n = len(sp.start)
    sy = np.clip(sp.start // 12, y0, y1)
    ny = y1 - y0 + 1
    grp = sp.type_code * ny + (sy - y0)
    gt = np.repeat(np.arange(len(A.TYPES)), ny)
    gy = np.tile(np.arange(y0, y1 + 1), len(A.TYPES))

    def binary(p_by_type: dict[str, float], shift: np.ndarray | None = None) -> np.ndarray:
        p = np.array([p_by_type.get(A.TYPES[t], 0.0) for t in gt])
        if shift is not None:
            p = p + shift
        p = np.clip(p, 0.0, 1.0)
        return quota_draw(rng, grp, np.stack([1 - p, p], axis=1)) == 1

    shift = publics.women_slope * np.maximum(0, 2013 - gy)
    women = binary(publics.women, shift)
    u26 = _drifted(A.UNDER_26, "under_26", gt, gy)
    o50 = _drifted(A.AGE_50_PLUS, "age_50_plus", gt, gy)
    age_cls = quota_draw(rng, grp, np.stack([u26, 1 - u26 - o50, o50], axis=1))
    lo = np.array([18, 26, 50])[age_cls]
    hi = np.array([25, 49, 62])[age_cls]
    age = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    birth_year = sy - age
    has_nir = rng.random(n) >= A.NO_NIR_SHARE
    person = pair_persons(sp, siae, women, has_nir, rng)
    birth_year = birth_year[person]
    # QPV by département of the SIAE
    deps = siae["dep"].to_numpy()[sp.siae]
    dep_codes, dep_idx = np.unique(deps, return_inverse=True)
    qg = dep_idx * ny + (sy - y0)
    pq = np.array([publics.qpv.get(d, A.QPV_BASE_OTHER) for d in dep_codes])
    pq = np.repeat(pq, ny)
    pu = A.QPV_UNKNOWN_SHARE
    qpv = quota_draw(
        rng, qg, np.stack([pu * np.ones_like(pq), (1 - pu) * (1 - pq), (1 - pu) * pq], axis=1)
    )  # 0 unknown, 1 NQP, 2 QP
    return {
        "women": women,
        "birth_year": birth_year,
        "has_nir": has_nir,
        "person": person,
        "qpv": qpv,
        "group": grp,
        "group_type": gt,
        "group_year": gy,
    }


def _drifted(base: dict[str, float], key: str, gt: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """The share of each (type, year) group: the 2013 value of the type plus the drift of
    ``key`` per year before 2013 (A.PUBLICS_DRIFT_PER_YEAR), within [0, 1]."""
    p = np.array([base.get(A.TYPES[t], 0.0) for t in gt])
    years_before = np.maximum(0, 2013 - gy)
    return np.clip(p + A.PUBLICS_DRIFT_PER_YEAR[key] * years_before, 0.0, 1.0)


def education_probabilities(gt: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Education codes and, per (type, year) group, their probabilities: the share below the
    baccalauréat of the type (A.LOW_QUALIFICATION_2013, drifting before 2013), split within
    each of the two levels as in A.EDUCATION."""
    codes = np.array(list(A.EDUCATION.keys()))
    weights = np.array(list(A.EDUCATION.values()))
    low = np.isin(codes, sorted(LOW_QUALIFICATION_CODES))
    low_mix = np.where(low, weights, 0.0) / weights[low].sum()
    high_mix = np.where(~low, weights, 0.0) / weights[~low].sum()
    p_low = np.array([A.LOW_QUALIFICATION_2013[A.TYPES[t]] for t in gt])
    p_low = np.clip(p_low + A.LOW_QUALIFICATION_DRIFT_PER_YEAR * np.maximum(0, 2013 - gy), 0, 1)
    return codes, p_low[:, None] * low_mix[None, :] + (1 - p_low)[:, None] * high_mix[None, :]


def contract_publics(
    sp: Spells,
    people: dict,
    publics: Publics,
    plan: Plan,
    years: list[int],
    rng: np.random.Generator,
) -> dict:
    """Characteristics declared at hiring (per spell, exact quotas per (type, start year)):
    RSA, ASS, AAH, RQTH, job-seeker duration code, education code, sector."""
    grp, gt, gy = people["group"], people["group_type"], people["group_year"]

    def probs(d: dict[str, float], drift: str | None = None) -> np.ndarray:
        p = _drifted(d, drift, gt, gy) if drift else np.array([d.get(A.TYPES[t], 0.0) for t in gt])
        return np.stack([1 - p, p], axis=1)

    rsa = quota_draw(rng, grp, probs(publics.rsa)) == 1
    rsa_m = rng.random(len(grp)) < A.RSA_MAJORE_SHARE
    ass = quota_draw(rng, grp, probs(A.ASS, "ass")) == 1
    aah = quota_draw(rng, grp, probs(A.AAH, "aah")) == 1
    rqth = quota_draw(rng, grp, probs(A.RQTH, "rqth")) == 1
    p24 = np.array([publics.pe24.get(A.TYPES[t], 0.0) for t in gt])
    other = np.array(list(A.PE_OTHER_CODES.values()))
    pe_p = np.concatenate([(1 - p24)[:, None] * other[None, :], p24[:, None]], axis=1)
    pe_codes = np.array([*A.PE_OTHER_CODES.keys(), "4"])
    pe = quota_draw(rng, grp, pe_p)
    edu_codes, edu_p = education_probabilities(gt, gy)
    edu = quota_draw(rng, grp, edu_p)
    mix = np.stack([sector_mix(plan, A.TYPES[t], int(y)) for t, y in zip(gt, gy, strict=True)])
    sector = quota_draw(rng, grp, mix)
    return {
        "rsa": rsa,
        "rsa_m": rsa_m,
        "ass": ass,
        "aah": aah,
        "rqth": rqth,
        "pe": pe,
        "pe_codes": pe_codes,
        "edu": edu,
        "edu_codes": edu_codes,
        "sector": sector,
    }


def monthly_hours(
    sp: Spells,
    mo: Months,
    sector_of_month: np.ndarray,
    siae: pd.DataFrame,
    plan: Plan,
    counts: pd.DataFrame,
    years: list[int],
    rng: np.random.Generator,
    dep_shares: dict[int, dict[str, tuple[float, float]]] | None = None,
) -> np.ndarray:
    """Hours of each spell-month (0 for zero months), rescaled per (type, year, sector) so that
    hours = planned ETP x annual hours x sector share; then, for the years of ``dep_shares``,
    ETP shares by département moved towards their targets; rounded to 0.01 h."""
    n = len(mo.spell)
    t = sp.type_code[mo.spell]
    h = np.zeros(n)
    person_f = rng.lognormal(0.0, A.PERSON_HOURS_SPREAD, len(sp.start))[mo.spell]
    for name, i in TYPE_CODE.items():
        m = t == i
        if not m.any():
            continue
        dist, mean, spread, lo, hi = A.MONTHLY_HOURS[name]
        k = int(m.sum())
        if dist == "normal":
            v = rng.normal(mean, spread, k)
        else:
            v = rng.gamma(spread, mean / spread, k)
        h[m] = np.clip(v * person_f[m], lo, hi)
    h[mo.zero] = 0.0
    _, etp = yearly_plan(siae, plan, counts, years)
    y0 = years[0]
    yi = mo.month // 12 - y0
    ns = len(A.SECTORS)
    key = (t * len(years) + yi) * ns + sector_of_month
    got = np.bincount(key, weights=h, minlength=len(A.TYPES) * len(years) * ns)
    want = np.zeros_like(got)
    for name, i in TYPE_CODE.items():
        for j, y in enumerate(years):
            mix = sector_mix(plan, name, y)
            base = (i * len(years) + j) * ns
            want[base : base + ns] = etp[i, j] * A.ANNUAL_HOURS[name] * mix
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(got > 0, want / got, 1.0)
    f = np.clip(f, 0.4, 2.5)
    h = h * f[key]
    if dep_shares:
        h = _fit_departements(
            h, key, want, t, yi, siae["dep"].to_numpy()[sp.siae[mo.spell]], years, dep_shares
        )
    return np.round(h, 2)


def _fit_departements(
    h: np.ndarray,
    key: np.ndarray,
    want: np.ndarray,
    t: np.ndarray,
    yi: np.ndarray,
    dep: np.ndarray,
    years: list[int],
    dep_shares: dict[int, dict[str, tuple[float, float]]],
) -> np.ndarray:
    """Move the ETP shares by département of the years in ``dep_shares`` ({year: {dep: (target
    share, weight)}}) to ``natural + weight * (target - natural)`` by alternate scaling: per
    (département, year), then per (type, year, sector) so that type and sector hours stay
    exact (the last step)."""
    ann = np.array([A.ANNUAL_HOURS[x] for x in A.TYPES])[t]
    codes, d = np.unique(dep, return_inverse=True)
    nd, ny = len(codes), len(years)
    kd = yi * nd + d
    target = np.full(ny * nd, np.nan)
    weight = np.zeros(ny * nd)
    for y, by_dep in dep_shares.items():
        j = y - years[0]
        if not 0 <= j < ny:
            continue
        for di, c in enumerate(codes):
            if c in by_dep:
                target[j * nd + di], weight[j * nd + di] = by_dep[c]

    def shares(hh: np.ndarray) -> np.ndarray:
        etp = np.bincount(kd, weights=hh / ann, minlength=ny * nd).reshape(ny, nd)
        return (etp / np.maximum(etp.sum(axis=1, keepdims=True), 1e-9)).ravel()

    natural = shares(h)
    ok = ~np.isnan(target)
    goal = natural.copy()
    goal[ok] = natural[ok] + (target[ok] - natural[ok]) * weight[ok]
    for _ in range(30):
        cur = shares(h)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(cur > 0, goal / cur, 1.0)
        h = h * g[kd]
        got = np.bincount(key, weights=h, minlength=len(want))
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(got > 0, want / got, 1.0)
        h = h * f[key]
    return h

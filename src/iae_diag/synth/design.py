"""The plan of the synthetic dataset: published targets, structure counts, SIAE timelines,
and the per-type / per-département probabilities solved so that the published totals hold.

Everything here is deterministic given the targets, the assumptions and the RNG.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from iae_diag import config
from iae_diag.errors import InputError
from iae_diag.synth import assumptions as A

CAL_TYPES = ("ACI", "AI", "EI", "ETTI")


def default_targets_file() -> Path:
    return config.shared_dir() / "calibration" / "targets.yaml"


def load_targets(path: Path | str | None = None) -> dict:
    """Read targets.yaml (published figures); InputError when missing or malformed."""
    p = Path(path) if path is not None else default_targets_file()
    if not p.is_file():
        raise InputError(
            f"The calibration targets file {p} does not exist. Set IAE_DIAG_SHARED_DIR to the "
            "shared folder holding calibration/targets.yaml (the Makefile sets it from "
            "SHARED_DIR), or pass the file explicitly."
        )
    with p.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict) or "years" not in data:
        raise InputError(f"{p}: expected a YAML mapping with a 'years' section.")
    return data


@dataclass
class Plan:
    """Published figures turned into generator inputs."""

    targets: dict
    persons_per_siae: dict[str, float]  # 2013, by type
    etp_per_siae: dict[str, float]  # 2013, by type
    structures_2019: dict[str, dict[str, int]] = field(default_factory=dict)
    types_2023: dict[str, int] = field(default_factory=dict)
    etp_share_2023_by_dep: dict[str, float] = field(default_factory=dict)
    salaries_2023: float | None = None
    etp_2023: float | None = None


def _norm(d: dict[str, float]) -> dict[str, float]:
    s = sum(d.values())
    return {k: v / s for k, v in d.items()}


def make_plan(targets: dict) -> Plan:
    """Check the assumed département matrices against the published type totals, and derive
    persons and ETP per SIAE of each type from the 2013 figures."""
    y = targets["years"]
    for year in (2007, 2013):
        pub = y[year]["structures"]["by_type"]
        mat = A.IDF_STRUCTURES[year]
        for t in CAL_TYPES:
            got = sum(mat[d][t] for d in mat)
            if got != int(pub[t]):
                raise InputError(
                    f"synth assumptions: IDF_STRUCTURES[{year}] sums to {got} {t} but "
                    f"targets.yaml publishes {pub[t]}: update iae_diag/synth/assumptions.py."
                )
    t13 = y[2013]
    n13 = {t: sum(A.IDF_STRUCTURES[2013][d][t] for d in A.IDF_STRUCTURES[2013]) for t in CAL_TYPES}
    sal_share = _norm(
        {t: float(v) for t, v in t13["salaries_share_by_type"].items() if t in CAL_TYPES}
    )
    etp_share = _norm({t: float(v) for t, v in t13["etp_share_by_type"].items() if t in CAL_TYPES})
    sal = float(t13["salaries"]["total"])
    etp = float(t13["etp"]["total"])
    pps = {t: sal * sal_share[t] / n13[t] for t in CAL_TYPES}
    eps = {t: etp * etp_share[t] / n13[t] for t in CAL_TYPES}
    pps["EITI"] = A.EITI_PERSONS_PER_SIAE
    eps["EITI"] = A.EITI_ETP_PER_SIAE
    plan = Plan(targets=targets, persons_per_siae=pps, etp_per_siae=eps)
    s19 = targets.get("structures_2019_by_departement_and_type") or {}
    plan.structures_2019 = {str(d): {t: int(v) for t, v in c.items()} for d, c in s19.items()}
    y23 = targets.get("year_2023") or {}
    plan.types_2023 = {
        t: int(v) for t, v in (y23.get("structures", {}).get("by_type") or {}).items()
    }
    plan.salaries_2023 = y23.get("salaries", {}).get("total")
    plan.etp_2023 = y23.get("etp", {}).get("total")
    plan.etp_share_2023_by_dep = {
        str(d): float(v) for d, v in (y23.get("etp_share_by_departement") or {}).items()
    }
    return plan


# --- structure counts ------------------------------------------------------------------------


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    w = np.asarray(weights, float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), int)
    q = w / w.sum() * total
    out = np.floor(q).astype(int)
    rest = total - out.sum()
    order = np.argsort(-(q - out), kind="stable")
    out[order[:rest]] += 1
    return out


def _idf_anchors(plan: Plan) -> dict[int, dict[str, dict[str, int]]]:
    anchors: dict[int, dict[str, dict[str, int]]] = {
        y: {d: {**c, "EITI": 0} for d, c in m.items()} for y, m in A.IDF_STRUCTURES.items()
    }
    deps = sorted(anchors[2013])
    if plan.structures_2019 and all(d in plan.structures_2019 for d in deps):
        m19 = {
            d: {t: plan.structures_2019[d].get(t, 0) for t in CAL_TYPES} | {"EITI": 0}
            for d in deps
        }
        anchors[2019] = m19
        if plan.types_2023:
            m23: dict[str, dict[str, int]] = {d: {} for d in deps}
            for t in A.TYPES:
                base = "EI" if t == "EITI" else t
                w = np.array([m19[d][base] for d in deps], float)
                alloc = _largest_remainder(w, int(plan.types_2023.get(t, 0)))
                for d, v in zip(deps, alloc, strict=True):
                    m23[d][t] = int(v)
            anchors[2023] = m23
    return anchors


def _interp(anchors: dict[int, dict[str, dict[str, int]]], dep: str, t: str, year: int) -> int:
    ys = sorted(anchors)
    if year <= ys[0]:
        return anchors[ys[0]][dep][t]
    if year >= ys[-1]:
        return anchors[ys[-1]][dep][t]
    for a, b in zip(ys, ys[1:], strict=False):
        if a <= year <= b:
            va, vb = anchors[a][dep][t], anchors[b][dep][t]
            return int(round(va + (vb - va) * (year - a) / (b - a)))
    raise AssertionError("unreachable")


def structure_counts(
    plan: Plan, deps: list[str], years: list[int], rng: np.random.Generator
) -> pd.DataFrame:
    """SIAE counts (dep, type, year, n): Île-de-France départements from the calibrated
    anchors, the others drawn around ``OTHER_DEP_MEAN_SIAE_2013`` with the IDF type trends."""
    anchors = _idf_anchors(plan)
    idf = set(A.IDF_STRUCTURES[2013])
    tot = {(t, y): sum(_interp(anchors, d, t, y) for d in idf) for t in A.TYPES for y in years}
    tot13 = {t: sum(anchors[2013][d][t] for d in idf) for t in A.TYPES}
    rows = []
    others = [d for d in deps if d not in idf]
    w = rng.lognormal(0.0, A.OTHER_DEP_SPREAD, max(len(others), 1))[: len(others)]
    sizes = np.maximum(
        3, np.round(A.OTHER_DEP_MEAN_SIAE_2013 * w / (w.mean() if len(w) else 1.0))
    ).astype(int)
    mix = np.array([A.OTHER_TYPE_MIX[t] for t in CAL_TYPES])
    base = {
        d: dict(zip(CAL_TYPES, _largest_remainder(mix, int(s)), strict=True))
        for d, s in zip(others, sizes, strict=True)
    }
    eiti23 = plan.types_2023.get("EITI", 0) / max(plan.types_2023.get("EI", 1), 1)
    for d in deps:
        for y in years:
            for t in A.TYPES:
                if t == "EITI" and y < A.EITI_FIRST_YEAR:
                    n = 0
                elif d in idf:
                    n = _interp(anchors, d, t, y)
                elif t == "EITI":
                    ramp = min(1.0, (y - A.EITI_FIRST_YEAR + 1) / 4)
                    ei = base[d]["EI"] * tot[("EI", y)] / max(tot13["EI"], 1)
                    n = int(round(ei * eiti23 * ramp))
                else:
                    n = int(round(base[d][t] * tot[(t, y)] / max(tot13[t], 1)))
                rows.append((d, t, y, n))
    return pd.DataFrame(rows, columns=["dep", "type", "year", "n"])


# --- SIAE timelines -------------------------------------------------------------------------


def siae_timelines(
    counts: pd.DataFrame, plan: Plan, rng: np.random.Generator, region_is_idf: bool
) -> pd.DataFrame:
    """One row per SIAE: dep, type, first_year, last_year, start_month, end_month.

    Per (dep, type) cell the yearly counts are met exactly; closures are drawn (the
    Île-de-France 2008-2013 total is the published one) and creations = closures + net change.
    ``first_year`` < the first data year means "open before the data starts".
    """
    years = sorted(counts["year"].unique())
    y0, y1 = years[0], years[-1]
    cells = counts.pivot_table(index=["dep", "type"], columns="year", values="n").astype(int)
    cal = plan.targets.get("evolution_2007_2013", {})
    closures = np.zeros(cells.shape, int)  # closures effective in year (column) j
    idf = set(A.IDF_STRUCTURES[2013])
    for j in range(1, len(years)):
        prev = cells.iloc[:, j - 1].to_numpy()
        net = cells.iloc[:, j].to_numpy() - prev
        k = rng.binomial(prev, A.CLOSURE_RATE)
        closures[:, j] = np.maximum(k, -net)
    # Île-de-France 2008-2013: total closures = published figure
    cal_years = [j for j, y in enumerate(years) if 2008 <= y <= 2013]
    idf_rows = np.array([d in idf for d, _ in cells.index])
    if region_is_idf and cal_years and cal.get("closed_total") is not None and y0 <= 2007:
        target = int(cal["closed_total"])
        for j in cal_years:
            prev = cells.iloc[:, j - 1].to_numpy()
            net = cells.iloc[:, j].to_numpy() - prev
            closures[idf_rows, j] = np.maximum(0, -net[idf_rows])
        need = target - closures[idf_rows][:, cal_years].sum()
        if need < 0:
            raise InputError(
                f"synth: the département matrices need {-need} more closures than the "
                f"published {target}; revise IDF_STRUCTURES."
            )
        # spread the extra closures over IDF cells and years, proportional to their size
        idx = [(i, j) for i in np.flatnonzero(idf_rows) for j in cal_years]
        wts = np.array([cells.iloc[i, j - 1] for i, j in idx], float)
        for _ in range(need):
            p = wts / wts.sum()
            c = rng.choice(len(idx), p=p)
            i, j = idx[c]
            closures[i, j] += 1
            wts[c] = max(wts[c] - 1, 0.0)
    out = []
    for ci, (dep, t) in enumerate(cells.index):
        n = cells.iloc[ci].to_numpy()
        active: list[list[int]] = []  # [first_year, last_year or None]
        for _ in range(n[0]):
            active.append([y0 - 5, -1])
        for j in range(1, len(years)):
            live = [s for s in active if s[1] == -1]
            k = closures[ci, j]
            pick = rng.choice(len(live), size=k, replace=False) if k else []
            for p in pick:
                live[p][1] = years[j - 1]
            c = n[j] - (len(live) - k)
            for _ in range(c):
                active.append([years[j], -1])
        for first, last in active:
            out.append((dep, t, first, y1 if last == -1 else last))
    df = pd.DataFrame(out, columns=["dep", "type", "first_year", "last_year"])
    m = len(df)
    start = rng.integers(A.CREATION_START_MONTHS[0], A.CREATION_START_MONTHS[1] + 1, m)
    end = rng.integers(A.CLOSURE_END_MONTHS[0], A.CLOSURE_END_MONTHS[1] + 1, m)
    df["start_month"] = np.where(df["first_year"] >= y0, start, 1)
    df["end_month"] = np.where(df["last_year"] < y1, end, 12)
    same = (df["first_year"] == df["last_year"]) & (df["first_year"] >= y0)
    df.loc[same, "end_month"] = np.maximum(
        df.loc[same, "end_month"], np.minimum(df.loc[same, "start_month"] + 2, 12)
    )
    df = df.sort_values(["dep", "type", "first_year", "last_year"], kind="stable")
    return df.reset_index(drop=True)


# --- solved probabilities -------------------------------------------------------------------


def _solve_scale(weights: dict, fixed: dict, base: dict, target: float) -> dict[str, float]:
    """Probabilities per group: fixed ones as given, the others ``m * base`` with ``m`` such
    that the weighted mean is ``target``."""
    tot = sum(weights.values())
    fixed_part = sum(weights[g] * fixed[g] for g in weights if g in fixed)
    free_part = sum(weights[g] * base[g] for g in weights if g not in fixed)
    m = (target * tot - fixed_part) / free_part if free_part > 0 else 1.0
    out = {
        g: float(fixed[g]) if g in fixed else float(np.clip(m * base[g], 0.0, 0.98))
        for g in set(base) | set(fixed)
    }
    return out


@dataclass
class Publics:
    """Probabilities of the person characteristics."""

    women: dict[str, float]
    women_slope: float  # added per year before 2013
    rsa: dict[str, float]
    pe24: dict[str, float]
    qpv: dict[str, float]  # by département of the SIAE


def solve_publics(plan: Plan, counts: pd.DataFrame) -> Publics:
    """Solve the free probabilities so that the 2013 (and 2009 for women) totals hold, with
    the expected persons by type (and by département) as weights."""
    t13 = plan.targets["years"][2013]
    pub = t13["publics"]
    by_type = t13.get("publics_by_type", {})
    idf13 = {
        t: sum(A.IDF_STRUCTURES[2013][d][t] for d in A.IDF_STRUCTURES[2013]) for t in CAL_TYPES
    }
    w = {t: idf13[t] * plan.persons_per_siae[t] for t in CAL_TYPES}

    def fixed_of(key: str) -> dict[str, float]:
        return {t: float(v) for t, v in (by_type.get(key) or {}).items() if t in A.TYPES}

    women_fixed = fixed_of("women")
    women = _solve_scale(w, women_fixed, {**A.WOMEN_BASE, **women_fixed}, float(pub["women"]))
    women.setdefault("EITI", A.WOMEN_BASE["EITI"])
    rsa_fixed = fixed_of("rsa")
    rsa = _solve_scale(w, rsa_fixed, {**A.RSA_BASE, **rsa_fixed}, float(pub["rsa"]))
    pe24 = _solve_scale(w, {}, dict(A.PE_24M_BASE), float(pub["job_seeker_24m_plus"]))
    # women 2009
    slope = 0.0
    w09 = plan.targets["years"].get(2009, {}).get("publics", {}).get("women")
    if isinstance(w09, dict):
        w09 = w09.get("value")
    if w09 is not None:
        n09 = {
            t: sum(A.IDF_STRUCTURES[2013][d][t] for d in A.IDF_STRUCTURES[2013]) for t in CAL_TYPES
        }
        c09 = counts[(counts["year"] == 2009)]
        if not c09.empty:
            n09 = {t: int(c09.loc[c09["type"] == t, "n"].sum()) for t in CAL_TYPES}
        wt09 = {t: n09[t] * plan.persons_per_siae[t] for t in CAL_TYPES}
        mean09 = sum(wt09[t] * women[t] for t in CAL_TYPES) / sum(wt09.values())
        slope = (float(w09) - mean09) / 4.0
    # QPV by département
    qmin = t13.get("publics_by_departement", {}).get("qpv", {}) or {}
    fixed_q = {d: max(A.QPV_93, float(v.get("min", 0))) for d, v in qmin.items()}
    wd = {
        d: sum(A.IDF_STRUCTURES[2013][d][t] * plan.persons_per_siae[t] for t in CAL_TYPES)
        for d in A.IDF_STRUCTURES[2013]
    }
    qpv = _solve_scale(wd, fixed_q, {**A.QPV_BASE, **fixed_q}, float(pub["qpv"]))
    return Publics(women=women, women_slope=slope, rsa=rsa, pe24=pe24, qpv=qpv)


def sector_mix(plan: Plan, t: str, year: int) -> np.ndarray:
    """Hours shares by sector (order of ``A.SECTORS``) of type ``t`` in ``year``: the 2013
    mix (targeted entries checked against targets.yaml), the 2009 mix = 2013 mix with the
    published 2009 entries and the other sectors rescaled; linear in between, held outside."""
    base = dict(A.SECTOR_MIX_2013[t])
    tg13 = plan.targets["years"][2013].get("hours_share_by_sector_and_type", {}).get(t, {})
    for s, v in tg13.items():
        if s in base and abs(base[s] - float(v)) > 1e-9:
            raise InputError(
                f"synth assumptions: SECTOR_MIX_2013[{t}][{s}] = {base[s]} but targets.yaml "
                f"publishes {v}: update iae_diag/synth/assumptions.py."
            )
    m13 = np.array([base[s] for s in A.SECTORS])
    m13 = m13 / m13.sum()
    y_a, y_b = A.SECTOR_ANCHOR_YEARS
    tg09 = plan.targets["years"].get(y_a, {}).get("hours_share_by_sector_and_type", {}).get(t, {})
    fixed = {s: float(v) for s, v in tg09.items() if s in A.SECTORS}
    m09 = m13.copy()
    if fixed:
        idx = [A.SECTORS.index(s) for s in fixed]
        free = np.ones(len(A.SECTORS), bool)
        free[idx] = False
        m09[idx] = list(fixed.values())
        m09[free] = m13[free] / m13[free].sum() * (1 - sum(fixed.values()))
    if year >= y_b:
        return m13
    if year <= y_a:
        return m09
    f = (year - y_a) / (y_b - y_a)
    return m09 + (m13 - m09) * f


def activity_factors(plan: Plan, counts: pd.DataFrame, year: int) -> tuple[float, float]:
    """(persons, ETP) per-SIAE multipliers of ``year`` relative to 2013: 1 up to 2013, then
    linear to the 2023 anchor (published salariés and ETP over the 2023 IDF structures)."""
    if year <= 2013 or plan.salaries_2023 is None or not plan.types_2023:
        return 1.0, 1.0
    n23 = plan.types_2023
    p23 = sum(n23.get(t, 0) * plan.persons_per_siae[t] for t in A.TYPES)
    e23 = sum(n23.get(t, 0) * plan.etp_per_siae[t] for t in A.TYPES)
    fp = float(plan.salaries_2023) / p23
    fe = float(plan.etp_2023) / e23 if plan.etp_2023 else 1.0
    f = min(1.0, (year - 2013) / 10)
    return 1 + (fp - 1) * f, 1 + (fe - 1) * f


def departement_etp_targets(
    plan: Plan, years: list[int], deps: list[str]
) -> dict[int, dict[str, tuple[float, float]]]:
    """ETP shares by département after 2013: {year: {dep: (2023 share, weight)}}, weight
    rising linearly from 0 in 2013 to 1 in 2023. Only when the generated départements are
    exactly those of the published shares (the Île-de-France run)."""
    tg = plan.etp_share_2023_by_dep
    if not tg or sorted(tg) != sorted(deps):
        return {}
    out = {}
    for y in years:
        if y > 2013:
            w = min(1.0, (y - 2013) / 10)
            out[y] = {d: (v, w) for d, v in tg.items()}
    return out

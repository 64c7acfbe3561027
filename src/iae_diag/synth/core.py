"""Assemble the five fluxIAE tables and the two exit reference tables of the synthetic
dataset and write them."""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from iae_diag import config
from iae_diag.errors import ParameterError
from iae_diag.synth import assumptions as A
from iae_diag.synth.design import (
    departement_etp_targets,
    load_targets,
    make_plan,
    siae_timelines,
    solve_publics,
    structure_counts,
)
from iae_diag.synth.places import draw_communes, load_communes
from iae_diag.synth.population import (
    TYPE_CODE,
    contract_publics,
    monthly_hours,
    spells_calibrated,
)
from iae_diag.synth.writer import read_headers, write_table
from iae_diag.territories import departements, deps_of_region

log = logging.getLogger(__name__)

#: ASP ids of the mesure codes (fluxIAE_RefMesure, from the ASP code list ref_mesure_v2).
MESURE_IDS = {
    "AI_DC": 1,
    "ACI_DC": 2,
    "EI_DC": 3,
    "ETTI_DC": 4,
    "FDI_DC": 5,
    "EI_MP": 6,
    "ACI_MP": 7,
    "EITI_DC": 8,
}

#: Exit motive ids (the generator's own: 300 + 7 x rank) and codes, aligned on A.EXIT_MOTIVES.
MOTIF_IDS = 300 + 7 * np.arange(len(A.EXIT_MOTIVES), dtype=np.int64)
MOTIF_CODES = tuple(mv[0] for mv in A.EXIT_MOTIVES)

_DAY0 = np.datetime64("1920-01-01", "D")
_ORDER = [
    "Structure",
    "AnnexeFinanciere",
    "EtatMensuelIndiv",
    "ContratMission",
    "Salarie",
    "RefCategorieSort",
    "RefMotifSort",
]


@lru_cache(maxsize=1)
def _date_lut() -> pa.Array:
    days = _DAY0 + np.arange(0, 45000)
    iso = np.datetime_as_string(days, unit="D")
    return pa.array([f"{d[8:10]}/{d[5:7]}/{d[0:4]}" for d in iso], pa.string())


def fmt_days(day: np.ndarray) -> pa.Array:
    """dd/mm/yyyy strings (arrow) of day numbers (days since 1970-01-01)."""
    off = (_DAY0 - np.datetime64("1970-01-01", "D")).astype(np.int64)
    return _date_lut().take(pa.array(np.asarray(day, dtype=np.int64) - off))


def masked(values: object, keep: np.ndarray) -> pa.Array:
    """``values`` where ``keep``, empty (null) elsewhere."""
    arr = values if isinstance(values, pa.Array) else pa.array(np.asarray(values))
    return pc.if_else(pa.array(np.asarray(keep, dtype=bool)), arr, pa.scalar(None, arr.type))


def cat(categories: object, codes: np.ndarray) -> pa.Array:
    """Strings ``categories[codes]`` as an arrow array (fast for millions of rows)."""
    return pa.array([str(c) for c in categories], pa.string()).take(
        pa.array(np.asarray(codes, dtype=np.int64))
    )


def first_day(month_abs: np.ndarray) -> np.ndarray:
    """Day number of the first day of an absolute month (year*12 + month-1)."""
    m = np.asarray(month_abs, dtype=np.int64) - 1970 * 12
    return m.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def last_day(month_abs: np.ndarray) -> np.ndarray:
    return first_day(np.asarray(month_abs) + 1) - 1


def parse_years(spec: str | tuple[int, int] | list[int]) -> tuple[int, int]:
    """``"2007-2013"`` or ``(2007, 2013)`` or ``"2013"`` -> (first, last)."""
    if isinstance(spec, str):
        a, _, b = spec.strip().partition("-")
        try:
            y0, y1 = int(a), int(b or a)
        except ValueError as exc:
            raise ParameterError(
                f"Invalid --years {spec!r}: expected a range such as 2007-2013."
            ) from exc
    else:
        y0, y1 = int(spec[0]), int(spec[-1])
    if not (1990 <= y0 <= y1 <= 2100):
        raise ParameterError(f"Invalid year range {y0}-{y1}: expected 1990 <= first <= last.")
    return y0, y1


def region_deps(region: str) -> list[str]:
    if str(region).strip().lower() == "france":
        return sorted(departements()["code_departement"])
    return deps_of_region(str(region))


def dep3(dep: str) -> str:
    """Three-character département of an AF number: 93 -> 093, 2A -> 02A, 971 -> 971."""
    return dep if len(dep) == 3 else "0" + dep


def generate(
    out_dir: Path | str,
    years: tuple[int, int] | str = (2007, 2013),
    seed: int = 2013,
    region: str = "11",
    scale: float = 1.0,
    geo_dir: Path | str | None = None,
    headers_dir: Path | str | None = None,
    targets_file: Path | str | None = None,
    stats: dict | None = None,
) -> list[Path]:
    """Write the fluxIAE tables of a synthetic dataset (the five tables and the two exit
    reference tables) into ``out_dir``; return the paths.

    ``region``: INSEE region code or ``"france"``; ``scale`` multiplies the number of
    structures; ``geo_dir`` (default ``config.geo_dir()``) gives real commune codes and QPV.
    Same arguments, same bytes. ``stats``, when given, receives the rows written per table,
    the numbers of SIAE and persons, and the elapsed seconds.
    """
    t_start = time.perf_counter()
    y0, y1 = parse_years(years)
    year_list = list(range(y0, y1 + 1))
    if scale <= 0:
        raise ParameterError(f"Invalid --scale {scale}: expected a positive number.")
    headers = read_headers(headers_dir)
    plan = make_plan(load_targets(targets_file))
    deps = region_deps(region)
    geo = Path(geo_dir) if geo_dir is not None else config.geo_dir()
    communes = load_communes(deps, geo)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = f"1501{y1 + 1}_060000"
    others = sorted(p.name for p in out.glob("fluxIAE_*") if stamp not in p.name)
    if others:
        log.warning(
            "synth: %s already holds other fluxIAE files (%s); the ingest will see both sets",
            out,
            ", ".join(others[:3]) + (" ..." if len(others) > 3 else ""),
        )

    # --- structures and SIAE ---------------------------------------------------------
    rng = np.random.default_rng([seed, 1])
    counts = structure_counts(plan, deps, year_list, rng)
    if scale != 1.0:
        counts["n"] = np.round(counts["n"] * scale).astype(int)
    region_is_idf = str(region) == "11" and scale == 1.0
    siae = siae_timelines(counts, plan, rng, region_is_idf)
    siae = _decorate_siae(siae, y0, rng)
    publics = solve_publics(plan, counts)

    # --- persons ---------------------------------------------------------------------
    sp, mo, people = spells_calibrated(siae, plan, counts, year_list, publics, seed)
    cpub = contract_publics(
        sp, people, publics, plan, year_list, np.random.default_rng([seed, 103])
    )
    sector_m = cpub["sector"][mo.spell]
    dep_targets = departement_etp_targets(plan, year_list, deps) if scale == 1.0 else {}
    hours = monthly_hours(
        sp,
        mo,
        sector_m,
        siae,
        plan,
        counts,
        year_list,
        np.random.default_rng([seed, 104]),
        dep_targets,
    )

    # --- tables: each written as soon as it is built, then freed ----------------------
    rng_t = np.random.default_rng([seed, 105])
    paths = []

    rows: dict[str, int] = {}

    def write(table: str, built: tuple[dict, int]) -> None:
        paths.append(write_table(out, table, headers[table], built[0], built[1], stamp))
        rows[table] = built[1]

    write("Structure", _structures(siae, communes, y0, rng_t))
    af, af_lookup = _annexes(siae, year_list, mo, sp, hours, rng_t)
    write("AnnexeFinanciere", af)
    del af
    ctr = _contracts(sp, siae, cpub, year_list, rng_t, np.random.default_rng([seed, 106]))
    emi = _emi(sp, mo, hours, siae, af_lookup, ctr, year_list, rng_t)
    n_emi = emi[1]
    write("EtatMensuelIndiv", emi)
    del emi
    write("ContratMission", ctr["table"])
    del ctr
    write("Salarie", _salaries(sp, siae, people, communes, deps, rng_t))
    categorie, motif = _reference_tables()
    write("RefCategorieSort", categorie)
    write("RefMotifSort", motif)
    paths.sort(key=lambda p: _ORDER.index(p.name.split("_")[1]))
    if stats is not None:
        stats.update(
            rows=rows,
            siae=len(siae),
            persons=int(len(np.unique(people["person"]))),
            seconds=time.perf_counter() - t_start,
        )
    log.info(
        "synth: %d SIAE, %d persons, %d EMI rows in %.1f s",
        len(siae),
        len(np.unique(people["person"])),
        n_emi,
        time.perf_counter() - t_start,
    )
    return paths


def _decorate_siae(siae: pd.DataFrame, y0: int, rng: np.random.Generator) -> pd.DataFrame:
    """Size, activity factor, mesure code, structure and AF number of each SIAE."""
    n = len(siae)
    siae = siae.copy()
    size = rng.lognormal(0.0, A.SIAE_SIZE_SPREAD, n)
    siae["size"] = size / size.mean() if n else size
    idf = set(A.IDF_STRUCTURES[2013])
    other = siae["type"].map(A.OTHER_ACTIVITY_FACTOR).to_numpy(float)
    siae["activity"] = np.where(siae["dep"].isin(idf), 1.0, other)
    u = rng.random(n)
    mp = np.array([A.MP_SHARE.get(t, 0.0) for t in siae["type"]])
    siae["mesure"] = np.where(u < mp, siae["type"] + "_MP", siae["type"] + "_DC")
    # structures: one per SIAE, some ETTI/AI share the structure of an EI/ACI of their dep
    struct = np.arange(n)
    partner = {"ETTI": "EI", "AI": "ACI"}
    u2 = rng.random(n)
    for t, host in partner.items():
        share = A.SHARED_STRUCTURE_SHARE[t]
        for dep in siae["dep"].unique():
            guests = np.flatnonzero(
                (siae["type"] == t).to_numpy() & (siae["dep"] == dep).to_numpy() & (u2 < share)
            )
            hosts = np.flatnonzero(
                (siae["type"] == host).to_numpy() & (siae["dep"] == dep).to_numpy()
            )
            if len(hosts) and len(guests):
                chosen = rng.choice(hosts, size=min(len(guests), len(hosts)), replace=False)
                struct[guests[: len(chosen)]] = chosen
    _, siae["structure_idx"] = np.unique(struct, return_inverse=True)
    # AF number: <type><DDD><YY><NNNN>, millésime = first AF year
    first_af = np.where(
        siae["first_year"] >= y0,
        siae["first_year"],
        y0 - rng.integers(0, A.FIRST_AF_MAX_AGE + 1, n),
    )
    siae["af_first_year"] = first_af
    yy = pd.Series(first_af % 100, index=siae.index).astype(str).str.zfill(2)
    key = siae["type"] + siae["dep"].map(dep3) + yy
    order = siae.groupby(key, sort=False).cumcount() + 1
    siae["af_number"] = key + order.astype(str).str.zfill(4)
    # a few old-format numbers (like the old Nord "ACI59V..."): no readable département, the
    # indicators fall back on the structure's address (same département here)
    old = (rng.random(n) < A.OLD_FORMAT_AF_NUMBER_SHARE) & (siae["dep"].str.len() == 2)
    siae.loc[old, "af_number"] = (
        siae.loc[old, "type"]
        + siae.loc[old, "dep"]
        + "V"
        + yy[old]
        + order[old].astype(str).str.zfill(4)
    )
    return siae


def _annexes(
    siae: pd.DataFrame, years: list[int], mo, sp, hours: np.ndarray, rng: np.random.Generator
) -> tuple[tuple[dict, int], np.ndarray]:
    """AnnexeFinanciere rows: per SIAE and active year one AF (new id at each renewal) with
    1-3 modification rows (older ones HISTORISE); extras: motif-rejet duplicates, ANNULE and
    FDI_DC annexes. Returns the table and the AF id of each (SIAE, year)."""
    y0, y1 = years[0], years[-1]
    ny = len(years)
    fy = siae["first_year"].to_numpy()
    ly = siae["last_year"].to_numpy()
    a = np.maximum(fy, y0)
    b = np.minimum(ly, y1)
    nyears = np.maximum(b - a + 1, 0)
    af_siae = np.repeat(np.arange(len(siae)), nyears)
    af_year = a[af_siae] + (
        np.arange(len(af_siae)) - np.repeat(np.cumsum(nyears) - nyears, nyears)
    )
    sm = np.where(af_year == fy[af_siae], siae["start_month"].to_numpy()[af_siae], 1)
    em = np.where(af_year == ly[af_siae], siae["end_month"].to_numpy()[af_siae], 12)
    af = pd.DataFrame({"siae": af_siae, "year": af_year, "sm": sm, "em": em})
    n = len(af)
    af["af_id"] = 100000 + np.arange(n) * 7
    lookup = np.full(len(siae) * ny, -1, dtype=np.int64)
    lookup[af_siae * ny + af_year - y0] = af["af_id"].to_numpy()
    # realised ETP per AF -> conventioned posts (realised / taux de réalisation)
    ann = np.array([A.ANNUAL_HOURS[t] for t in A.TYPES])
    row_af = sp.siae[mo.spell] * ny + (mo.month // 12 - y0)
    etp_real = np.bincount(
        row_af, weights=hours / ann[sp.type_code[mo.spell]], minlength=len(lookup)
    )
    e = etp_real[af_siae * ny + af_year - y0]
    months = em - sm + 1
    taux = rng.uniform(*A.TAUX_REALISATION_RANGE, n)
    af["etp_postes"] = np.round(np.maximum(e / taux * 12 / months, 0.5), 2)
    for col in ("type", "mesure", "structure_idx", "af_number", "dep"):
        af[col] = siae[col].to_numpy()[af_siae]
    af["renewal"] = af_year - siae["af_first_year"].to_numpy()[af_siae]
    closed = (af_year < y1) | (em < 12)
    prov = rng.random(n) < A.PROVISOIRE_SHARE
    af["state"] = np.where(closed, "CLOTURE", np.where(prov, "PROVISOIRE", "VALIDE"))
    af["nmod"] = rng.choice(len(A.MODIFICATIONS_P), size=n, p=A.MODIFICATIONS_P) + 1
    af["motif"] = ""
    af["missing_hours"] = rng.random(n) < A.ANNUAL_HOURS_MISSING_SHARE
    rows = af.loc[af.index.repeat(af["nmod"])].reset_index(drop=True)
    rows["mod"] = rows.groupby("af_id").cumcount()
    last = (rows["mod"] == rows["nmod"] - 1).to_numpy()
    rows.loc[~last, "state"] = "HISTORISE"
    rows.loc[~last, "etp_postes"] = np.round(
        rows.loc[~last, "etp_postes"] * rng.uniform(*A.HISTORISE_POSTS_RANGE, int((~last).sum())),
        2,
    )
    dup = rows[last & (rng.random(len(rows)) < A.MOTIF_REJET_DUP_SHARE)].copy()
    dup["motif"] = "DOUBLON"
    cancelled = af[rng.random(n) < A.ANNULE_SHARE].copy()
    cancelled["af_id"] += 3
    cancelled["state"] = "ANNULE"
    cancelled["mod"] = 0
    fdi = af[(rng.random(n) < A.FDI_SHARE) & (af["year"] < y1)].copy()
    fdi["af_id"] += 5
    fdi["mesure"] = "FDI_DC"
    fdi["af_number"] = (
        "FDI"
        + fdi["dep"].map(dep3)
        + (fdi["year"] % 100).astype(str).str.zfill(2)
        + pd.Series(np.arange(len(fdi)) + 1, index=fdi.index).astype(str).str.zfill(4)
    )
    fdi["state"] = "CLOTURE"
    fdi["sm"], fdi["em"] = A.FDI_MONTHS  # straddles two years
    fdi["etp_postes"] = np.nan
    fdi["mod"] = 0
    fdi["renewal"] = 0
    fdi["missing_hours"] = False
    allr = pd.concat([rows, dup, cancelled, fdi], ignore_index=True)
    allr = allr.sort_values(["af_id", "mod", "motif"], kind="stable").reset_index(drop=True)
    m = len(allr)
    ym = allr["year"].to_numpy() * 12
    deb = first_day(ym + allr["sm"].to_numpy() - 1)
    fin = last_day(ym + allr["em"].to_numpy() - 1)
    mesure = allr["mesure"].to_numpy().astype(str)
    typ = np.array([x.rsplit("_", 1)[0] for x in mesure])
    is_fdi = mesure == "FDI_DC"
    annual = np.array([A.ANNUAL_HOURS.get(t, 0.0) for t in typ])
    aide = np.array([A.AIDE_POSTE.get(t, 0.0) for t in typ])
    posts = allr["etp_postes"].to_numpy(float)
    has_posts = ~np.isnan(posts)
    months = allr["em"].to_numpy() - allr["sm"].to_numpy() + 1
    total = np.where(has_posts, posts * aide * months / 12, 0.0)
    state = allr["state"].to_numpy().astype(str)
    motif = allr["motif"].to_numpy().astype(str)
    dep_s = allr["dep"].map(dep3).to_numpy().astype(str)
    mill = (allr["year"] - allr["renewal"]).to_numpy() % 100
    conv = [
        f"{d} {y:02d}0101 {t} {i % 100000:05d}"
        for d, y, t, i in zip(dep_s, mill, typ, allr["structure_idx"], strict=True)
    ]
    missing = allr["missing_hours"].to_numpy(bool)
    data = {
        "af_id_structure": 1000 + allr["structure_idx"].to_numpy() * 3,
        "af_numero_convention": masked(pa.array(conv, pa.string()), ~is_fdi),
        "af_mesure_dispositif_id": np.array([MESURE_IDS[x] for x in mesure]),
        "af_mesure_dispositif_code": pa.array(mesure, pa.string()),
        "af_numero_annexe_financiere": pa.array(allr["af_number"].to_numpy().astype(str)),
        "af_numero_avenant_renouvellement": allr["renewal"].to_numpy(),
        "af_numero_avenant_modification": allr["mod"].to_numpy(),
        "af_id_annexe_financiere": allr["af_id"].to_numpy(),
        "af_id_avenant_modification": 5_000_000 + np.arange(m),
        "af_date_depot_dde_financement": fmt_days(deb - 60),
        "af_etat_annexe_financiere_id": np.array([A.STATE_IDS[x] for x in state]),
        "af_etat_annexe_financiere_code": pa.array(state, pa.string()),
        "af_indicateur_suspension": "false",
        "af_date_debut_effet": fmt_days(deb),
        "af_date_fin_effet": fmt_days(fin),
        "af_etp_postes_insertion": masked(
            pa.array([f"{v:.2f}" for v in np.nan_to_num(posts)]), has_posts
        ),
        "af_duree_heure_annuel_etp_id": masked(np.ones(m, np.int64), ~is_fdi),
        "af_duree_heure_annuel_etp_code": masked(np.full(m, "DUR_AN_ETP"), ~is_fdi),
        "af_duree_heure_annuel_etp_valeur": masked(
            pa.array([f"{v:.2f}" for v in annual]), ~is_fdi & ~missing
        ),
        "af_montant_unitaire_annuel_code": masked(np.full(m, "MT_AN_ETP"), ~is_fdi),
        "af_montant_unitaire_annuel_valeur": masked(pa.array([f"{v:.2f}" for v in aide]), ~is_fdi),
        "af_montant_total_annuel": masked(pa.array([f"{v:.2f}" for v in total]), has_posts),
        "af_indic_cofinancement": "false",
        "af_duree_collective_hebdo": masked(np.full(m, A.WEEKLY_HOURS_AF), ~is_fdi),
        "af_motif_rejet_id": masked(np.full(m, 2), motif != ""),
        "af_motif_rejet_code": masked(motif, motif != ""),
        "af_date_signature": fmt_days(deb - 20),
        "af_date_reception_asp": fmt_days(deb - 10),
    }
    return (data, m), lookup


def exit_motives(type_code: np.ndarray, u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index in ``A.EXIT_MOTIVES`` of the exit motive of each contract: the category drawn
    from ``u`` (uniform in [0, 1)) with the mix of its type (``A.EXIT_RETRAIT_SHARE`` of
    Retrait, the others as ``A.EXIT_CATEGORY_MIX``), then a motive of that category with the
    weights of ``A.EXIT_MOTIVES``."""
    keys = list(A.EXIT_CATEGORIES)
    mix = np.array(
        [
            [A.EXIT_CATEGORY_MIX[t][i] * (1 - A.EXIT_RETRAIT_SHARE) for i in range(4)]
            + [A.EXIT_RETRAIT_SHARE]
            for t in A.TYPES
        ]
    )
    cdf = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)
    category = np.minimum((u[:, None] >= cdf[type_code]).sum(axis=1), len(keys) - 1)
    motive = np.zeros(len(u), dtype=np.int64)
    for ci, key in enumerate(keys):
        rows = np.flatnonzero(category == ci)
        idx = np.array([i for i, mv in enumerate(A.EXIT_MOTIVES) if mv[2] == key])
        w = np.array([A.EXIT_MOTIVES[i][3] for i in idx])
        motive[rows] = idx[rng.choice(len(idx), size=len(rows), p=w / w.sum())]
    return motive


def _reference_tables() -> tuple[tuple[dict, int], tuple[dict, int]]:
    """fluxIAE_RefCategorieSort and fluxIAE_RefMotifSort rows (the extract's own exit
    reference tables, fluxiae-format.md 3.7)."""
    cats = list(A.EXIT_CATEGORIES.values())
    categorie = {
        "rcs_id": np.array([c[0] for c in cats], dtype=np.int64),
        "rcs_code": pa.array([c[1] for c in cats]),
        "rcs_libelle": pa.array([c[2] for c in cats]),
    }
    motif = {
        "rms_id": MOTIF_IDS,
        "rms_code": pa.array(list(MOTIF_CODES)),
        "rms_libelle": pa.array([mv[1] for mv in A.EXIT_MOTIVES]),
        "rcs_id": np.array([A.EXIT_CATEGORIES[mv[2]][0] for mv in A.EXIT_MOTIVES], np.int64),
    }
    return (categorie, len(cats)), (motif, len(A.EXIT_MOTIVES))


def _contracts(
    sp,
    siae: pd.DataFrame,
    cpub: dict,
    years: list[int],
    rng: np.random.Generator,
    rng_exit: np.random.Generator,
) -> dict:
    """Contract chains: contract k of a spell covers months start + k*L .. start + (k+1)*L - 1
    (L drawn per spell), the last one ending with the spell; renewals have type 1, 2, ...;
    one ROME code per spell (the job held), kept by its renewals."""
    w1 = years[-1] * 12 + 11
    n = len(sp.start)
    lo = np.array([A.CONTRACT_MONTHS[t][0] for t in A.TYPES])[sp.type_code]
    hi = np.array([A.CONTRACT_MONTHS[t][1] for t in A.TYPES])[sp.type_code]
    L = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    nctr = (np.minimum(sp.end, w1) - sp.start) // L + 1
    ctr_base = np.concatenate([[0], np.cumsum(nctr)[:-1]]).astype(np.int64)
    c_spell = np.repeat(np.arange(n), nctr)
    k = np.arange(len(c_spell)) - ctr_base[c_spell]
    c_first = sp.start[c_spell] + k * L[c_spell]
    c_last = np.minimum(c_first + L[c_spell] - 1, sp.end[c_spell])
    exits = (c_last == sp.end[c_spell]) & sp.exits[c_spell]
    m = len(c_spell)
    ctr_id = 3_000_000 + np.arange(m)
    hire_day = first_day(c_first) + np.where(k == 0, rng.integers(0, A.HIRING_DAY_SPREAD, m), 0)
    exit_day = first_day(c_last) + rng.integers(0, A.EXIT_DAY_SPREAD, m)
    motive = exit_motives(sp.type_code[c_spell], rng.random(m), rng_exit)
    # some exits carry their motive only on the EMI row of the exit month
    emi_only = rng_exit.random(m) < A.EXIT_MOTIVE_ONLY_ON_EMI_SHARE
    # declarations: inherited from the spell, some re-declared at a renewal
    rsa = cpub["rsa"][c_spell].copy()
    ass = cpub["ass"][c_spell].copy()
    pe = cpub["pe"][c_spell].copy()
    redecl = np.flatnonzero((k > 0) & (rng.random(m) < A.REDECLARE_SHARE))
    if len(redecl):
        donors = rng.integers(0, n, len(redecl))
        same = sp.type_code[donors] == sp.type_code[c_spell[redecl]]
        idx, donors = redecl[same], donors[same]
        rsa[idx], ass[idx], pe[idx] = cpub["rsa"][donors], cpub["ass"][donors], cpub["pe"][donors]
    rsa_code = np.where(rsa, np.where(cpub["rsa_m"][c_spell], 1, 2), 0)
    # ROME: one per spell, drawn in its sector (the first codes of a sector are more frequent)
    spell_rome = np.zeros(n, dtype=np.int64)
    rome_list: list[str] = []
    for si, sec in enumerate(A.SECTORS):
        codes = A.ROME_BY_SECTOR[sec]
        mm = cpub["sector"] == si
        w = np.arange(len(codes), 0, -1, dtype=float)
        spell_rome[mm] = len(rome_list) + rng.choice(len(codes), size=int(mm.sum()), p=w / w.sum())
        rome_list.extend(codes)
    rome_idx = spell_rome[c_spell]
    rome_empty = np.array([c == "" for c in rome_list])[rome_idx]
    tc = sp.type_code[c_spell]
    struct = siae["structure_idx"].to_numpy()[sp.siae[c_spell]]
    mes = siae["mesure"].to_numpy().astype(str)
    mes_codes, mes_idx = np.unique(mes, return_inverse=True)
    mes_c = mes_idx[sp.siae[c_spell]]
    pe_codes = cpub["pe_codes"]
    table = {
        "contrat_id_ctr": ctr_id,
        "contrat_id_pph": 2_000_000 + c_spell,
        "contrat_id_structure": 1000 + struct * 3,
        "contrat_mesure_disp_id": np.array([MESURE_IDS[x] for x in mes_codes])[mes_c],
        "contrat_mesure_disp_code": cat(mes_codes, mes_c),
        "contrat_date_creation": fmt_days(hire_day - 3),
        "contrat_date_embauche": fmt_days(hire_day),
        "contrat_date_fin_contrat": fmt_days(last_day(c_last)),
        "contrat_date_sortie_definitive": masked(fmt_days(exit_day), exits),
        "contrat_duree_contrat": c_last - c_first + 1,
        "contrat_type_contrat": k,
        "contrat_code_rome": masked(cat(rome_list, rome_idx), ~rome_empty),
        "contrat_duree_hebdo_travail": cat(
            (A.WEEKLY_HOURS_CONTRACT["other"], A.WEEKLY_HOURS_CONTRACT["ACI"]),
            tc == TYPE_CODE["ACI"],
        ),
        "contrat_motif_sortie_id": masked(MOTIF_IDS[motive], exits & ~emi_only),
        "contrat_motif_sortie_code": masked(cat(MOTIF_CODES, motive), exits & ~emi_only),
        "contrat_niveau_de_formation_code": cat(cpub["edu_codes"], cpub["edu"][c_spell]),
        "contrat_salarie_pe_duree_code": cat(pe_codes, pe),
        "contrat_inscrit_pole_emploi": cat(("false", "true"), pe_codes[pe] != "0"),
        "contrat_salarie_rsa": cat(("NON", "OUI-M", "OUI-NM"), rsa_code),
        "contrat_salarie_ass": cat(("false", "true"), ass),
        "contrat_salarie_aah": cat(("false", "true"), cpub["aah"][c_spell]),
        "contrat_salarie_rqth": cat(("false", "true"), cpub["rqth"][c_spell]),
        "contrat_type_employeur_code": cat([A.EMPLOYER_TYPE[t] for t in A.TYPES], tc),
    }
    return {
        "table": (table, m),
        "base": ctr_base,
        "L": L,
        "id": ctr_id,
        "exit_day": exit_day,
        "motive": motive,
        "exits": exits,
    }


def _emi(
    sp,
    mo,
    hours: np.ndarray,
    siae: pd.DataFrame,
    af_lookup: np.ndarray,
    ctr: dict,
    years: list[int],
    rng: np.random.Generator,
) -> tuple[dict, int]:
    """EtatMensuelIndiv: one row per person x AF x month, plus a few older versions
    (``emi_sme_version`` 1 with other hours, the kept row being version 2)."""
    y0 = years[0]
    ny = len(years)
    n = len(mo.spell)
    year = mo.month // 12
    afi = af_lookup[sp.siae[mo.spell] * ny + (year - y0)]
    cidx = ctr["base"][mo.spell] + (mo.month - sp.start[mo.spell]) // ctr["L"][mo.spell]
    exit_row = ctr["exits"][cidx] & (mo.month == sp.end[mo.spell])
    version = np.ones(n, dtype=np.int64)
    dup = (rng.random(n) < A.EMI_VERSION_DUP_SHARE) & (hours > 0)
    version[dup] = 2
    di = np.flatnonzero(dup)
    sel = np.concatenate([np.arange(n), di])
    ver = np.concatenate([version, np.ones(len(di), dtype=np.int64)])
    hrs = np.concatenate(
        [hours, np.round(hours[di] * rng.uniform(*A.OLD_VERSION_HOURS_RANGE, len(di)), 2)]
    )
    order = np.lexsort((ver, mo.spell[sel], afi[sel], mo.month[sel]))
    sel, ver, hrs = sel[order], ver[order], hrs[order]
    m = len(sel)
    month_s = mo.month[sel]
    t = sp.type_code[mo.spell[sel]]
    ann = np.array([A.ANNUAL_HOURS[x] for x in A.TYPES])[t]
    ai_etti = np.isin(t, [TYPE_CODE["AI"], TYPE_CODE["ETTI"]])
    mdays = last_day(month_s + 1) + 5
    ex = exit_row[sel]
    c_sel = cidx[sel]
    data = {
        "emi_date_creation": fmt_days(mdays - 10),
        "emi_date_modification": fmt_days(mdays),
        "emi_afi_id": afi[sel],
        "emi_sme_mois": month_s % 12 + 1,
        "emi_sme_annee": month_s // 12,
        "emi_esm_etat_id": A.EMI_STATE[0],
        "emi_esm_etat_code": A.EMI_STATE[1],
        "emi_sme_version": ver,
        "emi_date_validation": fmt_days(mdays),
        "emi_pph_id": 2_000_000 + mo.spell[sel],
        "emi_ctr_id": ctr["id"][c_sel],
        "emi_nb_heures_travail": hrs,
        "emi_nb_mission": masked((1 + hrs // 60).astype(np.int64), ai_etti & (hrs > 0)),
        "emi_nb_heures_facturees": masked(np.round(hrs).astype(np.int64), ai_etti),
        "emi_mt_salaire_brut": np.round(hrs * A.HOURLY_WAGE, 2),
        "emi_salarie_tjs_accomp": cat(("false", "true"), hrs == 0),
        "emi_part_etp": np.round(hrs * 12 / ann, 4),
        "emi_date_fin_reelle": masked(fmt_days(ctr["exit_day"][c_sel]), ex),
        "emi_motif_sortie_id": masked(MOTIF_IDS[ctr["motive"][c_sel]], ex),
        "emi_motif_sortie_code": masked(cat(MOTIF_CODES, ctr["motive"][c_sel]), ex),
        "emi_dsm_id": 10_000_000 + np.arange(m),
    }
    return data, m


def _nir(
    person: np.ndarray,
    women: np.ndarray,
    birth_year: np.ndarray,
    birth_month: np.ndarray,
    rng: np.random.Generator,
) -> pa.Array:
    """Synthetic NIRs, unique per person: sex, yy, mm, a 2-digit 'département' and a 6-digit
    number derived from the person id, then the key 97 - (n mod 97) (15 chars) or, for
    ``NIR_13_SHARE`` of them, no key (13 chars)."""
    sex = np.where(women, 2, 1).astype(np.int64)
    dep = 1 + (person // 1_000_000) % 95
    body = (
        sex * 10**12
        + (birth_year % 100) * 10**10
        + birth_month * 10**8
        + dep * 10**6
        + person % 1_000_000
    )
    key = 97 - body % 97
    short = rng.random(len(person)) < A.NIR_13_SHARE
    full = body * 100 + key
    s13 = pc.utf8_lpad(pc.cast(pa.array(body), pa.string()), 13, "0")
    s15 = pc.utf8_lpad(pc.cast(pa.array(full), pa.string()), 15, "0")
    return pc.if_else(pa.array(short), s13, s15)


def _commune_columns(communes, deps: np.ndarray, idx: np.ndarray) -> dict[str, pa.Array]:
    """code, name, postal code and QPV name of drawn communes (per-département tables)."""
    dep_codes, dep_inv = np.unique(deps.astype(str), return_inverse=True)
    offsets, codes, names, cps, qnames = [], [], [], [], []
    pos = 0
    for d in dep_codes:
        tab = communes.table(str(d))
        offsets.append(pos)
        pos += len(tab)
        codes.extend(tab["code"])
        names.extend(tab["name"])
        cps.extend(_pseudo_cp(c) for c in tab["code"])
        qnames.extend(tab["qpv_name"])
    g = np.asarray(offsets, dtype=np.int64)[dep_inv] + idx
    return {
        "code": cat(codes, g),
        "name": cat(names, g),
        "cp": cat(cps, g),
        "qpv_name": cat(qnames, g),
    }


def _salaries(
    sp, siae: pd.DataFrame, people: dict, communes, deps: list[str], rng: np.random.Generator
) -> tuple[dict, int]:
    """Salarie rows: one per spell (salarie_id is per structure); persons in two SIAE share
    their NIR, sex and birth date; obviously fake names and street."""
    n = len(sp.start)
    person = people["person"]
    women = people["women"][person]
    by = people["birth_year"]
    bm = rng.integers(1, 13, n)[person]
    bd = rng.integers(1, 29, n)[person]
    birth = first_day(by * 12 + bm - 1) + bd - 1
    nir = masked(_nir(person, women, by, bm, rng), people["has_nir"][person])
    res_dep = siae["dep"].to_numpy().astype(str)[sp.siae]
    if len(deps) > 1:
        move = rng.random(n) < A.OTHER_DEP_RESIDENCE_SHARE
        res_dep[move] = np.array(deps)[rng.integers(0, len(deps), int(move.sum()))]
    qpv = people["qpv"]
    ci = draw_communes(communes, res_dep, qpv == 2, rng)
    com = _commune_columns(communes, res_dep, ci)
    qname_ok = pc.and_(pa.array(qpv == 2), pc.not_equal(com["qpv_name"], ""))
    num = pc.cast(pa.array(np.arange(n)), pa.string())
    data = {
        "salarie_id": 2_000_000 + np.arange(n),
        "salarie_rci_libelle": cat(("M.", "MME"), women),
        "salarie_nom_usage": pc.binary_join_element_wise("NOMFICTIF", num, ""),
        "salarie_prenom": cat(("PRENOMFICTIF", "PRENOMFICTIVE"), women),
        "salarie_date_naissance": fmt_days(birth),
        "salarie_nir": nir,
        "salarie_agrement": pc.binary_join_element_wise(
            "99999", pc.utf8_lpad(pc.cast(pa.array(person), pa.string()), 8, "0"), ""
        ),
        "salarie_adr_numero_voie": 1 + person % 120,
        "salarie_codetypevoie": "RUE",
        "salarie_adr_libelle_voie": "DES EXEMPLES FICTIFS",
        "salarie_codepostalcedex": com["cp"],
        "salarie_commune": com["name"],
        "salarie_codeinseecom": com["code"],
        "salarie_code_dpt": pa.array(res_dep, pa.string()),
        "salarie_adr_qpv_type": masked(cat(("", "NQP", "QP"), qpv), qpv > 0),
        "salarie_adr_qpv_nom": masked(com["qpv_name"], qname_ok),
        "salarie_adr_is_zrr": cat(("false", "true"), rng.random(n) < A.ZRR_SHARE),
        "salarie_date_modification": fmt_days(first_day(sp.start) - 5),
    }
    return data, n


def _pseudo_cp(code: str) -> str:
    """Postal code written with synthetic addresses: Paris arrondissement 751xx -> 750xx,
    otherwise the département followed by 000 (postal codes are not in the geography files)."""
    if code.startswith("751"):
        return "750" + code[3:]
    dep = code[:3] if code.startswith("97") else code[:2]
    return (dep.replace("2A", "20").replace("2B", "20") + "000")[:5]


def _structures(
    siae: pd.DataFrame, communes, y0: int, rng: np.random.Generator
) -> tuple[dict, int]:
    """Structure rows (one per structure_id_siae): fake names, real or pseudo communes;
    creation date 01/02/2006 (ASP migration) for structures older than the data."""
    g = siae.groupby("structure_idx", sort=True)
    first = g.first()
    n = len(first)
    deps = first["dep"].to_numpy().astype(str)
    ci = draw_communes(communes, deps, np.zeros(n, bool), rng)
    com = _commune_columns(communes, deps, ci)
    sidx = first.index.to_numpy()
    siret = [f"{990_000_000 + i * 7:09d}{10 + i % 90:05d}" for i in sidx]
    fy = g["first_year"].min().to_numpy()
    cday = np.where(
        fy < y0, first_day(np.full(n, 2006 * 12 + 1)), first_day(np.maximum(fy, y0) * 12) - 30
    )
    created = pc.binary_join_element_wise(fmt_days(cday), " 00:00:00", "")
    types = first["type"].to_numpy().astype(str)
    num = 1 + sidx % 150
    data = {
        "structure_date_creation": created,
        "structure_date_modification": created,
        "structure_id_siae": 1000 + sidx * 3,
        "structure_siret_signature": pa.array(siret),
        "structure_siret_actualise": pa.array(siret),
        "structure_denomination": pa.array(
            [f"SIAE FICTIVE {t} {i}" for t, i in zip(types, sidx, strict=True)]
        ),
        "structure_categorie_juridique_code": pa.array([A.LEGAL_CATEGORY[t] for t in types]),
        "structure_code_naf": pa.array([A.NAF[t] for t in types]),
        "structure_adresse_admin_numero": num,
        "structure_adresse_admin_type_voie": "RUE",
        "structure_adresse_admin_nom_voie": "DE L'EXEMPLE FICTIF",
        "structure_adresse_admin_cp": com["cp"],
        "structure_adresse_admin_commune": com["name"],
        "structure_adresse_admin_code_insee": com["code"],
        "structure_adresse_gestion_numero": num,
        "structure_adresse_gestion_type_voie": "RUE",
        "structure_adresse_gestion_nom_voie": "DE L'EXEMPLE FICTIF",
        "structure_adresse_gestion_cp": com["cp"],
        "structure_adresse_gestion_commune": com["name"],
        "structure_adresse_gestion_code_insee": com["code"],
    }
    return data, n

"""Assemble the five fluxIAE tables of the synthetic dataset and write them."""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from iae_diag import config
from iae_diag.errors import ParameterError
from iae_diag.synth import assumptions as A
from iae_diag.synth.design import (
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

#: ASP ids of the mesure codes (fluxIAE_RefMesure) and of AF states (synthetic ids).
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
STATE_IDS = {"VALIDE": 1, "PROVISOIRE": 2, "HISTORISE": 3, "ANNULE": 4, "CLOTURE": 5}
NAF = {"ACI": "8899B", "AI": "7830Z", "EI": "8121Z", "ETTI": "7820Z", "EITI": "8299Z"}
LEGAL = {"ACI": "9220", "AI": "9220", "EI": "5499", "ETTI": "5710", "EITI": "5710"}

_DAY0 = np.datetime64("1920-01-01", "D")


@lru_cache(maxsize=1)
def _date_lut() -> np.ndarray:
    days = _DAY0 + np.arange(0, 45000)
    iso = np.datetime_as_string(days, unit="D")
    return np.array([f"{s[8:10]}/{s[5:7]}/{s[0:4]}" for s in iso])


def fmt_days(day: np.ndarray) -> np.ndarray:
    """dd/mm/yyyy strings of day numbers (days since 1970-01-01)."""
    return _date_lut()[
        np.asarray(day, dtype=np.int64) - (_DAY0 - np.datetime64("1970-01-01")).astype(np.int64)
    ]


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


def _pick(rng: np.random.Generator, options: tuple[str, ...], n: int) -> np.ndarray:
    w = np.arange(len(options), 0, -1, dtype=float)
    return np.array(options)[rng.choice(len(options), size=n, p=w / w.sum())]


def generate(
    out_dir: Path | str,
    years: tuple[int, int] | str = (2007, 2013),
    seed: int = 2013,
    region: str = "11",
    scale: float = 1.0,
    geo_dir: Path | str | None = None,
    headers_dir: Path | str | None = None,
    targets_file: Path | str | None = None,
) -> list[Path]:
    """Write the five fluxIAE tables of a synthetic dataset into ``out_dir``; return the paths.

    ``region``: INSEE region code or ``"france"``; ``scale`` multiplies the number of
    structures; ``geo_dir`` (default ``config.geo_dir()``) gives real commune codes and QPV.
    Same arguments, same bytes.
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
    hours = monthly_hours(
        sp, mo, sector_m, siae, plan, counts, year_list, np.random.default_rng([seed, 104])
    )

    # --- tables ----------------------------------------------------------------------
    rng_t = np.random.default_rng([seed, 105])
    af, af_lookup = _annexes(siae, year_list, mo, sp, hours, rng_t)
    ctr = _contracts(sp, siae, cpub, year_list, rng_t)
    emi = _emi(sp, mo, hours, siae, af_lookup, ctr, year_list, rng_t)
    sal = _salaries(sp, siae, people, communes, deps, rng_t)
    struct = _structures(siae, communes, y0, rng_t)

    paths = []
    for table, (data, n) in (
        ("Structure", struct),
        ("AnnexeFinanciere", af),
        ("EtatMensuelIndiv", emi),
        ("ContratMission", ctr["table"]),
        ("Salarie", sal),
    ):
        paths.append(write_table(out, table, headers[table], data, n, stamp))
    log.info(
        "synth: %d SIAE, %d persons, %d EMI rows in %.1f s",
        len(siae),
        len(np.unique(people["person"])),
        emi[1],
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
    siae["activity"] = np.where(siae["dep"].isin(idf), 1.0, A.OTHER_ACTIVITY_FACTOR)
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
    first_af = np.where(siae["first_year"] >= y0, siae["first_year"], y0 - rng.integers(0, 6, n))
    siae["af_first_year"] = first_af
    yy = pd.Series(first_af % 100, index=siae.index).astype(str).str.zfill(2)
    key = siae["type"] + siae["dep"].map(dep3) + yy
    order = siae.groupby(key, sort=False).cumcount() + 1
    siae["af_number"] = key + order.astype(str).str.zfill(4)
    return siae


def _annexes(siae, years, mo, sp, hours, rng):
    """AnnexeFinanciere rows: per SIAE and active year one AF (new id at each renewal) with
    1-3 modification rows; extras: motif-rejet duplicates, ANNULE and FDI_DC annexes."""
    y0, y1 = years[0], years[-1]
    ny = len(years)
    recs = []
    for i, s in enumerate(siae.itertuples(index=False)):
        for y in range(max(s.first_year, y0), min(s.last_year, y1) + 1):
            sm = s.start_month if y == s.first_year else 1
            em = s.end_month if y == s.last_year else 12
            recs.append((i, y, sm, em))
    af = pd.DataFrame(recs, columns=["siae", "year", "sm", "em"])
    n = len(af)
    af["af_id"] = 100000 + np.arange(n) * 7
    lookup = np.full(len(siae) * ny, -1, dtype=np.int64)
    lookup[af["siae"].to_numpy() * ny + af["year"].to_numpy() - y0] = af["af_id"].to_numpy()
    # realised ETP per AF -> conventioned posts
    t_month = sp.type_code[mo.spell]
    ann = np.array([A.ANNUAL_HOURS[t] for t in A.TYPES])
    row_af = sp.siae[mo.spell] * ny + (mo.month // 12 - y0)
    etp_real = np.bincount(row_af, weights=hours / ann[t_month], minlength=len(lookup))
    e = etp_real[af["siae"].to_numpy() * ny + af["year"].to_numpy() - y0]
    months = (af["em"] - af["sm"] + 1).to_numpy()
    taux = rng.uniform(*A.TAUX_REALISATION_RANGE, n)
    af["etp_postes"] = np.round(np.maximum(e / taux * 12 / months, 0.5), 2)
    s = siae.iloc[af["siae"].to_numpy()].reset_index(drop=True)
    af["type"] = s["type"].to_numpy()
    af["mesure"] = s["mesure"].to_numpy()
    af["structure_idx"] = s["structure_idx"].to_numpy()
    af["af_number"] = s["af_number"].to_numpy()
    af["dep"] = s["dep"].to_numpy()
    af["renewal"] = af["year"] - s["af_first_year"].to_numpy()
    closed = (af["year"] < y1) | (af["em"] < 12)
    prov = rng.random(n) < A.PROVISOIRE_SHARE
    af["state"] = np.where(closed, "CLOTURE", np.where(prov, "PROVISOIRE", "VALIDE"))
    af["nmod"] = rng.choice(len(A.MODIFICATIONS_P), size=n, p=A.MODIFICATIONS_P) + 1
    af["motif"] = ""
    af["missing_hours"] = rng.random(n) < A.ANNUAL_HOURS_MISSING_SHARE
    # expand modifications: older ones HISTORISE with other posts
    rows = af.loc[af.index.repeat(af["nmod"])].reset_index(drop=True)
    rows["mod"] = rows.groupby("af_id").cumcount()
    last = rows["mod"] == rows["nmod"] - 1
    rows.loc[~last, "state"] = "HISTORISE"
    rows.loc[~last, "etp_postes"] = np.round(
        rows.loc[~last, "etp_postes"] * rng.uniform(0.8, 1.0, int((~last).sum())), 2
    )
    # residual duplicates differing by af_motif_rejet
    dup = rows[last & (rng.random(len(rows)) < A.MOTIF_REJET_DUP_SHARE)].copy()
    dup["motif"] = "DOUBLON"
    # cancelled annexes
    ann_rows = af[rng.random(n) < A.ANNULE_SHARE].copy()
    ann_rows["af_id"] = ann_rows["af_id"] + 3
    ann_rows["state"] = "ANNULE"
    ann_rows["mod"] = 0
    # FDI annexes (subsidy, not a SIAE), straddling two years
    fdi = af[(rng.random(n) < A.FDI_SHARE) & (af["year"] < y1)].copy()
    fdi["af_id"] = fdi["af_id"] + 5
    fdi["mesure"] = "FDI_DC"
    fdi["af_number"] = (
        "FDI"
        + fdi["dep"].map(dep3)
        + (fdi["year"] % 100).astype(str).str.zfill(2)
        + pd.Series(np.arange(len(fdi)) + 1, index=fdi.index).astype(str).str.zfill(4)
    )
    fdi["state"] = "CLOTURE"
    fdi["sm"], fdi["em"] = 7, 18  # 01/07/Y - 30/06/Y+1
    fdi["etp_postes"] = np.nan
    fdi["mod"] = 0
    fdi["renewal"] = 0
    allr = pd.concat([rows, dup, ann_rows, fdi], ignore_index=True)
    allr = allr.sort_values(["af_id", "mod", "motif"], kind="stable").reset_index(drop=True)
    m = len(allr)
    allr["avenant_id"] = 5_000_000 + np.arange(m)
    ym = allr["year"].to_numpy() * 12
    deb = first_day(ym + allr["sm"].to_numpy() - 1)
    fin = last_day(ym + allr["em"].to_numpy() - 1)
    typ = allr["mesure"].str.replace(r"_(DC|MP)$", "", regex=True).to_numpy()
    is_fdi = allr["mesure"].to_numpy() == "FDI_DC"
    annual = np.array([A.ANNUAL_HOURS.get(t, np.nan) for t in typ])
    ann_txt = np.array([f"{v:.2f}" for v in annual], dtype=object)
    ann_txt[is_fdi | allr["missing_hours"].fillna(False).to_numpy(bool)] = None
    posts = allr["etp_postes"].to_numpy(float)
    posts_txt = np.array([None if np.isnan(v) else f"{v:.2f}" for v in posts], dtype=object)
    aide = np.array([A.AIDE_POSTE.get(t, 0.0) for t in typ])
    months = allr["em"].to_numpy() - allr["sm"].to_numpy() + 1
    total = np.where(np.isnan(posts), np.nan, posts * aide * months / 12)
    tot_txt = np.array([None if np.isnan(v) else f"{v:.2f}" for v in total], dtype=object)
    state = allr["state"].to_numpy()
    motif = allr["motif"].to_numpy()
    conv = np.array(
        [
            None if f else f"{dep3(d)} {(int(y) % 100):02d}0101 {t} {i % 100000:05d}"
            for f, d, y, t, i in zip(
                is_fdi,
                allr["dep"],
                allr["year"] - allr["renewal"],
                typ,
                allr["structure_idx"],
                strict=True,
            )
        ],
        dtype=object,
    )
    deposit = fmt_days(deb - 60)
    data = {
        "af_id_structure": 1000 + allr["structure_idx"].to_numpy() * 3,
        "af_numero_convention": conv,
        "af_mesure_dispositif_id": allr["mesure"].map(MESURE_IDS).to_numpy(),
        "af_mesure_dispositif_code": allr["mesure"].to_numpy(),
        "af_numero_annexe_financiere": allr["af_number"].to_numpy(),
        "af_numero_avenant_renouvellement": allr["renewal"].to_numpy(),
        "af_numero_avenant_modification": allr["mod"].to_numpy(),
        "af_id_annexe_financiere": allr["af_id"].to_numpy(),
        "af_id_avenant_modification": allr["avenant_id"].to_numpy(),
        "af_date_depot_dde_financement": deposit,
        "af_etat_annexe_financiere_id": np.array([STATE_IDS[s] for s in state]),
        "af_etat_annexe_financiere_code": state,
        "af_indicateur_suspension": "false",
        "af_date_debut_effet": fmt_days(deb),
        "af_date_fin_effet": fmt_days(fin),
        "af_etp_postes_insertion": posts_txt,
        "af_duree_heure_annuel_etp_id": np.where(is_fdi, None, 1).astype(object),
        "af_duree_heure_annuel_etp_code": np.where(is_fdi, None, "DUR_AN_ETP").astype(object),
        "af_duree_heure_annuel_etp_valeur": ann_txt,
        "af_montant_unitaire_annuel_code": np.where(is_fdi, None, "MT_AN_ETP").astype(object),
        "af_montant_unitaire_annuel_valeur": np.array(
            [None if f else f"{a:.2f}" for f, a in zip(is_fdi, aide, strict=True)], dtype=object
        ),
        "af_montant_total_annuel": tot_txt,
        "af_indic_cofinancement": "false",
        "af_duree_collective_hebdo": np.where(is_fdi, None, "35:00").astype(object),
        "af_motif_rejet_id": np.where(motif == "", None, "2").astype(object),
        "af_motif_rejet_code": np.where(motif == "", None, motif).astype(object),
        "af_date_signature": fmt_days(deb - 20),
        "af_date_reception_asp": fmt_days(deb - 10),
    }
    return (data, m), lookup


def _contracts(sp, siae, cpub, years, rng):
    """Contract chains: contract k of a spell covers months start + k*L .. start + (k+1)*L - 1
    (L drawn per spell), the last one ending with the spell; renewals have type 1, 2, ..."""
    y1 = years[-1]
    w1 = y1 * 12 + 11
    n = len(sp.start)
    lo = np.array([A.CONTRACT_MONTHS[t][0] for t in A.TYPES])[sp.type_code]
    hi = np.array([A.CONTRACT_MONTHS[t][1] for t in A.TYPES])[sp.type_code]
    L = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    last_needed = np.minimum(sp.end, w1)
    nctr = (last_needed - sp.start) // L + 1
    ctr_base = np.concatenate([[0], np.cumsum(nctr)[:-1]])
    c_spell = np.repeat(np.arange(n), nctr)
    k = np.arange(len(c_spell)) - ctr_base[c_spell]
    c_first = sp.start[c_spell] + k * L[c_spell]
    c_last = np.minimum(c_first + L[c_spell] - 1, sp.end[c_spell])
    is_last = c_last == sp.end[c_spell]
    exits = is_last & sp.exits[c_spell]
    m = len(c_spell)
    ctr_id = 3_000_000 + np.arange(m)
    hire_day = first_day(c_first) + np.where(k == 0, rng.integers(0, 10, m), 0)
    exit_day = first_day(c_last) + rng.integers(0, 27, m)
    motive_codes = np.array(list(A.EXIT_MOTIVES))
    motive_p = np.array(list(A.EXIT_MOTIVES.values()))
    motive = motive_codes[rng.choice(len(motive_codes), size=m, p=motive_p / motive_p.sum())]
    # declarations: inherited from the spell, some re-declared at renewal
    redecl = (k > 0) & (rng.random(m) < A.REDECLARE_SHARE)
    rsa = cpub["rsa"][c_spell].copy()
    ass = cpub["ass"][c_spell].copy()
    pe = cpub["pe"][c_spell].copy()
    if redecl.any():
        donors = rng.choice(np.flatnonzero(sp.type_code >= 0), size=int(redecl.sum()))
        same_type = sp.type_code[donors] == sp.type_code[c_spell[redecl]]
        idx = np.flatnonzero(redecl)[same_type]
        rsa[idx] = cpub["rsa"][donors[same_type]]
        ass[idx] = cpub["ass"][donors[same_type]]
        pe[idx] = cpub["pe"][donors[same_type]]
    rsa_txt = np.where(rsa, np.where(cpub["rsa_m"][c_spell], "OUI-M", "OUI-NM"), "NON")
    sector = cpub["sector"][c_spell]
    rome = np.empty(m, dtype=object)
    for si, s in enumerate(A.SECTORS):
        mm = sector == si
        if mm.any():
            codes = A.ROME_BY_SECTOR[s]
            chosen = _pick(rng, codes, len(np.unique(c_spell[mm])))
            # one ROME per spell (the job held), kept by its renewals
            sp_ids, inv = np.unique(c_spell[mm], return_inverse=True)
            rome[mm] = chosen[inv]
    rome[rome == ""] = None
    tname = np.array(A.TYPES)[sp.type_code[c_spell]]
    s_rows = siae.iloc[sp.siae[c_spell]]
    bools = {True: "true", False: "false"}
    table = {
        "contrat_id_ctr": ctr_id,
        "contrat_id_pph": 2_000_000 + c_spell,
        "contrat_id_structure": 1000 + s_rows["structure_idx"].to_numpy() * 3,
        "contrat_mesure_disp_id": s_rows["mesure"].map(MESURE_IDS).to_numpy(),
        "contrat_mesure_disp_code": s_rows["mesure"].to_numpy(),
        "contrat_date_creation": fmt_days(hire_day - 3),
        "contrat_date_embauche": fmt_days(hire_day),
        "contrat_date_fin_contrat": fmt_days(last_day(c_last)),
        "contrat_date_sortie_definitive": np.where(exits, fmt_days(exit_day), None).astype(object),
        "contrat_duree_contrat": c_last - c_first + 1,
        "contrat_type_contrat": k,
        "contrat_code_rome": rome,
        "contrat_duree_hebdo_travail": np.where(tname == "ACI", "26:00", "35:00"),
        "contrat_motif_sortie_code": np.where(exits, motive, None).astype(object),
        "contrat_niveau_de_formation_code": cpub["edu_codes"][cpub["edu"][c_spell]],
        "contrat_salarie_pe_duree_code": cpub["pe_codes"][pe],
        "contrat_inscrit_pole_emploi": np.where(cpub["pe_codes"][pe] == "0", "false", "true"),
        "contrat_salarie_rsa": rsa_txt,
        "contrat_salarie_ass": np.vectorize(bools.get, otypes=[object])(ass)
        if m
        else np.array([], dtype=object),
        "contrat_salarie_aah": np.where(cpub["aah"][c_spell], "true", "false"),
        "contrat_salarie_rqth": np.where(cpub["rqth"][c_spell], "true", "false"),
        "contrat_type_employeur_code": s_rows["type"]
        .map({"EI": "01", "ETTI": "02", "AI": "03", "ACI": "04", "EITI": "07"})
        .to_numpy(),
    }
    return {
        "table": (table, m),
        "spell": c_spell,
        "first": c_first,
        "last": c_last,
        "id": ctr_id,
        "base": ctr_base,
        "L": L,
        "exit_day": exit_day,
        "motive": motive,
        "exits": exits,
    }


def _emi(sp, mo, hours, siae, af_lookup, ctr, years, rng):
    """EtatMensuelIndiv: one row per person x AF x month (+ a few older versions)."""
    y0 = years[0]
    ny = len(years)
    n = len(mo.spell)
    year = mo.month // 12
    month = mo.month % 12 + 1
    afi = af_lookup[sp.siae[mo.spell] * ny + (year - y0)]
    k = (mo.month - sp.start[mo.spell]) // ctr["L"][mo.spell]
    cidx = ctr["base"][mo.spell] + k
    ctr_id = ctr["id"][cidx]
    exit_row = ctr["exits"][cidx] & (mo.month == sp.end[mo.spell])
    version = np.ones(n, dtype=np.int64)
    dup = (rng.random(n) < A.EMI_VERSION_DUP_SHARE) & (hours > 0)
    version[dup] = 2
    di = np.flatnonzero(dup)
    # older version rows (different hours), sorted with the others below
    sel = np.concatenate([np.arange(n), di])
    ver = np.concatenate([version, np.ones(len(di), dtype=np.int64)])
    hrs = np.concatenate([hours, np.round(hours[di] * rng.uniform(0.5, 0.9, len(di)), 2)])
    order = np.lexsort((ver, 2_000_000 + mo.spell[sel], afi[sel], mo.month[sel]))
    sel, ver, hrs = sel[order], ver[order], hrs[order]
    m = len(sel)
    t = sp.type_code[mo.spell[sel]]
    ann = np.array([A.ANNUAL_HOURS[x] for x in A.TYPES])[t]
    is_ai_etti = np.isin(t, [TYPE_CODE["AI"], TYPE_CODE["ETTI"]])
    mdays = last_day(mo.month[sel] + 1) + 5
    ex = exit_row[sel]
    motive_code = np.where(ex, ctr["motive"][cidx[sel]], None).astype(object)
    data = {
        "emi_date_creation": fmt_days(mdays - 10),
        "emi_date_modification": fmt_days(mdays),
        "emi_afi_id": afi[sel],
        "emi_sme_mois": month[sel],
        "emi_sme_annee": year[sel],
        "emi_esm_etat_id": "2",
        "emi_esm_etat_code": "VALIDE",
        "emi_sme_version": ver,
        "emi_date_validation": fmt_days(mdays),
        "emi_pph_id": 2_000_000 + mo.spell[sel],
        "emi_ctr_id": ctr_id[sel],
        "emi_nb_heures_travail": hrs,
        "emi_nb_mission": np.where(is_ai_etti & (hrs > 0), 1 + (hrs // 60), None).astype(object),
        "emi_nb_heures_facturees": np.where(is_ai_etti, np.round(hrs), None).astype(object),
        "emi_mt_salaire_brut": np.round(hrs * A.HOURLY_WAGE, 2),
        "emi_salarie_tjs_accomp": np.where(hrs > 0, "false", "true"),
        "emi_part_etp": np.round(hrs * 12 / ann, 4),
        "emi_date_fin_reelle": np.where(ex, fmt_days(ctr["exit_day"][cidx[sel]]), None).astype(
            object
        ),
        "emi_motif_sortie_code": motive_code,
        "emi_dsm_id": 10_000_000 + np.arange(m),
    }
    return data, m


def _nir(
    person: np.ndarray,
    women: np.ndarray,
    birth_year: np.ndarray,
    birth_month: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Synthetic NIRs, unique per person: sex, yy, mm, a 2-digit 'département' and a 6-digit
    number derived from the person id, then the key 97 - (n mod 97) (15 chars) or no key."""
    sex = np.where(women, 2, 1)
    dep = 1 + (person // 1_000_000) % 95
    body = (
        sex * 10**12
        + (birth_year % 100) * 10**10
        + birth_month * 10**8
        + dep * 10**6
        + person % 1_000_000
    )
    key = 97 - body % 97
    s13 = np.char.zfill(body.astype(str), 13)
    s15 = np.char.add(s13, np.char.zfill(key.astype(str), 2))
    short = rng.random(len(person)) < A.NIR_13_SHARE
    return np.where(short, s13, s15).astype(object)


def _salaries(sp, siae, people, communes, deps, rng):
    """Salarie rows: one per spell (salarie_id is per structure); persons in two SIAE share
    their NIR, sex and birth date."""
    n = len(sp.start)
    person = people["person"]
    women = people["women"][person]
    by = people["birth_year"]
    bm = rng.integers(1, 13, n)[person]
    bd = rng.integers(1, 29, n)[person]
    birth = first_day(by * 12 + bm - 1) + bd - 1
    nir = _nir(person, women, by, bm, rng)
    nir[~people["has_nir"][person]] = None
    siae_dep = siae["dep"].to_numpy()[sp.siae]
    res_dep = siae_dep.copy()
    if len(deps) > 1:
        move = rng.random(n) < A.OTHER_DEP_RESIDENCE_SHARE
        res_dep[move] = np.array(deps)[rng.integers(0, len(deps), int(move.sum()))]
    qpv = people["qpv"]
    ci = draw_communes(communes, res_dep, qpv == 2, rng)
    code = np.empty(n, dtype=object)
    name = np.empty(n, dtype=object)
    qname = np.empty(n, dtype=object)
    for d in np.unique(res_dep):
        m = res_dep == d
        tab = communes.table(str(d))
        code[m] = tab["code"].to_numpy()[ci[m]]
        name[m] = tab["name"].to_numpy()[ci[m]]
        qname[m] = tab["qpv_name"].to_numpy()[ci[m]]
    qtype = np.array([None, "NQP", "QP"], dtype=object)[qpv]
    qname = np.where(qpv == 2, qname, None)
    qname[qname == ""] = None
    sid = 2_000_000 + np.arange(n)
    data = {
        "salarie_id": sid,
        "salarie_rci_libelle": np.where(women, "MME", "M."),
        "salarie_nom_usage": np.char.add("NOMFICTIF", np.arange(n).astype(str)),
        "salarie_prenom": np.where(women, "PRENOMFICTIVE", "PRENOMFICTIF"),
        "salarie_date_naissance": fmt_days(birth),
        "salarie_nir": nir,
        "salarie_agrement": np.char.add("99999", np.char.zfill(person.astype(str), 8)),
        "salarie_adr_numero_voie": (1 + person % 120),
        "salarie_codetypevoie": "RUE",
        "salarie_adr_libelle_voie": "DES EXEMPLES FICTIFS",
        "salarie_codepostalcedex": np.array([_pseudo_cp(c) for c in code], dtype=object),
        "salarie_commune": name,
        "salarie_codeinseecom": code,
        "salarie_code_dpt": res_dep,
        "salarie_adr_qpv_type": qtype,
        "salarie_adr_qpv_nom": qname,
        "salarie_adr_is_zrr": np.where(rng.random(n) < A.ZRR_SHARE, "true", "false"),
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


def _structures(siae, communes, y0, rng):
    """Structure rows (one per structure_id_siae): fake names, real or pseudo communes."""
    g = siae.groupby("structure_idx", sort=True)
    first = g.first()
    n = len(first)
    deps = first["dep"].to_numpy()
    ci = draw_communes(communes, deps, np.zeros(n, bool), rng)
    code = np.empty(n, dtype=object)
    name = np.empty(n, dtype=object)
    for d in np.unique(deps):
        m = deps == d
        tab = communes.table(str(d))
        code[m] = tab["code"].to_numpy()[ci[m]]
        name[m] = tab["name"].to_numpy()[ci[m]]
    sidx = first.index.to_numpy()
    sid = 1000 + sidx * 3
    siren = 990_000_000 + sidx * 7
    siret = np.char.add(siren.astype(str), np.char.zfill((10 + sidx % 90).astype(str), 5))
    fy = g["first_year"].min().to_numpy()
    created = np.where(
        fy < y0,
        fmt_days(first_day(np.array([2006 * 12 + 1]))).item(),
        fmt_days(first_day(np.maximum(fy, y0) * 12) - 30),
    )
    created = np.char.add(created.astype(str), " 00:00:00")
    types = first["type"].to_numpy()
    cp = np.array([_pseudo_cp(c) for c in code], dtype=object)
    num = 1 + sidx % 150
    data = {
        "structure_date_creation": created,
        "structure_date_modification": created,
        "structure_id_siae": sid,
        "structure_siret_signature": siret,
        "structure_siret_actualise": siret,
        "structure_denomination": np.char.add(
            np.char.add("SIAE FICTIVE ", types.astype(str)), np.char.add(" ", sidx.astype(str))
        ),
        "structure_categorie_juridique_code": np.array([LEGAL[t] for t in types]),
        "structure_code_naf": np.array([NAF[t] for t in types]),
        "structure_adresse_admin_numero": num,
        "structure_adresse_admin_type_voie": "RUE",
        "structure_adresse_admin_nom_voie": "DE L'EXEMPLE FICTIF",
        "structure_adresse_admin_cp": cp,
        "structure_adresse_admin_commune": name,
        "structure_adresse_admin_code_insee": code,
        "structure_adresse_gestion_numero": num,
        "structure_adresse_gestion_type_voie": "RUE",
        "structure_adresse_gestion_nom_voie": "DE L'EXEMPLE FICTIF",
        "structure_adresse_gestion_cp": cp,
        "structure_adresse_gestion_commune": name,
        "structure_adresse_gestion_code_insee": code,
    }
    return data, n

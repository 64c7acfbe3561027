"""A small but complete processed folder built to the contract of docs/architecture.md, for
the report tests: the indicator table of a region and its départements (years 2011-2013 by
default), the quality table, the SIAE table and a manifest.

Values are derived from fixed per-département weights (no randomness), so tests can assert on
them: the region rows are the sums (or ratio of sums) of its départements' rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from iae_diag import freshness
from iae_diag.indicators.parcours import CATEGORIES, RATE_CATEGORIES
from iae_diag.territories import deps_of_region
from iae_diag.vocabulary import (
    INDICATOR_COLUMNS,
    INDICATOR_KEYS,
    PUBLIC_KEYS,
    PUBLISHED_SECTORS,
    QUALITY_COLUMNS,
    SIAE_COLUMNS,
    TYPES,
)

SECTORS = PUBLISHED_SECTORS
# per type: structures, salariés per structure, ETP per structure, hours per ETP
BASE = {
    "ACI": (19, 35, 12.0, 1600.0),
    "AI": (9, 160, 25.0, 1500.0),
    "EI": (19, 14, 8.0, 1450.0),
    "ETTI": (3, 120, 40.0, 1550.0),
    "EITI": (1, 10, 3.0, 1500.0),
}
PUBLIC_BASE = {
    "women": 0.42,
    "under_26": 0.2,
    "age_50_plus": 0.15,
    "rsa": 0.33,
    "ass": 0.08,
    "aah": 0.04,
    "rqth": 0.06,
    "job_seeker_24m_plus": 0.42,
    "low_qualification": 0.7,
    "qpv": 0.37,
    "qpv_all": 0.36,
    "job_seeker_12_23m": 0.2,
    "zrr": 0.01,
    "education_non_certifiante": 0.12,
    "education_infra_cap": 0.25,
    "education_cap_bep": 0.33,
}
SECTOR_BASE = {
    "batiment_tp": 0.25,
    "nettoyage_hors_sap": 0.15,
    "espaces_verts": 0.12,
    "services_aux_personnes": 0.12,
    "collecte_tri_recyclage": 0.08,
    "transport_logistique": 0.1,
    "autres": 0.15,
    "non_renseigne": 0.03,
}


def _dep_counts(dep_index: int, year: int, first_year: int) -> dict[str, dict[str, float]]:
    """Raw counts of one département, year and type (deterministic)."""
    out = {}
    for ti, t in enumerate(TYPES):
        n0, per_struct, etp_per, hours_per_etp = BASE[t]
        structures = max(
            0, n0 + (dep_index % 3) - 1 + (year - first_year) * ((ti + dep_index) % 2)
        )
        salaries = structures * per_struct + 7 * dep_index
        etp = structures * etp_per + 0.25 * dep_index
        out[t] = {
            "structures": float(structures),
            "salaries": float(salaries if structures else 0),
            "etp_realises": float(etp if structures else 0.0),
            "etp_conventionnes": float(round(etp * 1.08, 2) if structures else 0.0),
            "hours": float(round(etp * hours_per_etp, 1) if structures else 0.0),
            **_flow_counts(salaries if structures else 0, dep_index, ti),
        }
    return out


def _flow_counts(salaries: int, dep_index: int, ti: int) -> dict[str, float]:
    """Flows and exits of one département, year and type, from its salariés (definitions v2,
    "Flows" and "Parcours and exits"): hirings half of the salariés, sortants 45 %, 80 % of
    them examined; the categories of the examined exits (emploi durable 20 to 24 %), 10 % of
    the sortants too short for the ASP rule (autres sorties), 5 % retrait, the rest unknown."""
    emb = round(salaries * 0.5)
    sortants = round(salaries * 0.45)
    ex = round(sortants * 0.8)
    exam = {
        "emploi_durable": round(ex * (0.2 + 0.01 * ((dep_index + ti) % 5))),
        "emploi_transition": round(ex * 0.25),
        "sorties_positives": round(ex * 0.1),
    }
    exam["autres_sorties"] = ex - sum(exam.values())
    cats = {**exam, "retrait": round(sortants * 0.05)}
    cats["autres_sorties"] += round(sortants * 0.1)  # too short for the ASP rule
    cats["inconnue"] = sortants - sum(cats.values())
    return {
        "embauches": float(emb),
        "entrants": float(emb - min(emb, dep_index % 3)),
        "renouvellements": float(round(salaries * 0.6)),
        "salaries_moyenne_mensuelle": round(salaries * 0.4, 2),
        "presents_fin_annee": float(round(salaries * 0.45)),
        "sortants": float(sortants),
        "sorties_examinees": float(ex),
        **{f"exits_{c}": float(v) for c, v in cats.items()},
        **{f"exam_{c}": float(v) for c, v in exam.items()},
    }


def build_tables(
    region: str = "11", years: tuple[int, ...] = (2011, 2012, 2013)
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(indicators, quality, siae) for the region and its départements."""
    deps = deps_of_region(region)
    rows: list[tuple] = []
    raw: dict[tuple[str, str, int], dict[str, dict[str, float]]] = {}
    for di, d in enumerate(deps):
        for y in years:
            raw[("dep", d, y)] = _dep_counts(di, y, years[0])
    for y in years:
        agg: dict[str, dict[str, float]] = {t: {} for t in TYPES}
        for d in deps:
            for t in TYPES:
                for k, v in raw[("dep", d, y)][t].items():
                    agg[t][k] = agg[t].get(k, 0.0) + v
        raw[("region", region, y)] = agg

    def add(ind, level, code, year, t, value, num=np.nan, den=np.nan, breakdown=""):
        rows.append((ind, level, code, year, t, breakdown, value, num, den))

    for (level, code, y), by_type in raw.items():
        idx = 0 if level == "region" else deps.index(code) + 1
        totals = {k: sum(by_type[t][k] for t in TYPES) for k in by_type["ACI"]}
        for t in (*TYPES, "ALL"):
            c = totals if t == "ALL" else by_type[t]
            for k in ("structures", "salaries", "etp_realises", "etp_conventionnes", "hours"):
                add(k, level, code, y, t, c[k])
            prev = raw.get((level, code, y - 1))
            if prev is None:
                for k in ("structures_created", "structures_closed", "structures_net"):
                    add(k, level, code, y, t, np.nan)
            else:
                p = (
                    sum(prev[x]["structures"] for x in TYPES)
                    if t == "ALL"
                    else prev[t]["structures"]
                )
                net = c["structures"] - p
                closed = float(1 + (idx + y) % 2) if p > 0 else 0.0
                add("structures_created", level, code, y, t, net + closed)
                add("structures_closed", level, code, y, t, closed)
                add("structures_net", level, code, y, t, net)
            den = c["etp_conventionnes"]
            add(
                "taux_realisation",
                level,
                code,
                y,
                t,
                c["etp_realises"] / den if den else np.nan,
                c["etp_realises"],
                den,
            )
            if t != "ALL":
                for k, share in (("salaries", "salaries_share"), ("etp_realises", "etp_share")):
                    d = totals[k]
                    add(share, level, code, y, t, c[k] / d if d else np.nan, c[k], d)
            n = c["salaries"]
            for pi, p in enumerate(PUBLIC_KEYS):
                share = PUBLIC_BASE[p] + 0.01 * ((idx + pi + TYPES_INDEX.get(t, 0)) % 5)
                num = round(share * n)
                add("public_share", level, code, y, t, num / n if n else np.nan, num, n, p)
            _add_flows(add, level, code, y, t, c, idx)
            h = c["hours"]
            for si, s in enumerate(SECTORS):
                sh = SECTOR_BASE[s] + 0.01 * (((idx + si + (y % 3)) % 3) - 1)
                add("hours_by_sector", level, code, y, t, round(h * sh, 1), breakdown=s)
            # shares over the sum of the sector hours
            sec_rows = [r for r in rows[-len(SECTORS) :]]
            tot = sum(r[6] for r in sec_rows)
            for r in sec_rows:
                add(
                    "hours_share_by_sector",
                    level,
                    code,
                    y,
                    t,
                    r[6] / tot if tot else np.nan,
                    r[6],
                    tot,
                    r[5],
                )
    ind = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    ind["year"] = ind["year"].astype("int64")
    ind = ind.sort_values(INDICATOR_KEYS, kind="mergesort").reset_index(drop=True)

    qrows = []
    for level, code in [("region", region), *[("dep", d) for d in deps]]:
        for y in years:
            for ci, (check, unit) in enumerate(
                (
                    ("af_address_fallback", ""),
                    ("etp_type_default", "etp"),
                    ("unknown_rome", "hours"),
                    ("persons_without_nir", ""),
                )
            ):
                qrows.append((level, code, y, check, unit, float((ci + y) % 4)))
            qrows.append((level, code, y, "public_unknown_value", "qpv", 12.0))
    quality = pd.DataFrame(
        qrows,
        columns=QUALITY_COLUMNS,
    )
    srows = []
    for di, d in enumerate(deps):
        for y in years:
            for t in TYPES:
                c = raw[("dep", d, y)][t]
                n = int(c["structures"])
                for k in range(n):
                    srows.append(
                        (
                            1000 * (di + 1) + 50 * TYPES.index(t) + k,
                            t,
                            y,
                            d,
                            f"{d}{(k % 3) + 1:03d}" if len(d) == 2 else f"{d}{k % 3 + 1:02d}",
                            f"Structure {t} {d}-{k} & <Cie>",
                            c["etp_realises"] / n,
                            c["hours"] / n,
                            float(c["salaries"] // n),
                            c["etp_conventionnes"] / n,
                        )
                    )
    siae = pd.DataFrame(srows, columns=SIAE_COLUMNS)
    return ind, quality, siae


TYPES_INDEX = {t: i for i, t in enumerate(TYPES)}
FLOW_COUNTS = (
    "embauches",
    "entrants",
    "renouvellements",
    "salaries_moyenne_mensuelle",
    "presents_fin_annee",
    "sortants",
    "sorties_examinees",
)


def _add_flows(add, level: str, code: str, y: int, t: str, c: dict, idx: int) -> None:
    """The flow and exit rows of one territory, year and type (``c``: its summed counts):
    rates over the sorties examinées, AF objective of sorties dynamiques 50 % + 2 points per
    type rank (55 % for all types), mean length 8 months + the type rank + 0.1 per territory
    index (median 1.5 month less), publics of the entrants 1 point around PUBLIC_BASE."""
    for k in FLOW_COUNTS:
        add(k, level, code, y, t, c[k])
    for cat in CATEGORIES:
        add("exits_by_category", level, code, y, t, c[f"exits_{cat}"], breakdown=cat)
    den = c["sorties_examinees"]
    exam = {k: c[f"exam_{k}"] for k in RATE_CATEGORIES}
    exam["sorties_dynamiques"] = sum(exam[k] for k in RATE_CATEGORIES[:3])
    for k, num in exam.items():
        add("exit_rate", level, code, y, t, num / den if den else np.nan, num, den, k)
    ti = TYPES_INDEX.get(t)
    if c["structures"]:
        objective = 0.55 if ti is None else 0.5 + 0.02 * ti
        add("exit_rate_objective", level, code, y, t, objective, breakdown="sorties_dynamiques")
    mean = 8 + (ti if ti is not None else 2) + 0.1 * idx if den else np.nan
    add("duree_parcours_mois_mean", level, code, y, t, mean)
    add("duree_parcours_mois_median", level, code, y, t, mean - 1.5)
    n = c["entrants"]
    for pi, p in enumerate(PUBLIC_KEYS):
        share = PUBLIC_BASE[p] + 0.01 * (((idx + pi) % 3) - 1)
        num = round(share * n)
        add("public_share_entrants", level, code, y, t, num / n if n else np.nan, num, n, p)


def siae_sectors(siae: pd.DataFrame) -> pd.DataFrame:
    """siae_sectors.parquet of the SIAE table: each SIAE's hours split by SECTOR_BASE."""
    rows = [
        (r.structure_id_siae, r.type_siae, r.year, r.code_departement, c, r.hours * w)
        for r in siae.itertuples(index=False)
        for c, w in SECTOR_BASE.items()
        if r.hours * w > 0
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "structure_id_siae",
            "type_siae",
            "year",
            "code_departement",
            "sector_code",
            "hours",
        ],
    )


def write_processed(
    out: Path,
    region: str = "11",
    years: tuple[int, ...] = (2011, 2012, 2013),
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None = None,
) -> Path:
    """Write indicators/quality/siae parquet + manifest.json into ``out``; returns ``out``.
    ``tables``: (indicators, quality, siae) to write instead of :func:`build_tables`'s."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ind, quality, siae = tables if tables is not None else build_tables(region, years)
    ind.to_parquet(out / "indicators.parquet", index=False)
    quality.to_parquet(out / "quality.parquet", index=False)
    siae.to_parquet(out / "siae.parquet", index=False)
    siae_sectors(siae).to_parquet(out / "siae_sectors.parquet", index=False)
    tables = {}
    for i, name in enumerate(
        ["AnnexeFinanciere", "ContratMission", "EtatMensuelIndiv", "Salarie", "Structure"]
    ):
        tables[name] = {
            "file": f"fluxIAE_{name}_15012014_060000.csv.gz",
            "size": 1000 + i,
            "sha256": f"{i:x}" * 64,
            "extract_stamp": f"{years[-1] + 1}-01-15T06:00:00",
            "rows_read": 100 + i,
            "rows_kept": 99 + i,
            "rows_quarantined": 1,
            "output": f"{name.lower()}.parquet",
            "candidates": [],
        }
    manifest = {
        "package_version": "0.1.0",
        "schema_version": "2",
        "data_status": "synthetic",
        "key_kind": "demonstration",
        "tables": tables,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    # what `iae-diag indicators` records: the tables come from this manifest
    freshness.record_indicators(out, freshness.indicators_inputs(out, None))
    return out

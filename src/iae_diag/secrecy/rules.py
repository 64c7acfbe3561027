"""Primary suppression: the cells that may not be published for what they are
(``../shared/docs/definitions.md``, "Statistical secrecy").

- Persons (both diffusion levels): a count of persons from 1 to 4, and a share or rate whose
  denominator counts 1 to 4 persons. Zero is published.
- Structures' magnitudes (``publique`` only): hours, ETP réalisés, ETP conventionnés and hours
  by sector of a cell made of fewer than 3 SIAE, or where one SIAE contributes more than 85 %
  of the value; the taux de réalisation is judged on the ETP conventionnés of its cell. Counts of
  SIAE are public and never hidden.

A cell is a row of the indicator table, keyed as in :func:`iae_diag.figures.value_index`:
``(indicator, territory_level, territory_code, year, type_siae, breakdown)``. The person
checks of the data-quality table are cells too, named ``quality:<check>`` (type ``ALL``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iae_diag.errors import require_columns
from iae_diag.territories import region_of_dep
from iae_diag.vocabulary import TYPE_ALL

#: the two diffusion levels; ``publique`` is the default
PUBLIQUE = "publique"
INTERNE = "interne"
DIFFUSION_LEVELS: tuple[str, ...] = (PUBLIQUE, INTERNE)
#: a count of persons below this (and above 0) is not published, nor a share over it
MIN_PERSONS = 5
#: a magnitude made of fewer SIAE than this is not published (``publique``)
MIN_SIAE = 3
#: a magnitude where one SIAE contributes more than this share is not published (``publique``)
DOMINANCE = 0.85

#: indicators whose value counts persons (or what describes them one by one: the contracts
#: hired and renewed, the parcours ended; the monthly average of salariés)
PERSON_COUNTS: tuple[str, ...] = (
    "salaries",
    "embauches",
    "entrants",
    "renouvellements",
    "salaries_moyenne_mensuelle",
    "presents_fin_annee",
    "sortants",
    "sorties_examinees",
    "exits_by_category",
)
#: indicators whose denominator counts persons (shares and rates of persons). The share of a
#: type in the salariés (``salaries_share``) is the same cell as its count (:mod:`.groups`): it
#: is hidden with the count, and a type with 0 salariés reads 0 %.
PERSON_RATIOS: tuple[str, ...] = ("public_share", "public_share_entrants", "exit_rate")
#: indicators describing a population of persons counted by another indicator of the same key
#: (lengths of the parcours of the sorties examinées): hidden when that count is 1 to 4
PERSON_POPULATIONS: dict[str, str] = {
    "duree_parcours_mois_mean": "sorties_examinees",
    "duree_parcours_mois_median": "sorties_examinees",
}
#: data-quality checks whose value counts persons (cells ``quality:<check>``); three give, with
#: the salariés, the denominator of every public share (indicators/publics.py); the exits of
#: unknown category, by reason, add up to the ``inconnue`` exits
QUALITY_PERSON_COUNTS: tuple[str, ...] = (
    "persons_without_nir",
    "persons_without_contract",
    "persons_without_salarie_row",
    "public_unknown_value",
    "exit_category_unknown",
)
QUALITY_PREFIX = "quality:"
#: structures' magnitudes -> the column of siae.parquet (or siae_sectors.parquet) giving each
#: SIAE's contribution
MAGNITUDES: dict[str, str] = {
    "hours": "hours",
    "etp_realises": "etp_realises",
    "etp_conventionnes": "etp_conventionnes",
    "hours_by_sector": "hours",
    "taux_realisation": "etp_conventionnes",
}
CELL_KEYS = ["indicator", "territory_level", "territory_code", "year", "type_siae", "breakdown"]


def person_primary(cells: pd.DataFrame) -> pd.Series:
    """Boolean mask of the cells hidden by the person rules (both levels)."""
    ind = cells["indicator"]
    v, d = cells["value"], cells["denominator"]
    count = ind.isin(PERSON_COUNTS) | ind.isin([QUALITY_PREFIX + c for c in QUALITY_PERSON_COUNTS])
    ratio = ind.isin(PERSON_RATIOS)
    return (
        (count & (v > 0) & (v < MIN_PERSONS))
        | (ratio & v.notna() & (d > 0) & (d < MIN_PERSONS))
        | _small_population(cells)
    )


def _small_population(cells: pd.DataFrame) -> pd.Series:
    """The cells of :data:`PERSON_POPULATIONS` with a value whose population (the count of the
    same key) is 1 to 4."""
    hide = pd.Series(False, index=cells.index)
    for indicator, population in PERSON_POPULATIONS.items():
        sel = cells["indicator"] == indicator
        if not sel.any():
            continue
        pop = cells.loc[cells["indicator"] == population, [*CELL_KEYS[1:], "value"]]
        m = cells.loc[sel, CELL_KEYS[1:]].merge(pop, on=CELL_KEYS[1:], how="left")
        n = m["value"].to_numpy(dtype=float)
        small = (n > 0) & (n < MIN_PERSONS) & cells.loc[sel, "value"].notna().to_numpy()
        hide.loc[sel] = small
    return hide


def magnitude_contributions(siae: pd.DataFrame, siae_sectors: pd.DataFrame | None) -> pd.DataFrame:
    """For each magnitude cell (département, region and France; each type and ``ALL``): the
    number of SIAE contributing a positive value (``n_siae``) and the largest contribution's
    share of the cell (``largest_share``). A SIAE is a (structure, type) pair; a SIAE present
    in two départements of a region is one unit of the region."""
    require_columns(
        siae,
        ["structure_id_siae", "type_siae", "year", "code_departement", *set(MAGNITUDES.values())],
        "The SIAE table (siae.parquet)",
        "Re-run `iae-diag indicators`.",
    )
    parts = []
    base = siae.assign(breakdown="")
    for ind, col in MAGNITUDES.items():
        if ind == "hours_by_sector":
            if siae_sectors is None:
                continue
            src = siae_sectors.rename(columns={"sector_code": "breakdown"})
        else:
            src = base
        parts.append(_cells(src, ind, col))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CELL_KEYS)
    return out


def _cells(src: pd.DataFrame, indicator: str, col: str) -> pd.DataFrame:
    s = src[["structure_id_siae", "type_siae", "year", "code_departement", "breakdown", col]]
    s = s.rename(columns={col: "v"})
    s = s.loc[s["v"] > 0].copy()
    s["code_departement"] = s["code_departement"].astype(str)
    s["year"] = s["year"].astype("int64")
    regions = {d: region_of_dep(d) for d in s["code_departement"].unique()}
    levels = {
        "dep": s["code_departement"],
        "region": s["code_departement"].map(regions),
        "france": pd.Series("FR", index=s.index),
    }
    out = []
    for level, code in levels.items():
        for by_type in (True, False):
            t = s["type_siae"] if by_type else pd.Series(TYPE_ALL, index=s.index)
            unit = s.assign(code=code.to_numpy(), t=t.to_numpy())
            per = unit.groupby(
                ["code", "year", "t", "breakdown", "structure_id_siae", "type_siae"], sort=False
            )["v"].sum()
            g = per.groupby(level=[0, 1, 2, 3], sort=True)
            cell = pd.DataFrame({"n_siae": g.size(), "largest": g.max(), "total": g.sum()})
            cell = cell.reset_index()
            cell.columns = [
                "territory_code",
                "year",
                "type_siae",
                "breakdown",
                "n_siae",
                "largest",
                "total",
            ]
            cell["territory_level"] = level
            out.append(cell)
    df = pd.concat(out, ignore_index=True)
    df["indicator"] = indicator
    df["largest_share"] = np.where(df["total"] > 0, df["largest"] / df["total"], 0.0)
    return df[[*CELL_KEYS, "n_siae", "largest_share"]]


def magnitude_primary(cells: pd.DataFrame, contributions: pd.DataFrame) -> pd.Series:
    """Boolean mask of the magnitude cells (non-zero) made of fewer than ``MIN_SIAE`` SIAE or
    dominated by one SIAE (more than ``DOMINANCE`` of the value). A non-zero magnitude cell
    without any contribution (a département the SIAE tables do not know) is hidden too."""
    m = cells[CELL_KEYS].merge(contributions, on=CELL_KEYS, how="left")
    is_mag = cells["indicator"].isin(list(MAGNITUDES)).to_numpy()
    nonzero = (cells["value"].fillna(0.0).abs() > 1e-9).to_numpy()
    n = m["n_siae"].fillna(0).to_numpy()
    share = m["largest_share"].fillna(1.0).to_numpy()
    hide = is_mag & nonzero & ((n < MIN_SIAE) | (share > DOMINANCE))
    return pd.Series(hide, index=cells.index)

"""Parcours and their exits (definitions v2, "Parcours and exits"): the parcours of the
contracts, the exit categories, the ASP rule of the sorties examinées.

The category of an exit motif comes from the extract's own reference tables
``RefMotifSort`` (``rms_id`` -> ``rcs_id``) and ``RefCategorieSort`` (``rcs_id`` -> label): the
labels are compared without case and accents; motif codes are never hard-coded. A motif absent
from the tables, a category label not recognised, or missing tables give ``inconnue``.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from iae_diag.indicators.keys import sort_order

#: category keys by normalised label (definitions v2)
CATEGORY_LABELS = {
    "emploi durable": "emploi_durable",
    "emploi de transition": "emploi_transition",
    "sorties positives": "sorties_positives",
    "autres sorties": "autres_sorties",
    "retrait des sorties constatees": "retrait",
}
UNKNOWN = "inconnue"
#: every category an exit can take, in report order
CATEGORIES = (*CATEGORY_LABELS.values(), UNKNOWN)


def _normalise_label(labels: pd.Series) -> pd.Series:
    """Lower case, accents removed, blanks collapsed."""

    def norm(s: str) -> str:
        s = unicodedata.normalize("NFKD", s)
        return " ".join("".join(c for c in s if not unicodedata.combining(c)).lower().split())

    # one call per distinct label (a reference table has a few dozen rows)
    return labels.fillna("").astype(str).map(norm)


def motif_categories(
    ref_motif_sort: pd.DataFrame | None, ref_categorie_sort: pd.DataFrame | None
) -> pd.Series:
    """``rms_id`` (string) -> category key, for the motifs whose category is recognised."""
    if ref_motif_sort is None or ref_categorie_sort is None:
        return pd.Series(dtype=object, name="category")
    cat = ref_categorie_sort[["rcs_id", "rcs_libelle"]].dropna(subset=["rcs_id"])
    cat = cat.assign(category=_normalise_label(cat["rcs_libelle"]).map(CATEGORY_LABELS))
    m = ref_motif_sort[["rms_id", "rcs_id"]].dropna()
    m = m.astype(str).merge(cat[["rcs_id", "category"]].astype({"rcs_id": str}), on="rcs_id")
    m = m.dropna(subset=["category"]).drop_duplicates("rms_id", keep="last")
    return pd.Series(m["category"].to_numpy(), index=m["rms_id"].to_numpy(), name="category")


def exit_category(motif_ids: pd.Series, categories: pd.Series) -> pd.Series:
    """The category key of each motif id (``inconnue`` when missing or not in ``categories``)."""
    ids = motif_ids.astype("string")
    return ids.map(categories).fillna(UNKNOWN).astype(object).rename("category")


# --------------------------------------------------------------------------- parcours

#: Length of a month in days, for the parcours lengths (365.25 / 12).
DAYS_PER_MONTH = 30.4375
#: The ASP rule of the sorties examinées (definitions v2, "Parcours and exits"): at least
#: :data:`MIN_DAYS` between start and end and :data:`MIN_HOURS_DEFAULT` hour worked for ACI,
#: EI and EITI; at least :data:`MIN_HOURS` hours worked for AI and ETTI, whatever the length.
MIN_DAYS = 91
MIN_HOURS_DEFAULT = 1.0
MIN_HOURS = {"AI": 150.0, "ETTI": 150.0}
#: The categories of the rates (in report order) and the rate of the first three together.
RATE_CATEGORIES = ("emploi_durable", "emploi_transition", "sorties_positives", "autres_sorties")
DYNAMIC = ("emploi_durable", "emploi_transition", "sorties_positives")
RATE_KEYS = (*RATE_CATEGORIES, "sorties_dynamiques")
#: Why an exit's category is unknown (breakdowns of the quality check
#: ``exit_category_unknown``).
UNKNOWN_NO_MOTIF = "no_motif"
UNKNOWN_NOT_IN_REFERENCE = "motif_not_in_reference"
UNKNOWN_TABLES_ABSENT = "reference_tables_absent"
UNKNOWN_REASONS = (UNKNOWN_NO_MOTIF, UNKNOWN_NOT_IN_REFERENCE, UNKNOWN_TABLES_ABSENT)


def parcours_of_contracts(
    siae: np.ndarray, hired: np.ndarray, kind: np.ndarray, ctr_id: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parcours of each contract (definitions v2): the contracts of one person in one SIAE
    (structure, type), ordered by hiring date (days) then ``contrat_id_ctr``; a new parcours
    starts at each initial contract (``kind`` = ``contrat_type_contrat`` = 0) and at the first
    contract of the person in the SIAE, whatever its kind.

    ``siae`` is the (person, structure, type) of each contract combined into one key
    (``activity.combine_keys``: the caller frees those columns before the sort, one entry per
    contract of a national history); every argument is one entry per contract (all usable:
    known type and hiring date). Returns (parcours code per contract, 0..n_parcours-1
    numbered in that order; the order of the contracts; True at the contracts that start a
    parcours without being initial contracts)."""
    order = sort_order(siae, np.asarray(hired).astype(np.int64), ctr_id)  # days: whole
    g = siae[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = g[1:] != g[:-1]
    del g
    k = kind[order]
    start = first | (k == 0)
    code_sorted = np.cumsum(start) - 1
    code = np.empty(len(order), dtype=np.int64)
    code[order] = code_sorted
    orphan = np.zeros(len(order), dtype=bool)
    orphan[order] = first & (k != 0)
    return code, order, orphan


def examined(
    category: np.ndarray, days: np.ndarray, hours: np.ndarray, type_key: np.ndarray
) -> np.ndarray:
    """The ASP rule: True for the exits counted in the sorties examinées (known category other
    than ``retrait``; ACI, EI, EITI: end - start >= :data:`MIN_DAYS` days and at least one hour
    worked; AI, ETTI: at least 150 hours worked)."""
    category = np.asarray(category, dtype=object)
    known = (category != UNKNOWN) & (category != "retrait")
    types = pd.Series(np.asarray(type_key, dtype=object))
    by_hours = types.isin(list(MIN_HOURS)).to_numpy()
    min_h = types.map(MIN_HOURS).fillna(MIN_HOURS_DEFAULT).to_numpy(dtype=float)
    long_enough = by_hours | (np.asarray(days, dtype=float) >= MIN_DAYS)
    return known & long_enough & (np.asarray(hours, dtype=float) >= min_h)


def unknown_reason(
    motif_ids: pd.Series, categories: pd.Series, tables_present: bool
) -> np.ndarray:
    """Why each exit's category is unknown ("" when it is known): the reference tables are
    absent, the exit has no motif, or its motif is not in the tables (or its category label is
    not one of the guide's)."""
    ids = motif_ids.astype("string")
    known = ids.map(categories).notna().to_numpy(dtype=bool)
    missing = ids.isna().to_numpy(dtype=bool)
    if not tables_present:
        return np.where(known, "", UNKNOWN_TABLES_ABSENT).astype(object)
    return np.where(
        known, "", np.where(missing, UNKNOWN_NO_MOTIF, UNKNOWN_NOT_IN_REFERENCE)
    ).astype(object)

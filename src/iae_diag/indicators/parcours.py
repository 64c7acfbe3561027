"""Exit categories of the parcours (definitions v2, "Parcours and exits").

The category of an exit motif comes from the extract's own reference tables
``RefMotifSort`` (``rms_id`` -> ``rcs_id``) and ``RefCategorieSort`` (``rcs_id`` -> label): the
labels are compared without case and accents; motif codes are never hard-coded. A motif absent
from the tables, a category label not recognised, or missing tables give ``inconnue``.
"""

from __future__ import annotations

import unicodedata

import pandas as pd

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

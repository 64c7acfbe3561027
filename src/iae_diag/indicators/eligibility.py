"""Eligible annexes financières (AF): state filter, de-duplication, SIAE type, département."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iae_diag.errors import InputError
from iae_diag.indicators.common import DEFAULT_ANNUAL_HOURS, ELIGIBLE_STATES, require_columns
from iae_diag.indicators.keys import has_duplicates
from iae_diag.indicators.records import (
    AF_MODIFICATION_DATE,
    content_codes,
    content_columns,
    date_rank,
    resolve_ids,
)
from iae_diag.territories import dep_of_commune, normalize_dep_code
from iae_diag.vocabulary import MESURE_TYPES

AF_COLUMNS = [
    "af_id_annexe_financiere",
    "af_id_structure",
    "af_mesure_dispositif_code",
    "af_numero_annexe_financiere",
    "af_numero_avenant_modification",
    "af_etat_annexe_financiere_code",
    "af_date_debut_effet",
    "af_date_fin_effet",
    "af_etp_postes_insertion",
    "af_duree_heure_annuel_etp_valeur",
]


#: The AF's exit objectives (percentages), kept by :func:`eligible_af` when the table has them.
OBJECTIVE_COLUMNS = (
    "af_taux_prev_sorties_durable",
    "af_taux_prev_sorties_trans",
    "af_taux_prev_sorties_positives",
    "af_taux_prev_sorties_dynamiques",
)


def is_eligible(af: pd.DataFrame) -> pd.Series:
    """True for AF rows in state VALIDE, PROVISOIRE or CLOTURE whose mesure is not FDI."""
    state = af["af_etat_annexe_financiere_code"].astype("string").str.strip().str.upper()
    mesure = af["af_mesure_dispositif_code"].astype("string").str.strip().str.upper()
    ok = state.isin(ELIGIBLE_STATES) & ~mesure.str.startswith("FDI")
    return ok.fillna(False).astype(bool)


#: AF columns the indicators read: two eligible rows of one annex that agree on these give
#: the same figures, whichever is kept (a remaining tie is counted only when they differ).
AF_USED_COLUMNS = [c for c in AF_COLUMNS if c != "af_numero_avenant_modification"]


def deduplicate_af(af: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per ``af_id_annexe_financiere`` (definitions v2, "Eligible AF"): the latest
    ``af_date_fin_effet``, then the highest ``af_numero_avenant_modification``, then the latest
    ``af_date_modification`` (when the table has it: the real layout does not), then the
    largest ``af_etp_postes_insertion``, then the row first in
    :func:`~iae_diag.indicators.records.content_codes` order. Never the file order.

    Returns (kept rows sorted by annex id, tie flag per kept row): True when another row of
    the annex equals the kept one on the three dates/numbers but differs in a column the
    indicators read (:data:`AF_USED_COLUMNS`)."""
    ids = af["af_id_annexe_financiere"].to_numpy(dtype=np.int64)
    dup = has_duplicates(ids)
    tie_of_kept = np.zeros(len(af), dtype=bool)
    keep = ~dup
    if dup.any():
        rows = np.flatnonzero(dup)
        sub = af.iloc[rows]
        n = len(rows)
        fin = date_rank(sub["af_date_fin_effet"])
        modif = pd.to_numeric(sub["af_numero_avenant_modification"], errors="coerce")
        modif = modif.fillna(-1).to_numpy(dtype=np.int64)
        date_mod = (
            date_rank(sub[AF_MODIFICATION_DATE])
            if AF_MODIFICATION_DATE in sub.columns
            else np.zeros(n, dtype=np.int64)
        )
        etp = pd.to_numeric(sub["af_etp_postes_insertion"], errors="coerce")
        etp = etp.fillna(-1.0).to_numpy(dtype=float)
        codes = content_codes(sub, content_columns(sub))
        keys = [codes[:, j] for j in range(codes.shape[1] - 1, -1, -1)]
        order = np.lexsort([*keys, -etp, -date_mod, -modif, -fin, ids[rows]])
        s_ids = ids[rows][order]
        start = np.ones(n, dtype=bool)
        start[1:] = s_ids[1:] != s_ids[:-1]
        kept_at = np.maximum.accumulate(np.where(start, np.arange(n), 0))
        rank = np.column_stack([fin, modif, date_mod])[order]
        used = content_codes(sub, [c for c in AF_USED_COLUMNS if c in sub.columns])[order]
        tied = ~start & (rank == rank[kept_at]).all(axis=1) & (used != used[kept_at]).any(axis=1)
        tie_of_kept[rows[order[kept_at[tied]]]] = True
        keep[rows[order[start]]] = True
    kept = af.loc[keep]
    by_id = np.argsort(ids[keep], kind="stable")
    return kept.iloc[by_id], tie_of_kept[keep][by_id]


def partial_months(debut: pd.Series, fin: pd.Series) -> np.ndarray:
    """True for an effect period that starts on another day than the 1st of a month or ends on
    another day than the last of a month: its first or last month counts whole in the ETP
    conventionnés and in the years the AF is active (audit F8), so such AF are counted."""
    d = pd.to_datetime(debut)
    f = pd.to_datetime(fin)
    starts_mid = (d.dt.day != 1).fillna(False)
    ends_mid = (f.dt.day != f.dt.days_in_month).fillna(False)
    return (starts_mid | ends_mid).to_numpy(dtype=bool)


def siae_type(mesure: pd.Series) -> pd.Series:
    """SIAE type of each mesure code (``ACI_MP`` -> ``ACI``...); NaN for an unknown code."""
    return mesure.astype("string").str.strip().str.upper().map(MESURE_TYPES)


def departement_from_number(numero: pd.Series) -> pd.Series:
    """Département coded in an AF number: the three characters after the leading letters
    (``ACI093130012`` -> ``93``, ``ETTI02A...`` -> ``2A``, ``ACI971...`` -> ``971``); None when
    the number is malformed (no such three characters, or not a known département)."""
    s = numero.astype("string").str.strip().str.upper()
    three = s.str.extract(r"^[A-Z]+([0-9][0-9A-Z]{2})", expand=False)
    uniq = pd.unique(three.dropna())
    mapping = {u: normalize_dep_code(u) for u in uniq}
    return three.map(mapping).astype(object).where(lambda x: x.notna(), None)


def eligible_af(af: pd.DataFrame, structure: pd.DataFrame) -> pd.DataFrame:
    """Eligible, de-duplicated AF with their SIAE type, département and FTE divisor.

    Columns: af_id, structure_id, type_siae, code_departement (None when neither the number
    nor the structure's administrative address gives one), address_fallback (bool),
    date_debut, date_fin, etp_postes (ETP conventionnés per month), annual_hours (hours of one
    FTE used for ETP réalisés), annual_hours_default (bool: the type default was used), and
    the exit objectives of :data:`OBJECTIVE_COLUMNS` present in ``af`` (float).
    Sorted by af_id. Raises :class:`InputError` for an eligible AF with an unknown mesure.
    """
    require_columns(af, "annexe_financiere", AF_COLUMNS)
    require_columns(
        structure, "structure", ["structure_id_siae", "structure_adresse_admin_code_insee"]
    )
    kept, tie = deduplicate_af(af.loc[is_eligible(af)])
    types = siae_type(kept["af_mesure_dispositif_code"])
    bad = types.isna()
    if bad.any():
        row = kept.loc[bad].iloc[0]
        line = f", line {row['source_line']}" if "source_line" in kept.columns else ""
        raise InputError(
            f"annexe_financiere{line}, column af_mesure_dispositif_code: unknown mesure code "
            f"{row['af_mesure_dispositif_code']!r} on AF {row['af_id_annexe_financiere']} "
            f"({int(bad.sum())} eligible AF rows in all). Expected one of "
            f"{', '.join(sorted(MESURE_TYPES))} or an FDI code."
        )
    dep = departement_from_number(kept["af_numero_annexe_financiere"])
    fallback = dep.isna().to_numpy()
    st, _ = resolve_ids(structure, "structure_id_siae")
    st = st.set_index("structure_id_siae")
    insee = kept["af_id_structure"].map(st["structure_adresse_admin_code_insee"])
    uniq = pd.unique(insee.dropna())
    insee_dep = insee.map({u: dep_of_commune(u) for u in uniq})
    dep = dep.where(~fallback, insee_dep)
    hours = pd.to_numeric(kept["af_duree_heure_annuel_etp_valeur"], errors="coerce")
    use_default = (hours.isna() | (hours <= 0)).to_numpy()
    defaults = types.map(DEFAULT_ANNUAL_HOURS).astype(float)
    out = pd.DataFrame(
        {
            "af_id": kept["af_id_annexe_financiere"].astype(np.int64).to_numpy(),
            "structure_id": kept["af_id_structure"].astype(np.int64).to_numpy(),
            "type_siae": types.astype(str).to_numpy(),
            "code_departement": dep.astype(object).where(dep.notna(), None).to_numpy(),
            "address_fallback": fallback,
            "date_debut": pd.to_datetime(kept["af_date_debut_effet"]).to_numpy(),
            "date_fin": pd.to_datetime(kept["af_date_fin_effet"]).to_numpy(),
            "etp_postes": pd.to_numeric(kept["af_etp_postes_insertion"], errors="coerce")
            .fillna(0.0)
            .to_numpy(dtype=float),
            "annual_hours": np.where(use_default, defaults.to_numpy(), hours.to_numpy()),
            "annual_hours_default": use_default,
            "duplicate_tie": tie,
            "partial_month": partial_months(
                kept["af_date_debut_effet"], kept["af_date_fin_effet"]
            ),
        }
    )
    for column in OBJECTIVE_COLUMNS:
        if column in kept.columns:
            out[column] = pd.to_numeric(kept[column], errors="coerce").to_numpy(dtype=float)
    return out.reset_index(drop=True)

"""Exit categories from the extract's own reference tables, read through real-format files."""

from __future__ import annotations

import pandas as pd

from iae_diag.indicators.parcours import exit_category, motif_categories
from iae_diag.ingest import ingest
from iae_diag.processed import load_processed
from ingest_helpers import TEST_KEY, header, write_all, write_one

CATEGORIES = [
    {"rcs_id": "1", "rcs_code": "ED", "rcs_libelle": "EMPLOI DURABLE"},
    {"rcs_id": "2", "rcs_code": "ET", "rcs_libelle": "Emploi de transition"},
    {"rcs_id": "5", "rcs_code": "RT", "rcs_libelle": "Retrait des sorties  constatées"},
    {"rcs_id": "9", "rcs_code": "ZZ", "rcs_libelle": "Catégorie inconnue du guide"},
]
MOTIFS = [
    {"rms_id": "07", "rms_code": "A", "rms_libelle": "Embauche en CDI", "rcs_id": "1"},
    {"rms_id": "31", "rms_code": "B", "rms_libelle": "CDD de moins de 6 mois", "rcs_id": "2"},
    {"rms_id": "12", "rms_code": "C", "rms_libelle": "Décès", "rcs_id": "5"},
    {
        "rms_id": "40",
        "rms_code": "D",
        "rms_libelle": "Motif d'une catégorie non reconnue",
        "rcs_id": "9",
    },
    {"rms_id": "41", "rms_code": "E", "rms_libelle": "Catégorie absente", "rcs_id": "8"},
]


def _processed(tmp_path, with_refs=True):
    raw = tmp_path / "raw"
    write_all(raw)
    if with_refs:
        write_one(raw, "RefCategorieSort", CATEGORIES, columns=header("RefCategorieSort"))
        write_one(raw, "RefMotifSort", MOTIFS, columns=header("RefMotifSort"))
    ingest(raw, tmp_path / "out", salt=TEST_KEY)
    return load_processed(tmp_path / "out")


def test_categories_joined_on_ids_labels_without_case_and_accents(tmp_path):
    p = _processed(tmp_path)
    cats = motif_categories(p.ref_motif_sort, p.ref_categorie_sort)
    # 40 (label not a category of the guide) and 41 (category id absent) are not mapped
    assert cats.to_dict() == {"07": "emploi_durable", "31": "emploi_transition", "12": "retrait"}
    motifs = pd.Series(["07", "12", "40", "41", None, "7", "31"])
    assert exit_category(motifs, cats).tolist() == [
        "emploi_durable",
        "retrait",
        "inconnue",
        "inconnue",
        "inconnue",
        "inconnue",  # "7" is not "07": ids are strings, never numbers
        "emploi_transition",
    ]


def test_reference_tables_absent_every_exit_is_unknown(tmp_path):
    p = _processed(tmp_path, with_refs=False)
    cats = motif_categories(p.ref_motif_sort, p.ref_categorie_sort)
    assert cats.empty
    assert exit_category(pd.Series(["07", None]), cats).tolist() == ["inconnue", "inconnue"]

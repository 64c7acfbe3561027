"""The exit reference tables RefMotifSort and RefCategorieSort: read when present, optional."""

from __future__ import annotations

import logging

import pandas as pd

from iae_diag.ingest import ingest
from iae_diag.processed import load_processed
from ingest_helpers import TEST_KEY, header, write_all, write_one

CATEGORIES = [
    {"rcs_id": "1", "rcs_code": "dyn", "rcs_libelle": "Sorties dynamiques"},
    {"rcs_id": "2", "rcs_code": "RETRAIT", "rcs_libelle": "Retrait des sorties constatées"},
]
MOTIFS = [
    {"rms_id": "07", "rms_code": "EMBCDI", "rms_libelle": "Embauche en CDI", "rcs_id": "1"},
    {"rms_id": "12", "rms_code": "DECES", "rms_libelle": "Décès", "rcs_id": "2"},
    {"rms_id": "", "rms_code": "X", "rms_libelle": "Sans identifiant", "rcs_id": "1"},
    {"rms_id": "13", "rms_code": "AUTRE", "rms_libelle": "Autre motif", "rcs_id": ""},
]


def test_reference_tables_read_when_present(tmp_path):
    raw = tmp_path / "raw"
    write_all(raw)
    write_one(raw, "RefCategorieSort", CATEGORIES, columns=header("RefCategorieSort"))
    write_one(raw, "RefMotifSort", MOTIFS, columns=header("RefMotifSort"))
    manifest = ingest(raw, tmp_path / "out", salt=TEST_KEY)
    p = load_processed(tmp_path / "out")
    # ids stay strings (leading zero kept), codes upper-cased
    assert p.ref_categorie_sort.to_dict("records") == [
        {"rcs_id": "1", "rcs_code": "DYN", "rcs_libelle": "Sorties dynamiques", "source_line": 3},
        {
            "rcs_id": "2",
            "rcs_code": "RETRAIT",
            "rcs_libelle": "Retrait des sorties constatées",
            "source_line": 4,
        },
    ]
    m = p.ref_motif_sort.drop(columns="source_line")
    m = m.astype(object).where(m.notna(), None)
    assert m.to_dict("records") == [
        {"rms_id": "07", "rms_code": "EMBCDI", "rms_libelle": "Embauche en CDI", "rcs_id": "1"},
        {"rms_id": "12", "rms_code": "DECES", "rms_libelle": "Décès", "rcs_id": "2"},
        {"rms_id": "13", "rms_code": "AUTRE", "rms_libelle": "Autre motif", "rcs_id": None},
    ]
    assert p.ref_motif_sort["source_line"].tolist() == [3, 4, 6]
    info = manifest["tables"]["RefMotifSort"]
    # 4 rows read: 3 kept, the row without id quarantined (line 5: DEB, header, rows 1-2)
    assert (info["rows_read"], info["rows_kept"], info["rows_quarantined"]) == (4, 3, 1)
    assert info["output"] == "ref_motif_sort.parquet"
    q = p.quarantine[p.quarantine["table"] == "RefMotifSort"]
    assert len(q) == 1
    assert q.iloc[0]["source_line"] == "5"
    assert q.iloc[0]["column"] == "rms_id"
    assert q.iloc[0]["reason"] == "missing_value"
    assert manifest["tables"]["RefCategorieSort"]["rows_kept"] == 2


def test_reference_tables_absent_is_logged_not_an_error(tmp_path, caplog):
    raw = tmp_path / "raw"
    write_all(raw)
    with caplog.at_level(logging.INFO, logger="iae_diag"):
        manifest = ingest(raw, tmp_path / "out", salt=TEST_KEY)
    assert "RefMotifSort" not in manifest["tables"]
    assert "RefCategorieSort" not in manifest["tables"]
    assert "RefMotifSort: no file in the extract (optional table, skipped)" in caplog.text
    p = load_processed(tmp_path / "out")
    assert p.ref_motif_sort is None and p.ref_categorie_sort is None
    assert isinstance(p.salarie, pd.DataFrame) and len(p.salarie) == 3


def test_a_later_ingest_without_the_tables_removes_the_stale_ones(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_all(raw)
    write_one(raw, "RefMotifSort", MOTIFS[:2], columns=header("RefMotifSort"))
    ingest(raw, out, salt=TEST_KEY)
    assert (out / "ref_motif_sort.parquet").is_file()
    (next(raw.glob("fluxIAE_RefMotifSort_*"))).unlink()
    ingest(raw, out, salt=TEST_KEY)
    assert not (out / "ref_motif_sort.parquet").exists()

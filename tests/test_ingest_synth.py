"""The synthetic default dataset (``iae_diag.synth``) goes through the ingest untouched."""

from __future__ import annotations

from iae_diag.ingest import ingest
from iae_diag.processed import load_processed
from iae_diag.synth import generate


def test_synthetic_dataset_is_ingested_without_quarantine(tmp_path):
    # no key configured (tests/conftest.py): the synthetic data gets the demonstration key
    stats: dict = {}
    generate(tmp_path / "raw", years=(2012, 2013), seed=7, scale=0.05, stats=stats)
    m = ingest(tmp_path / "raw", tmp_path / "out")
    # synthetic data, no key configured: the demonstration key
    assert (m["data_status"], m["key_kind"]) == ("synthetic", "demonstration")
    assert all(i["synthetic_marker"] and i["unknown_values"] == {} for i in m["tables"].values())
    for table, info in m["tables"].items():
        assert info["rows_read"] == stats["rows"][table], table
        assert info["rows_quarantined"] == 0, (table, info["quarantined_by_reason"])
        assert info["rows_kept"] == info["rows_read"]
    p = load_processed(tmp_path / "out")
    assert len(p.etat_mensuel_indiv) == stats["rows"]["EtatMensuelIndiv"]
    # every monthly state points to a kept AF, every person has a key or is counted
    assert (
        p.etat_mensuel_indiv["emi_afi_id"]
        .isin(p.annexe_financiere["af_id_annexe_financiere"])
        .all()
    )
    s = m["tables"]["Salarie"]
    assert int(p.salarie["person_key"].isna().sum()) == (
        s["nir_missing"] + s["nir_invalid"] + s["nir_placeholder"]
    )

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


def test_synthetic_files_through_the_commands_and_a_real_file_mixed_in(
    tmp_path, capsys, monkeypatch
):
    """`iae-diag synth` then `iae-diag ingest`: synthetic with the demonstration key, also
    after renaming a file; one real-format file without the marker makes the data real, which
    is refused without a key, and accepted with one."""
    from iae_diag import cli
    from ingest_helpers import TEST_KEY, base_rows, header, write_one

    raw = tmp_path / "raw"
    assert cli.main(["synth", "--out", str(raw), "--years", "2013-2013", "--scale", "0.02"]) == 0
    struct = next(raw.glob("fluxIAE_Structure_*.csv"))
    struct.rename(raw / "fluxIAE_Structure_16012014_070000.csv")  # renamed: still synthetic
    assert cli.main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "synthetic data" in out and "NIR hash key: demonstration" in out
    m = load_processed(tmp_path / "out").manifest
    assert (m["data_status"], m["key_kind"]) == ("synthetic", "demonstration")

    # a newer real-format Salarie extract (no marker) beside the synthetic files
    write_one(
        raw, "Salarie", base_rows()["Salarie"], columns=header("Salarie"), stamp="01022014_000000"
    )
    rc = cli.main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "out2")])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert "Refusing to pseudonymise real data" in err
    assert "fluxIAE_Salarie_01022014_000000.csv carry no synthetic marker" in " ".join(err.split())
    assert not (tmp_path / "out2").exists()
    monkeypatch.setenv("IAE_DIAG_SALT", TEST_KEY)
    assert cli.main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "out2")]) == 0
    m = load_processed(tmp_path / "out2").manifest
    assert (m["data_status"], m["key_kind"]) == ("real", "configured")
    assert m["tables"]["Salarie"]["file"] == "fluxIAE_Salarie_01022014_000000.csv"
    assert [t for t, i in m["tables"].items() if not i["synthetic_marker"]] == ["Salarie"]

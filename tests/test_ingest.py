"""Ingest of valid inputs: types, normalisations, privacy, format variants, determinism, CLI."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import logging

import pandas as pd
import pytest

from iae_diag import cli
from iae_diag.ingest import ingest
from iae_diag.processed import TABLE_FILES, load_processed
from ingest_helpers import (
    AGREMENTS,
    BIRTH_DATES,
    CONTACT,
    NAMES,
    NIRS,
    STREETS,
    TEST_KEY,
    base_rows,
    header,
    write_all,
    write_one,
)


def check_accounting(manifest: dict) -> None:
    for table, info in manifest["tables"].items():
        assert info["rows_read"] == info["rows_kept"] + info["rows_quarantined"], table


@pytest.fixture
def dataset(tmp_path):
    write_all(tmp_path / "raw")
    manifest = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    return manifest, load_processed(tmp_path / "out")


def test_valid_dataset_counts_and_manifest(dataset, tmp_path):
    manifest, p = dataset
    check_accounting(manifest)
    counts = {t: i["rows_kept"] for t, i in manifest["tables"].items()}
    assert counts == {
        "Structure": 2,
        "AnnexeFinanciere": 2,
        "EtatMensuelIndiv": 3,
        "ContratMission": 2,
        "Salarie": 3,
    }
    assert all(i["rows_quarantined"] == 0 for i in manifest["tables"].values())
    assert manifest["schema_version"] == "2"
    assert manifest["package_version"] == "0.1.0"
    assert (manifest["data_status"], manifest["key_kind"]) == ("real", "configured")
    assert all(i["unknown_values"] == {} for i in manifest["tables"].values())
    s = manifest["tables"]["Salarie"]
    raw = (tmp_path / "raw" / s["file"]).read_bytes()
    assert s["size"] == len(raw)
    assert s["sha256"] == hashlib.sha256(raw).hexdigest()
    assert s["extract_stamp"] == "2014-01-15T06:00:00"
    assert s["output"] == "salarie.parquet"
    assert s["candidates"] == ["fluxIAE_Salarie_15012014_060000.csv"]
    assert s["fin_count"] == 3 and s["deb_line"] is True
    assert s["nir_missing"] == 1 and s["nir_invalid"] == 0
    assert p.quarantine is not None and len(p.quarantine) == 0
    assert list(p.quarantine.columns) == [
        "table",
        "source_file",
        "source_line",
        "reason",
        "column",
        "value",
        "record_id",
    ]


def test_types_and_codes_stay_strings(dataset):
    _, p = dataset
    st = p.structure
    assert st["structure_id_siae"].dtype == "int64"
    assert st["structure_siret_signature"].tolist() == ["01234567800011", "98765432100022"]
    assert st["structure_adresse_admin_code_insee"].tolist() == ["93066", "2A004"]
    assert st["structure_adresse_gestion_code_insee"].tolist() == ["93066", "97105"]
    assert st["structure_adresse_admin_cp"].tolist() == ["93200", "20000"]
    assert st["structure_date_creation"].dtype == "datetime64[ns]"
    # a timestamp "15/03/2012 10:11:12" keeps the day only
    assert st["structure_date_modification"].iloc[0] == pd.Timestamp("2012-03-15")
    assert st["source_line"].tolist() == [3, 4]
    # a lone double quote is data
    assert st["structure_denomination"].tolist() == ["ACI DU PARC", 'AI "LE RELAIS']

    af = p.annexe_financiere
    assert af["af_id_annexe_financiere"].dtype == "int64"
    assert str(af["af_numero_avenant_renouvellement"].dtype) == "Int64"
    assert af["af_numero_avenant_modification"].tolist() == [0, 2]
    assert af["af_etp_postes_insertion"].tolist() == [10.5, 3.0]
    assert af["af_duree_heure_annuel_etp_valeur"].tolist() == [1820.0, 1607.0]
    assert af["af_mesure_dispositif_code"].tolist() == ["ACI_DC", "AI_DC"]
    assert af["af_date_fin_effet"].iloc[0] == pd.Timestamp("2013-12-31")

    emi = p.etat_mensuel_indiv
    assert emi["emi_sme_mois"].dtype == "int64"
    assert emi["emi_sme_annee"].tolist() == [2013, 2013, 2013]
    assert str(emi["emi_ctr_id"].dtype) == "Int64"
    assert emi["emi_ctr_id"].isna().tolist() == [False, False, True]
    assert emi["emi_nb_heures_travail"].tolist() == [151.67, 120.0, 35.5]
    assert emi["emi_nb_heures_facturees"].isna().tolist() == [True, True, False]
    assert emi["emi_date_fin_reelle"].iloc[1] == pd.Timestamp("2013-02-28")
    assert emi["emi_motif_sortie_code"].tolist() == [None, "12", None]

    c = p.contrat_mission
    assert c["contrat_niveau_de_formation_code"].tolist() == ["00", "50"]
    assert c["contrat_salarie_pe_duree_code"].tolist() == ["4", "3"]
    assert c["contrat_salarie_rsa"].tolist() == ["OUI-M", "NON"]
    assert c["contrat_code_rome"].tolist() == ["N1105", "K2204"]
    assert str(c["contrat_salarie_rqth"].dtype) == "boolean"
    assert c["contrat_salarie_rqth"].tolist() == [True, False]
    assert c["contrat_salarie_ass"].tolist() == [False, True]
    assert c["contrat_salarie_aah"].tolist() == [False, False]
    assert str(c["contrat_type_contrat"].dtype) == "Int64"
    assert c["contrat_format_contrat_code"].tolist() == ["CDDI", None]
    assert c["contrat_type_employeur_code"].tolist() == [None, "01"]

    s = p.salarie
    assert s["salarie_code_dpt"].tolist() == ["93", "2A", "971"]
    assert s["salarie_codeinseecom"].tolist() == ["93066", "2A004", "97105"]
    assert s["salarie_adr_qpv_type"].tolist() == ["QP", "NQP", None]
    assert str(s["salarie_adr_is_zrr"].dtype) == "boolean"
    assert s["salarie_adr_is_zrr"].tolist() == [False, True, pd.NA]
    assert str(s["salarie_annee_naissance"].dtype) == "Int64"
    assert s["salarie_annee_naissance"].tolist() == [1984, 1991, 1985]


def hmac_hex(nir13: str) -> str:
    """The expected person_key, computed by hand."""
    return hmac.new(TEST_KEY.encode(), nir13.encode(), hashlib.sha256).hexdigest()


def test_person_key_is_the_hmac_of_the_13_character_nir(dataset):
    _, p = dataset
    keys = p.salarie["person_key"].tolist()
    assert keys[0] == hmac_hex(NIRS[0])
    # 15-character NIR of a Corsican birth (correct control key): the key is not hashed
    assert keys[1] == hmac_hex("185052A123456")
    assert keys[2] is None


def test_same_person_same_key_with_or_without_control_key_and_spaces(tmp_path):
    rows = base_rows()
    rows["Salarie"][1].update(salarie_rci_libelle="MME", salarie_date_naissance="01/01/1984")
    rows["Salarie"][1]["salarie_nir"] = "2 84 05 75 123 456 " + f"{97 - 2840575123456 % 97:02d}"
    rows["Salarie"][0]["salarie_nir"] = "2840575123456"
    rows["Salarie"][2]["salarie_nir"] = "12345"  # invalid: too short
    write_all(tmp_path / "raw", rows)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    keys = load_processed(tmp_path / "out").salarie["person_key"].tolist()
    assert keys[0] == keys[1] == hmac_hex("2840575123456")
    assert keys[2] is None
    assert m["tables"]["Salarie"]["nir_invalid"] == 1
    assert m["tables"]["Salarie"]["nir_missing"] == 0
    assert m["tables"]["Salarie"]["rows_kept"] == 3


def test_key_comes_from_the_environment(tmp_path, monkeypatch):
    write_all(tmp_path / "raw")
    env_key = "a-key-from-the-environment-0123456789"
    monkeypatch.setenv("IAE_DIAG_SALT", env_key)
    m = ingest(tmp_path / "raw", tmp_path / "out")
    key = load_processed(tmp_path / "out").salarie["person_key"].iloc[0]
    assert key == hmac.new(env_key.encode(), NIRS[0].encode(), hashlib.sha256).hexdigest()
    assert (m["data_status"], m["key_kind"]) == ("real", "configured")
    assert "salt_is_default" not in m


def test_no_processed_file_holds_a_direct_identifier(tmp_path):
    rows = base_rows()
    # a repeated Salarie row (kept: duplicates are resolved by the indicators), a quarantined
    # Salarie row (unreadable key) and a quarantined Structure row must not leak
    dup = dict(rows["Salarie"][0], salarie_code_dpt="94")
    rows["Salarie"].append(dup)
    rows["Salarie"].append(dict(rows["Salarie"][1], salarie_id="ABC"))
    rows["Structure"].append(dict(rows["Structure"][0], structure_id_siae="S101"))
    write_all(tmp_path / "raw", rows)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    assert m["tables"]["Salarie"]["rows_quarantined"] == 1
    assert m["tables"]["Salarie"]["rows_kept"] == len(rows["Salarie"]) - 1
    assert m["tables"]["Structure"]["rows_quarantined"] == 1
    forbidden = [
        *NIRS,
        NIRS[2][:13],
        *NAMES,
        *AGREMENTS,
        *BIRTH_DATES,
        *STREETS,
        *CONTACT,
        "QUARTIER FRANC MOISIN",
        "1984-05-12",
        "12/05/1984",
    ]
    out_files = sorted((tmp_path / "out").iterdir())
    assert {f.name for f in out_files} == {
        *TABLE_FILES.values(),
        "manifest.json",
        "quarantine.csv",
    }
    for f in out_files:
        blob = f.read_bytes()
        for value in forbidden:
            assert value.encode() not in blob, (f.name, value)
            assert value.upper().encode() not in blob, (f.name, value)
    p = load_processed(tmp_path / "out")
    for name in TABLE_FILES.values():
        df = pd.read_parquet(tmp_path / "out" / name)
        text = df.astype(str).to_csv()
        for value in forbidden:
            assert value not in text, (name, value)
    personal = {
        "salarie_nir",
        "salarie_agrement",
        "salarie_nom_usage",
        "salarie_prenom",
        "salarie_date_naissance",
        "salarie_adr_libelle_voie",
        "salarie_adr_qpv_nom",
        "structure_adresse_nom_corresp_technique",
        "structure_adresse_mail_corresp_technique",
        "structure_adresse_admin_telephone",
        "structure_adresse_admin_nom_voie",
    }
    for df in (p.salarie, p.structure, p.contrat_mission):
        assert not personal & set(df.columns)


def test_format_variants_bom_no_deb_no_fin_gz_crlf(tmp_path):
    write_all(
        tmp_path / "raw",
        options={
            "Structure": {"bom": True},
            "AnnexeFinanciere": {"deb": False},
            "EtatMensuelIndiv": {"fin": False},
            "ContratMission": {"gz": True, "newline": "\r\n"},
            "Salarie": {"bom": True, "deb": False, "fin": False},
        },
    )
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    check_accounting(m)
    t = m["tables"]
    assert [t[k]["rows_kept"] for k in t] == [2, 2, 3, 2, 3]
    assert t["AnnexeFinanciere"]["deb_line"] is False
    assert t["EtatMensuelIndiv"]["fin_count"] is None
    assert t["ContratMission"]["file"].endswith(".csv.gz")
    p = load_processed(tmp_path / "out")
    # without DEB line the first row is on line 2
    assert p.annexe_financiere["source_line"].tolist() == [2, 3]
    assert p.salarie["source_line"].tolist() == [2, 3, 4]
    assert p.structure["structure_id_siae"].tolist() == [101, 102]
    assert p.contrat_mission["contrat_salarie_rsa"].tolist() == ["OUI-M", "NON"]
    assert p.contrat_mission["contrat_id_ctr"].tolist() == [401, 402]


def test_columns_in_another_order_with_extra_columns(tmp_path):
    rows = base_rows()
    write_all(tmp_path / "raw", rows)
    cols = header("EtatMensuelIndiv")[::-1] + ["colonne_inconnue", "af_nb_banques numeric"]
    for r in rows["EtatMensuelIndiv"]:
        r["colonne_inconnue"] = "zzz"
    from fluxiae_writer import write_table

    write_table(tmp_path / "raw", "EtatMensuelIndiv", rows["EtatMensuelIndiv"], columns=cols)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    check_accounting(m)
    emi = load_processed(tmp_path / "out").etat_mensuel_indiv
    assert emi["emi_dsm_id"].tolist() == [9001, 9002, 9003]
    assert emi["emi_nb_heures_travail"].tolist() == [151.67, 120.0, 35.5]
    assert "colonne_inconnue" not in emi.columns


def test_optional_columns_absent_from_the_header_are_null(tmp_path):
    rows = base_rows()
    write_all(tmp_path / "raw", rows)
    from fluxiae_writer import write_table

    cols = [c for c in header("EtatMensuelIndiv") if c != "emi_nb_heures_facturees"]
    write_table(tmp_path / "raw", "EtatMensuelIndiv", rows["EtatMensuelIndiv"], columns=cols)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    assert m["tables"]["EtatMensuelIndiv"]["columns_absent"] == ["emi_nb_heures_facturees"]
    emi = load_processed(tmp_path / "out").etat_mensuel_indiv
    assert emi["emi_nb_heures_facturees"].isna().all()


def test_embedded_newlines_are_glued_and_lines_stay_right(tmp_path):
    rows = base_rows()
    # first field of row 2 ends with a newline ("newline followed by pipe")
    rows["Structure"][1]["structure_date_creation"] = "05/06/2010\n"
    # a free-text field ending with a newline, then a middle-of-field newline
    rows["Structure"].append(
        dict(
            rows["Structure"][0],
            structure_id_siae="103",
            structure_denomination="ATELIER\nCHANTIER",
        )
    )
    rows["Structure"].append(
        dict(rows["Structure"][0], structure_id_siae="104", structure_denomination="EI VERTE\n")
    )
    # the last field of a row ends with a newline
    rows["Salarie"][0]["salarie_date_modification"] = "01/01/2013\n"
    write_all(tmp_path / "raw", rows)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    check_accounting(m)
    assert m["tables"]["Structure"]["rows_read"] == 4
    assert m["tables"]["Structure"]["rows_quarantined"] == 0
    p = load_processed(tmp_path / "out")
    st = p.structure
    assert st["structure_id_siae"].tolist() == [101, 102, 103, 104]
    # row 2 starts on line 4 and spans 2 lines; row 3 starts on line 6 and spans 2 lines
    assert st["source_line"].tolist() == [3, 4, 6, 8]
    assert st["structure_denomination"].tolist() == [
        "ACI DU PARC",
        'AI "LE RELAIS',
        "ATELIER CHANTIER",
        "EI VERTE",
    ]
    assert st["structure_date_creation"].iloc[1] == pd.Timestamp("2010-06-05")
    assert m["tables"]["Salarie"]["rows_read"] == 3
    assert p.salarie["source_line"].tolist() == [3, 5, 6]
    assert m["tables"]["Structure"]["fin_count"] == 4


def test_latest_extract_wins_and_is_recorded(tmp_path, caplog):
    rows = base_rows()
    write_all(tmp_path / "raw", rows)
    from fluxiae_writer import write_table

    newer = [dict(r) for r in rows["Salarie"][:2]]
    write_table(
        tmp_path / "raw", "Salarie", newer, stamp="22022014_101500", columns=header("Salarie")
    )
    write_one(
        tmp_path / "raw",
        "Salarie",
        rows["Salarie"],
        stamp="31122013_235959",
        gz=True,
        columns=header("Salarie"),
    )
    write_table(tmp_path / "raw", "Missions", [{"mission_id_mis": "1"}])
    (tmp_path / "raw" / "notes.txt").write_text("hello")
    (tmp_path / "raw" / ".gitkeep").write_text("")
    with caplog.at_level(logging.INFO, logger="iae_diag.ingest"):
        m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    s = m["tables"]["Salarie"]
    assert s["file"] == "fluxIAE_Salarie_22022014_101500.csv"
    assert s["extract_stamp"] == "2014-02-22T10:15:00"
    assert s["rows_read"] == 2
    assert s["candidates"] == [
        "fluxIAE_Salarie_15012014_060000.csv",
        "fluxIAE_Salarie_22022014_101500.csv",
        "fluxIAE_Salarie_31122013_235959.csv.gz",
    ]
    assert m["ignored_files"] == ["fluxIAE_Missions_15012014_060000.csv", "notes.txt"]
    assert "using fluxIAE_Salarie_22022014_101500.csv, the latest of 3 extracts" in caplog.text
    assert "ignoring fluxIAE_Missions_15012014_060000.csv" in caplog.text


def test_same_input_same_output(tmp_path):
    rows = base_rows()
    rows["EtatMensuelIndiv"].append(dict(rows["EtatMensuelIndiv"][0], emi_sme_mois="13"))
    write_all(tmp_path / "raw", rows)
    m1 = ingest(tmp_path / "raw", tmp_path / "a", salt=TEST_KEY)
    m2 = ingest(tmp_path / "raw", tmp_path / "b", salt=TEST_KEY)
    assert m1 == m2
    for f in [*TABLE_FILES.values(), "manifest.json", "quarantine.csv"]:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert json.loads((tmp_path / "a" / "manifest.json").read_text()) == m1


def test_rerun_replaces_previous_output(tmp_path):
    write_all(tmp_path / "raw")
    ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    rows = base_rows()
    rows["Salarie"] = rows["Salarie"][:1]
    write_all(tmp_path / "raw", rows)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    assert m["tables"]["Salarie"]["rows_kept"] == 1
    assert len(load_processed(tmp_path / "out").salarie) == 1
    assert not [f for f in (tmp_path / "out").iterdir() if f.name.startswith(".")]
    assert sorted(f.name for f in tmp_path.iterdir()) == ["out", "raw"]


def test_cli_prints_counts(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("IAE_DIAG_SALT", TEST_KEY)
    rows = base_rows()
    rows["EtatMensuelIndiv"][2]["emi_nb_heures_travail"] = "-4"
    write_all(tmp_path / "raw", rows)
    rc = cli.main(["ingest", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out")])
    assert rc == 0
    out = capsys.readouterr().out
    assert "EtatMensuelIndiv" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("EtatMensuelIndiv"))
    assert line.split() == ["EtatMensuelIndiv", "3", "2", "1"]
    assert "synthetic" not in out and TEST_KEY not in out


def test_cli_reports_a_file_fault_without_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("IAE_DIAG_SALT", TEST_KEY)
    write_all(tmp_path / "raw")
    (tmp_path / "raw" / "fluxIAE_Salarie_15012014_060000.csv").write_bytes(b"")
    rc = cli.main(["ingest", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "iae-diag ingest: error: Table Salarie" in err
    assert "is empty" in err
    assert not (tmp_path / "out").exists()


def test_gzip_input_equals_plain_input(tmp_path):
    write_all(tmp_path / "a")
    write_all(tmp_path / "b", options={t: {"gz": True} for t in base_rows()})
    with gzip.open(tmp_path / "b" / "fluxIAE_Salarie_15012014_060000.csv.gz") as f:
        assert f.read() == (tmp_path / "a" / "fluxIAE_Salarie_15012014_060000.csv").read_bytes()
    ingest(tmp_path / "a", tmp_path / "oa", salt=TEST_KEY)
    ingest(tmp_path / "b", tmp_path / "ob", salt=TEST_KEY)
    for f in TABLE_FILES.values():
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "oa" / f), pd.read_parquet(tmp_path / "ob" / f)
        )


def test_newline_in_the_last_field_and_many_rows(tmp_path):
    rows = base_rows()
    e0 = rows["EtatMensuelIndiv"][0]
    rows["EtatMensuelIndiv"] = [
        dict(
            e0,
            emi_date_creation="05/02/2013 10:00:00",
            emi_dsm_id=str(10_000 + i),
            emi_sme_mois=str(1 + i % 12),
        )
        for i in range(300)
    ]
    # the last column of row 100 holds a newline in its middle: the next physical line has no
    # "|" and continues it; row 200 has a free-text-like middle field ending with a newline
    rows["EtatMensuelIndiv"][100]["emi_dsm_nb_mois"] = "3\nMOIS"
    rows["EtatMensuelIndiv"][200]["emi_esm_etat_code"] = "VALIDE\n"
    write_all(tmp_path / "raw", rows)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    check_accounting(m)
    info = m["tables"]["EtatMensuelIndiv"]
    assert (info["rows_read"], info["rows_quarantined"]) == (300, 0)
    assert info["embedded_newlines_joined"] == 2
    emi = load_processed(tmp_path / "out").etat_mensuel_indiv
    lines = emi["source_line"].tolist()
    assert lines[:101] == list(range(3, 104))
    assert lines[101] == 105  # row 101 comes after the 2 lines of row 100
    assert lines[200] == 204 and lines[201] == 206
    assert lines[-1] == 304
    assert emi["emi_esm_etat_code"].unique().tolist() == ["VALIDE"]
    assert emi["emi_dsm_id"].tolist() == list(range(10_000, 10_300))


#: the processed columns promised by docs/architecture.md ("Processed data")
CONTRACT_COLUMNS = {
    "structure": "structure_id_siae structure_siret_signature structure_siret_actualise "
    "structure_denomination structure_categorie_juridique_code structure_code_naf "
    "structure_adresse_admin_cp structure_adresse_admin_commune "
    "structure_adresse_admin_code_insee structure_adresse_gestion_code_insee "
    "structure_date_creation",
    "annexe_financiere": "af_id_annexe_financiere af_id_avenant_modification af_id_structure "
    "af_mesure_dispositif_code af_numero_annexe_financiere af_numero_avenant_renouvellement "
    "af_numero_avenant_modification af_etat_annexe_financiere_code af_date_debut_effet "
    "af_date_fin_effet af_etp_postes_insertion af_duree_heure_annuel_etp_valeur "
    "af_motif_rejet_code",
    "etat_mensuel_indiv": "emi_dsm_id emi_afi_id emi_pph_id emi_ctr_id emi_sme_annee "
    "emi_sme_mois emi_sme_version emi_esm_etat_code emi_nb_heures_travail "
    "emi_date_fin_reelle emi_motif_sortie_code",
    "contrat_mission": "contrat_id_ctr contrat_id_pph contrat_id_structure "
    "contrat_mesure_disp_code contrat_date_embauche contrat_date_fin_contrat "
    "contrat_date_sortie_definitive contrat_type_contrat contrat_code_rome "
    "contrat_motif_sortie_code contrat_niveau_de_formation_code "
    "contrat_salarie_pe_duree_code contrat_salarie_rsa contrat_salarie_ass "
    "contrat_salarie_aah contrat_salarie_rqth",
    "salarie": "salarie_id person_key salarie_rci_libelle salarie_annee_naissance "
    "salarie_codeinseecom salarie_code_dpt salarie_adr_qpv_type salarie_adr_is_zrr",
}


def test_processed_columns_cover_the_contract(dataset):
    _, p = dataset
    for name, cols in CONTRACT_COLUMNS.items():
        df = getattr(p, name)
        missing = set(cols.split()) - set(df.columns)
        assert not missing, (name, missing)
        assert df["source_line"].dtype == "int64"


def test_specs_name_real_columns_of_the_headers():
    from iae_diag.ingest.schemas import TABLES

    for spec in TABLES:
        cols = set(header(spec.table))
        named = {c.name for c in spec.columns} | set(spec.personal_columns)
        assert named <= cols, (spec.table, named - cols)
        assert spec.record_id in {c.name for c in spec.columns if c.kind == "id" and c.required}
        # a personal column is never an output column
        outputs = {c.name for c in spec.columns if c.output}
        assert not outputs & set(spec.personal_columns), spec.table


@pytest.mark.parametrize("slice_size", [1, 7, 64, 1 << 24])
def test_separators_counted_per_line_across_slices(monkeypatch, slice_size):
    import numpy as np

    from iae_diag.ingest import framing as ingest_module

    text = b"a|b|c\n\n|||\nxyz\n|\nlast|line"
    arr = np.frombuffer(text, dtype=np.uint8)
    lines = text.split(b"\n")
    starts = np.cumsum([0] + [len(ln) + 1 for ln in lines[:-1]])
    monkeypatch.setattr(ingest_module, "_SLICE", slice_size)
    counts = ingest_module._pipes_per_line(arr, starts)
    assert counts.tolist() == [ln.count(b"|") for ln in lines] == [2, 0, 3, 0, 1, 1]

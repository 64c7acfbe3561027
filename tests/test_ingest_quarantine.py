"""Row-level faults: the row goes to quarantine.csv (reason, line, column, value) and the
ingest goes on; rows_read = rows_kept + rows_quarantined for every table.

Row k (0-based) of a fixture table is on physical line k + 3 (DEB line, header line).
"""

from __future__ import annotations

import pandas as pd
import pytest

from iae_diag.ingest import ingest
from iae_diag.processed import load_processed
from ingest_helpers import base_rows, write_all


def run(tmp_path, rows):
    write_all(tmp_path / "raw", rows)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt="x")
    p = load_processed(tmp_path / "out")
    for table, info in m["tables"].items():
        assert info["rows_read"] == info["rows_kept"] + info["rows_quarantined"], table
        n_q = int((p.quarantine["table"] == table).sum())
        assert n_q == info["rows_quarantined"], table
        assert sum(info["quarantined_by_reason"].values()) == n_q
    return m, p


def quarantined(p, table=None):
    """(table, source_line, reason, column, value, record_id) of the quarantined rows."""
    q = p.quarantine
    if table is not None:
        q = q[q["table"] == table]
    return [
        (r.table, int(r.source_line), r.reason, r.column, r.value, r.record_id)
        for r in q.itertuples()
    ]


def test_quarantine_file_columns_and_source_file(tmp_path):
    rows = base_rows()
    rows["EtatMensuelIndiv"][0]["emi_sme_mois"] = "13"
    _, p = run(tmp_path, rows)
    q = p.quarantine
    assert list(q.columns) == [
        "table",
        "source_file",
        "source_line",
        "reason",
        "column",
        "value",
        "record_id",
    ]
    assert q["source_file"].tolist() == ["fluxIAE_EtatMensuelIndiv_15012014_060000.csv"]


@pytest.mark.parametrize(
    "value, reason",
    [
        ("31/02/2013", "invalid_date"),
        ("2013-01-05", "invalid_date"),
        ("5/1/2013", "invalid_date"),
        ("00/01/2013", "invalid_date"),
        ("01/13/2013", "invalid_date"),
        ("01/01/0213", "implausible_date"),
    ],
)
def test_bad_date(tmp_path, value, reason):
    rows = base_rows()
    rows["ContratMission"][0]["contrat_date_embauche"] = value
    m, p = run(tmp_path, rows)
    assert quarantined(p) == [("ContratMission", 3, reason, "contrat_date_embauche", value, "401")]
    assert m["tables"]["ContratMission"]["rows_kept"] == 1
    assert p.contrat_mission["contrat_id_ctr"].tolist() == [402]


def test_leap_day_and_time_part_are_valid(tmp_path):
    rows = base_rows()
    rows["ContratMission"][0]["contrat_date_embauche"] = "29/02/2012"
    rows["ContratMission"][1]["contrat_date_embauche"] = "01/03/2013 00:00:00"
    _, p = run(tmp_path, rows)
    assert quarantined(p) == []
    assert p.contrat_mission["contrat_date_embauche"].tolist() == [
        pd.Timestamp("2012-02-29"),
        pd.Timestamp("2013-03-01"),
    ]


def test_af_ending_before_its_start_and_its_monthly_states(tmp_path):
    rows = base_rows()
    rows["AnnexeFinanciere"][1]["af_date_debut_effet"] = "01/07/2013"
    rows["AnnexeFinanciere"][1]["af_date_fin_effet"] = "30/06/2013"
    m, p = run(tmp_path, rows)
    # the AF is quarantined; the monthly state pointing to it no longer finds its AF
    assert quarantined(p) == [
        ("AnnexeFinanciere", 4, "end_before_start", "af_date_fin_effet", "30/06/2013", "7002"),
        ("EtatMensuelIndiv", 5, "unknown_annexe_financiere", "emi_afi_id", "5002", "9003"),
    ]
    assert m["tables"]["EtatMensuelIndiv"]["rows_kept"] == 2


@pytest.mark.parametrize(
    "value, reason",
    [("-4", "negative_hours"), ("744.5", "hours_over_744"), ("12,5", "invalid_number")],
)
def test_bad_hours(tmp_path, value, reason):
    rows = base_rows()
    rows["EtatMensuelIndiv"][2]["emi_nb_heures_travail"] = value
    rows["EtatMensuelIndiv"][1]["emi_nb_heures_travail"] = "744"  # the maximum is allowed
    m, p = run(tmp_path, rows)
    assert quarantined(p) == [
        ("EtatMensuelIndiv", 5, reason, "emi_nb_heures_travail", value, "9003")
    ]
    assert p.etat_mensuel_indiv["emi_nb_heures_travail"].tolist() == [151.67, 744.0]
    assert m["tables"]["EtatMensuelIndiv"]["quarantined_by_reason"] == {reason: 1}


def test_month_and_year_out_of_range(tmp_path):
    rows = base_rows()
    rows["EtatMensuelIndiv"][0]["emi_sme_mois"] = "13"
    rows["EtatMensuelIndiv"][1]["emi_sme_mois"] = "0"
    rows["EtatMensuelIndiv"][2]["emi_sme_annee"] = "1899"
    m, p = run(tmp_path, rows)
    assert quarantined(p) == [
        ("EtatMensuelIndiv", 3, "month_out_of_range", "emi_sme_mois", "13", "9001"),
        ("EtatMensuelIndiv", 4, "month_out_of_range", "emi_sme_mois", "0", "9002"),
        ("EtatMensuelIndiv", 5, "implausible_year", "emi_sme_annee", "1899", "9003"),
    ]
    assert m["tables"]["EtatMensuelIndiv"]["rows_kept"] == 0


def test_unknown_mesure_code(tmp_path):
    rows = base_rows()
    rows["AnnexeFinanciere"][0]["af_mesure_dispositif_code"] = "aci_dc"  # case is normalised
    rows["AnnexeFinanciere"][1]["af_mesure_dispositif_code"] = "XYZ_DC"
    rows["ContratMission"][1]["contrat_mesure_disp_code"] = "AI"
    _, p = run(tmp_path, rows)
    assert quarantined(p) == [
        (
            "AnnexeFinanciere",
            4,
            "unknown_mesure_code",
            "af_mesure_dispositif_code",
            "XYZ_DC",
            "7002",
        ),
        ("EtatMensuelIndiv", 5, "unknown_annexe_financiere", "emi_afi_id", "5002", "9003"),
        ("ContratMission", 4, "unknown_mesure_code", "contrat_mesure_disp_code", "AI", "402"),
    ]
    assert p.annexe_financiere["af_mesure_dispositif_code"].tolist() == ["ACI_DC"]


def test_missing_and_non_integer_keys(tmp_path):
    rows = base_rows()
    rows["EtatMensuelIndiv"][0]["emi_dsm_id"] = ""
    rows["EtatMensuelIndiv"][1]["emi_pph_id"] = "3.5"
    rows["EtatMensuelIndiv"][2]["emi_afi_id"] = "5002x"
    rows["Salarie"][1]["salarie_id"] = ""
    rows["AnnexeFinanciere"][1]["af_mesure_dispositif_code"] = ""
    m, p = run(tmp_path, rows)
    assert quarantined(p) == [
        ("AnnexeFinanciere", 4, "missing_value", "af_mesure_dispositif_code", "", "7002"),
        ("EtatMensuelIndiv", 3, "missing_key", "emi_dsm_id", "", ""),
        ("EtatMensuelIndiv", 4, "invalid_id", "emi_pph_id", "3.5", "9002"),
        ("EtatMensuelIndiv", 5, "invalid_id", "emi_afi_id", "5002x", "9003"),
        ("Salarie", 4, "missing_key", "salarie_id", "", ""),
    ]
    assert m["tables"]["EtatMensuelIndiv"]["rows_kept"] == 0
    # the other columns were still typed once the numeric columns were read as text
    assert p.salarie["salarie_id"].tolist() == [301, 303]
    assert p.salarie["salarie_id"].dtype == "int64"


def test_structure_duplicates_are_kept(tmp_path):
    """Definitions v2: the ingest never settles duplicates by file order; every readable row
    is kept and the indicators resolve repeated keys by content."""
    rows = base_rows()
    rows["Structure"].append(dict(rows["Structure"][0]))  # the known ASP duplicate
    rows["Structure"].append(dict(rows["Structure"][1], structure_denomination="AUTRE NOM"))
    m, p = run(tmp_path, rows)
    assert quarantined(p) == []
    assert p.structure["structure_id_siae"].tolist() == [101, 102, 101, 102]
    assert p.structure["structure_denomination"].tolist()[1] == 'AI "LE RELAIS'
    assert m["tables"]["Structure"]["rows_read"] == 4
    assert m["tables"]["Structure"]["rows_kept"] == 4


def test_af_modifications_and_duplicates_are_kept(tmp_path):
    rows = base_rows()
    af0 = rows["AnnexeFinanciere"][0]
    rows["AnnexeFinanciere"] += [
        # same modification, differing only in the rejection motive: the known duplicate
        dict(af0, af_motif_rejet_code="R01", af_motif_rejet_id="3"),
        # an exact copy
        dict(af0),
        # a later modification of the same AF: normal
        dict(
            af0,
            af_id_avenant_modification="7003",
            af_numero_avenant_modification="1",
            af_etat_annexe_financiere_code="HISTORISE",
        ),
        # same modification id, different content: kept, resolved by the indicators
        dict(af0, af_etp_postes_insertion="12"),
    ]
    m, p = run(tmp_path, rows)
    assert quarantined(p) == []
    af = p.annexe_financiere
    assert af["af_id_avenant_modification"].tolist() == [7001, 7002, 7001, 7001, 7003, 7001]
    assert af["af_motif_rejet_code"].tolist() == [None, None, "R01", None, None, None]
    assert af["af_etp_postes_insertion"].tolist()[-1] == 12
    assert m["tables"]["AnnexeFinanciere"]["rows_kept"] == 6


def test_emi_duplicate_ids_and_versions_are_kept(tmp_path):
    rows = base_rows()
    e0 = rows["EtatMensuelIndiv"][0]
    rows["EtatMensuelIndiv"] += [
        dict(e0, emi_sme_version="2", emi_dsm_id="9004", emi_nb_heures_travail="100"),
        dict(e0, emi_nb_heures_travail="7"),  # same emi_dsm_id 9001
    ]
    m, p = run(tmp_path, rows)
    assert quarantined(p) == []
    emi = p.etat_mensuel_indiv
    assert emi["emi_dsm_id"].tolist() == [9001, 9002, 9003, 9004, 9001]
    assert emi["emi_sme_version"].tolist() == [1, 1, 2, 2, 1]
    assert emi["source_line"].tolist() == [3, 4, 5, 6, 7]
    assert m["tables"]["EtatMensuelIndiv"]["rows_kept"] == 5


def test_contract_and_salarie_duplicates_are_kept(tmp_path):
    rows = base_rows()
    rows["ContratMission"].append(dict(rows["ContratMission"][0]))
    rows["Salarie"].append(dict(rows["Salarie"][2], salarie_code_dpt="75"))
    m, p = run(tmp_path, rows)
    assert quarantined(p) == []
    assert m["tables"]["ContratMission"]["rows_kept"] == len(rows["ContratMission"])
    assert m["tables"]["Salarie"]["rows_kept"] == len(rows["Salarie"])
    assert p.contrat_mission["contrat_id_ctr"].tolist().count(401) == 2
    assert p.salarie["salarie_id"].tolist().count(303) == 2


def test_monthly_state_pointing_to_an_unknown_af(tmp_path):
    rows = base_rows()
    rows["EtatMensuelIndiv"][1]["emi_afi_id"] = "5999"
    m, p = run(tmp_path, rows)
    assert quarantined(p) == [
        ("EtatMensuelIndiv", 4, "unknown_annexe_financiere", "emi_afi_id", "5999", "9002"),
    ]
    assert m["tables"]["EtatMensuelIndiv"]["quarantined_by_reason"] == {
        "unknown_annexe_financiere": 1
    }


def test_row_with_a_wrong_number_of_fields(tmp_path):
    rows = base_rows()
    rows["Structure"][0]["structure_denomination"] = "ACI|DU PARC"
    rows["Structure"].append(dict(rows["Structure"][1], structure_id_siae="103"))
    m, p = run(tmp_path, rows)
    assert quarantined(p) == [
        ("Structure", 3, "wrong_field_count", "", "38 fields, expected 37", ""),
    ]
    assert p.structure["structure_id_siae"].tolist() == [102, 103]
    assert p.structure["source_line"].tolist() == [4, 5]
    assert m["tables"]["Structure"]["rows_read"] == 3


def test_bad_codes_and_booleans(tmp_path):
    rows = base_rows()
    rows["ContratMission"][0]["contrat_salarie_rqth"] = "peut-être"
    rows["ContratMission"][1]["contrat_salarie_pe_duree_code"] = "DEPUIS TOUJOURS"
    rows["Salarie"][0]["salarie_adr_qpv_type"] = "XX"
    rows["Salarie"][1]["salarie_date_naissance"] = "31/02/1991"  # kept, year unknown
    m, p = run(tmp_path, rows)
    assert quarantined(p) == [
        ("ContratMission", 3, "invalid_boolean", "contrat_salarie_rqth", "peut-être", "401"),
        (
            "ContratMission",
            4,
            "unknown_pe_duree_code",
            "contrat_salarie_pe_duree_code",
            "DEPUIS TOUJOURS",
            "402",
        ),
        ("Salarie", 3, "unknown_qpv_type", "salarie_adr_qpv_type", "XX", "301"),
    ]
    assert p.salarie["salarie_annee_naissance"].tolist() == [pd.NA, 1985]
    assert m["tables"]["Salarie"]["birth_date_invalid"] == 1


def test_pe_duree_labels_and_codes(tmp_path):
    rows = base_rows()
    c0 = rows["ContratMission"][0]
    labels = [
        "MOINS DE 6 MOIS",
        "de 6 à 11 mois",
        "DE 12 à 23 MOIS",
        "24 mois et plus",
        "NON",
        "2",
        "",
        "Moins  de 6 mois",
    ]
    rows["ContratMission"] = [
        dict(c0, contrat_id_ctr=str(500 + i), contrat_salarie_pe_duree_code=v)
        for i, v in enumerate(labels)
    ]
    _, p = run(tmp_path, rows)
    assert quarantined(p) == []
    assert p.contrat_mission["contrat_salarie_pe_duree_code"].tolist() == [
        "1",
        "2",
        "3",
        "4",
        "0",
        "2",
        None,
        "1",
    ]


def test_several_faults_first_reason_wins(tmp_path):
    rows = base_rows()
    rows["EtatMensuelIndiv"][0].update(emi_sme_mois="14", emi_nb_heures_travail="-1")
    _, p = run(tmp_path, rows)
    assert quarantined(p) == [
        ("EtatMensuelIndiv", 3, "month_out_of_range", "emi_sme_mois", "14", "9001"),
    ]


def test_truncated_row_between_good_rows(tmp_path):
    from fluxiae_writer import render_table
    from ingest_helpers import header

    rows = base_rows()
    write_all(tmp_path / "raw", rows)
    text = render_table("Salarie", rows["Salarie"], columns=header("Salarie"))
    lines = text.split("\n")
    lines[3] = lines[3][: lines[3].index("|", 20)]  # row 2 cut after a few fields
    path = tmp_path / "raw" / "fluxIAE_Salarie_15012014_060000.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    m = ingest(tmp_path / "raw", tmp_path / "out", salt="x")
    p = load_processed(tmp_path / "out")
    q = quarantined(p)
    assert len(q) == 1
    table, line, reason, column, value, record_id = q[0]
    assert (table, line, reason, column, record_id) == ("Salarie", 4, "wrong_field_count", "", "")
    assert value.endswith("fields, expected 18")
    assert p.salarie["salarie_id"].tolist() == [301, 303]
    assert p.salarie["source_line"].tolist() == [3, 5]
    s = m["tables"]["Salarie"]
    assert (s["rows_read"], s["rows_kept"], s["rows_quarantined"]) == (3, 2, 1)

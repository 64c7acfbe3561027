"""Row-level faults: the row goes to quarantine.csv (reason, line, column, value) and the
ingest goes on; rows_read = rows_kept + rows_quarantined for every table.

Row k (0-based) of a fixture table is on physical line k + 3 (DEB line, header line).
"""

from __future__ import annotations

import pandas as pd
import pytest

from iae_diag.ingest import ingest
from iae_diag.processed import load_processed
from ingest_helpers import TEST_KEY, base_rows, write_all

#: fluxIAE table -> attribute of ProcessedData
NAMES = {
    "structure": "Structure",
    "annexe_financiere": "AnnexeFinanciere",
    "etat_mensuel_indiv": "EtatMensuelIndiv",
    "contrat_mission": "ContratMission",
    "salarie": "Salarie",
}


def run(tmp_path, rows):
    write_all(tmp_path / "raw", rows)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
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
    "value",
    ["31/02/2013", "2013-01-05", "5/1/2013", "00/01/2013", "01/13/2013", "01/01/0213"],
)
def test_bad_optional_date_is_unknown_and_counted(tmp_path, value):
    """A contract's dates are not its period (its months come from its monthly states): an
    unreadable hiring date is set to unknown, the contract (person, ROME, publics) is kept."""
    rows = base_rows()
    rows["ContratMission"][0]["contrat_date_embauche"] = value
    m, p = run(tmp_path, rows)
    assert quarantined(p) == []
    c = m["tables"]["ContratMission"]
    assert (c["rows_read"], c["rows_kept"], c["unknown_values"]) == (
        2,
        2,
        {"contrat_date_embauche": 1},
    )
    cm = p.contrat_mission
    assert cm["contrat_id_ctr"].tolist() == [401, 402]
    assert cm["contrat_date_embauche"].isna().tolist() == [True, False]
    assert cm["contrat_code_rome"].tolist() == ["N1105", "K2204"]


@pytest.mark.parametrize(
    "column, value, reason",
    [
        ("af_date_debut_effet", "31/02/2013", "invalid_date"),
        ("af_date_fin_effet", "2013-12-31", "invalid_date"),
        ("af_date_fin_effet", "31/12/3013", "implausible_date"),
        ("af_date_debut_effet", "", "missing_value"),
    ],
)
def test_af_period_unusable_is_quarantined(tmp_path, column, value, reason):
    """The effect dates are the AF's period: unusable, the row is quarantined (and its monthly
    states, which no longer find their AF)."""
    rows = base_rows()
    rows["AnnexeFinanciere"][1][column] = value
    m, p = run(tmp_path, rows)
    assert quarantined(p) == [
        ("AnnexeFinanciere", 4, reason, column, value, "7002"),
        ("EtatMensuelIndiv", 5, "unknown_annexe_financiere", "emi_afi_id", "5002", "9003"),
    ]
    assert m["tables"]["AnnexeFinanciere"]["unknown_values"] == {}
    assert p.annexe_financiere["af_id_avenant_modification"].tolist() == [7001]


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
    """The AF's mesure gives the type of SIAE: unknown, the AF is quarantined. A contract's
    mesure is optional information: unknown, it is nulled and counted, the contract kept."""
    rows = base_rows()
    rows["AnnexeFinanciere"][0]["af_mesure_dispositif_code"] = "aci_dc"  # case is normalised
    rows["AnnexeFinanciere"][1]["af_mesure_dispositif_code"] = "XYZ_DC"
    rows["ContratMission"][1]["contrat_mesure_disp_code"] = "AI"
    m, p = run(tmp_path, rows)
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
    ]
    assert p.annexe_financiere["af_mesure_dispositif_code"].tolist() == ["ACI_DC"]
    assert p.contrat_mission["contrat_mesure_disp_code"].tolist() == ["ACI_DC", None]
    assert m["tables"]["ContratMission"]["unknown_values"] == {"contrat_mesure_disp_code": 1}


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


@pytest.mark.parametrize(
    "table, row, column, value, expected_kept",
    [
        # audit F5, repro 2: an unknown boolean no longer throws the contract away
        ("ContratMission", 0, "contrat_salarie_ass", "X", None),
        ("ContratMission", 0, "contrat_salarie_rqth", "peut-être", None),
        ("ContratMission", 1, "contrat_salarie_pe_duree_code", "DEPUIS TOUJOURS", None),
        ("ContratMission", 1, "contrat_salarie_rsa", "OUI-X", None),
        ("ContratMission", 0, "contrat_code_rome", "N11O5", None),  # letter O for zero
        ("ContratMission", 0, "contrat_code_rome", "1105", None),
        ("ContratMission", 1, "contrat_type_contrat", "-1", None),
        ("ContratMission", 1, "contrat_niveau_de_formation_code", "", None),  # empty: no count
        # audit F5, repro 1: an unknown QPV type keeps the person (her NIR, sex, age)
        ("Salarie", 0, "salarie_adr_qpv_type", "QPV", None),
        ("Salarie", 0, "salarie_adr_is_zrr", "peut-être", None),
        # probe m5: INSEE codes are validated (5 characters, \d{5} or 2[AB]\d{3})
        ("Salarie", 0, "salarie_codeinseecom", "1840575123456", None),
        ("Salarie", 0, "salarie_codeinseecom", "9306", None),
        ("Salarie", 1, "salarie_codeinseecom", "2c004", None),
        ("Salarie", 1, "salarie_codeinseecom", "2a004", "2A004"),  # case is normalised
        ("Salarie", 0, "salarie_code_dpt", "SEINE", None),
        ("Structure", 0, "structure_adresse_admin_code_insee", "<svg onload=alert(1)>", None),
        ("Structure", 1, "structure_adresse_gestion_code_insee", "971O5", None),
        ("Structure", 0, "structure_date_creation", "31/02/2006", None),
        ("AnnexeFinanciere", 0, "af_etp_postes_insertion", "-3", None),
        ("AnnexeFinanciere", 0, "af_numero_avenant_modification", "2b", None),
        ("EtatMensuelIndiv", 1, "emi_sme_version", "v2", None),
        ("EtatMensuelIndiv", 1, "emi_nb_heures_facturees", "800", None),
        ("EtatMensuelIndiv", 1, "emi_date_fin_reelle", "30/02/2013", None),
    ],
)
def test_bad_optional_value_is_unknown_and_counted(
    tmp_path, table, row, column, value, expected_kept
):
    """Definitions v2: a bad value in a column that is not a key, the period, the hours or the
    mesure is set to unknown (null) and counted per column; the row is kept."""
    rows = base_rows()
    rows[table][row][column] = value
    m, p = run(tmp_path, rows)
    assert quarantined(p) == []
    info = m["tables"][table]
    assert info["rows_kept"] == info["rows_read"] == len(rows[table])
    counted = 1 if expected_kept is None and value else 0
    assert info["unknown_values"] == ({column: 1} if counted else {})
    for other, other_info in m["tables"].items():
        if other != table:
            assert other_info["unknown_values"] == {}, other
    df = getattr(p, {v: k for k, v in NAMES.items()}[table])
    kept_value = df[column].iloc[row]
    if expected_kept is None:
        assert pd.isna(kept_value)
    else:
        assert kept_value == expected_kept
    # the rest of the row is kept as it was
    assert len(df) == len(rows[table])


def test_bad_optional_values_counted_per_column(tmp_path):
    rows = base_rows()
    rows["ContratMission"][0]["contrat_salarie_ass"] = "X"
    rows["ContratMission"][1]["contrat_salarie_ass"] = "?"
    rows["ContratMission"][1]["contrat_code_rome"] = "XX"
    rows["Salarie"][1]["salarie_date_naissance"] = "31/02/1991"  # kept, year unknown
    m, p = run(tmp_path, rows)
    assert quarantined(p) == []
    assert m["tables"]["ContratMission"]["unknown_values"] == {
        "contrat_code_rome": 1,
        "contrat_salarie_ass": 2,
    }
    cm = p.contrat_mission
    assert cm["contrat_salarie_ass"].isna().all()
    assert cm["contrat_salarie_rsa"].tolist() == ["OUI-M", "NON"]
    assert cm["contrat_salarie_rqth"].tolist() == [True, False]
    assert p.salarie["salarie_annee_naissance"].tolist() == [1984, pd.NA, 1985]
    assert m["tables"]["Salarie"]["birth_date_invalid"] == 1
    assert m["tables"]["Salarie"]["unknown_values"] == {}


def test_bad_value_in_a_quarantined_row_is_not_counted_as_unknown(tmp_path):
    rows = base_rows()
    rows["EtatMensuelIndiv"][0].update(emi_sme_mois="13", emi_sme_version="x")
    m, p = run(tmp_path, rows)
    assert quarantined(p) == [
        ("EtatMensuelIndiv", 3, "month_out_of_range", "emi_sme_mois", "13", "9001"),
    ]
    assert m["tables"]["EtatMensuelIndiv"]["unknown_values"] == {}


@pytest.mark.parametrize(
    "column, value, reason",
    [
        ("emi_nb_heures_travail", "", "missing_value"),
        ("emi_ctr_id", "C401", "invalid_id"),
        ("emi_sme_annee", "", "missing_value"),
    ],
)
def test_emi_hours_period_and_keys_are_critical(tmp_path, column, value, reason):
    rows = base_rows()
    rows["EtatMensuelIndiv"][0][column] = value
    m, p = run(tmp_path, rows)
    assert quarantined(p) == [("EtatMensuelIndiv", 3, reason, column, value, "9001")]
    assert m["tables"]["EtatMensuelIndiv"]["rows_kept"] == 2


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
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
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


def test_modification_dates_and_exit_motive_ids_are_kept(tmp_path):
    """The columns the indicators need to resolve duplicates by content (modification dates)
    and to find the exit motive (ids joined to the extract's reference tables)."""
    rows = base_rows()
    rows["EtatMensuelIndiv"][1].update(
        emi_date_modification="15/03/2013 10:11:12", emi_motif_sortie_id="7"
    )
    rows["ContratMission"][0].update(
        contrat_date_modification="01/03/2013", contrat_motif_sortie_id="12"
    )
    rows["Salarie"][2]["salarie_date_modification"] = "30/02/2013"  # unknown, counted
    m, p = run(tmp_path, rows)
    emi = p.etat_mensuel_indiv
    assert emi["emi_date_modification"].tolist()[1] == pd.Timestamp("2013-03-15")
    assert emi["emi_date_modification"].isna().tolist() == [True, False, True]
    assert emi["emi_motif_sortie_id"].tolist() == [None, "7", None]
    cm = p.contrat_mission
    assert cm["contrat_date_modification"].tolist()[0] == pd.Timestamp("2013-03-01")
    assert cm["contrat_motif_sortie_id"].tolist() == ["12", None]
    assert p.salarie["salarie_date_modification"].isna().all()
    assert m["tables"]["Salarie"]["unknown_values"] == {"salarie_date_modification": 1}

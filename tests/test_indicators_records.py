"""Repeated records settled by content (definitions v2, "Eligible records", "Order
independence"): hand-computed values on a real-format export with duplicates of every kind, and
the same figures whatever the order of the rows of every file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iae_diag.indicators import build_tables
from iae_diag.indicators.activity import counted_emi
from iae_diag.indicators.records import resolve_ids
from indicators_helpers import (
    Dataset,
    af,
    contract,
    emi,
    nir,
    processed,
    salarie,
    structure,
    to_processed,
)
from test_indicators_rules import qual, val


def messy() -> Dataset:
    """Duplicates of every kind (audit F2, F3, F4, F7 and more), values worked out by hand in
    the tests below.

    Structures: 1 (ACI, EI; one exact copy), 2 (AI), 3 (ETTI; two rows, the later
    modification is in 93, the older one in 75). Annexes: 10 (ACI, two VALIDE rows of one
    modification, the later end counts, 12 posts), 20 (AI, HISTORISE and VALIDE rows of one
    modification, 5 posts), 30 (EI, two rows tied on end and modification, 6 and 8 posts),
    40 (ETTI, malformed number -> structure 3's address; two rows differing by the rejection
    motive only, 3 posts)."""
    ds = Dataset()
    ds.Structure += [
        structure(1),
        structure(1),
        structure(2),
        {**structure(3, insee="75056"), "structure_date_modification": "01/01/2013"},
        {**structure(3, insee="93066"), "structure_date_modification": "01/06/2013"},
    ]
    ds.AnnexeFinanciere += [
        af(10, 1, avenant_id=7001, fin="30/06/2013", etp=12.0),
        af(10, 1, avenant_id=7001, fin="31/12/2013", etp=12.0),
        af(20, 2, mesure="AI_DC", avenant_id=7002, etat="HISTORISE", etp=5.0),
        af(20, 2, mesure="AI_DC", avenant_id=7002, etat="VALIDE", etp=5.0),
        af(30, 1, mesure="EI_DC", modif=1, etp=6.0),
        af(30, 1, mesure="EI_DC", modif=1, etp=8.0),
        af(40, 3, mesure="ETTI_DC", numero="ETTIX", etp=3.0),
        af(40, 3, mesure="ETTI_DC", numero="ETTIX", etp=3.0, motif="R01"),
    ]
    women = {501, 502, 504, 506, 507, 509}
    for pph in (501, 502, 503, 504, 505, 506, 507, 508, 509):
        ds.Salarie.append(
            salarie(
                pph,
                nir(pph, woman=pph in women),
                civ="MME" if pph in women else "M.",
                qpv="QP" if pph in (501, 506, 507) else "NQP",
            )
        )
    ds.Salarie.append(salarie(501, nir(501), civ="MME", qpv="QP"))  # exact copy
    ds.Salarie[-2] = {**ds.Salarie[-2], "salarie_adr_qpv_type": "QP"}  # 509: QP and NQP rows
    ds.Salarie.append(salarie(509, nir(509), civ="MME", qpv="NQP"))
    ds.Salarie[2] = {**ds.Salarie[2], "salarie_adr_is_zrr": "true"}  # 503 lives in a ZRR
    ds.ContratMission += [
        contract(601, 501, 1, rsa="OUI-M"),
        contract(601, 501, 1, rsa="OUI-M"),  # exact copy
        contract(602, 502, 1),
        contract(603, 502, 1, pe="3"),
        contract(604, 503, 1),
        contract(605, 504, 2, mesure="AI_DC", edu="00"),
        contract(606, 505, 2, mesure="AI_DC", edu="70"),
        contract(608, 508, 1, mesure="EI_DC", edu="50", pe="", rome="F1701"),
        contract(609, 508, 1, mesure="EI_DC", rome="K2204"),
        contract(610, 509, 3, mesure="ETTI_DC", rome="N1101", rsa="OUI-M"),
        contract(610, 509, 3, mesure="ETTI_DC", rome="K2204", rsa="NON"),
    ]
    ds.EtatMensuelIndiv += [
        emi(100, 10, 501, 601, 2013, 1, 50.0, version=1),  # F3: same dsm, version 2 wins
        emi(100, 10, 501, 601, 2013, 1, 80.0, version=2),
        emi(200, 10, 502, 602, 2013, 1, 60.0),  # F2: two statements of one month
        emi(201, 10, 502, 603, 2013, 1, 40.0),
        emi(300, 10, 503, 604, 2013, 1, 0.0),  # F2: same version, 0 h and 70 h both stay
        emi(301, 10, 503, 604, 2013, 1, 70.0),
        emi(400, 20, 504, 605, 2013, 1, 90.0, version=1),  # corrected to 0 h by version 2
        emi(401, 20, 504, 605, 2013, 1, 0.0, version=2),
        emi(402, 20, 504, 605, 2013, 2, 20.0),
        emi(500, 20, 505, 606, 2013, 1, 30.0),  # exact copy below
        emi(500, 20, 505, 606, 2013, 1, 30.0),
        emi(506, 10, 506, None, 2013, 1, 15.0),  # F4: no contract
        emi(507, 10, 507, 999, 2013, 1, 5.0),  # F4: a contract absent from ContratMission
        emi(800, 30, 508, 608, 2013, 1, 25.0),  # same dsm, version and hours: a tie
        emi(800, 30, 508, 609, 2013, 1, 25.0),
        emi(900, 40, 509, 610, 2013, 1, 10.0),
    ]
    return ds


def shuffled(ds: Dataset, seed: int) -> Dataset:
    """The same rows, each file's data rows in another order."""
    rng = np.random.default_rng(seed)
    return Dataset(
        **{t: [rows[i] for i in rng.permutation(len(rows))] for t, rows in ds.tables().items()}
    )


@pytest.fixture(scope="module")
def messy_tables(tmp_path_factory):
    return build_tables(processed(messy(), tmp_path_factory.mktemp("messy")))


def test_messy_export_offer_and_hours(messy_tables):
    ind, q, siae = messy_tables
    # AF 10: the later end counts (12 posts x 12 months); AF 20: its VALIDE row counts (F7)
    assert val(ind, "etp_conventionnes", type_siae="ACI") == 12.0
    assert val(ind, "etp_conventionnes", type_siae="AI") == 5.0
    assert val(ind, "etp_conventionnes", type_siae="EI") == 8.0  # tie: the most posts
    assert val(ind, "etp_conventionnes", type_siae="ETTI") == 3.0
    assert val(ind, "structures") == 4.0
    # ACI: 501 80 h (version 2), 502 60 + 40 h, 503 70 h, 506 15 h, 507 5 h
    assert val(ind, "hours", type_siae="ACI") == 270.0
    assert val(ind, "hours", type_siae="AI") == 50.0  # 504: 20 h (January corrected to 0)
    assert val(ind, "hours", type_siae="EI") == 25.0  # the tied dsm 800 counts once
    assert val(ind, "hours", type_siae="ETTI") == 10.0
    assert val(ind, "hours") == 355.0
    assert val(ind, "salaries") == 9.0
    assert val(ind, "salaries", type_siae="ACI") == 5.0
    # AF 40 is placed by structure 3's latest row (93), not by its older row (75)
    assert val(ind, "hours", "93", type_siae="ETTI") == 10.0
    assert "75" not in set(ind.loc[ind["territory_level"] == "dep", "territory_code"])
    # the tie of dsm 800 keeps the row first in content order: contract 608 (F1701)
    assert val(ind, "hours_by_sector", type_siae="EI", breakdown="batiment_tp") == 25.0
    # contract 610: two rows, no modification date, kept by content (K2204 before N1101)
    assert val(ind, "hours_by_sector", type_siae="ETTI", breakdown="nettoyage_hors_sap") == 10.0
    assert siae["salaries"].sum() == 9


def test_messy_export_quality_counts(messy_tables):
    _, q, _ = messy_tables
    assert qual(q, "emi_exact_duplicate") == 1.0
    assert qual(q, "emi_dsm_superseded") == 1.0  # dsm 100 version 1
    assert qual(q, "emi_dsm_tie") == 1.0  # dsm 800
    assert qual(q, "emi_statement_superseded") == 1.0  # dsm 400, replaced by version 2
    assert qual(q, "emi_statement_superseded", "93") == 1.0
    assert qual(q, "af_duplicate_tie") == 1.0  # AF 30 (AF 40 differs by its motive only)
    assert qual(q, "af_address_fallback") == 1.0  # AF 40
    for table, rows, by_content in (
        ("Structure", 2, 0),  # an exact copy; structure 3 settled by its modification date
        ("ContratMission", 2, 1),
        ("Salarie", 2, 1),
    ):
        assert qual(q, "duplicate_rows", breakdown=table) == rows, table
        assert qual(q, "duplicate_content_rule", breakdown=table) == by_content, table


def test_messy_export_publics(messy_tables):
    ind, q, _ = messy_tables

    def share(key):
        return (
            val(ind, "public_share", breakdown=key, what="numerator"),
            val(ind, "public_share", breakdown=key, what="denominator"),
        )

    # 9 salariés, 2 without a usable contract (506, 507): out of every denominator
    assert qual(q, "persons_without_contract") == 2.0
    assert qual(q, "persons_without_salarie_row") == 0.0
    assert share("women") == (4.0, 7.0)  # 501, 502, 504, 509 (506 and 507 left out)
    assert share("rsa") == (1.0, 7.0)  # 501; 509's kept contract row says NON
    assert share("qpv") == (1.0, 7.0)  # 501; 509's kept Salarie row says NQP
    # every salarié; 506 and 507 (no contract, so no Salarie row) count as not known to be QP
    assert share("qpv_all") == (1.0, 9.0)
    assert share("zrr") == (1.0, 7.0)
    # 508's contract has no registration duration: out of both job-seeker denominators
    assert share("job_seeker_12_23m") == (1.0, 6.0)
    assert share("job_seeker_24m_plus") == (0.0, 6.0)
    assert qual(q, "public_unknown_value", breakdown="job_seeker_24m_plus") == 1.0
    assert qual(q, "public_unknown_value", breakdown="women") == 0.0
    assert share("education_non_certifiante") == (1.0, 7.0)
    assert share("education_infra_cap") == (1.0, 7.0)
    assert share("education_cap_bep") == (1.0, 7.0)
    assert share("low_qualification") == (3.0, 7.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffling_every_file_changes_no_figure(messy_tables, tmp_path, seed):
    ind, q, siae = messy_tables
    ind2, q2, siae2 = build_tables(processed(shuffled(messy(), seed), tmp_path))
    pd.testing.assert_frame_equal(ind, ind2)
    pd.testing.assert_frame_equal(q, q2)
    pd.testing.assert_frame_equal(siae, siae2)


def test_reversed_files_change_no_figure(messy_tables, tmp_path):
    ind, q, _ = messy_tables
    rev = Dataset(**{t: rows[::-1] for t, rows in messy().tables().items()})
    ind2, q2, _ = build_tables(processed(rev, tmp_path))
    pd.testing.assert_frame_equal(ind, ind2)
    pd.testing.assert_frame_equal(q, q2)


# ----------------------------------------------------------------------- audit repros


def test_f4_persons_without_usable_contract_leave_the_denominators(tmp_path):
    """Audit F4: 8 women living in a QPV, 2 of them without a usable contract."""
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    for pph in range(501, 509):
        ds.Salarie.append(salarie(pph, nir(pph), civ="MME", qpv="QP"))
        ctr = {506: None, 507: 999}.get(pph, pph)
        if ctr == pph:
            ds.ContratMission.append(contract(pph, pph, 1))
        ds.EtatMensuelIndiv.append(emi(pph, 10, pph, ctr, 2013, 1, 10.0))
    ind, q, _ = build_tables(processed(ds, tmp_path))
    assert val(ind, "salaries") == 8.0
    assert val(ind, "public_share", breakdown="women") == 1.0
    assert val(ind, "public_share", breakdown="women", what="denominator") == 6.0
    assert val(ind, "public_share", breakdown="qpv", what="denominator") == 6.0
    assert val(ind, "public_share", breakdown="qpv_all") == pytest.approx(6 / 8)
    assert qual(q, "persons_without_contract") == 2.0
    assert qual(q, "public_unknown_value", breakdown="qpv") == 0.0


def test_contract_without_salarie_row_leaves_the_salarie_keys_only(tmp_path):
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    for pph in (1, 2):
        ds.Salarie.append(salarie(pph, nir(pph), civ="MME"))
        ds.ContratMission.append(contract(pph, pph, 1, rsa="OUI-M"))
        ds.EtatMensuelIndiv.append(emi(pph, 10, pph, pph, 2013, 1, 10.0))
    ds.ContratMission.append(contract(3, 33, 1, rsa="OUI-M"))  # points to no Salarie row
    ds.EtatMensuelIndiv.append(emi(3, 10, 3, 3, 2013, 1, 10.0))
    ind, q, _ = build_tables(processed(ds, tmp_path))
    assert val(ind, "salaries") == 3.0
    assert val(ind, "public_share", breakdown="rsa", what="denominator") == 3.0
    assert val(ind, "public_share", breakdown="rsa") == 1.0
    assert val(ind, "public_share", breakdown="women", what="denominator") == 2.0
    assert val(ind, "public_share", breakdown="under_26", what="denominator") == 2.0
    assert qual(q, "persons_without_salarie_row") == 1.0
    assert qual(q, "persons_without_contract") == 0.0


# ----------------------------------------------------------------------- modification dates


def _dated(df: pd.DataFrame, column: str, values: list[str]) -> pd.DataFrame:
    out = df.copy()
    out[column] = pd.to_datetime(values, format="%d/%m/%Y").astype("datetime64[ns]")
    return out


def test_latest_modification_date_wins_then_content():
    rows = pd.DataFrame(
        {
            "contrat_id_ctr": [7, 7, 8, 8, 9],
            "contrat_code_rome": ["K2204", "F1701", "N1101", "A1203", "F1701"],
            "source_line": [3, 4, 5, 6, 7],
        }
    )
    rows = _dated(
        rows,
        "contrat_date_modification",
        ["02/02/2013", "01/01/2013", "05/05/2013", "05/05/2013", "01/01/2013"],
    )
    for order in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [1, 3, 0, 4, 2]):
        kept, res = resolve_ids(rows.iloc[order], "contrat_id_ctr")
        got = dict(zip(kept["contrat_id_ctr"], kept["contrat_code_rome"], strict=True))
        assert got == {7: "K2204", 8: "A1203", 9: "F1701"}
        assert (res.rows_set_aside, res.exact_copies, res.ids_by_content) == (2, 0, 1)


def test_most_complete_row_wins_without_dates():
    rows = pd.DataFrame(
        {
            "salarie_id": [5, 5, 5],
            "salarie_adr_qpv_type": [None, "QP", "QP"],
            "salarie_rci_libelle": ["MME", "MME", "MME"],
            "source_line": [9, 3, 4],
        }
    )
    for order in ([0, 1, 2], [2, 1, 0]):
        kept, res = resolve_ids(rows.iloc[order], "salarie_id")
        assert kept["salarie_adr_qpv_type"].tolist() == ["QP"]
        assert (res.rows_set_aside, res.exact_copies) == (2, 1)


def dsm_at_equal_version() -> pd.DataFrame:
    """EMI rows of a repeated emi_dsm_id at one version: 50 h modified on 1 February, 30 h
    on 1 March (the later one), and 10 h of another statement."""
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    ds.Salarie.append(salarie(1, nir(1)))
    ds.ContratMission.append(contract(1, 1, 1))
    ds.EtatMensuelIndiv += [
        emi(1, 10, 1, 1, 2013, 1, 50.0),
        emi(1, 10, 1, 1, 2013, 1, 30.0),
        emi(2, 10, 2, 2, 2013, 1, 10.0),
    ]
    return _dated(
        to_processed(ds).etat_mensuel_indiv,
        "emi_date_modification",
        ["01/02/2013", "01/03/2013", "01/02/2013"],
    )


def test_emi_modification_date_settles_a_dsm_at_equal_version():
    e = dsm_at_equal_version()
    for order in ([0, 1, 2], [2, 1, 0]):
        out = counted_emi(e.iloc[order].reset_index(drop=True), np.array([10]))
        assert sorted(out.hours.tolist()) == [10.0, 30.0]  # the later modification: 30 h


def test_unknown_values_of_the_manifest_are_in_the_quality_table(tmp_path):
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    ds.Salarie.append(salarie(1, nir(1)))
    ds.ContratMission.append(contract(1, 1, 1))
    ds.EtatMensuelIndiv.append(emi(1, 10, 1, 1, 2013, 1, 10.0))
    data = processed(ds, tmp_path)
    _, q, _ = build_tables(data)
    assert not (q["check"] == "unknown_values").any()  # a manifest without the field
    data.manifest["tables"]["Salarie"]["unknown_values"] = {"salarie_adr_qpv_type": 3}
    data.manifest["tables"]["ContratMission"]["unknown_values"] = {
        "contrat_salarie_ass": 1,
        "contrat_code_rome": 2,
    }
    _, q, _ = build_tables(data)
    for code in ("FR", "93", "r11"):
        assert qual(q, "unknown_values", code, breakdown="Salarie.salarie_adr_qpv_type") == 3.0
        assert qual(q, "unknown_values", code, breakdown="ContratMission.contrat_code_rome") == 2
    assert (q["check"] == "unknown_values").sum() == 3 * 3  # 3 columns x 3 territories


def test_key_figures_publish_the_v2_keys_over_their_own_denominators(messy_tables):
    from iae_diag.figures import key_figures
    from iae_diag.territories import parse_territory

    ind, _, _ = messy_tables
    kf = key_figures(ind, parse_territory("dep:93"), 2013)
    p = kf["publics"]  # shares are published with 3 decimals (statistical secrecy)
    assert p["qpv_all"] == round(1 / 9, 3)  # over the 9 salariés
    assert p["women"] == round(4 / 7, 3)  # over the 7 with a usable contract
    assert p["job_seeker_12_23m"] == round(1 / 6, 3)  # 508's duration is unknown
    assert p["zrr"] == round(1 / 7, 3)
    assert p["education_cap_bep"] == round(1 / 7, 3)
    # ACI: 5 salariés but only 3 with a usable contract: every share over 3 persons is secret,
    # qpv_all (over the 5) is published
    aci = kf["publics_by_type"]["ACI"]
    assert aci["women"] is None and aci["education_infra_cap"] is None
    assert aci["qpv_all"] == round(1 / 5, 3)


def test_every_emi_row_is_counted_or_accounted_for(tmp_path):
    """16 rows in: 10 counted, 4 set aside by steps 1-3 (one of each reason), 2 with 0 h."""
    from iae_diag.indicators.records import EMI_CHECKS

    data = processed(messy(), tmp_path)
    out = counted_emi(data.etat_mensuel_indiv, np.array([10, 20, 30, 40]))
    reasons, _, _ = out.set_aside
    assert len(data.etat_mensuel_indiv) == 16
    assert len(out) == 10
    assert sorted(EMI_CHECKS[r] for r in reasons) == sorted(EMI_CHECKS.values())
    zero = data.etat_mensuel_indiv["emi_nb_heures_travail"].eq(0).sum()
    assert len(out) + len(reasons) + zero == 16
    assert sorted(out.hours.tolist()) == [
        5.0,
        10.0,
        15.0,
        20.0,
        25.0,
        30.0,
        40.0,
        60.0,
        70.0,
        80.0,
    ]


@pytest.mark.parametrize("reverse", [False, True])
def test_f2_statements_of_one_month_at_one_version_all_count(tmp_path, reverse):
    """Audit F2: 502 has two statements (contracts 602, 603) in one month; 503 a 0 h and a
    70 h statement of one contract at one version: 60 + 40 + 70 h, whatever the order."""
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    ds.Salarie += [salarie(502, nir(502)), salarie(503, nir(503))]
    ds.ContratMission += [contract(602, 502, 1), contract(603, 502, 1), contract(604, 503, 1)]
    rows = [
        emi(200, 10, 502, 602, 2013, 3, 60.0),
        emi(201, 10, 502, 603, 2013, 3, 40.0),
        emi(300, 10, 503, 604, 2013, 3, 0.0),
        emi(301, 10, 503, 604, 2013, 3, 70.0),
    ]
    ds.EtatMensuelIndiv += rows[::-1] if reverse else rows
    ind, q, _ = build_tables(processed(ds, tmp_path))
    assert val(ind, "hours") == 170.0
    assert val(ind, "salaries") == 2.0
    assert qual(q, "emi_statement_superseded") == 0.0


@pytest.mark.parametrize("reverse", [False, True])
def test_f3_repeated_dsm_keeps_its_highest_version(tmp_path, reverse):
    """Audit F3: dsm 100 at 50 h (version 1) then 80 h (version 2): 80 h in either order."""
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    ds.Salarie.append(salarie(501, nir(501)))
    ds.ContratMission.append(contract(601, 501, 1))
    rows = [
        emi(100, 10, 501, 601, 2013, 1, 50.0, version=1),
        emi(100, 10, 501, 601, 2013, 1, 80.0, version=2),
    ]
    ds.EtatMensuelIndiv += rows[::-1] if reverse else rows
    data = processed(ds, tmp_path)
    assert len(data.etat_mensuel_indiv) == 2  # the ingest keeps both rows
    ind, q, _ = build_tables(data)
    assert val(ind, "hours") == 80.0
    assert qual(q, "emi_dsm_superseded") == 1.0
    assert qual(q, "emi_dsm_tie") == 0.0


@pytest.mark.parametrize("reverse", [False, True])
def test_f7_annex_rows_of_one_modification_settled_among_eligible_rows(tmp_path, reverse):
    """Audit F7: AF 10 has two VALIDE rows of modification 7001 (ends 30/06 and 31/12, 12
    posts); AF 20 a HISTORISE and a VALIDE row of modification 7002. Expected 24 ETP
    conventionnés, 2 structures, 200 h."""
    ds = Dataset(Structure=[structure(1), structure(2)])
    rows = [
        af(10, 1, avenant_id=7001, fin="30/06/2013"),
        af(10, 1, avenant_id=7001, fin="31/12/2013"),
        af(20, 2, avenant_id=7002, etat="HISTORISE"),
        af(20, 2, avenant_id=7002, etat="VALIDE"),
    ]
    ds.AnnexeFinanciere += rows[::-1] if reverse else rows
    one_person_rows = [(1, 1, 10), (2, 2, 20)]
    for pph, sid, afi in one_person_rows:
        ds.Salarie.append(salarie(pph, nir(pph)))
        ds.ContratMission.append(contract(pph, pph, sid))
        ds.EtatMensuelIndiv.append(emi(pph, afi, pph, pph, 2013, 7, 100.0))
    ind, q, _ = build_tables(processed(ds, tmp_path))
    assert val(ind, "etp_conventionnes") == 24.0
    assert val(ind, "structures") == 2.0
    assert val(ind, "hours") == 200.0
    assert qual(q, "af_duplicate_tie") == 0.0

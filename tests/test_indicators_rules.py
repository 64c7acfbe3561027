"""One test per rule of definitions.md, on small fixtures in the real fluxIAE format
(written with fluxiae_writer, read back by the ingest), values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from iae_diag.indicators import build_tables
from indicators_helpers import (
    Dataset,
    af,
    contract,
    emi,
    nir,
    processed,
    salarie,
    structure,
)


def run(ds: Dataset, tmp_path, **kw):
    return build_tables(processed(ds, tmp_path), **kw)


def val(ind, indicator, code="FR", year=2013, type_siae="ALL", breakdown="", what="value"):
    level = "france" if code == "FR" else ("region" if code.startswith("r") else "dep")
    code = code[1:] if level == "region" else code
    hit = ind.loc[
        (ind["indicator"] == indicator)
        & (ind["territory_level"] == level)
        & (ind["territory_code"] == code)
        & (ind["year"] == year)
        & (ind["type_siae"] == type_siae)
        & (ind["breakdown"] == breakdown),
        what,
    ]
    assert len(hit) == 1, (indicator, code, year, type_siae, breakdown, len(hit))
    return float(hit.iloc[0])


def qual(q, check, code="FR", year=2013, breakdown=""):
    level = "france" if code == "FR" else ("region" if code.startswith("r") else "dep")
    code = code[1:] if level == "region" else code
    hit = q.loc[
        (q["check"] == check)
        & (q["territory_level"] == level)
        & (q["territory_code"] == code)
        & (q["year"] == year)
        & (q["breakdown"] == breakdown),
        "value",
    ]
    assert len(hit) == 1
    return float(hit.iloc[0])


def one_person(ds: Dataset, pph: int, sid: int, afi: int, ctr: int, hours=(100.0,), **ckw):
    """A person with a NIR, one contract and EMI rows (months 1..n of 2013) on one AF."""
    ds.Salarie.append(salarie(pph, nir(pph)))
    ds.ContratMission.append(contract(ctr, pph, sid, **ckw))
    for m, h in enumerate(hours, start=1):
        ds.EtatMensuelIndiv.append(emi(pph * 100 + m, afi, pph, ctr, 2013, m, h))


# ----------------------------------------------------------------------------- eligible AF


def test_historise_version_is_ignored_and_valid_version_counts(tmp_path):
    ds = Dataset(Structure=[structure(1)])
    ds.AnnexeFinanciere += [
        af(10, 1, etat="HISTORISE", modif=0, etp=30.0),
        af(10, 1, etat="VALIDE", modif=1, etp=6.0),
        af(11, 1, mesure="AI_DC", etat="HISTORISE", etp=5.0),  # only historised: not eligible
    ]
    one_person(ds, 1, 1, 10, 1)
    one_person(ds, 2, 1, 11, 2)
    ind, _, _ = run(ds, tmp_path)
    assert val(ind, "etp_conventionnes") == 6.0
    assert val(ind, "structures") == 1.0
    assert val(ind, "structures", type_siae="AI") == 0.0
    assert val(ind, "salaries") == 1.0  # the AI person's rows hang on an ineligible AF
    assert val(ind, "hours") == 100.0


def test_annule_and_fdi_annexes_are_excluded(tmp_path):
    ds = Dataset(Structure=[structure(1), structure(2)])
    ds.AnnexeFinanciere += [
        af(10, 1, etp=12.0),
        af(11, 1, etat="ANNULE", etp=50.0),
        af(20, 2, mesure="FDI_DC", numero="FDI093130020", etp=7.0),
    ]
    one_person(ds, 1, 1, 10, 1, hours=(10.0,))
    one_person(ds, 2, 1, 11, 2, hours=(20.0,))
    one_person(ds, 3, 2, 20, 3, hours=(40.0,))
    ind, _, _ = run(ds, tmp_path)
    assert val(ind, "etp_conventionnes") == 12.0
    assert val(ind, "hours") == 10.0
    assert val(ind, "salaries") == 1.0
    assert val(ind, "structures") == 1.0


def test_annex_duplicated_by_rejection_motive_counts_once(tmp_path):
    ds = Dataset(Structure=[structure(1)])
    ds.AnnexeFinanciere += [
        af(10, 1, etp=12.0, motif="", avenant_id=101),
        af(10, 1, etp=12.0, motif="R01", avenant_id=101),
        # same annex, two modifications in force: the later end date wins, then the higher M
        af(11, 1, mesure="EI_DC", etp=4.0, fin="30/06/2013", modif=1, avenant_id=111),
        af(11, 1, mesure="EI_DC", etp=8.0, fin="31/12/2013", modif=0, avenant_id=110),
    ]
    one_person(ds, 1, 1, 10, 1, hours=(182.0,))
    ind, _, _ = run(ds, tmp_path)
    assert val(ind, "etp_conventionnes", type_siae="ACI") == 12.0
    assert val(ind, "etp_conventionnes", type_siae="EI") == 8.0  # 8 posts x 12 months / 12
    assert val(ind, "etp_realises") == pytest.approx(0.1)  # 182 h / 1820 h, counted once
    assert val(ind, "hours") == 182.0


def test_aci_mp_merged_into_aci(tmp_path):
    ds = Dataset(Structure=[structure(1), structure(2)])
    ds.AnnexeFinanciere += [
        af(10, 1, mesure="ACI_DC"),
        af(11, 1, mesure="ACI_MP"),
        af(20, 2, mesure="EI_MP", etp=3.0),
    ]
    one_person(ds, 1, 1, 11, 1)
    ind, _, _ = run(ds, tmp_path)
    assert val(ind, "structures", type_siae="ACI") == 1.0  # one SIAE (structure 1, ACI)
    assert val(ind, "structures", type_siae="EI") == 1.0
    assert val(ind, "structures") == 2.0
    assert val(ind, "salaries", type_siae="ACI") == 1.0
    assert val(ind, "etp_conventionnes", type_siae="EI") == 3.0


def test_malformed_annex_number_falls_back_to_the_structure_address(tmp_path):
    ds = Dataset(Structure=[structure(1, insee="75056"), structure(2, insee="93066")])
    ds.AnnexeFinanciere += [
        af(10, 1, numero="ACIX5130010"),  # malformed: département of 75056 -> 75
        af(20, 2, dep="093"),
    ]
    one_person(ds, 1, 1, 10, 1, hours=(50.0,))
    one_person(ds, 2, 2, 20, 2, hours=(70.0,))
    ind, q, _ = run(ds, tmp_path)
    assert val(ind, "hours", "75") == 50.0
    assert val(ind, "hours", "93") == 70.0
    assert val(ind, "structures", "75") == 1.0
    assert qual(q, "af_address_fallback", "75") == 1.0
    assert qual(q, "af_address_fallback", "93") == 0.0
    assert qual(q, "af_address_fallback", "r11") == 1.0
    assert qual(q, "af_without_departement") == 0.0


# ----------------------------------------------------------------------------- persons


def test_person_in_two_types_counts_once_in_each_and_once_in_total(tmp_path):
    ds = Dataset(Structure=[structure(1), structure(2)])
    ds.AnnexeFinanciere += [af(10, 1, mesure="ACI_DC"), af(20, 2, mesure="AI_DC", dep="092")]
    ds.Salarie += [salarie(1, nir(7), civ="MME"), salarie(2, nir(7), civ="MME")]
    ds.ContratMission += [contract(1, 1, 1), contract(2, 2, 2, mesure="AI_DC")]
    ds.EtatMensuelIndiv += [emi(1, 10, 1, 1, 2013, 1, 10.0), emi(2, 20, 2, 2, 2013, 2, 20.0)]
    one_person(ds, 3, 1, 10, 3)  # another ACI person, a man
    ind, _, _ = run(ds, tmp_path)
    assert val(ind, "salaries", type_siae="ACI") == 2.0
    assert val(ind, "salaries", type_siae="AI") == 1.0
    assert val(ind, "salaries") == 2.0  # distinct over all types
    assert val(ind, "salaries_share", type_siae="AI") == pytest.approx(1 / 3)
    assert val(ind, "salaries_share", type_siae="AI", what="denominator") == 3.0
    assert val(ind, "salaries", "93") == 2.0
    assert val(ind, "salaries", "92") == 1.0
    assert val(ind, "salaries", "r11") == 2.0  # not 3: the person is counted once
    assert val(ind, "public_share", breakdown="women") == 0.5
    assert val(ind, "public_share", type_siae="AI", breakdown="women") == 1.0


def test_persons_without_nir_are_structure_and_salarie_id_pairs(tmp_path):
    ds = Dataset(Structure=[structure(1), structure(2)])
    ds.AnnexeFinanciere += [af(10, 1), af(20, 2)]
    ds.Salarie += [salarie(1, None), salarie(2, None)]  # maybe one human, no NIR: two persons
    ds.ContratMission += [contract(1, 1, 1), contract(2, 2, 2)]
    ds.EtatMensuelIndiv += [
        emi(1, 10, 1, 1, 2013, 1, 10.0),
        emi(2, 20, 2, 2, 2013, 1, 10.0),
        emi(3, 10, 1, 1, 2013, 2, 10.0),
    ]
    ind, q, _ = run(ds, tmp_path)
    assert val(ind, "salaries") == 2.0
    assert qual(q, "persons_without_nir") == 2.0
    assert qual(q, "persons_without_nir", "93") == 2.0


# ----------------------------------------------------------------------------- EMI rows


def test_emi_version_duplicate_keeps_the_highest_version(tmp_path):
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    ds.Salarie.append(salarie(1, nir(1)))
    ds.ContratMission.append(contract(1, 1, 1))
    ds.EtatMensuelIndiv += [
        emi(1, 10, 1, 1, 2013, 3, 10.0, version=1),
        emi(2, 10, 1, 1, 2013, 3, 12.0, version=2),
        emi(3, 10, 1, 1, 2013, 4, 30.0, version=1),
        emi(4, 10, 1, 1, 2013, 4, 0.0, version=2),  # the correction removes April's hours
    ]
    ind, _, _ = run(ds, tmp_path)
    assert val(ind, "hours") == 12.0


def test_zero_hour_months_do_not_make_a_salarie(tmp_path):
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    one_person(ds, 1, 1, 10, 1, hours=(0.0, 0.0))
    one_person(ds, 2, 1, 10, 2, hours=(0.0, 35.0))
    ind, _, s = run(ds, tmp_path)
    assert val(ind, "salaries") == 1.0
    assert val(ind, "hours") == 35.0
    assert s["salaries"].tolist() == [1]


def test_missing_annual_hours_uses_the_type_default_and_is_reported(tmp_path):
    ds = Dataset(Structure=[structure(1), structure(2)])
    ds.AnnexeFinanciere += [
        af(10, 1, mesure="AI_DC", hours_etp=None),
        af(20, 2, mesure="EI_DC", hours_etp=0.0),
        af(30, 2, mesure="ETTI_DC", hours_etp=1600.0),
    ]
    one_person(ds, 1, 1, 10, 1, hours=(160.7,))
    one_person(ds, 2, 2, 20, 2, hours=(301.0,))
    one_person(ds, 3, 2, 30, 3, hours=(400.0,))
    ind, q, _ = run(ds, tmp_path)
    assert val(ind, "etp_realises", type_siae="AI") == pytest.approx(0.1)  # 160.7 / 1607
    assert val(ind, "etp_realises", type_siae="EI") == pytest.approx(0.2)  # 301 / 1505
    assert val(ind, "etp_realises", type_siae="ETTI") == pytest.approx(0.25)  # AF's own 1600
    assert val(ind, "etp_realises") == pytest.approx(0.55)
    assert qual(q, "etp_type_default", breakdown="etp") == pytest.approx(0.3)
    assert qual(q, "etp_type_default", breakdown="rows") == 2.0


# ----------------------------------------------------------------------------- offer


def test_etp_conventionnes_by_calendar_months_and_realisation_rate(tmp_path):
    ds = Dataset(Structure=[structure(1)])
    ds.AnnexeFinanciere += [af(10, 1, etp=12.0, debut="15/03/2013", fin="30/06/2014")]
    ds.Salarie.append(salarie(1, nir(1)))
    ds.ContratMission.append(contract(1, 1, 1))
    ds.EtatMensuelIndiv += [
        emi(1, 10, 1, 1, 2013, 5, 455.0),
        emi(3, 10, 1, 1, 2013, 6, 455.0),
        emi(2, 10, 1, 1, 2014, 2, 91.0),
    ]
    ind, _, _ = run(ds, tmp_path)
    assert val(ind, "etp_conventionnes") == 10.0  # 12 x 10 months (March-December) / 12
    assert val(ind, "etp_conventionnes", year=2014) == 6.0  # 12 x 6 / 12
    assert val(ind, "taux_realisation") == pytest.approx(0.5 / 10.0)  # 910 h / 1820 h
    assert val(ind, "taux_realisation", year=2014) == pytest.approx(0.05 / 6.0)
    assert val(ind, "taux_realisation", what="denominator") == 10.0
    assert math.isnan(val(ind, "taux_realisation", type_siae="AI"))


def test_annexes_starting_or_ending_within_a_month_are_counted(tmp_path):
    """Audit F8: a period 15/01/2013-14/01/2014 counts 12 + 1 months; such AF are reported."""
    ds = Dataset(Structure=[structure(1), structure(2), structure(3)])
    ds.AnnexeFinanciere += [
        af(10, 1, etp=12.0, debut="15/01/2013", fin="14/01/2014"),
        af(20, 2, etp=12.0, debut="01/03/2013", fin="31/05/2013"),  # whole months
        af(30, 3, etp=12.0, debut="01/02/2013", fin="28/02/2013"),  # whole February
    ]
    one_person(ds, 1, 1, 10, 1)
    one_person(ds, 2, 2, 20, 2)
    ds.EtatMensuelIndiv.append(emi(9, 10, 1, 1, 2014, 1, 5.0))
    ind, q, _ = run(ds, tmp_path)
    assert val(ind, "etp_conventionnes") == 12.0 + 3.0 + 1.0
    assert val(ind, "etp_conventionnes", year=2014) == 1.0
    assert qual(q, "af_partial_month") == 1.0
    assert qual(q, "af_partial_month", year=2014) == 1.0
    assert qual(q, "af_partial_month", "93") == 1.0


def test_structures_created_and_closed(tmp_path):
    ds = Dataset(Structure=[structure(1), structure(2), structure(3)])
    y12 = {"debut": "01/01/2012", "fin": "31/12/2012"}
    ds.AnnexeFinanciere += [
        af(10, 1, **y12),
        af(11, 1),  # structure 1: active both years
        af(20, 2, mesure="EI_DC"),  # structure 2: created in 2013
        af(30, 3, mesure="AI_DC", **y12),  # structure 3: closed in 2013
    ]
    ds.Salarie += [salarie(1, nir(1))]
    ds.ContratMission += [contract(1, 1, 1)]
    ds.EtatMensuelIndiv += [emi(1, 10, 1, 1, 2012, 1, 5.0), emi(2, 11, 1, 1, 2013, 1, 5.0)]
    ind, _, _ = run(ds, tmp_path)
    assert val(ind, "structures", year=2012) == 2.0
    assert val(ind, "structures") == 2.0
    assert val(ind, "structures_created") == 1.0
    assert val(ind, "structures_created", type_siae="EI") == 1.0
    assert val(ind, "structures_closed") == 1.0
    assert val(ind, "structures_closed", type_siae="AI") == 1.0
    assert val(ind, "structures_net") == 0.0
    assert math.isnan(val(ind, "structures_created", year=2012))  # 2011 not covered


# ----------------------------------------------------------------------------- publics


def test_renewed_contract_changes_the_characteristics_of_the_year(tmp_path):
    ds = Dataset(Structure=[structure(1)])
    ds.AnnexeFinanciere += [af(9, 1, debut="01/01/2012", fin="31/12/2012"), af(10, 1)]
    ds.Salarie += [salarie(1, nir(1), born="01/01/1987")]
    ds.ContratMission += [
        contract(1, 1, 1, hired="01/09/2012", rsa="NON", pe="4", edu="40"),
        contract(2, 1, 1, hired="01/03/2013", rsa="OUI-M", pe="3", edu="50", renewal=1),
    ]
    ds.EtatMensuelIndiv += [
        emi(1, 9, 1, 1, 2012, 10, 20.0),
        emi(2, 10, 1, 1, 2013, 1, 20.0),
        emi(3, 10, 1, 2, 2013, 4, 20.0),
    ]
    ind, _, _ = run(ds, tmp_path)
    assert val(ind, "public_share", year=2012, breakdown="rsa") == 0.0
    assert val(ind, "public_share", year=2012, breakdown="job_seeker_24m_plus") == 1.0
    assert val(ind, "public_share", year=2012, breakdown="under_26") == 1.0  # 2012 - 1987 = 25
    assert val(ind, "public_share", breakdown="rsa") == 1.0
    assert val(ind, "public_share", breakdown="job_seeker_24m_plus") == 0.0
    assert val(ind, "public_share", breakdown="low_qualification") == 1.0
    assert val(ind, "public_share", breakdown="under_26") == 0.0  # 2013 - 1987 = 26


def test_publics_flags_on_hand_computed_people(tmp_path):
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    people = [
        (1, dict(civ="MME", born="01/01/1963", qpv="QP"), dict(ass="true", edu="01")),
        (
            2,
            dict(civ="M.", born="01/01/1990", qpv="NQP"),
            dict(aah="TRUE", rqth="true", rsa="OUI-NM"),
        ),
        (3, dict(civ="MME", born="01/01/1970", qpv=None), dict(pe="4", edu="60")),
        (4, dict(civ="M.", born="01/01/1980", qpv="QP"), dict(edu="41")),
    ]
    for pph, skw, ckw in people:
        ds.Salarie.append(salarie(pph, nir(pph), **skw))
        ds.ContratMission.append(contract(pph, pph, 1, **ckw))
        ds.EtatMensuelIndiv.append(emi(pph, 10, pph, pph, 2013, 1, 10.0))
    ind, q, _ = run(ds, tmp_path)
    expected = {
        "women": 0.5,
        "age_50_plus": 0.25,
        "under_26": 0.25,
        "ass": 0.25,
        "aah": 0.25,
        "rqth": 0.25,
        "rsa": 0.25,
        "job_seeker_24m_plus": 0.25,
        "low_qualification": 0.5,
    }
    for key, share in expected.items():
        assert val(ind, "public_share", breakdown=key) == pytest.approx(share), key
    # unknown QPV status: excluded from the denominator and reported
    assert val(ind, "public_share", breakdown="qpv") == pytest.approx(2 / 3)
    assert val(ind, "public_share", breakdown="qpv", what="denominator") == 3.0
    assert qual(q, "public_unknown_value", breakdown="qpv") == 1.0
    assert qual(q, "public_unknown_value", "93", breakdown="qpv") == 1.0
    assert qual(q, "public_unknown_value", breakdown="women") == 0.0
    assert qual(q, "persons_without_contract") == 0.0
    # qpv_all: over all salariés, the unknown status included
    assert val(ind, "public_share", breakdown="qpv_all") == pytest.approx(2 / 4)


# ----------------------------------------------------------------------------- territories


def test_departement_outside_the_region_corsica_and_overseas(tmp_path):
    ds = Dataset(Structure=[structure(1), structure(2), structure(3), structure(4)])
    ds.AnnexeFinanciere += [
        af(10, 1, dep="093"),
        af(20, 2, dep="060"),  # Oise (region 32) although the structure is in 93
        af(30, 3, mesure="ETTI_DC", dep="02A"),
        af(40, 4, dep="971"),
    ]
    for i, afi in enumerate((10, 20, 30, 40), start=1):
        one_person(ds, i, i, afi, i, hours=(10.0 * i,))
    ind, _, s = run(ds, tmp_path)
    deps = set(ind.loc[ind["territory_level"] == "dep", "territory_code"])
    regs = set(ind.loc[ind["territory_level"] == "region", "territory_code"])
    assert deps == {"93", "60", "2A", "971"}
    assert regs == {"11", "32", "94", "01"}
    assert val(ind, "hours", "60") == 20.0
    assert val(ind, "hours", "r32") == 20.0
    assert val(ind, "hours", "r11") == 10.0
    assert val(ind, "hours", "2A", type_siae="ETTI") == 30.0
    assert val(ind, "hours", "r94") == 30.0
    assert val(ind, "hours", "971") == 40.0
    assert val(ind, "hours", "r01") == 40.0
    assert val(ind, "hours") == 100.0
    assert sorted(s["code_departement"]) == ["2A", "60", "93", "971"]


# ----------------------------------------------------------------------------- sectors


def test_hours_by_sector_longest_prefix_and_unknown_rome(tmp_path):
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    romes = [
        ("A1203", 10.0),
        ("A1101", 20.0),
        ("K2204", 30.0),
        ("K2304", 5.0),
        ("F1701", 40.0),
        (None, 7.0),
        ("XYZ", 3.0),
        ("M1607", 1.0),
    ]
    for i, (rome, h) in enumerate(romes, start=1):
        one_person(ds, i, 1, 10, i, hours=(h,), rome=rome)
    ds.EtatMensuelIndiv.append(emi(999, 10, 1, None, 2013, 5, 4.0))  # no contract
    ind, q, _ = run(ds, tmp_path)
    expect = {
        "espaces_verts": 10,
        "agriculture": 20,
        "nettoyage_hors_sap": 30,
        "collecte_tri_recyclage": 5,
        "batiment_tp": 40,
        "non_renseigne": 14,
        "autres": 1,
        "transport_logistique": 0,
    }
    for code, h in expect.items():
        assert val(ind, "hours_by_sector", breakdown=code) == h, code
    assert val(ind, "hours") == 120.0
    assert val(ind, "hours_share_by_sector", breakdown="batiment_tp") == pytest.approx(40 / 120)
    assert qual(q, "unknown_rome", breakdown="hours") == 14.0
    assert qual(q, "unknown_rome", breakdown="rows") == 3.0


def test_sector_reference_can_be_overridden(tmp_path, monkeypatch):
    alt = tmp_path / "alt.csv"
    alt.write_text(
        "# all of F goes to autres\nrome_prefix,sector_code,note\n"
        "F17,autres,test\nF,industrie,test\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("IAE_DIAG_ROME_SECTORS", str(alt))
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    one_person(ds, 1, 1, 10, 1, hours=(10.0,), rome="F1701")
    one_person(ds, 2, 1, 10, 2, hours=(5.0,), rome="F1602")
    one_person(ds, 3, 1, 10, 3, hours=(2.0,), rome="K1304")  # not in the file: autres
    ind, _, _ = run(ds, tmp_path)
    assert val(ind, "hours_by_sector", breakdown="autres") == 12.0
    assert val(ind, "hours_by_sector", breakdown="industrie") == 5.0
    assert val(ind, "hours_by_sector", breakdown="batiment_tp") == 0.0


# ----------------------------------------------------------------------------- coverage


def test_population_coverage_for_departements_and_regions(tmp_path):
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    one_person(ds, 1, 1, 10, 1, hours=(182.0,) * 10)
    pop = pd.DataFrame(
        {
            "code_departement": ["75", "77", "78", "91", "92", "93", "94", "95"],
            "population": [2e6, 1e6, 1e6, 1e6, 1e6, 1.5e6, 1e6, 0.5e6],
        }
    )
    ind, _, _ = run(ds, tmp_path, population=pop)
    assert val(ind, "etp_per_10000_inhabitants", "93") == pytest.approx(1 / 1.5e6 * 1e4)
    assert val(ind, "salaries_per_10000_inhabitants", "r11") == pytest.approx(1 / 9e6 * 1e4)
    assert not (
        ind["indicator"].eq("etp_per_10000_inhabitants") & ind["territory_level"].eq("france")
    ).any()
    assert not (
        ind["indicator"].eq("etp_per_10000_inhabitants") & ind["type_siae"].ne("ALL")
    ).any()
    no_pop, _, _ = run(ds, tmp_path / "again")
    assert not no_pop["indicator"].str.endswith("inhabitants").any()
    assert np.isfinite(val(ind, "etp_per_10000_inhabitants", "93"))


def test_annex_without_any_departement_counts_for_france_only(tmp_path):
    ds = Dataset(Structure=[structure(1, insee=""), structure(2)])
    ds.AnnexeFinanciere += [af(10, 1, numero="ACI"), af(20, 2)]
    one_person(ds, 1, 1, 10, 1, hours=(30.0,))
    one_person(ds, 2, 2, 20, 2, hours=(20.0,))
    ind, q, _ = run(ds, tmp_path)
    assert val(ind, "hours") == 50.0
    assert val(ind, "hours", "r11") == 20.0
    assert val(ind, "structures") == 2.0 and val(ind, "structures", "93") == 1.0
    assert qual(q, "af_without_departement") == 1.0

"""Flows and exits (definitions v2, "Flows" and "Parcours and exits"), through real-format
fluxIAE files and the ingest, against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iae_diag.indicators import build_tables
from indicators_helpers import Dataset, af, contract, emi, nir, processed, salarie, structure

CATEGORIES = [
    {"rcs_id": "1", "rcs_code": "1", "rcs_libelle": "Emploi durable"},
    {"rcs_id": "2", "rcs_code": "2", "rcs_libelle": "EMPLOI DE TRANSITION"},
    {"rcs_id": "3", "rcs_code": "3", "rcs_libelle": "Sorties positives"},
    {"rcs_id": "4", "rcs_code": "4", "rcs_libelle": "Autres sorties"},
    {"rcs_id": "5", "rcs_code": "5", "rcs_libelle": "Retrait des sorties constatées"},
]
MOTIFS = [
    {"rms_id": "10", "rms_code": "A", "rms_libelle": "Embauche en CDI", "rcs_id": "1"},
    {"rms_id": "20", "rms_code": "B", "rms_libelle": "CDD de moins de 6 mois", "rcs_id": "2"},
    {"rms_id": "30", "rms_code": "C", "rms_libelle": "Formation qualifiante", "rcs_id": "3"},
    {"rms_id": "40", "rms_code": "D", "rms_libelle": "Au chômage", "rcs_id": "4"},
    {"rms_id": "50", "rms_code": "E", "rms_libelle": "Décès", "rcs_id": "5"},
    {"rms_id": "99", "rms_code": "F", "rms_libelle": "Catégorie absente", "rcs_id": "8"},
]
M = 30.4375  # days in a month


def value(ind, indicator, code="FR", type_siae="ALL", year=2013, breakdown=""):
    level = {"FR": "france", "11": "region"}.get(code, "dep")
    sel = ind[
        (ind["indicator"] == indicator)
        & (ind["territory_level"] == level)
        & (ind["territory_code"] == code)
        & (ind["year"] == year)
        & (ind["type_siae"] == type_siae)
        & (ind["breakdown"] == breakdown)
    ]
    assert len(sel) == 1, (indicator, code, type_siae, year, breakdown)
    return sel.iloc[0]


def check(quality, check_name, breakdown="", code="FR", year=2013):
    level = {"FR": "france", "11": "region"}.get(code, "dep")
    sel = quality[
        (quality["check"] == check_name)
        & (quality["breakdown"] == breakdown)
        & (quality["territory_level"] == level)
        & (quality["territory_code"] == code)
        & (quality["year"] == year)
    ]
    assert len(sel) == 1, (check_name, breakdown, code, year)
    return sel.iloc[0]["value"]


# ------------------------------------------------------------------ the ASP rule


def rule_dataset(with_refs: bool = True) -> Dataset:
    """One exit per person; S1 ACI, S2 AI, S4 EI in the 93, S3 ETTI in the 75."""
    ds = Dataset()
    ds.Structure += [structure(1), structure(2), structure(3, "75056"), structure(4)]
    ds.AnnexeFinanciere += [
        af(1, 1, "ACI_DC"),
        af(2, 2, "AI_DC"),
        af(3, 3, "ETTI_DC", dep="075"),
        af(4, 4, "EI_DC"),
    ]
    # (pph, structure, af, mesure, hired, ended, contract motif, EMI rows (month, hours, motif))
    people = [
        (1, 1, 1, "ACI_DC", "01/01/2013", "01/04/2013", "10", [(1, 10.0, None)]),  # 90 days
        (2, 1, 1, "ACI_DC", "01/01/2013", "02/04/2013", "10", [(1, 1.0, None)]),  # 91 days, 1 h
        (3, 1, 1, "ACI_DC", "01/01/2013", "01/07/2013", "10", [(1, 0.0, None)]),  # 0 h
        (4, 2, 2, "AI_DC", "01/03/2013", "15/03/2013", "20", [(3, 149.0, None)]),
        (5, 2, 2, "AI_DC", "01/03/2013", "15/03/2013", "20", [(3, 150.0, None)]),
        (6, 3, 3, "ETTI_DC", "01/03/2013", "15/03/2013", "30", [(3, 149.0, None)]),
        (7, 3, 3, "ETTI_DC", "01/03/2013", "15/03/2013", "30", [(3, 150.0, None)]),
        (8, 4, 4, "EI_DC", "01/01/2013", "30/06/2013", "50", [(1, 300.0, None)]),  # retrait
        (9, 4, 4, "EI_DC", "01/01/2013", "30/06/2013", "99", [(1, 300.0, None)]),  # not in refs
        (10, 4, 4, "EI_DC", "01/01/2013", "30/06/2013", None, [(1, 300.0, None)]),  # no motif
        # no motif on the contract: the latest EMI row carrying one (May, 10) gives it
        (
            11,
            4,
            4,
            "EI_DC",
            "01/01/2013",
            "30/06/2013",
            None,
            [(2, 100.0, "40"), (5, 100.0, "10"), (6, 10.0, None)],
        ),  # fmt: skip
        (12, 1, 1, "ACI_DC", "01/01/2013", None, None, [(1, 35.0, None)]),  # still running
    ]
    dsm = 1
    for pph, sid, afi, mesure, hired, ended, motif, rows in people:
        ds.Salarie.append(salarie(pph, nir(pph)))
        ds.ContratMission.append(
            contract(pph, pph, sid, mesure, hired=hired, ended=ended, motif=motif)
        )
        for month, hours, emi_motif in rows:
            ds.EtatMensuelIndiv.append(
                emi(dsm, afi, pph, pph, 2013, month, hours, motif=emi_motif)
            )
            dsm += 1
    if with_refs:
        ds.RefCategorieSort, ds.RefMotifSort = CATEGORIES, MOTIFS
    return ds


@pytest.fixture(scope="module")
def rule_tables(tmp_path_factory):
    return build_tables(processed(rule_dataset(), tmp_path_factory.mktemp("rule")))


@pytest.mark.parametrize(
    ("type_siae", "sortants", "examinees"),
    # ACI: 90 days out, 91 days and 1 hour in, 0 hour out; AI and ETTI: 149 h out, 150 h in;
    # EI: retrait, unknown motif and no motif out, motif from the EMI rows in
    [("ACI", 3, 1), ("AI", 2, 1), ("ETTI", 2, 1), ("EI", 4, 1), ("EITI", 0, 0), ("ALL", 11, 4)],
)
def test_sortants_and_the_asp_rule_at_its_boundaries(rule_tables, type_siae, sortants, examinees):
    ind, _, _ = rule_tables
    assert value(ind, "sortants", type_siae=type_siae)["value"] == sortants
    assert value(ind, "sorties_examinees", type_siae=type_siae)["value"] == examinees


def test_exits_by_category_rates_and_lengths(rule_tables):
    ind, _, _ = rule_tables
    by_cat = {
        "emploi_durable": 4,  # persons 1, 2, 3 and 11 (its motif from the EMI row of May)
        "emploi_transition": 2,
        "sorties_positives": 2,
        "autres_sorties": 0,
        "retrait": 1,
        "inconnue": 2,
    }
    for cat, n in by_cat.items():
        assert value(ind, "exits_by_category", breakdown=cat)["value"] == n, cat
    # examined: 2 (ACI, durable), 5 (AI, transition), 7 (ETTI, positives), 11 (EI, durable)
    rates = {
        "emploi_durable": 2,
        "emploi_transition": 1,
        "sorties_positives": 1,
        "autres_sorties": 0,
        "sorties_dynamiques": 4,
    }
    for key, n in rates.items():
        row = value(ind, "exit_rate", breakdown=key)
        assert (row["numerator"], row["denominator"]) == (n, 4), key
        assert row["value"] == pytest.approx(n / 4)
    assert value(ind, "exit_rate", type_siae="AI", breakdown="emploi_transition")["value"] == 1
    assert np.isnan(value(ind, "exit_rate", type_siae="EITI", breakdown="emploi_durable")["value"])
    # lengths of the examined: 91, 14, 14 and 180 days
    mean = value(ind, "duree_parcours_mois_mean")["value"]
    assert mean == pytest.approx((91 + 14 + 14 + 180) / 4 / M)
    assert value(ind, "duree_parcours_mois_median")["value"] == pytest.approx((14 + 91) / 2 / M)
    assert value(ind, "duree_parcours_mois_mean", type_siae="ACI")["value"] == pytest.approx(
        91 / M
    )
    assert np.isnan(value(ind, "duree_parcours_mois_mean", type_siae="EITI")["value"])
    # the ETTI exits are in the 75, the others in the 93
    assert value(ind, "sortants", code="75")["value"] == 2
    assert value(ind, "sortants", code="93")["value"] == 9
    assert value(ind, "sorties_examinees", code="11")["value"] == 4


def test_unknown_categories_and_fallbacks_in_the_quality_table(rule_tables):
    _, quality, _ = rule_tables
    assert check(quality, "exit_category_unknown", "motif_not_in_reference") == 1  # person 9
    assert check(quality, "exit_category_unknown", "no_motif") == 1  # person 10
    assert check(quality, "exit_category_unknown", "reference_tables_absent") == 0
    assert check(quality, "exit_motif_from_emi") == 1  # person 11
    # person 3 has no counted EMI row (0 hours): placed by the address of S1 (93066)
    assert check(quality, "parcours_address_fallback") == 1
    assert check(quality, "parcours_address_fallback", code="93") == 1
    assert check(quality, "contract_address_fallback", code="93") == 1


def test_reference_tables_absent_every_exit_is_unknown_and_rates_are_null(tmp_path):
    ind, quality, _ = build_tables(processed(rule_dataset(with_refs=False), tmp_path))
    assert value(ind, "sortants")["value"] == 11
    assert value(ind, "exits_by_category", breakdown="inconnue")["value"] == 11
    assert value(ind, "exits_by_category", breakdown="emploi_durable")["value"] == 0
    assert value(ind, "sorties_examinees")["value"] == 0
    for key in ("emploi_durable", "sorties_dynamiques"):
        row = value(ind, "exit_rate", breakdown=key)
        assert np.isnan(row["value"]) and row["denominator"] == 0
    assert np.isnan(value(ind, "duree_parcours_mois_median")["value"])
    assert check(quality, "exit_category_unknown", "reference_tables_absent") == 11
    assert check(quality, "exit_category_unknown", "no_motif") == 0


# ------------------------------------------------------------------ flows and parcours


def flow_dataset() -> Dataset:
    """S1 (ACI): AF 11 in the 93 for 2012, AF 12 in the 92 for 2013; S2 (AI): AF 21 in the 93
    for 2012-2013. Person A (woman born 1990): one ACI parcours from October 2012 to June 2013
    over the two AF, renewed in April 2013. Person B (man born 1960): two AI parcours in 2013,
    then hired by S1 in December 2013 (RSA on that contract). Person C: an ACI renewal with no
    initial contract, running."""
    ds = Dataset(RefCategorieSort=CATEGORIES, RefMotifSort=MOTIFS)
    ds.Structure += [structure(1), structure(2)]
    a11 = af(11, 1, "ACI_DC", debut="01/01/2012", fin="31/12/2012")
    a12 = af(12, 1, "ACI_DC", dep="092", etp=10.0)
    a21 = af(21, 2, "AI_DC", debut="01/01/2012", etp=30.0)
    a11["af_taux_prev_sorties_dynamiques"] = None
    a12["af_taux_prev_sorties_dynamiques"] = 60
    a21["af_taux_prev_sorties_dynamiques"] = 40
    ds.AnnexeFinanciere += [a11, a12, a21]
    ds.Salarie += [
        salarie(1, nir(1), civ="MME", born="01/01/1990"),
        salarie(2, nir(2, woman=False), civ="M.", born="01/01/1960"),
        salarie(4, nir(2, woman=False), civ="M.", born="01/01/1960"),  # B in S1
        salarie(3, nir(3)),
    ]
    ds.ContratMission += [
        contract(101, 1, 1, "ACI_DC", hired="01/10/2012"),
        contract(102, 1, 1, "ACI_DC", hired="01/04/2013", renewal=1, ended="30/06/2013",
                 motif="10"),
        contract(201, 2, 2, "AI_DC", hired="07/01/2013", ended="28/02/2013", motif="20"),
        contract(202, 2, 2, "AI_DC", hired="01/04/2013", ended="31/05/2013", motif="30"),
        contract(301, 4, 1, "ACI_DC", hired="01/12/2013", rsa="OUI-M"),
        contract(401, 3, 1, "ACI_DC", hired="01/02/2013", renewal=2),
    ]  # fmt: skip
    rows = [(11, 1, 101, 2012, m, 50.0) for m in (10, 11, 12)]
    rows += [(12, 1, 101, 2013, m, 50.0) for m in (1, 2, 3)]
    rows += [(12, 1, 102, 2013, m, 50.0) for m in (4, 5, 6)]
    rows += [(21, 2, 201, 2013, m, 80.0) for m in (1, 2)]
    rows += [(21, 2, 202, 2013, m, 100.0) for m in (4, 5)]
    rows += [(12, 4, 301, 2013, 12, 20.0)]
    rows += [(12, 3, 401, 2013, m, 100.0) for m in range(2, 13)]
    for dsm, (afi, pph, ctr, year, month, hours) in enumerate(rows, start=1):
        ds.EtatMensuelIndiv.append(emi(dsm, afi, pph, ctr, year, month, hours))
    return ds


@pytest.fixture(scope="module")
def flow_tables(tmp_path_factory):
    return build_tables(processed(flow_dataset(), tmp_path_factory.mktemp("flows")))


@pytest.mark.parametrize(
    ("indicator", "type_siae", "year", "expected"),
    [
        ("embauches", "ACI", 2012, 1),  # 101
        ("embauches", "ACI", 2013, 1),  # 301 (102 and 401 are renewals)
        ("embauches", "AI", 2013, 2),  # 201, 202
        ("embauches", "ALL", 2013, 3),
        ("entrants", "ACI", 2013, 1),
        ("entrants", "AI", 2013, 1),  # B twice hired: one person
        ("entrants", "ALL", 2013, 1),  # B in two types: once in the total
        ("entrants", "ALL", 2012, 1),
        ("renouvellements", "ACI", 2013, 2),  # 102, 401
        ("renouvellements", "ALL", 2012, 0),
        # persons by month of 2013: 2 3 2 3 3 2 1 1 1 1 1 2 (ACI 1 2 2 2 2 2 1 1 1 1 1 2)
        ("salaries_moyenne_mensuelle", "ALL", 2013, 22 / 12),
        ("salaries_moyenne_mensuelle", "ACI", 2013, 18 / 12),
        ("salaries_moyenne_mensuelle", "AI", 2013, 4 / 12),
        ("salaries_moyenne_mensuelle", "ALL", 2012, 3 / 12),
        ("presents_fin_annee", "ALL", 2013, 2),  # C and B in December
        ("presents_fin_annee", "AI", 2013, 0),
        ("presents_fin_annee", "ALL", 2012, 1),  # A
        # a person with two parcours ending in one year counts twice
        ("sortants", "AI", 2013, 2),
        ("sortants", "ALL", 2013, 3),
        ("sorties_examinees", "AI", 2013, 2),  # 160 and 200 hours
        ("sortants", "ALL", 2012, 0),
    ],
)
def test_flows_france(flow_tables, indicator, type_siae, year, expected):
    ind, _, _ = flow_tables
    assert value(ind, indicator, type_siae=type_siae, year=year)["value"] == pytest.approx(
        expected
    )


def test_parcours_across_two_years_and_two_af_takes_the_last_rows_departement(flow_tables):
    ind, quality, _ = flow_tables
    # A's parcours: 01/10/2012 - 30/06/2013 (272 days), last counted rows on AF 12 (92)
    assert value(ind, "sortants", code="92", type_siae="ACI")["value"] == 1
    assert value(ind, "sortants", code="93", type_siae="ACI")["value"] == 0
    assert value(ind, "exits_by_category", code="92", breakdown="emploi_durable")["value"] == 1
    mean = value(ind, "duree_parcours_mois_mean", code="92", type_siae="ACI")["value"]
    assert mean == pytest.approx(272 / M)
    # B's two AI parcours (52 and 60 days) in the 93
    assert value(ind, "sortants", code="93", type_siae="AI")["value"] == 2
    median = value(ind, "duree_parcours_mois_median", code="93", type_siae="AI")["value"]
    assert median == pytest.approx(56 / M)
    assert value(ind, "duree_parcours_mois_median")["value"] == pytest.approx(60 / M)
    # the hiring of 2012 is in the 93 (first counted row, AF 11), the renewal 102 in the 92
    assert value(ind, "embauches", code="93", type_siae="ACI", year=2012)["value"] == 1
    assert value(ind, "renouvellements", code="92", type_siae="ACI")["value"] == 2
    # rates: one exit in each of durable, transition, positives
    for key, n in (("emploi_durable", 1), ("emploi_transition", 1), ("sorties_dynamiques", 3)):
        row = value(ind, "exit_rate", code="11", breakdown=key)
        assert (row["numerator"], row["denominator"]) == (n, 3)
    # C's renewal starts a parcours (2013, in the 92)
    assert check(quality, "renewal_without_initial", code="92") == 1
    assert check(quality, "renewal_without_initial") == 1
    assert check(quality, "renewal_without_initial", year=2012) == 0


def test_entrants_are_distinct_over_departements_and_types(flow_tables):
    ind, _, _ = flow_tables
    # B is hired in the 93 (AI) and in the 92 (ACI): once in each, once in region and France
    assert value(ind, "entrants", code="93")["value"] == 1
    assert value(ind, "entrants", code="92")["value"] == 1
    assert value(ind, "entrants", code="11")["value"] == 1


def test_publics_of_the_entrants_from_their_hiring_contract(flow_tables):
    ind, _, _ = flow_tables
    # 2012: A, a woman of 22
    for key, share in (("women", 1.0), ("under_26", 1.0), ("age_50_plus", 0.0)):
        row = value(ind, "public_share_entrants", year=2012, breakdown=key)
        assert (row["value"], row["numerator"], row["denominator"]) == (share, share, 1)
    # 2013: B, 53, RSA on his latest hiring contract of the year (301), for every type
    for type_siae in ("ALL", "AI", "ACI"):
        row = value(ind, "public_share_entrants", type_siae=type_siae, breakdown="rsa")
        assert (row["value"], row["denominator"]) == (1.0, 1), type_siae
    assert value(ind, "public_share_entrants", breakdown="age_50_plus")["value"] == 1.0
    assert value(ind, "public_share_entrants", breakdown="women")["value"] == 0.0
    assert math.isnan(
        value(ind, "public_share_entrants", type_siae="EI", breakdown="rsa")["value"]
    )


def test_af_objectives_weighted_by_their_positions(flow_tables):
    ind, _, _ = flow_tables
    # 2013: AF 12 (60 %, 10 positions) and AF 21 (40 %, 30 positions)
    row = value(ind, "exit_rate_objective", breakdown="sorties_dynamiques")
    assert row["value"] == pytest.approx((0.6 * 10 + 0.4 * 30) / 40)
    assert row["denominator"] == 40
    assert value(ind, "exit_rate_objective", type_siae="ACI", breakdown="sorties_dynamiques")[
        "value"
    ] == pytest.approx(0.6)
    # 2012: AF 11 has no objective, only AF 21 counts
    assert value(ind, "exit_rate_objective", year=2012, breakdown="sorties_dynamiques")[
        "value"
    ] == pytest.approx(0.4)
    # only the objective columns the AF carry are published
    assert set(ind.loc[ind["indicator"] == "exit_rate_objective", "breakdown"]) == {
        "sorties_dynamiques"
    }


# ------------------------------------------------------------------ bad inputs


def test_bad_contracts_are_counted_not_lost(tmp_path):
    """A contract of an unknown mesure, one of unknown kind, one without hiring date and a
    parcours ending before it starts: each left out of a figure is in the quality table."""
    ds = Dataset(RefCategorieSort=CATEGORIES, RefMotifSort=MOTIFS)
    ds.Structure += [structure(1)]
    ds.AnnexeFinanciere += [af(1, 1, "AI_DC")]
    ds.Salarie += [salarie(p, nir(p)) for p in (1, 2, 3, 4, 5)]
    ds.ContratMission += [
        contract(1, 1, 1, "AI_DC", hired="01/02/2013"),  # a good one
        contract(2, 2, 1, "XYZ_DC", hired="01/02/2013"),  # unknown mesure
        contract(3, 3, 1, "AI_DC", hired="01/02/2013", renewal=None),  # unknown kind
        contract(4, 4, 1, "AI_DC", hired=None),  # no hiring date
        contract(5, 5, 1, "AI_DC", hired="01/06/2013", ended="01/05/2013", motif="10"),
    ]
    ds.EtatMensuelIndiv += [emi(p, 1, p, p, 2013, 3, 200.0) for p in (1, 2, 3, 4)]
    ind, quality, _ = build_tables(processed(ds, tmp_path))
    assert value(ind, "embauches")["value"] == 2  # contracts 1 and 5
    assert value(ind, "renouvellements")["value"] == 0
    assert check(quality, "contract_unknown_type", "mesure") == 1
    assert check(quality, "contract_unknown_type", "type_contrat") == 1
    assert check(quality, "contract_without_hiring_date") == 1
    # contract 5: no counted EMI row (address of the structure), ends before it starts
    assert value(ind, "sortants")["value"] == 1
    assert value(ind, "exits_by_category", breakdown="emploi_durable")["value"] == 1
    assert value(ind, "sorties_examinees")["value"] == 0
    assert check(quality, "parcours_end_before_start") == 1
    assert check(quality, "parcours_address_fallback") == 1
    assert check(quality, "contract_address_fallback") == 1
    # the monthly average still counts the four persons of March
    assert value(ind, "salaries_moyenne_mensuelle")["value"] == pytest.approx(4 / 12)


def test_contracts_without_emi_rows_are_placed_by_their_structures_commune(tmp_path):
    """A parcours without a counted EMI row takes the département of its structure's
    administrative address, coded once per structure: Saint-Denis (93) and Paris (75, in the
    region only: no AF there); a contract of a structure absent from the Structure file has
    no département (France only)."""
    ds = Dataset(RefCategorieSort=CATEGORIES, RefMotifSort=MOTIFS)
    ds.Structure += [structure(1, "93066"), structure(2, "75056"), structure(3, "93066")]
    ds.AnnexeFinanciere += [af(1, 1, "AI_DC")]
    ds.Salarie += [salarie(p, nir(p)) for p in (1, 2, 3, 4, 5)]
    ds.ContratMission += [
        contract(p, p, s, "AI_DC", hired="01/02/2013", ended="01/05/2013", motif="10")
        for p, s in ((1, 1), (2, 2), (3, 3), (4, 9))
    ]
    ds.ContratMission.append(contract(5, 5, 1, "AI_DC", hired="01/01/2013"))  # still working
    ds.EtatMensuelIndiv.append(emi(5, 1, 5, 5, 2013, 3, 100.0))
    ind, quality, _ = build_tables(processed(ds, tmp_path))
    assert value(ind, "sortants", code="93")["value"] == 2  # structures 1 and 3
    # Paris has no AF (no département slot), but its parcours is in the region: 93 + 75
    assert value(ind, "sortants", code="11")["value"] == 3
    assert value(ind, "sortants")["value"] == 4  # France: the one of structure 9 too
    assert check(quality, "parcours_address_fallback") == 4


def test_contract_activity_once_read_by_the_flows_takes_no_more_rows():
    """ContractActivity.release_read frees the months and motifs the flows have read; adding
    rows afterwards fails loudly instead of filling arrays that are gone."""
    from iae_diag.indicators.flows import ContractActivity, EmiActivity

    act = ContractActivity(np.array([7, 9]), n_dep_slots=3)
    rows = EmiActivity(
        years=np.array([2013]),
        ctr_id=np.array([9, 9]),
        ctr_pos=np.array([1, 1]),
        person_year=np.array([0, 0]),
        year_i=np.array([0, 0]),
        month=np.array([3, 5]),
        dep_i=np.array([2, 1]),
        type_i=np.array([0, 0]),
        hours=np.array([10.0, 2.5]),
        motif_code=np.zeros(0, dtype=np.int64),
        motif_values=(),
    )
    act.add(rows)
    assert act.hours.tolist() == [0.0, 12.5]
    # (2013 x 12 + month - 1) x 3 slots + département slot
    assert act.first_key.tolist() == [np.iinfo(np.int32).max, (2013 * 12 + 2) * 3 + 2]
    assert act.last_key.tolist() == [-1, (2013 * 12 + 4) * 3 + 1]
    act.release_read()
    assert act.first_key is None and act.motif_month is None and act.motif_code is None
    assert act.hours.tolist() == [0.0, 12.5]  # what the flows keep reading stays
    with pytest.raises(RuntimeError, match="after release_read"):
        act.add(rows)

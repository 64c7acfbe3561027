"""Statistical secrecy (iae_diag.secrecy): primary and secondary suppression on a real-format
fixture built to be hard (through the real ingest and indicators), and the recovery audit on
every key-figures document of a publique run."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from tests.indicators_helpers import (
    Dataset,
    af,
    contract,
    emi,
    nir,
    processed,
    salarie,
    structure,
)

from iae_diag import secrecy
from iae_diag.figures import folder_decision, key_figures
from iae_diag.indicators import build_tables, load_indicators, write_tables
from iae_diag.secrecy.audit import audit
from iae_diag.territories import Territory

TERRITORIES = [Territory("region", "11"), Territory("dep", "75"), Territory("dep", "93")]
TERRITORIES.append(Territory("dep", "94"))
#: persons living in a QPV (numbered in the order of the sites below): the woman of dep 94 (12)
QPV_RESIDENTS = {1, 5, 12, 14, 18, 22, 24}


def hard_dataset() -> Dataset:
    """2013. Dep 93: 3 ACI (10 salariés, 2 women, none on RSA; ACI 3 alone in cleaning, a
    sector with one structure) and 1 EITI with 1 salariée, a woman on RSA. Dep 94: 1 AI with 2
    salariés (a woman on RSA living in a QPV, a man). Dep 75: 3 EI with 12 salariés (6 women, 3
    on RSA). Every QPV status is known (no person out of the QPV denominator)."""
    ds = Dataset()
    sites = [  # sid, mesure, dep, insee, persons: (woman, rsa, rome)
        (1, "ACI_DC", "093", "93066", [(True, False, "F1701")] + [(False, False, "F1701")] * 3),
        (2, "ACI_DC", "093", "93066", [(True, False, "F1701")] + [(False, False, "F1701")] * 2),
        (3, "ACI_DC", "093", "93008", [(False, False, "K2204")] * 3),
        (4, "EITI_DC", "093", "93008", [(True, True, "F1701")]),
        (5, "AI_DC", "094", "94028", [(True, True, "K1304"), (False, False, "K1304")]),
        (6, "EI_DC", "075", "75056", [(True, True, "F1701"), (False, False, "F1701")] * 2),
        (7, "EI_DC", "075", "75056", [(True, False, "F1701"), (False, False, "F1701")] * 2),
        (8, "EI_DC", "075", "75056", [(True, True, "F1701"), (False, False, "F1701")] * 2),
    ]
    pph = 0
    for sid, mesure, dep, insee, persons in sites:
        ds.Structure.append(structure(sid, insee=insee))
        ds.AnnexeFinanciere.append(af(sid * 10, sid, mesure=mesure, dep=dep, etp=4.0))
        for i, (woman, rsa, rome) in enumerate(persons):
            pph += 1
            qpv = "QP" if pph in QPV_RESIDENTS else "NQP"
            ds.Salarie.append(
                salarie(pph, nir(pph, woman), civ="MME" if woman else "M.", qpv=qpv, insee=insee)
            )
            ds.ContratMission.append(
                contract(pph, pph, sid, mesure=mesure, rome=rome, rsa="OUI-M" if rsa else "NON")
            )
            for m in range(1, 4 + i % 3):
                ds.EtatMensuelIndiv.append(
                    emi(pph * 100 + m, sid * 10, pph, pph, 2013, m, 100.0 + 7 * sid + i)
                )
    return ds


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hard")
    processed(hard_dataset(), tmp)
    write_tables(tmp / "processed")
    return tmp / "processed"


def documents(proc, decision):
    ind = load_indicators(proc)
    return [key_figures(ind, t, 2013, decision) for t in TERRITORIES]


def test_primary_cells_of_the_hard_fixture(hard):
    d = folder_decision(hard)
    hid = d.hidden
    # one person in a type, two départements with 1 and 2 salariés... all primary
    assert hid[("salaries", "dep", "93", 2013, "EITI", "")] == "primary"
    assert hid[("public_share", "dep", "93", 2013, "EITI", "women")] == "primary"
    assert hid[("salaries", "dep", "94", 2013, "ALL", "")] == "primary"
    # a single SIAE of a type (EITI, AI in 94) and a sector with one structure (cleaning)
    assert hid[("etp_realises", "dep", "93", 2013, "EITI", "")] == "primary"
    assert hid[("hours", "dep", "94", 2013, "ALL", "")] == "primary"
    assert hid[("hours_by_sector", "dep", "93", 2013, "ACI", "nettoyage_hors_sap")] == "primary"
    # 3 ACI with comparable hours: not primary (secondary: the other type of 93 beside EITI)
    assert hid[("hours", "dep", "93", 2013, "ACI", "")] == "secondary"
    # counts of SIAE are never hidden; 10 ACI salariés are published
    assert not any(k[0] == "structures" for k in hid)
    assert hid[("salaries", "dep", "93", 2013, "ACI", "")] == "secondary"  # EITI's only pair
    # at interne, the magnitude rules are dropped, the person rules kept
    i = folder_decision(hard, "interne")
    assert ("etp_realises", "dep", "93", 2013, "EITI", "") not in i.hidden
    assert i.hidden[("salaries", "dep", "93", 2013, "EITI", "")] == "primary"


def test_secondary_cells_close_the_f1_recoveries(hard):
    hid = folder_decision(hard).hidden
    # dep 94 (2 salariés) against the region: another département hidden too (93: 11 < 75: 12)
    assert hid[("salaries", "dep", "93", 2013, "ALL", "")] == "secondary"
    # EITI women against the total: ACI women hidden too (the only other type of 93)
    assert hid[("public_share", "dep", "93", 2013, "ACI", "women")] == "secondary"
    # the share of a count is the same cell
    assert hid[("salaries_share", "dep", "93", 2013, "EITI", "")] == "secondary"
    # deterministic: same input, same cells
    assert folder_decision(hard).hidden == hid


def test_no_hidden_value_is_recovered_from_the_publique_documents(hard):
    decision = folder_decision(hard)
    docs = documents(hard, decision)
    truth = documents(hard, secrecy.Decision("publique"))
    assert sum(len(d["secret"]) for d in docs) > 20
    assert audit(docs, truth) == []
    for doc in docs:
        for path in doc["secret"]:  # a hidden path is null
            node = doc
            for part in path.split(".")[:-1]:
                node = node[part]
            assert node[path.split(".")[-1]] is None


def test_the_audit_finds_what_primary_suppression_alone_lets_through(hard):
    """The audit can fail: without secondary suppression, F1's recoveries come back."""
    ind = load_indicators(hard)
    quality = pd.read_parquet(hard / "quality.parquet")
    siae = pd.read_parquet(hard / "siae.parquet")
    sectors = pd.read_parquet(hard / "siae_sectors.parquet")
    primary_only = secrecy.decide(ind, quality, siae, sectors, "publique", secondary=False)
    found = audit(documents(hard, primary_only), documents(hard, secrecy.Decision("publique")))
    got = {(r.document, r.path): round(r.truth, 6) for r in found}
    assert got[("dep:93:2013", "salaries.by_type.EITI")] == 1  # total 11 - ACI 10
    assert got[("dep:93:2013", "publics_by_type.EITI.women")] == 1  # the EITI person is a woman
    assert got[("dep:93:2013", "publics_by_type.EITI.rsa")] == 1  # ... on the RSA
    assert got[("dep:94:2013", "salaries.total")] == 2  # region - 75 - 93


def quality_values(proc, decision) -> tuple[dict, dict]:
    """The person counts of the quality table as the run prints them (None when hidden) and
    as they are, per document of 2013."""
    from iae_diag.secrecy.audit import quality_of

    docs = documents(proc, secrecy.Decision("publique"))
    return quality_of(proc, [d for d in docs if d["year"] == 2013], decision)


def test_the_quality_table_does_not_reopen_a_qpv_share(hard):
    """F1: the quality table gives the public denominators (salariés minus the persons without
    contract, without Salarie row or with an unknown value); dep 94's QPV resident then comes
    back as region - 75 - 93 unless the secondary suppression holds."""
    truth = documents(hard, secrecy.Decision("publique"))
    ind = load_indicators(hard)
    quality = pd.read_parquet(hard / "quality.parquet")
    siae = pd.read_parquet(hard / "siae.parquet")
    sectors = pd.read_parquet(hard / "siae_sectors.parquet")
    primary_only = secrecy.decide(ind, quality, siae, sectors, "publique", secondary=False)
    shown, true = quality_values(hard, primary_only)
    # every QPV status of dep 94 is known: no exclusion, and zero is published
    assert not any(true["dep:94:2013"].values()) and None not in shown["dep:94:2013"].values()
    found = audit(documents(hard, primary_only), truth, shown, true)
    got = {(r.document, r.path): round(r.truth, 6) for r in found}
    assert got[("dep:94:2013", "publics.qpv")] == 1  # the woman of 94 lives in a QPV
    decision = folder_decision(hard)
    shown, true = quality_values(hard, decision)
    assert audit(documents(hard, decision), truth, shown, true) == []
    assert decision.hidden[("public_share", "dep", "94", 2013, "ALL", "qpv")] == "primary"


def test_publique_without_contributions_fails_loudly(hard):
    ind = load_indicators(hard)
    with pytest.raises(Exception, match="siae_sectors.parquet"):
        secrecy.decide(ind, diffusion="publique")
    with pytest.raises(Exception, match="'restreinte' is not a diffusion level"):
        secrecy.decide(ind, diffusion="restreinte")


# ------------------------------------------------------------------ the report's sections


@pytest.fixture(scope="module")
def ctx93(hard):
    from iae_diag.report import context

    return context.build_context("dep:93", 2013, str(hard), "")


def _row(html: str, label: str) -> list[str]:

    m = re.search(rf'<th scope="row"[^>]*>{re.escape(label)}</th>', html)
    return re.findall(r"<td[^>]*>(.*?)</td>", html[m.start() :].split("</tr>")[0])


def test_offer_and_etp_tables_print_s_and_leave_hidden_bars_out(ctx93):
    from iae_diag.report import sections

    offer = sections.show_offer(ctx93).data
    # type, structures, share of the structures, salariés, share, ETP, share of the ETP
    eiti, aci = _row(offer, "EITI"), _row(offer, "ACI")
    # 1 salariée, 1 SIAE (structures are legal entities: their count is published)
    assert eiti[:1] + eiti[2:] == ["1", "s", "s", "s", "s"]
    assert aci[:1] + aci[2:4] == ["3", "s", "s"]  # secondary: 10 = 11 - 1 otherwise
    assert "secret statistique" in offer
    etp = sections.show_etp(ctx93).data
    assert _row(etp, "EITI") == ["s", "s", "s"]
    # ACI's ETP are hidden to protect EITI's; its taux (3 SIAE, none dominant) stays: with
    # the ACI and EITI ETP unknown, the totals give two equations for four values
    assert _row(etp, "ACI")[:2] == ["s", "s"] and _row(etp, "ACI")[2].endswith("%")
    assert "Les ETP par type de SIAE ne sont pas publiés (secret statistique)" in etp
    assert "<img" not in etp  # both bars hidden: no chart


def test_sentences_neither_quote_nor_rank_a_hidden_value(hard, ctx93):
    from iae_diag import narrative
    from iae_diag.report import context, sections
    from iae_diag.report.narrative import offer, publics

    d94 = context.build_context("dep:94", 2013, str(hard), "")
    kf = d94.key_figures
    assert kf["salaries"]["total"] is None and kf["etp"]["total"] is None
    assert narrative.key_figures_paragraph(kf, d94.territory) == (
        "En 2013, le Val-de-Marne (94) comptait 1 structure d'insertion par "
        "l'activité économique ; le nombre de leurs salariés n'est pas publié (secret "
        "statistique)."
    )
    assert offer.realisation_sentence(kf) == (
        "En 2013, les ETP réalisés et conventionnés de ce territoire ne sont pas publiés "
        "(secret statistique)."
    )
    # 93: the types are hidden, so no sentence compares them
    text = offer.offer_contrast_paragraph(ctx93.key_figures)
    assert "%" not in text and "secret statistique" in text
    assert "EITI" not in publics.publics_paragraph(ctx93.key_figures)
    # the methodology page gives this run's counts
    counts = ctx93.decision.counts("dep", "93", 2013)
    page = sections.show_methodology(ctx93).data
    by_kind = f"{counts['primary']} par secret primaire et {counts['secondary']} par secret "
    assert (
        f"Cellules non publiées pour la Seine-Saint-Denis (93) en 2013 : {by_kind}secondaire"
    ) in page
    assert counts["primary"] > 0 and counts["secondary"] > 0


def test_sector_table_and_chart_hide_the_one_structure_sector(ctx93):
    from iae_diag.report import sections

    html = sections.show_sectors(ctx93).data
    assert _row(html, "Nettoyage hors services aux personnes")[1] == "s"  # the ACI column
    assert "Parts non publiées, absentes du graphique" in html
    assert "les secteurs ne sont pas classés" in html  # 93's own sector shares are hidden


def test_the_interne_annex_keeps_the_person_rule(hard):
    """Interne: the magnitudes of each SIAE are printed, a count of 1 to 4 salariés is not, nor
    the count that would give it back against the total of its type or département."""
    from iae_diag.report import context, sections
    from iae_diag.report.sections import siae_list

    ctx = context.build_context("dep:93", 2013, str(hard), "", "interne")
    table = siae_list.siae_annex_table(ctx.siae, "93", 2013)
    assert list(table["type_siae"]) == ["ACI", "ACI", "ACI", "EITI"]
    assert list(table["salaries"]) == [4, 3, 3, 1]
    # SIAE 1-3 (ACI: 4, 3 and 3) and 4 (EITI: 1): all under 5 persons
    assert siae_list.annex_hidden_salaries(table) == {0, 1, 2, 3}
    html = sections.show_siae_annex(ctx).data
    assert html.count("<td>s</td>") == 4 and "SIAE 4" in html
    one = pd.DataFrame({"type_siae": ["ACI", "ACI", "ACI", "EI"], "salaries": [12, 7, 3, 9]})
    # ACI 3 (primary), then ACI 7 (its type), none left alone in the département
    assert siae_list.annex_hidden_salaries(one) == {1, 2}
    assert (
        sections.show_siae_annex(context.build_context("dep:93", 2013, str(hard), "")).data == ""
    )


def exits_dataset() -> Dataset:
    """2013, region 11: 6 ACI exits in the 93 (emploi durable), 7 EI exits in the 75 (5
    emploi durable, 2 emploi de transition), 2 AI exits in the 94 (emploi durable); every exit
    examined (6 months, 200 hours)."""
    from test_indicators_flows import CATEGORIES, MOTIFS

    ds = Dataset(RefCategorieSort=CATEGORIES, RefMotifSort=MOTIFS)
    sites = [
        (1, "ACI_DC", "093", "93066", ["10"] * 6),
        (2, "EI_DC", "075", "75056", ["10"] * 5 + ["20"] * 2),
    ]
    sites.append((3, "AI_DC", "094", "94028", ["10"] * 2))
    pph = 0
    for sid, mesure, dep, insee, motifs in sites:
        ds.Structure.append(structure(sid, insee=insee))
        ds.AnnexeFinanciere.append(af(sid, sid, mesure=mesure, dep=dep))
        for motif in motifs:
            pph += 1
            ds.Salarie.append(salarie(pph, nir(pph), insee=insee))
            ds.ContratMission.append(
                contract(pph, pph, sid, mesure=mesure, ended="30/06/2013", motif=motif)
            )
            ds.EtatMensuelIndiv += [
                emi(pph * 100 + m, sid, pph, pph, 2013, m, 50.0) for m in (1, 2, 3, 4)
            ]
    return ds


@pytest.fixture(scope="module")
def exits_folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exits")
    processed(exits_dataset(), tmp)
    write_tables(tmp / "processed")
    return tmp / "processed"


def test_exit_cells_primary_and_secondary(exits_folder):
    hid = folder_decision(exits_folder, "interne").hidden
    # 2 sortants in the 94: hidden with everything over them; the 93 (6 < 7) with it
    assert hid[("sortants", "dep", "94", 2013, "ALL", "")] == "primary"
    assert hid[("exit_rate", "dep", "94", 2013, "ALL", "sorties_dynamiques")] == "primary"
    assert hid[("duree_parcours_mois_mean", "dep", "94", 2013, "AI", "")] == "primary"
    assert hid[("entrants", "dep", "94", 2013, "ALL", "")] == "primary"
    assert hid[("sortants", "dep", "93", 2013, "ALL", "")] == "secondary"
    # 2 EI exits to emploi de transition in the 75: with the 5 emploi durable (categories ->
    # sortants), the only other non-zero category
    assert hid[("exits_by_category", "dep", "75", 2013, "EI", "emploi_transition")] == "primary"
    assert hid[("exits_by_category", "dep", "75", 2013, "ALL", "emploi_durable")] == "secondary"
    # the rates of the 94 (over 2) are hidden: their numerators add up to the region's, so
    # the 75's (the smallest non-zero) go with them; the region's are published
    assert hid[("exit_rate", "dep", "75", 2013, "ALL", "emploi_transition")] == "secondary"
    # the region's emploi durable sortants (13) are secret (secondary): its emploi durable rate
    # (13 of 15 examinées, every exit examined) would give them back, so it is secret too
    assert hid[("exits_by_category", "region", "11", 2013, "ALL", "emploi_durable")] == "secondary"
    assert ("exit_rate", "region", "11", 2013, "ALL", "emploi_durable") in hid
    assert ("sortants", "region", "11", 2013, "ALL", "") not in hid


def test_no_exit_figure_is_recovered_and_the_audit_can_fail(exits_folder):
    decision = folder_decision(exits_folder, "interne")
    docs = documents(exits_folder, decision)
    truth = documents(exits_folder, secrecy.Decision("interne"))
    assert "exits.sortants.total" in docs[3]["secret"]  # dep 94
    assert audit(docs, truth) == []
    ind = load_indicators(exits_folder)
    primary_only = secrecy.decide(ind, None, None, None, "interne", secondary=False)
    found = audit(documents(exits_folder, primary_only), truth)
    got = {(r.document, r.path): round(r.truth, 6) for r in found}
    assert got[("dep:94:2013", "exits.sortants.total")] == 2  # region 15 - 93 (6) - 75 (7)
    assert got[("dep:75:2013", "exits.by_category.emploi_transition.total")] == 2  # 7 - 5


def test_exits_of_unknown_category_are_secret_in_the_quality_table_too(tmp_path):
    """The reasons of the unknown categories add up to the ``inconnue`` exits: 1 and 1 of 2."""
    from test_indicators_flows import rule_dataset

    ind, quality, _ = build_tables(processed(rule_dataset(), tmp_path))
    d = secrecy.decide(ind, quality, None, None, "interne")
    assert d.hidden[("exits_by_category", "france", "FR", 2013, "ALL", "inconnue")] == "primary"
    assert d.quality_hidden("france", "FR", 2013, "exit_category_unknown", "no_motif")
    assert d.quality_hidden(
        "france", "FR", 2013, "exit_category_unknown", "motif_not_in_reference"
    )
    assert not d.quality_hidden(
        "france", "FR", 2013, "exit_category_unknown", "reference_tables_absent"
    )

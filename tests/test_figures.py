"""Key-figures JSON (iae-diag/key-figures/2) and the `iae-diag figures` command."""

from __future__ import annotations

import json

import pytest

from iae_diag.cli import main
from iae_diag.errors import InputError
from iae_diag.figures import SCHEMA, format_key_figures, key_figures
from iae_diag.formatting import NBSP
from iae_diag.indicators import build_tables, load_sector_reference, write_tables
from iae_diag.territories import Territory
from indicators_helpers import Dataset, af, contract, emi, nir, processed, salarie, structure
from test_indicators_flows import CATEGORIES, MOTIFS

TYPES = ["ACI", "AI", "EI", "ETTI", "EITI"]
PUBLICS = [
    "women",
    "under_26",
    "age_50_plus",
    "rsa",
    "ass",
    "aah",
    "rqth",
    "job_seeker_24m_plus",
    "low_qualification",
    "qpv",
    "qpv_all",
    "job_seeker_12_23m",
    "zrr",
    "education_non_certifiante",
    "education_infra_cap",
    "education_cap_bep",
]  # the publics block of the key figures, schema 2 (definitions v2), in this order


def dataset() -> Dataset:
    """2012-2013, two SIAE in 93 (an ACI created in 2013, an AI), one EI in 75."""
    ds = Dataset(Structure=[structure(1), structure(2), structure(3, insee="75056")])
    ds.AnnexeFinanciere += [
        af(10, 1, debut="01/01/2012", fin="31/12/2012", etp=6.0, mesure="AI_DC"),
        af(11, 1, mesure="AI_DC", etp=6.0),
        af(20, 2, mesure="ACI_DC", etp=12.0),
        af(30, 3, mesure="EI_DC", dep="075", etp=3.0, hours_etp=1505.0),
    ]
    people = [  # pph, afi, rome, hours per month (2013 unless afi 10), woman
        (1, 11, "K1304", [151.67] * 6, True),
        (2, 20, "A1203", [700.0] * 10, False),
        (3, 20, "F1701", [455.0] * 4, True),
        (4, 30, "K2204", [301.0] * 5, False),
        (5, 10, "K1304", [100.0], True),
    ]
    dsm = 1
    for pph, afi, rome, hours, woman in people:
        ds.Salarie.append(
            salarie(pph, nir(pph), civ="MME" if woman else "M.", qpv="QP" if pph % 2 else "NQP")
        )
        ds.ContratMission.append(contract(pph, pph, 1, rome=rome, hired="01/01/2012"))
        year = 2012 if afi == 10 else 2013
        for m, h in enumerate(hours, start=1):
            ds.EtatMensuelIndiv.append(emi(dsm, afi, pph, pph, year, m, h))
            dsm += 1
    return ds


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("figures")
    processed(dataset(), tmp)
    write_tables(tmp / "processed")
    return tmp / "processed"


@pytest.fixture(scope="module")
def indicators(folder):
    from iae_diag.indicators import load_indicators

    return load_indicators(folder)


def test_json_shape_and_values(indicators):
    kf = key_figures(indicators, Territory("dep", "93"), 2013)
    assert list(kf) == [
        "schema",
        "territory",
        "year",
        "data_status",
        "diffusion",
        "secret",
        "structures",
        "structures_change",
        "salaries",
        "etp",
        "etp_conventionnes",
        "hours",
        "publics",
        "publics_by_type",
        "flows",
        "publics_entrants",
        "exits",
    ]
    assert kf["schema"] == SCHEMA == "iae-diag/key-figures/2"
    assert kf["territory"] == {"level": "dep", "code": "93", "name": "Seine-Saint-Denis"}
    assert kf["year"] == 2013
    assert kf["structures"] == {
        "total": 2,
        "by_type": {"ACI": 1, "AI": 1, "EI": 0, "ETTI": 0, "EITI": 0},
    }
    assert kf["structures_change"] == {"created": 1, "closed": 0, "net": 1}
    # 3 salariés (ACI 2, AI 1): counts of 1 to 4 persons are secret, zero is published
    assert kf["diffusion"] == "interne"  # no decision given: the person rules only
    assert kf["salaries"] == {
        "total": None,
        "by_type": {"ACI": None, "AI": None, "EI": 0, "ETTI": 0, "EITI": 0},
    }
    assert {"salaries.total", "salaries.by_type.ACI", "salaries.by_type.AI"} <= set(kf["secret"])
    assert "publics_by_type.ACI.women" in kf["secret"] and kf["secret"] == sorted(kf["secret"])
    assert kf["etp"]["by_type"]["ACI"] == pytest.approx((7000 + 1820) / 1820)
    assert kf["etp"]["by_type"]["AI"] == pytest.approx(910.02 / 1820)  # the AF carries 1820 h
    assert kf["etp_conventionnes"] == {
        "total": 18.0,
        "by_type": {"ACI": 12.0, "AI": 6.0, "EI": 0.0, "ETTI": 0.0, "EITI": 0.0},
    }
    labels = load_sector_reference().labels
    assert list(kf["hours"]["by_sector"]) == list(labels.values())
    assert kf["hours"]["by_sector"]["Espaces verts"] == pytest.approx(7000.0)
    assert kf["hours"]["by_type_and_sector"]["ACI"]["Bâtiment-travaux publics"] == 1820.0
    assert kf["hours"]["by_type_and_sector"]["AI"]["Services aux personnes"] == pytest.approx(
        910.02
    )
    assert kf["hours"]["total"] == pytest.approx(7000 + 1820 + 910.02)
    assert list(kf["hours"]["by_type_and_sector"]) == TYPES
    assert list(kf["publics"]) == PUBLICS
    # 2 women among 3 salariés (ACI: 1 of 2): shares over fewer than 5 persons are secret
    # (null); the indicator table keeps the values
    assert kf["publics"] == {k: None for k in PUBLICS}
    assert kf["publics_by_type"]["ACI"]["women"] is None
    assert kf["publics_by_type"]["EI"]["women"] is None  # no EI salarié in 93
    women = indicators.loc[
        (indicators["indicator"] == "public_share")
        & (indicators["territory_code"] == "93")
        & (indicators["year"] == 2013)
        & (indicators["breakdown"] == "women")
    ].set_index("type_siae")
    assert women.loc["ALL", "value"] == pytest.approx(2 / 3)
    assert women.loc["ACI", ["value", "denominator"]].tolist() == [0.5, 2.0]
    for block in (kf["structures"], kf["salaries"], kf["etp"], kf["etp_conventionnes"]):
        assert list(block["by_type"]) == TYPES
    shares = list(kf["publics"].values()) + [
        v for t in TYPES for v in kf["publics_by_type"][t].values()
    ]
    assert all(v is None or 0 <= v <= 1 for v in shares)
    json.dumps(kf, allow_nan=False)  # no NaN leaks into the document


def test_key_figures_read_no_rome_table(indicators, tmp_path, monkeypatch):
    """The figures come from the indicator table: the ROME -> sector table (used when the
    indicators are computed) is not read, so a broken override does not break them."""
    bad = tmp_path / "rome.csv"
    bad.write_text("rome_prefix,sector_code\nF,btp\n", encoding="utf-8")
    monkeypatch.setenv("IAE_DIAG_ROME_SECTORS", str(bad))
    with pytest.raises(InputError, match="unknown sector code 'btp'"):
        load_sector_reference()
    kf = key_figures(indicators, Territory("dep", "93"), 2013)
    assert kf["hours"]["by_sector"]["Espaces verts"] == pytest.approx(7000.0)


def test_first_year_has_no_structure_change_and_region_and_france(indicators):
    kf = key_figures(indicators, Territory("region", "11"), 2012)
    assert kf["structures_change"] == {"created": None, "closed": None, "net": None}
    assert kf["territory"]["name"] == "Île-de-France"
    fr = key_figures(indicators, Territory("france", "FR"), 2013)
    # 4 salariés in France: secret; counts of SIAE are never hidden
    assert fr["salaries"]["total"] is None and fr["structures"]["by_type"]["EI"] == 1
    assert "salaries.total" in fr["secret"]


def test_unknown_territory_or_year_is_an_input_error(indicators):
    with pytest.raises(InputError, match=r"dep:01 is not in.*dep:75, dep:93, france"):
        key_figures(indicators, Territory("dep", "01"), 2013)
    with pytest.raises(InputError, match=r"year 2009 .* years present are 2012, 2013"):
        key_figures(indicators, Territory("dep", "93"), 2009)


def test_cli_json_is_deterministic_and_defaults_to_the_latest_year(folder, capsys):
    assert main(["figures", "--processed", str(folder), "--territory", "dep:93", "--json"]) == 0
    first = capsys.readouterr().out
    doc = json.loads(first)
    assert doc["year"] == 2013 and doc["territory"]["code"] == "93"
    assert doc["data_status"] == "real"  # fixture files carry no marker of iae-diag synth
    assert "Bâtiment-travaux publics" in first  # UTF-8, not \\u escapes
    main(["figures", "--processed", str(folder), "--territory", "dep:93", "--json"])
    assert capsys.readouterr().out == first


def test_cli_table_in_french(folder, capsys):
    code = main(
        ["figures", "--processed", str(folder), "--territory", "region:11", "--year", "2013"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Chiffres clés 2013 : Île-de-France" in out
    assert f"Heures travaillées : 11{NBSP}235" in out  # 7000 + 1820 + 910.02 + 1505
    women = next(line for line in out.splitlines() if line.startswith("Femmes"))
    # 2 women among the 4 salariés of the region: secret (fewer than 5 persons), printed s;
    # the types without salarié have no share (n.d.)
    assert f"50{NBSP}%" not in women
    assert women.split() == ["Femmes", "s", "s", "s", "s", "n.d.", "n.d."]
    salaries = next(line for line in out.splitlines() if line.startswith("Salariés"))
    assert salaries.split()[3:] == ["s", "s", "s", "s", "0", "0"]  # 4; ACI 2, AI 1, EI 1
    assert "s : secret statistique (moins de 5 salariés" in out
    assert "Diffusion : publique." in out
    assert "Taux de réalisation" in out and "n.d." in out


def test_cli_errors_exit_2(folder, capsys):
    assert main(["figures", "--processed", str(folder), "--territory", "dep:01"]) == 2
    assert "dep:01 is not in the indicator table" in capsys.readouterr().err
    assert (
        main(["figures", "--processed", str(folder.parent / "nowhere"), "--territory", "france"])
        == 2
    )
    assert "iae-diag indicators" in capsys.readouterr().err


def test_format_key_figures_uses_french_numbers():
    ind, _, _ = build_tables(processed(dataset(), None, via_ingest=False))
    text = format_key_figures(key_figures(ind, Territory("france", "FR"), 2013))
    assert f"Heures travaillées : 11{NBSP}235" in text


def flows_dataset() -> Dataset:
    """2013, in the 93: six ACI salariés hired in January who leave at the end of June after
    100 hours (motifs: 3 emploi durable, 2 emploi de transition, 1 autre sortie), five AI
    salariés hired in January who stay all year (4 of them with the RSA)."""
    ds = Dataset(Structure=[structure(1), structure(2)])
    ds.RefCategorieSort, ds.RefMotifSort = CATEGORIES, MOTIFS
    ds.AnnexeFinanciere += [af(1, 1, "ACI_DC"), af(2, 2, "AI_DC")]
    dsm = 1
    for p, motif in enumerate(["10", "10", "10", "20", "20", "40"], start=1):
        ds.Salarie.append(salarie(p, nir(p)))
        ds.ContratMission.append(contract(p, p, 1, ended="30/06/2013", motif=motif))
        for m in range(1, 7):
            ds.EtatMensuelIndiv.append(emi(dsm, 1, p, p, 2013, m, 100.0 / 6))
            dsm += 1
    for p in range(11, 16):
        ds.Salarie.append(salarie(p, nir(p)))
        ds.ContratMission.append(contract(p, p, 2, "AI_DC", rsa="OUI-M" if p < 15 else "NON"))
        for m in range(1, 13):
            ds.EtatMensuelIndiv.append(emi(dsm, 2, p, p, 2013, m, 20.0))
            dsm += 1
    return ds


def test_schema_2_flows_publics_of_entrants_and_exits(tmp_path):
    ind, _, _ = build_tables(processed(flows_dataset(), tmp_path))
    kf = key_figures(ind, Territory("dep", "93"), 2013)
    zero = {"ACI": 0, "AI": 0, "EI": 0, "ETTI": 0, "EITI": 0}
    flows = kf["flows"]
    assert list(flows) == [
        "embauches",
        "entrants",
        "renouvellements",
        "salaries_moyenne_mensuelle",
        "presents_fin_annee",
    ]
    assert flows["embauches"] == {"total": 11, "by_type": {**zero, "ACI": 6, "AI": 5}}
    assert flows["entrants"] == flows["embauches"]
    assert flows["renouvellements"] == {"total": 0, "by_type": zero}
    # ACI 6 x 6 months, AI 5 x 12 months: 96 / 12 = 8.0; ACI 3.0 is secret (1 to 4
    # persons), and AI (5.0) with it, or the total would give it back
    assert flows["salaries_moyenne_mensuelle"] == {
        "total": 8.0,
        "by_type": {**zero, "ACI": None, "AI": None},
    }
    assert isinstance(flows["embauches"]["total"], int)
    assert flows["presents_fin_annee"] == {"total": 5, "by_type": {**zero, "AI": 5}}
    # publics of the 11 entrants: 4 with the RSA
    assert list(kf["publics_entrants"]) == PUBLICS
    assert kf["publics_entrants"]["rsa"] == 0.364
    exits = kf["exits"]
    assert list(exits) == [
        "sortants",
        "sorties_examinees",
        "by_category",
        "rates",
        "duree_parcours_mois",
    ]
    assert exits["sortants"] == {"total": 6, "by_type": {**zero, "ACI": 6}}
    assert exits["sorties_examinees"] == exits["sortants"]
    cats = exits["by_category"]
    assert list(cats) == [
        "emploi_durable",
        "emploi_transition",
        "sorties_positives",
        "autres_sorties",
        "retrait",
        "inconnue",
    ]
    # 3, 2 and 1 exits: secret; the zeros are published
    assert cats["emploi_durable"] == {"total": None, "by_type": {**zero, "ACI": None}}
    assert cats["sorties_positives"] == {"total": 0, "by_type": zero}
    assert cats["retrait"]["total"] == 0 and cats["inconnue"]["total"] == 0
    rates = exits["rates"]
    assert list(rates) == [
        "emploi_durable",
        "emploi_transition",
        "sorties_positives",
        "autres_sorties",
        "sorties_dynamiques",
    ]
    # over 6 sorties examinées: published, 3 decimals
    assert rates["emploi_durable"]["total"] == 0.5
    assert rates["emploi_transition"]["by_type"]["ACI"] == 0.333
    assert rates["sorties_dynamiques"]["total"] == 0.833
    assert rates["sorties_dynamiques"]["by_type"]["AI"] is None  # no exit: no rate
    months = round(180 / 30.4375, 6)  # 01/01 - 30/06
    assert exits["duree_parcours_mois"]["mean"]["total"] == months
    assert exits["duree_parcours_mois"]["median"]["by_type"]["ACI"] == months
    secret = set(kf["secret"])
    assert {
        "flows.salaries_moyenne_mensuelle.by_type.ACI",
        "flows.salaries_moyenne_mensuelle.by_type.AI",
        "exits.by_category.emploi_durable.total",
        "exits.by_category.autres_sorties.by_type.ACI",
    } <= secret
    assert not any(p.startswith(("exits.rates", "publics_entrants")) for p in secret)
    json.dumps(kf, allow_nan=False)
    text = format_key_figures(kf)
    assert "Salariés en moyenne mensuelle" in text and "Sorties dynamiques" in text
    line = next(x for x in text.splitlines() if x.startswith("Sorties examinées"))
    assert line.split()[2:] == ["6", "6", "0", "0", "0", "0"]


def test_durations_over_one_to_four_exits_are_secret(tmp_path):
    ds = flows_dataset()
    ds.ContratMission = [c for c in ds.ContratMission if c["contrat_id_ctr"] > 2]
    ind, _, _ = build_tables(processed(ds, tmp_path))
    kf = key_figures(ind, Territory("dep", "93"), 2013)
    assert kf["exits"]["sorties_examinees"]["total"] is None  # 4
    assert kf["exits"]["duree_parcours_mois"]["mean"]["total"] is None
    assert "exits.duree_parcours_mois.median.total" in kf["secret"]
    assert kf["exits"]["rates"]["emploi_durable"]["total"] is None  # over 4

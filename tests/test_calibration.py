"""Calibration: comparison rules on a hand-made indicator table, CLI exit codes, and the
default synthetic dataset run through the real ingest and indicators (slow)."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from iae_diag.calibration import cli_main, compare, format_table, running_at_extract
from iae_diag.config import headers_dir, shared_dir
from iae_diag.errors import InputError

TARGETS = {
    "region": "11",
    "departements": ["75", "77", "95"],
    "years": {
        2013: {
            "structures": {"total": 10, "by_type": {"ACI": 6}, "tolerance": "exact"},
            "salaries": {"total": 1000, "tolerance": 0.02},
            "publics": {"women": 0.42, "tolerance": 0.01},
            "publics_by_type": {"rsa": {"ACI": 0.53}, "tolerance": 0.015},
            "publics_by_departement": {"qpv": {"95": {"min": 0.60}}},
            "hours_share_by_sector_and_type": {
                "EI": {"nettoyage_hors_sap_plus_collecte_tri": 0.48},
                "tolerance": 0.015,
            },
        },
        2009: {"publics": {"women": {"value": 0.46, "source": "assumed"}}},
    },
    "evolution_2007_2013": {
        "created_total": 3,
        "closed_total": 1,
        "departements": "the count grew in every département except 77; 95 grew the most",
    },
}


def row(ind, level, code, year, t="ALL", br="", value=0.0):
    return {
        "indicator": ind,
        "territory_level": level,
        "territory_code": code,
        "year": year,
        "type_siae": t,
        "breakdown": br,
        "value": value,
        "numerator": None,
        "denominator": None,
    }


def indicators(over: dict | None = None) -> pd.DataFrame:
    r = [
        row("structures", "region", "11", 2013, value=10),
        row("structures", "region", "11", 2013, "ACI", value=6),
        row("salaries", "region", "11", 2013, value=1019),
        row("public_share", "region", "11", 2013, br="women", value=0.425),
        row("public_share", "region", "11", 2009, br="women", value=0.449),
        row("public_share", "region", "11", 2013, "ACI", "rsa", value=0.54),
        row("public_share", "dep", "95", 2013, br="qpv", value=0.61),
        row("hours_share_by_sector", "region", "11", 2013, "EI", "nettoyage_hors_sap", 0.30),
        row("hours_share_by_sector", "region", "11", 2013, "EI", "collecte_tri_recyclage", 0.17),
        row("hours_share_by_sector", "region", "11", 2013, "EI", "batiment_tp", 0.53),
    ]
    for y, c, k in ((2008, 1, 0), (2009, 0, 1), (2010, 2, 0)):
        r.append(row("structures_created", "region", "11", y, value=c))
        r.append(row("structures_closed", "region", "11", y, value=k))
    for y in (2011, 2012, 2013):
        r.append(row("structures_created", "region", "11", y, value=0))
        r.append(row("structures_closed", "region", "11", y, value=0))
    for d, v07, v13 in (("75", 3, 4), ("77", 4, 4), ("95", 1, 3)):
        r.append(row("structures", "dep", d, 2007, value=v07))
        r.append(row("structures", "dep", d, 2013, value=v13))
    df = pd.DataFrame(r)
    for (ind, level, code, year, t, br), v in (over or {}).items():
        m = (
            (df["indicator"] == ind)
            & (df["territory_level"] == level)
            & (df["territory_code"] == code)
            & (df["year"] == year)
            & (df["type_siae"] == t)
            & (df["breakdown"] == br)
        )
        df.loc[m, "value"] = v
    return df


def by_check(res: pd.DataFrame) -> dict:
    return {(r.check, r.year, r.territory): r for r in res.itertuples(index=False)}


def test_compare_values_and_tolerances():
    res = compare(indicators(), TARGETS)
    c = by_check(res)
    assert c[("structures", 2013, "region:11")].ok
    assert c[("salaries", 2013, "region:11")].gap == 19  # 1.9 % <= 2 %
    assert c[("salaries", 2013, "region:11")].ok
    assert c[("public women", 2013, "region:11")].ok
    # 2009 women has no tolerance: the default 0.01 applies; 0.449 is 0.011 away
    assert not c[("public women", 2009, "region:11")].ok
    assert c[("public rsa ACI", 2013, "region:11")].ok
    assert c[("public qpv >= min", 2013, "dep:95")].ok
    ei = c[("hours share EI nettoyage_hors_sap_plus_collecte_tri", 2013, "region:11")]
    assert ei.obtained == pytest.approx(0.47) and ei.ok
    assert c[("structures_created 2008-2013", 2013, "region:11")].obtained == 3
    assert c[("structures_closed 2008-2013", 2013, "region:11")].ok
    # 77 did not grow (0), 75 and 95 grew, 95 grew the most (+2 > +1)
    assert c[("structures change 2007-2013 <= 0", 2013, "dep:77")].ok
    assert c[("structures change 2007-2013 >= 1", 2013, "dep:75")].ok
    assert c[("change above every other département (+1)", 2013, "dep:95")].ok
    assert res["required"].all()
    assert len(res) == 14


def test_compare_flags_misses_and_missing_values():
    over = {
        ("structures", "region", "11", 2013, "ACI", ""): 5,
        ("salaries", "region", "11", 2013, "ALL", ""): 1021,
        ("structures", "dep", "77", 2013, "ALL", ""): 5,
    }
    res = compare(indicators(over), TARGETS)
    c = by_check(res)
    assert not c[("structures ACI", 2013, "region:11")].ok  # exact: 5 != 6
    assert not c[("salaries", 2013, "region:11")].ok  # 2.1 % > 2 %
    assert not c[("structures change 2007-2013 <= 0", 2013, "dep:77")].ok
    df = indicators()
    df = df[df["indicator"] != "public_share"]
    c = by_check(compare(df, TARGETS))
    miss = c[("public rsa ACI", 2013, "region:11")]
    assert not miss.ok and pd.isna(miss.obtained)
    text = format_table(compare(df, TARGETS))
    assert "n.d." in text and "calibration NON conforme" in text


def test_compare_rejects_unknown_sector_and_bad_table():
    bad = {"region": "11", "years": {2013: {"hours_share_by_sector": {"cuisine": 0.1}}}}
    with pytest.raises(InputError, match="cuisine"):
        compare(indicators(), bad)
    with pytest.raises(InputError, match="breakdown"):
        compare(indicators().drop(columns="breakdown"), TARGETS)


def test_format_table_is_french():
    text = format_table(compare(indicators(), TARGETS))
    assert "42,0\u00a0%" in text  # target women 2013
    assert "1\u00a0000" in text  # target salariés
    assert "HORS TOLÉRANCE" in text  # 2009 women
    assert "13 / 14 cibles atteintes" in text


def test_cli_exit_codes(tmp_path, capsys, monkeypatch):
    import yaml

    from iae_diag import calibration

    tfile = tmp_path / "targets.yaml"
    tfile.write_text(yaml.safe_dump(TARGETS), encoding="utf-8")
    monkeypatch.setattr(calibration, "_load_indicators", lambda d: indicators())
    args = argparse.Namespace(processed=str(tmp_path), targets=str(tfile))
    assert cli_main(args) == 1  # 2009 women is missed
    fixed = {**TARGETS, "years": {2013: TARGETS["years"][2013]}}
    tfile.write_text(yaml.safe_dump(fixed), encoding="utf-8")
    assert cli_main(args) == 0
    assert "13 / 13 cibles atteintes" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.skipif(not headers_dir().is_dir(), reason="shared folder not available")
def test_default_dataset_meets_every_target(tmp_path):
    """The default dataset (2007-2013, seed 2013, region 11), through the real ingest and
    indicators, reproduces every required target of targets.yaml."""
    from iae_diag.calibration import load_targets
    from iae_diag.indicators import load_indicators, write_tables
    from iae_diag.ingest import ingest
    from iae_diag.synth import generate

    geo = shared_dir() / "data" / "geo"
    generate(tmp_path / "raw", years=(2007, 2013), seed=2013, region="11", geo_dir=geo)
    ingest(tmp_path / "raw", tmp_path / "processed")
    write_tables(tmp_path / "processed")
    running = running_at_extract(tmp_path / "processed")
    res = compare(load_indicators(tmp_path / "processed"), load_targets(), running=running)
    # figures whose indicator the table does not hold yet are "not computed", never missed
    missed = res[res["required"] & res["computed"] & ~res["ok"]]
    assert missed.empty, format_table(res)
    assert int(res["computed"].sum()) >= 58
    # most persons present in December 2013 go on past the extract
    assert running > 0.8
    q = pd.read_csv(tmp_path / "processed" / "quarantine.csv")
    assert q.empty


FLOWS = {
    "flows_and_exits_2013": {
        "region": "11",
        "exits_rates_total": {"sorties_dynamiques": [0.35, 0.52], "emploi_durable": [0.15, 0.30]},
        "exits_order": "sorties_dynamiques: ACI has the lowest rate of the four historical types",
        "duree_parcours_mois_mean": {"ACI": [9, 15], "AI": [5, 10]},
        "salaries_moyenne_mensuelle_over_salaries": [0.35, 0.65],
        "presents_fin_annee_over_salaries": [0.35, 0.65],
        "embauches_over_salaries": [0.35, 0.75],
        "contracts_running_at_extract": "parcours running at the end of the last year ...",
    },
    "france_2013": {
        "structures": {"total": 3800, "tolerance": 0.03},
        "salaries_moyenne_mensuelle": {"total": 127600, "tolerance": 0.03},
        "salaries_moyenne_mensuelle_share_by_type": {"AI": 0.46, "ACI": 0.34, "tolerance": 0.02},
    },
}


def flows_indicators(over: dict | None = None, regions: int = 1) -> pd.DataFrame:
    """A table with the flows and exits indicators of region 11 in 2013 (salariés 1 000) and
    France (``regions`` regions present)."""
    r = [
        row("salaries", "region", "11", 2013, value=1000),
        row("salaries_moyenne_mensuelle", "region", "11", 2013, value=420.5),
        row("presents_fin_annee", "region", "11", 2013, value=651),
        row("embauches", "region", "11", 2013, value=751),
        row("exit_rate", "region", "11", 2013, br="sorties_dynamiques", value=0.44),
        row("exit_rate", "region", "11", 2013, br="emploi_durable", value=0.149),
        row("duree_parcours_mois_mean", "region", "11", 2013, "ACI", value=10.5),
        row("duree_parcours_mois_mean", "region", "11", 2013, "AI", value=4.9),
        row("structures", "france", "FR", 2013, value=3700),
        row("salaries_moyenne_mensuelle", "france", "FR", 2013, value=125_000),
        row("salaries_moyenne_mensuelle", "france", "FR", 2013, "AI", value=60_000),
        row("salaries_moyenne_mensuelle", "france", "FR", 2013, "ACI", value=40_000),
    ]
    for t, v in (("ACI", 0.38), ("AI", 0.46), ("EI", 0.45), ("ETTI", 0.39)):
        r.append(row("exit_rate", "region", "11", 2013, t, "sorties_dynamiques", value=v))
    for i in range(2, regions + 1):
        r.append(row("structures", "region", f"R{i}", 2013, value=1))
    df = pd.DataFrame(r)
    for (ind, t, br), v in (over or {}).items():
        m = (df["indicator"] == ind) & (df["type_siae"] == t) & (df["breakdown"] == br)
        m &= df["territory_level"] == "region"
        df.loc[m, "value"] = v
    return df


def test_flows_and_exits_ranges_order_and_running():
    res = compare(flows_indicators(), FLOWS, running=0.87)
    c = by_check(res)
    reg = (2013, "region:11")
    dyn = c[("exit_rate sorties_dynamiques", *reg)]
    assert dyn.ok and dyn.kind == "range" and dyn.tolerance == (0.35, 0.52)
    assert dyn.target == pytest.approx(0.435) and dyn.gap == 0.0  # inside the range
    durable = c[("exit_rate emploi_durable", *reg)]
    assert not durable.ok and durable.gap == pytest.approx(-0.001)  # 14,9 % < 15 %
    order = c[("exit_rate sorties_dynamiques ACI < AI, EI, ETTI", *reg)]
    assert order.ok and order.target == 0.39 and order.obtained == 0.38
    assert c[("duree_parcours_mois_mean ACI", *reg)].ok
    ai = c[("duree_parcours_mois_mean AI", *reg)]
    assert not ai.ok and ai.gap == pytest.approx(-0.1)  # 4,9 < 5 months
    # 420,5 / 1 000, 651 / 1 000 (above 65 %), 751 / 1 000 (above 75 %)
    mm = c[("salaries_moyenne_mensuelle / salaries", *reg)]
    assert mm.obtained == pytest.approx(0.4205) and mm.ok
    assert not c[("presents_fin_annee / salaries", *reg)].ok
    assert not c[("embauches / salaries", *reg)].ok
    assert c[("contracts running at the extract (share)", *reg)].ok
    assert res["computed"].all() and res["required"].all()
    # France figures only when the table covers France (13 regions or more)
    assert not any(t == "france:FR" for _, _, t in c)
    assert len(res) == 9
    # ACI above the lowest other type: the order statement fails
    over = {("exit_rate", "ETTI", "sorties_dynamiques"): 0.37}
    c = by_check(compare(flows_indicators(over), FLOWS, running=0.2))
    assert not c[("exit_rate sorties_dynamiques ACI < AI, EI, ETTI", *reg)].ok
    assert not c[("contracts running at the extract (share)", *reg)].ok  # 20 % < 50 %


def test_france_targets_when_the_table_covers_france():
    res = compare(flows_indicators(regions=13), FLOWS, running=0.9)
    c = by_check(res)
    fr = (2013, "france:FR")
    assert c[("structures", *fr)].ok  # 3 700: 2,6 % below 3 800
    assert c[("salaries_moyenne_mensuelle", *fr)].ok  # 125 000: 2,0 % below
    ai = c[("salaries_moyenne_mensuelle share AI", *fr)]
    assert ai.obtained == pytest.approx(0.48) and ai.ok  # 2,0 points above 46 %
    aci = c[("salaries_moyenne_mensuelle share ACI", *fr)]
    assert aci.obtained == pytest.approx(0.32) and aci.ok
    assert len(res) == 13


def test_absent_flows_indicators_are_not_computed_and_do_not_fail(tmp_path, capsys, monkeypatch):
    """The table of a version without the flows indicators: every flows figure is printed
    'not computed' and the command still succeeds."""
    import yaml

    from iae_diag import calibration

    stock = indicators()
    targets = {**TARGETS, "years": {2013: TARGETS["years"][2013]}, **FLOWS}
    res = compare(stock, targets)
    flows = res[res["check"].str.contains("exit_rate|duree|over|/ salaries|running")]
    assert len(flows) == 9 and not flows["computed"].any() and not flows["ok"].any()
    assert res.loc[~res.index.isin(flows.index), "computed"].all()
    text = format_table(res)
    assert text.count("not computed") == 10  # 9 rows and the summary line
    assert "13 / 13 cibles atteintes ; 9 cible(s) not computed" in text
    tfile = tmp_path / "targets.yaml"
    tfile.write_text(yaml.safe_dump(targets), encoding="utf-8")
    monkeypatch.setattr(calibration, "_load_indicators", lambda d: stock)
    assert cli_main(argparse.Namespace(processed=str(tmp_path), targets=str(tfile))) == 0
    assert "not computed" in capsys.readouterr().out


def test_running_at_extract_from_the_processed_tables(tmp_path):
    """Share of the contracts on a December row of the last year without a definitive exit:
    contracts 1 and 2 are on December 2013 rows, 2 has an exit date: 1 / 2."""
    emi = pd.DataFrame(
        {
            "emi_ctr_id": pd.array([1, 2, 3, 1], dtype="Int64"),
            "emi_sme_annee": [2013, 2013, 2012, 2013],
            "emi_sme_mois": [12, 12, 12, 11],
        }
    )
    ctr = pd.DataFrame(
        {
            "contrat_id_ctr": [1, 2, 3],
            "contrat_date_sortie_definitive": pd.to_datetime([None, "2013-12-20", None]),
        }
    )
    emi.to_parquet(tmp_path / "etat_mensuel_indiv.parquet")
    ctr.to_parquet(tmp_path / "contrat_mission.parquet")
    assert running_at_extract(tmp_path) == 0.5
    assert running_at_extract(tmp_path / "absent") is None


def test_years_the_table_does_not_cover_are_not_computed():
    """A France 2012-2013 run: the 2009 figures and the 2007-2013 evolution cannot be compared
    (not computed, not failed); the 2013 figures are compared."""
    stock = indicators()
    stock = stock[(stock["year"] == 2013) & (stock["indicator"] != "salaries")]
    df = pd.concat([flows_indicators(regions=13), stock])
    res = compare(df, {**TARGETS, **FLOWS}, running=0.9)
    c = by_check(res)
    assert not c[("public women", 2009, "region:11")].computed
    assert not c[("structures_created 2008-2013", 2013, "region:11")].computed
    assert not c[("structures change 2007-2013 >= 1", 2013, "dep:75")].computed
    # 2013 is covered: its figures are compared
    assert c[("public women", 2013, "region:11")].computed
    assert c[("public women", 2013, "region:11")].ok
    assert c[("structures", 2013, "france:FR")].computed
    # on a France table the Île-de-France stock figures are for information, the flows and
    # France figures required
    assert not c[("public women", 2013, "region:11")].required
    assert c[("structures", 2013, "france:FR")].required
    assert c[("exit_rate sorties_dynamiques", 2013, "region:11")].required
    assert int((~res["computed"]).sum()) == 1 + 2 + 4  # 2009 women, 2 sums, 3 deps + "most"

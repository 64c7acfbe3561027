"""Invariants, layout, determinism, files and bad inputs of the indicator tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iae_diag.errors import InputError
from iae_diag.indicators import (
    INDICATOR_COLUMNS,
    build_tables,
    load_indicators,
    load_quality,
    load_sector_reference,
    load_siae,
    methodology_markdown,
    write_tables,
)
from iae_diag.indicators.activity import counted_emi
from iae_diag.territories import region_of_dep
from iae_diag.vocabulary import PUBLIC_KEYS, QUALITY_LABELS
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

DEPS = ["75", "93", "92", "060", "02A", "971"]
MESURES = ["ACI_DC", "AI_DC", "EI_DC", "ETTI_DC", "EITI_DC", "ACI_MP"]
ROMES = ["F1701", "K2204", "A1203", "K1304", "K2304", "N1103", "G1602", None, "D1106"]


def random_dataset(seed: int = 5) -> Dataset:
    """40 structures with AF in 6 départements of 4 regions over 2012-2013, 300 persons
    (some without NIR) working across départements and types."""
    rng = np.random.default_rng(seed)
    ds = Dataset()
    for sid in range(1, 41):
        ds.Structure.append(structure(sid, insee=["75056", "93066", "60057"][sid % 3]))
    afs = []
    for k in range(80):
        sid = int(rng.integers(1, 41))
        mesure = MESURES[int(rng.integers(0, len(MESURES)))]
        dep = DEPS[int(rng.integers(0, len(DEPS)))]
        year = 2012 + int(rng.integers(0, 2))
        afi = 1000 + k
        ds.AnnexeFinanciere.append(
            af(
                afi,
                sid,
                mesure=mesure,
                dep=dep.zfill(3),
                etp=float(rng.integers(1, 20)),
                debut=f"01/{int(rng.integers(1, 7)):02d}/{year}",
                fin=f"31/12/{year}",
                hours_etp=None if k % 7 == 0 else 1600.0,
            )
        )
        afs.append((afi, sid, year))
    dsm = 1
    for p in range(1, 301):
        key = nir(p % 250) if p % 10 else None  # some NIR shared by two pph, some missing
        for j in range(int(rng.integers(1, 3))):
            afi, sid, year = afs[int(rng.integers(0, len(afs)))]
            pph = p * 10 + j
            ds.Salarie.append(
                salarie(pph, key, civ=["M.", "MME"][p % 2], qpv=["QP", "NQP", None][p % 3])
            )
            ds.ContratMission.append(
                contract(pph, pph, sid, rome=ROMES[p % len(ROMES)], rsa=["NON", "OUI-M"][p % 2])
            )
            for m in range(1, int(rng.integers(2, 6))):
                h = float(rng.integers(0, 150))
                ds.EtatMensuelIndiv.append(emi(dsm, afi, pph, pph, year, m, h))
                dsm += 1
    return ds


@pytest.fixture(scope="module")
def tables():
    return build_tables(to_processed(random_dataset()))


def test_additive_indicators_of_a_region_are_the_sum_of_its_departements(tables):
    ind, _, _ = tables
    dep = ind[ind["territory_level"] == "dep"].copy()
    dep["region"] = dep["territory_code"].map(region_of_dep)
    additive = ("hours", "etp_realises", "etp_conventionnes", "hours_by_sector", "embauches")
    additive += ("renouvellements", "sortants", "sorties_examinees", "exits_by_category")
    for indicator in additive:
        d = dep[dep["indicator"] == indicator]
        summed = d.groupby(["region", "year", "type_siae", "breakdown"])["value"].sum()
        reg = ind[(ind["indicator"] == indicator) & (ind["territory_level"] == "region")]
        reg = reg.set_index(["territory_code", "year", "type_siae", "breakdown"])["value"]
        reg.index = reg.index.set_names(summed.index.names)
        pd.testing.assert_series_equal(summed.sort_index(), reg.sort_index(), check_names=False)
        fr = ind[(ind["indicator"] == indicator) & (ind["territory_level"] == "france")]
        assert np.allclose(
            fr.groupby(["year", "type_siae", "breakdown"])["value"].sum(),
            d.groupby(["year", "type_siae", "breakdown"])["value"].sum(),
        )


def test_distinct_persons_of_a_region_are_at_most_the_sum_of_its_departements(tables):
    ind, _, _ = tables
    sal = ind[ind["indicator"].isin(["salaries", "structures", "entrants", "presents_fin_annee"])]
    dep = sal[sal["territory_level"] == "dep"].copy()
    dep["region"] = dep["territory_code"].map(region_of_dep)
    keys = ["indicator", "region", "year", "type_siae"]
    bound = dep.groupby(keys)["value"].agg(["sum", "max"])
    reg = sal[sal["territory_level"] == "region"].rename(columns={"territory_code": "region"})
    m = reg.merge(bound.reset_index(), on=keys)
    assert len(m) == len(reg)
    assert (m["value"] <= m["sum"]).all() and (m["value"] >= m["max"]).all()
    # the fixture does have persons in two départements of a region, or in two types
    france = ind[(ind["indicator"] == "salaries") & (ind["territory_level"] == "france")]
    by_type = france[france["type_siae"] != "ALL"].groupby("year")["value"].sum()
    total = france[france["type_siae"] == "ALL"].set_index("year")["value"]
    assert (total <= by_type).all() and (total < by_type).any()


def test_layout_every_territory_year_type_and_breakdown(tables):
    ind, quality, siae = tables
    assert list(ind.columns) == INDICATOR_COLUMNS
    keys = INDICATOR_COLUMNS[:6]
    assert not ind.duplicated(keys).any()
    assert ind.equals(ind.sort_values(keys).reset_index(drop=True))
    terr = ind[["territory_level", "territory_code"]].drop_duplicates()
    assert set(terr.itertuples(index=False, name=None)) == {
        ("dep", "75"),
        ("dep", "93"),
        ("dep", "92"),
        ("dep", "60"),
        ("dep", "2A"),
        ("dep", "971"),
        ("region", "11"),
        ("region", "32"),
        ("region", "94"),
        ("region", "01"),
        ("france", "FR"),
    }
    n_terr, n_years = len(terr), 2
    n_sectors = len(load_sector_reference().codes)
    expected = {
        "structures": 6,
        "salaries": 6,
        "salaries_share": 5,
        "etp_share": 5,
        "hours_by_sector": 6 * n_sectors,
        "public_share": 6 * len(PUBLIC_KEYS),
        "taux_realisation": 6,
        "structures_created": 6,
        "embauches": 6,
        "entrants": 6,
        "renouvellements": 6,
        "salaries_moyenne_mensuelle": 6,
        "presents_fin_annee": 6,
        "public_share_entrants": 6 * len(PUBLIC_KEYS),
        "sortants": 6,
        "sorties_examinees": 6,
        "exits_by_category": 6 * 6,
        "exit_rate": 6 * 5,
        "duree_parcours_mois_mean": 6,
        "duree_parcours_mois_median": 6,
    }
    counts = ind["indicator"].value_counts()
    for indicator, per in expected.items():
        assert counts[indicator] == per * n_terr * n_years, indicator
    shares = ind[ind["indicator"].str.contains("share|taux")]
    ok = shares["value"].isna() | shares["value"].between(0, 1)
    assert ok[~shares["indicator"].eq("taux_realisation")].all()
    assert ind["territory_code"].map(type).eq(str).all()
    assert ind["year"].dtype == np.int64
    assert list(quality.columns) == [
        "territory_level",
        "territory_code",
        "year",
        "check",
        "breakdown",
        "value",
    ]
    assert set(quality["check"]) == {
        "af_address_fallback",
        "af_duplicate_tie",
        "af_partial_month",
        "etp_type_default",
        "unknown_rome",
        "persons_without_nir",
        "persons_without_contract",
        "persons_without_salarie_row",
        "public_unknown_value",
        "emi_exact_duplicate",
        "emi_dsm_superseded",
        "emi_dsm_tie",
        "emi_statement_superseded",
        "duplicate_rows",
        "duplicate_content_rule",
        "rows_quarantined",
        "af_without_departement",
        "contract_address_fallback",
        "contract_unknown_type",
        "contract_without_hiring_date",
        "renewal_without_initial",
        "exit_category_unknown",
        "exit_motif_from_emi",
        "parcours_address_fallback",
        "parcours_end_before_start",
    }
    assert set(quality["check"]) <= set(QUALITY_LABELS)
    assert (
        siae["salaries"].ge(0).all()
        and not siae.duplicated(
            ["structure_id_siae", "type_siae", "year", "code_departement"]
        ).any()
    )


def test_siae_table_adds_up_to_the_departements(tables):
    ind, _, siae = tables
    h = siae.groupby(["code_departement", "year"])["hours"].sum()
    d = ind[
        (ind["indicator"] == "hours")
        & (ind["territory_level"] == "dep")
        & (ind["type_siae"] == "ALL")
    ].set_index(["territory_code", "year"])["value"]
    d = d[d > 0]
    assert np.allclose(h.reindex(d.index).to_numpy(), d.to_numpy())


def test_same_input_same_output(tmp_path):
    p = to_processed(random_dataset())
    a = build_tables(p)
    b = build_tables(to_processed(random_dataset()))
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_write_and_load_round_trip_keeps_codes_as_text(tmp_path):
    ds = random_dataset(seed=9)
    p = processed(ds, tmp_path)  # real files + ingest
    out = tmp_path / "processed"
    paths = write_tables(out)
    assert sorted(x.name for x in paths.values()) == [
        "indicators.csv",
        "indicators.parquet",
        "quality.csv",
        "quality.parquet",
        "siae.parquet",
        "siae_sectors.parquet",
    ]
    ind = load_indicators(out)
    ref, quality, siae = build_tables(p)
    pd.testing.assert_frame_equal(ind, ref)
    # each SIAE's hours by sector (statistical secrecy) add up to the département figures
    sec = pd.read_parquet(out / "siae_sectors.parquet")
    assert sec["code_departement"].map(type).eq(str).all()
    dep = ref.loc[(ref["indicator"] == "hours_by_sector") & (ref["territory_level"] == "dep")]
    dep = dep.loc[dep["value"] > 0]
    sums = sec.groupby(["code_departement", "year", "type_siae", "sector_code"])["hours"].sum()
    for r in dep.loc[dep["type_siae"] != "ALL"].itertuples():
        key = (r.territory_code, r.year, r.type_siae, r.breakdown)
        assert sums[key] == pytest.approx(r.value)
    assert len(sums) == (dep["type_siae"] != "ALL").sum()
    assert {"2A", "971", "60"} <= set(ind["territory_code"])
    assert set(load_siae(out)["code_departement"]) >= {"2A", "971"}
    assert len(load_quality(out)) == len(quality)
    first = (out / "indicators.csv").read_bytes()
    write_tables(out)
    assert (out / "indicators.csv").read_bytes() == first
    (out / "indicators.parquet").unlink()
    from_csv = load_indicators(out)  # CSV fallback: codes stay text
    assert "2A" in set(from_csv["territory_code"]) and "01" in set(from_csv["territory_code"])
    assert len(from_csv) == len(ref)


def test_quarantined_rows_are_reported_and_not_counted(tmp_path):
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1)])
    ds.Salarie.append(salarie(1, nir(1)))
    ds.ContratMission.append(contract(1, 1, 1))
    ds.EtatMensuelIndiv += [emi(1, 10, 1, 1, 2013, 1, 100.0), emi(2, 10, 1, 1, 2013, 2, 900.0)]
    data = processed(ds, tmp_path)
    ind, q, _ = build_tables(data)
    t = data.manifest["tables"]["EtatMensuelIndiv"]
    assert t["rows_read"] == t["rows_kept"] + t["rows_quarantined"] == 2
    hours = ind[
        (ind["indicator"] == "hours")
        & (ind["territory_level"] == "france")
        & (ind["type_siae"] == "ALL")
    ]["value"]
    assert hours.tolist() == [100.0]
    rq = q[(q["check"] == "rows_quarantined") & (q["territory_code"] == "93")]
    assert dict(zip(rq["breakdown"], rq["value"], strict=True)) == {
        "AnnexeFinanciere": 0.0,
        "ContratMission": 0.0,
        "EtatMensuelIndiv": 1.0,
        "Salarie": 0.0,
        "Structure": 0.0,
    }


def test_emi_dsm_duplicate_counted_once():
    emi_rows = pd.DataFrame(
        [
            emi(1, 10, 1, 1, 2013, 1, 10.0),
            emi(1, 10, 1, 1, 2013, 1, 10.0),
            emi(2, 11, 1, 1, 2013, 1, 5.0),
        ]
    )
    out = counted_emi(emi_rows, np.array([10]))
    assert out.hours.tolist() == [10.0]


def test_missing_column_is_an_input_error_naming_table_and_column():
    p = to_processed(random_dataset())
    p.annexe_financiere = p.annexe_financiere.drop(columns=["af_date_fin_effet"])
    with pytest.raises(InputError, match=r"annexe_financiere.*af_date_fin_effet"):
        build_tables(p)


def test_unknown_mesure_code_of_an_eligible_annex_is_an_input_error():
    ds = Dataset(Structure=[structure(1)], AnnexeFinanciere=[af(10, 1), af(11, 1)])
    ds.Salarie.append(salarie(1, nir(1)))
    ds.ContratMission.append(contract(1, 1, 1))
    ds.EtatMensuelIndiv.append(emi(1, 10, 1, 1, 2013, 1, 10.0))
    p = to_processed(ds)
    p.annexe_financiere.loc[1, "af_mesure_dispositif_code"] = "XYZ_DC"
    with pytest.raises(InputError, match=r"line 4.*af_mesure_dispositif_code.*'XYZ_DC'"):
        build_tables(p)


def test_bad_sector_reference_file_is_an_input_error(tmp_path, monkeypatch):
    bad = tmp_path / "bad.csv"
    bad.write_text("rome_prefix,sector_code,note\nF,btp,x\n", encoding="utf-8")
    monkeypatch.setenv("IAE_DIAG_ROME_SECTORS", str(bad))
    with pytest.raises(InputError, match=r"bad.csv, data row 1.*unknown sector code 'btp'"):
        load_sector_reference()
    bad.write_text("rome_prefix,sector_code,note\nF12X,autres,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="prefix must be the start of a ROME code"):
        load_sector_reference()


def test_sector_positions_decide_each_distinct_rome_code_once_as_row_by_row():
    """sector_positions gives, per contract, the position of the sector sector_codes_of gives
    row by row: known and lower-case codes, a valid code no prefix covers, a malformed one,
    missing values (None and NaN), on an arrow text column as on an object one."""
    from iae_diag.indicators.sectors import sector_codes_of, sector_positions

    ref = load_sector_reference()
    values = ["A1203", "k2303 ", None, "N4105", "A1203", "Z9999", "B9999", np.nan, "", "A1203"]
    by_hand = ["espaces_verts", "collecte_tri_recyclage", "non_renseigne", "transport_logistique"]
    by_hand += ["espaces_verts", "non_renseigne", ref.sector_of("B9999"), "non_renseigne"]
    by_hand += ["non_renseigne", "espaces_verts"]
    for rome in (pd.Series(values, dtype=object), pd.Series(values, dtype="string[pyarrow]")):
        at = sector_positions(rome, ref)
        assert at.dtype == np.int16
        assert [ref.codes[i] for i in at] == by_hand
        expected = pd.Index(ref.codes).get_indexer(sector_codes_of(rome, ref))
        assert at.tolist() == expected.tolist()


def test_packaged_sector_reference_holds_the_published_sectors():
    ref = load_sector_reference()
    for code in (
        "batiment_tp",
        "nettoyage_hors_sap",
        "espaces_verts",
        "services_aux_personnes",
        "collecte_tri_recyclage",
        "transport_logistique",
        "autres",
        "non_renseigne",
    ):
        assert code in ref.codes
    assert ref.sector_of("A1203") == "espaces_verts" and ref.sector_of("A1416") == "agriculture"
    assert ref.sector_of("K2303") == "collecte_tri_recyclage"
    assert ref.sector_of("K1304") == "services_aux_personnes"
    assert ref.sector_of("N4105") == "transport_logistique"
    assert ref.sector_of("M1607") == "autres" and ref.sector_of("") == "non_renseigne"
    assert ref.codes[-2:] == ["autres", "non_renseigne"]


def test_methodology_page_documents_every_definition():
    text = methodology_markdown()
    for words in (
        "VALIDE",
        "FDI",
        "ACI_MP",
        "adresse administrative",
        "Créations",
        "ETP conventionnés",
        "1 820",
        "Taux de réalisation",
        "NIR",
        "QPV",
        "table de passage ROME → secteur",
        "remplacer par une\ntable de même format",
        "Qualité des données",
        "région",
        "K2303",
        "91 jours",
        "150 heures",
        "au moins une heure",
        "RefMotifSort",
        "30,4375",
        "sorties dynamiques",
        "moyenne mensuelle",
    ):
        assert words in text, words


def test_no_eligible_annex_is_an_input_error():
    p = to_processed(random_dataset())
    p.annexe_financiere["af_etat_annexe_financiere_code"] = "ANNULE"
    with pytest.raises(InputError, match="none of its 80 rows is an eligible annex"):
        build_tables(p)


def test_no_counted_emi_row_still_counts_the_offer():
    p = to_processed(random_dataset())
    p.etat_mensuel_indiv = p.etat_mensuel_indiv.iloc[0:0]
    ind, _, _ = build_tables(p)
    fr = ind[
        (ind["territory_level"] == "france")
        & (ind["type_siae"] == "ALL")
        & (ind["breakdown"] == "")
    ].set_index(["indicator", "year"])["value"]
    assert fr[("hours", 2013)] == 0.0 and fr[("salaries", 2013)] == 0.0
    assert fr[("structures", 2013)] > 0 and fr[("etp_conventionnes", 2012)] > 0


def test_cli_indicators_writes_the_tables(tmp_path, monkeypatch, capsys):
    from iae_diag.cli import main

    monkeypatch.delenv("IAE_DIAG_GEO_DIR", raising=False)
    processed(random_dataset(seed=2), tmp_path)
    out = tmp_path / "tables"
    assert main(["indicators", "--processed", str(tmp_path / "processed"), "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {
        "indicators.parquet",
        "indicators.csv",
        "quality.parquet",
        "quality.csv",
        "siae.parquet",
        "indicators-inputs.json",  # what they were computed from (iae_diag.freshness)
        "siae_sectors.parquet",
    }
    assert "indicators.parquet" in capsys.readouterr().out
    assert main(["indicators", "--processed", str(tmp_path / "nowhere")]) == 2
    assert "incomplete" in capsys.readouterr().err

"""Tests of the territories of need (issue 13): RSA households, unemployment of the zones
d'emploi, offer against needs by département and by unit, the population of the data year,
each new file of the geography folder missing in turn, bad inputs named, and the French
sections of the report."""

from __future__ import annotations

import math
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from iae_diag import geo
from iae_diag.errors import InputError
from iae_diag.geo import needs, sections
from iae_diag.geo.populations import coverage_per_inhabitants
from iae_diag.report import context
from iae_diag.report import sections as report_sections
from iae_diag.territories import Territory
from maps_helpers import REAL_GEO_DIR, geo_subset, indicators_frame, siae_frame
from report_helpers import write_processed

needs_real = pytest.mark.skipif(
    not REAL_GEO_DIR.is_dir(),
    reason=f"the shared geography folder {REAL_GEO_DIR} does not exist on this machine",
)
REGION = Territory("region", "11")
DEP93 = Territory("dep", "93")
NBSP = "\u00a0"
RSA_FILE = "rsa-foyers-communes-idf-2020-12.csv"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def real() -> geo.Geography:
    g = geo.load_geography(REAL_GEO_DIR)
    assert g is not None
    return g


# ------------------------------------------------------------------------------------------
# RSA households and unemployment on the real files
# ------------------------------------------------------------------------------------------


@needs_real
def test_rsa_households_real(real):
    # PROVENANCE section 9: IDF 319,320 households (75: 59,940; 93: 78,735; 78: 23,190)
    by_dep = needs.rsa_by_departement(real)
    assert by_dep.sum() == 319_320
    assert (by_dep["75"], by_dep["93"], by_dep["78"]) == (59_940, 78_735, 23_190)
    # every row of the file is in a département total: none disappears
    raw = pd.read_csv(REAL_GEO_DIR / RSA_FILE, sep=";", dtype=str)
    assert by_dep.sum() == raw["Nombre foyers RSA_PPA"].astype(int).sum()
    units = needs.rsa_by_unit(real).set_index("code_unit")["foyers_rsa"]
    # Paris by arrondissement: "2020-12;75101;RSA seul;PARIS 1ER ARRONDISSEMENT;520;645"
    assert units["75101"] == 520 and "75056" not in units.index
    assert units[units.index.str.startswith("751")].sum() == 59_940
    assert not units.index.str.contains("X").any()  # 75XXX (0 households) only in the total
    assert units["93001"] == 6_765  # Aubervilliers


@needs_real
def test_unemployment_of_the_zone_demploi(real):
    # the closest full year to 2013 is 2021 (the file covers 2021-T1 to 2025-T4)
    assert needs.unemployment_year(real, 2013) == 2021
    assert needs.unemployment_year(real, 2024) == 2024
    u = needs.unemployment_by_unit(real, 2013).set_index("code_unit")
    # Paris (zone 1109): (7.9 + 7.6 + 7.6 + 7.2) / 4 = 7.575, for every arrondissement
    assert u.loc["75113", "taux_chomage"] == pytest.approx(7.575)
    assert u.loc["75113", "lib_ze"] == "Paris"
    by_dep = needs.unemployment_by_departement(real, 2013)
    assert by_dep["75"] == pytest.approx(7.575)  # one zone for the whole département


@needs_real
def test_needs_by_departement_hand_computed(real):
    t = needs.needs_by_departement(indicators_frame(), real, REGION, 2016)
    assert list(t["code"]) == ["75", "77", "78", "91", "92", "93", "94", "95", "11"]
    r93 = t.set_index("code").loc["93"]
    # 2,000 salariés, 1,000 ETP, 78,735 households; region 15,000 salariés, 319,320 households
    assert r93["salaries_per_100_rsa"] == pytest.approx(2000 / 78_735 * 100)  # 2.54
    assert r93["etp_per_100_rsa"] == pytest.approx(1000 / 78_735 * 100)  # 1.27
    assert r93["share_rsa"] == pytest.approx(78_735 / 319_320)  # 24.7 %
    assert r93["share_salaries"] == pytest.approx(2000 / 15_000)
    reg = t.set_index("code").loc["11"]
    assert reg["salaries_per_100_rsa"] == pytest.approx(15_000 / 319_320 * 100)  # 4.70
    assert reg["share_rsa"] == 1.0
    # département report: the département and its region
    d = needs.needs_by_departement(indicators_frame(), real, DEP93, 2016)
    assert list(d["code"]) == ["93", "11"]


@needs_real
def test_needs_salaries_under_5_are_secret(real):
    ind = indicators_frame()
    ind.loc[(ind["indicator"] == "salaries") & (ind["territory_code"] == "93"), "value"] = 3.0
    r93 = needs.needs_by_departement(ind, real, REGION, 2016).set_index("code").loc["93"]
    assert math.isnan(r93["salaries_per_100_rsa"]) and math.isnan(r93["share_salaries"])
    assert r93["etp_per_100_rsa"] == pytest.approx(1000 / 78_735 * 100)  # not a person count


@needs_real
def test_needs_by_arrondissement(real):
    siae = siae_frame()
    siae.loc[siae["structure_id_siae"] == 2, "salaries"] = 3  # Paris 11e: 3 salariés
    t = needs.needs_by_unit(siae, real, ["75"], 2016).set_index("code_unit")
    assert len(t) == 20
    # Paris 18e: SIAE 1, 40 ETP, int(40 * 2) = 80 salariés; rsa "75118;...;7875"
    assert t.loc["75118", "salaries"] == 80 and t.loc["75118", "foyers_rsa"] == 7_875
    assert t.loc["75118", "salaries_per_100_rsa"] == pytest.approx(80 / 7_875 * 100)
    # 3 salariés: neither the count nor the rate is published; zero is
    assert math.isnan(t.loc["75111", "salaries"])
    assert math.isnan(t.loc["75111", "salaries_per_100_rsa"])
    assert t.loc["75101", "salaries"] == 0 and t.loc["75101", "salaries_per_100_rsa"] == 0


@needs_real
def test_qpv_placed_in_the_arrondissements(real):
    from iae_diag.geo.distances import qpv_by_unit

    q = qpv_by_unit(real).set_index("code_unit")["qpv"]
    arr = q[q.index.str.startswith("751")]
    # the 21 QPV of Paris, each in at least one arrondissement (some straddle two)
    assert arr.sum() >= 21 and "75056" not in q.index
    # qpv2024-ile-de-france-communes.csv: one pair for 93001 (QN09328M, Franc Moisin...)
    assert q["93001"] == 1


# ------------------------------------------------------------------------------------------
# population of the data year
# ------------------------------------------------------------------------------------------


@needs_real
def test_coverage_per_inhabitants_names_its_vintage(real):
    cov = coverage_per_inhabitants(indicators_frame(2013), real, [DEP93, REGION], 2013)
    assert list(cov["vintage"]) == ["2013", "2013"]
    # popmun2013 of the series, by hand: 93 1,552,482; region 11,959,807 (PROVENANCE)
    p93 = pd.read_csv(
        REAL_GEO_DIR / "population-municipale-historique-communes-idf.csv",
        sep=";",
        dtype={"insee": str},
    )
    p93 = round(p93.loc[p93["insee"].str.startswith("93"), "popmun2013"].sum())
    assert cov["population"].iloc[0] == p93
    assert cov["population"].iloc[1] == 11_959_807
    assert cov["etp_per_10000"].iloc[1] == pytest.approx(8000 / 11_959_807 * 10_000)
    assert cov["salaries_per_10000"].iloc[1] == pytest.approx(15_000 / 11_959_807 * 10_000)


@needs_real
def test_without_the_series_the_closest_legal_population(tmp_path):
    g = geo.load_geography(
        geo_subset(tmp_path, ("population-municipale-historique-communes-idf.csv",))
    )
    assert sorted(g.populations) == ["2021", "2023"]
    cov = coverage_per_inhabitants(indicators_frame(2013), g, [REGION], 2013)
    assert cov["vintage"].iloc[0] == "2021" and cov["population"].iloc[0] == 12_317_279
    assert sections.coverage_notes(tmp_path, 2013) == [
        f"Population{NBSP}: INSEE, population municipale 2021, le millésime disponible le "
        "plus proche de 2013."
    ]


# ------------------------------------------------------------------------------------------
# each new file missing in turn
# ------------------------------------------------------------------------------------------


@needs_real
@pytest.mark.parametrize(
    ("missing", "attribute"),
    [
        ("arrondissements-paris.geojson", "arrondissements"),
        (RSA_FILE, "rsa"),
        ("chomage-ze2020-idf-trimestriel.csv", "unemployment"),
        ("communes-ze2020-idf.csv", "ze_communes"),
        ("departements-france-cog2024.csv", "cog_departements"),
        ("regions-france-cog2024.csv", "cog_regions"),
    ],
)
def test_folder_missing_one_new_file(tmp_path, missing, attribute):
    g = geo.load_geography(geo_subset(tmp_path, (missing,)))
    assert getattr(g, attribute) is None
    for other in {"arrondissements", "rsa", "unemployment", "cog_departements"} - {attribute}:
        if not (attribute == "ze_communes" and other == "unemployment"):
            assert getattr(g, other) is not None, other
    assert g.ignored == ()


@needs_real
def test_without_arrondissements_paris_is_one_commune(tmp_path):
    folder = geo_subset(tmp_path, ("arrondissements-paris.geojson",))
    g = geo.load_geography(folder)
    assert g.split_cities == frozenset()
    assert "75056" in set(g.units["code_unit"])
    rsa = needs.rsa_by_unit(g).set_index("code_unit")["foyers_rsa"]
    assert rsa["75056"] == 59_940  # the 20 arrondissements summed
    from iae_diag.geo import maps

    out = maps.territory_maps(
        Territory("dep", "75"), 2016, indicators_frame(), siae_frame(), folder
    )
    texts = [t.get_text().replace("\n", " ") for t in out[0][1].texts]
    assert any(
        "Paris, Lyon et Marseille sont représentés à l'échelle de la commune" in t for t in texts
    )
    assert not any("dossier de géographie" in t for t in texts)


@needs_real
def test_without_insee_lists_names_keep_their_article(tmp_path):
    """The type of name comes with the territory referential, not the geography folder."""
    g = geo.load_geography(geo_subset(tmp_path, ("departements-france-cog2024.csv",)))
    assert sections.of_territory(g, DEP93) == "de la Seine-Saint-Denis"
    assert sections.the_name(g, DEP93) == "la Seine-Saint-Denis"
    assert sections.of_territory(None, Territory("dep", "78")) == "des Yvelines"
    assert g.prefecture("93") is None


@needs_real
def test_insee_lists_give_articles_and_prefectures(real):
    assert sections.of_territory(real, DEP93) == "de la Seine-Saint-Denis"
    assert sections.of_territory(real, Territory("dep", "94")) == "du Val-de-Marne"
    assert sections.of_territory(real, Territory("dep", "92")) == "des Hauts-de-Seine"
    assert sections.of_territory(real, Territory("dep", "75")) == "de Paris"
    assert sections.of_territory(real, REGION) == "d'Île-de-France"
    assert sections.the_name(real, DEP93) == "la Seine-Saint-Denis"
    assert real.prefecture("93") == "93008"  # Bobigny


# ------------------------------------------------------------------------------------------
# bad inputs: the file, line and column named
# ------------------------------------------------------------------------------------------


def _rsa(tmp_path, body: str) -> None:
    (tmp_path / "rsa-2020-12.csv").write_text(
        "Date référence;Numéro commune;RSA ou PPA;Nom commune;Nombre foyers RSA_PPA\n" + body
    )


def test_rsa_bad_count_named(tmp_path):
    _rsa(tmp_path, "2020-12;93001;RSA seul;A;500\n2020-12;93048;RSA seul;C;beaucoup\n")
    with pytest.raises(InputError, match=r"rsa-2020-12.csv, line 3, column 'Nombre foyers "):
        geo.load_geography(tmp_path)


def test_rsa_bad_commune_named(tmp_path):
    _rsa(tmp_path, "2020-12;9300;RSA seul;A;500\n")
    with pytest.raises(InputError, match=r"line 2, column 'Numéro commune': '9300'"):
        geo.load_geography(tmp_path)


def test_rsa_two_dates_refused(tmp_path):
    _rsa(tmp_path, "2020-12;93001;RSA seul;A;500\n2021-12;93048;RSA seul;C;5\n")
    with pytest.raises(InputError, match="several reference dates"):
        geo.load_geography(tmp_path)


def test_rsa_counts_kept_without_loss(tmp_path):
    _rsa(
        tmp_path,
        "2020-12;93001;RSA seul;A;500\n2020-12;93001;RSA et PPA;A;20\n"
        "2020-12;93001;PPA seule;A;900\n2020-12;93XXX;RSA seul;;15\n",
    )
    g = geo.load_geography(tmp_path)
    assert g.rsa_vintage == "2020-12"
    # RSA alone + RSA with the prime d'activité; the prime alone is not the RSA
    assert needs.rsa_by_departement(g)["93"] == 500 + 20 + 15
    assert needs.rsa_by_unit(g) is not None


def test_population_series_bad_value_named(tmp_path):
    (tmp_path / "historique.csv").write_text(
        "insee;popmun2012;popmun2013\n93001;100;101.5\n93066;200;n/a\n"
    )
    with pytest.raises(InputError, match=r"historique.csv, line 3, column 'popmun2013': 'n/a'"):
        geo.load_geography(tmp_path)


def test_population_series_vintages(tmp_path):
    (tmp_path / "historique.csv").write_text(
        "insee;popmun2012;popmun2013\n93001;100;101.5\n93066;200;200.4\n"
    )
    g = geo.load_geography(tmp_path)
    assert sorted(g.populations) == ["2012", "2013"]
    p = geo.population_by_departement(tmp_path, year=2014)
    assert list(p["vintage"]) == ["2013"] and list(p["population"]) == [302]  # 301.9 rounded


def test_arrondissement_layer_bad_code_named(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    gpd.GeoDataFrame(
        {"INSEE_ARM": ["75101", "75199"], "INSEE_COM": ["75056", "75056"]},
        geometry=[box(2.33, 48.86, 2.34, 48.87), box(2.34, 48.86, 2.35, 48.87)],
        crs="EPSG:4326",
    ).to_file(tmp_path / "arm.geojson")
    with pytest.raises(InputError, match=r"arm.geojson, feature 2, column 'INSEE_ARM': '75199'"):
        geo.load_geography(tmp_path)


def test_unemployment_bad_quarter_named(tmp_path):
    (tmp_path / "chomage.csv").write_text(
        "code_ze2020,lib_ze2020,trimestre,taux_chomage_pct\n1109,Paris,2021-T1,7.9\n"
        "1109,Paris,2021-Q2,7.6\n"
    )
    with pytest.raises(InputError, match=r"chomage.csv, line 3, column 'trimestre': '2021-Q2'"):
        geo.load_geography(tmp_path)


def test_insee_list_bad_type_of_name(tmp_path):
    (tmp_path / "deps.csv").write_text(
        "DEP,REG,CHEFLIEU,TNCC,NCC,NCCENR,LIBELLE\n93,11,93008,x,A,B,C\n"
    )
    with pytest.raises(InputError, match=r"deps.csv, line 2, column 'TNCC': 'x'"):
        geo.load_geography(tmp_path)


# ------------------------------------------------------------------------------------------
# the French sections
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    return write_processed(tmp_path_factory.mktemp("needs") / "processed")


@needs_real
def test_sections_with_the_real_folder(proc):
    ctx = context.build_context("dep:93", 2013, str(proc), str(REAL_GEO_DIR))
    terr = report_sections.show_territories(ctx).data
    assert "L&#x27;offre au regard des besoins" in terr
    assert "population 2013" in terr  # the vintage in the column header
    assert "Foyers allocataires du RSA (décembre 2020)" in terr
    assert "la Seine-Saint-Denis" in terr and "d&#x27;Île-de-France" in terr
    maps_html = report_sections.show_maps(ctx).data
    # 2013 is before the QPV: said once, above the maps
    assert maps_html.count("existent depuis 2015") == 1
    assert "Territoires peu couverts" in maps_html
    assert "placée à son adresse administrative" in maps_html
    assert "dossier de géographie" not in maps_html


@needs_real
def test_region_without_rsa_still_renders(proc, tmp_path):
    folder = geo_subset(tmp_path, (RSA_FILE,))
    ctx = context.build_context("region:11", 2013, str(proc), str(folder))
    terr = report_sections.show_territories(ctx).data
    assert (
        "Le nombre de foyers allocataires du RSA n&#x27;est pas disponible pour ce territoire"
        in terr
    )
    assert "data:image/png" in report_sections.show_maps(ctx).data


def test_sections_without_geography(proc, monkeypatch):
    monkeypatch.delenv("IAE_DIAG_GEO_DIR", raising=False)
    ctx = context.build_context("region:11", 2013, str(proc), "")
    terr = report_sections.show_territories(ctx).data
    assert "n&#x27;est pas calculé" in terr
    assert "foyers allocataires du RSA n&#x27;est pas disponible" in terr


def test_methodology_states_the_thin_offer_rule():
    from iae_diag.config import REFERENCE_DIR
    from iae_diag.geo.distances import THIN_OFFER_KM, THIN_OFFER_MIN_RSA

    text = (REFERENCE_DIR / "methodology.md").read_text(encoding="utf-8")
    assert f"au moins {THIN_OFFER_MIN_RSA} foyers allocataires du RSA" in text
    assert f"à moins de {THIN_OFFER_KM:.0f} km" in text
    assert "adresse administrative" in text and "ZUS et des CUCS" in text


@needs_real
def test_paris_section_by_arrondissement(proc):
    ctx = context.build_context("dep:75", 2013, str(proc), str(REAL_GEO_DIR))
    html = report_sections.show_maps(ctx).data
    assert "L&#x27;offre par arrondissement au regard des besoins" in html
    # the 20 arrondissements, by their number
    assert all(f'<th scope="row" class="nw">{n}e</th>' in html for n in range(2, 21))
    assert '<th scope="row" class="nw">1er</th>' in html
    # one zone d'emploi for Paris: a sentence, (7.9 + 7.6 + 7.6 + 7.2) / 4 = 7.575
    assert f"Taux de chômage 2021 de la zone d&#x27;emploi (Paris){NBSP}: 7,6{NBSP}%." in html
    # Paris' rsa file: the 18e has the most households (7,875)
    assert f"Le 18e arrondissement compte le plus de foyers allocataires du RSA (7{NBSP}875)" in (
        html
    )


def test_unit_label():
    assert sections.unit_label("75101", "Paris 1er Arrondissement") == "1er arrondissement"
    assert sections.unit_label("75118", "Paris 18e Arrondissement") == "18e arrondissement"
    assert sections.unit_label("69383", "Lyon 3e") == "3e arrondissement"
    assert sections.unit_label("13216", "Marseille 16e") == "16e arrondissement"
    assert sections.unit_label("93066", "Saint-Denis") == "Saint-Denis"
    assert sections.unit_label("75118", "Paris 18e Arrondissement", short=True) == "18e"


@needs_real
def test_needs_map_hides_a_rate_on_fewer_than_5_salaries():
    from iae_diag.geo import maps

    ind = indicators_frame()
    ind.loc[(ind["indicator"] == "salaries") & (ind["territory_code"] == "93"), "value"] = 3.0
    out = maps.territory_maps(REGION, 2016, ind, siae_frame(), REAL_GEO_DIR)
    title, fig = out[1]
    assert title.startswith("Salariés en insertion pour 100 foyers allocataires du RSA")
    texts = [t.get_text() for t in fig.texts]
    row = texts.index("Seine-Saint-Denis (93)")
    assert texts[row + 1] == "s"  # 3 / 78 735 * 100 = 0.004 is not drawn
    assert "0,0" not in texts
    # secondary suppression (départements -> region): the other cell hidden is the smallest,
    # ties going to the first code, Paris; the others are drawn
    assert texts[texts.index("Paris (75)") + 1] == "s"
    assert texts[texts.index("Val-de-Marne (94)") + 1] == "4,8"


@needs_real
def test_unit_names_from_the_most_recent_population_file(real):
    # the 2018 commune layer names 93027 "Courneuve"; INSEE's 2023 file "La Courneuve"
    units = real.units.set_index("code_unit")["nom"]
    assert units["93027"] == "La Courneuve"
    assert units["75113"] == "Paris 13e Arrondissement"
    assert units["91228"] == "Évry-Courcouronnes"  # merged in 2019, absent from the layer


def test_lyon_by_arrondissement_same_code_path(tmp_path):
    """Lyon (69123) with the contours of two of its arrondissements (69381, 69382): the SIAE of
    69381 is placed there, populations are by arrondissement, the RSA rows too."""
    import geopandas as gpd
    from shapely.geometry import box

    from iae_diag.geo.distances import locate_siae

    # Lambert-93 squares: Lyon 69123 = two 1 km squares, Villeurbanne 69266 next to it
    lyon_w, lyon_e = (
        box(842_000, 6_519_000, 843_000, 6_520_000),
        box(843_000, 6_519_000, 844_000, 6_520_000),
    )
    gpd.GeoDataFrame(
        {"INSEE_COM": ["69123", "69266"], "NOM": ["Lyon", "Villeurbanne"]},
        geometry=[lyon_w.union(lyon_e), box(844_000, 6_519_000, 845_000, 6_520_000)],
        crs="EPSG:2154",
    ).to_file(tmp_path / "COMMUNE.gpkg")
    gpd.GeoDataFrame(
        {
            "INSEE_ARM": ["69381", "69382"],
            "INSEE_COM": ["69123", "69123"],
            "NOM": ["Lyon 1er Arrondissement", "Lyon 2e Arrondissement"],
        },
        geometry=[lyon_w, lyon_e],
        crs="EPSG:2154",
    ).to_file(tmp_path / "ARRONDISSEMENT_MUNICIPAL.gpkg")
    (tmp_path / "population-2016.csv").write_text(
        "COM;Commune;PMUN\n69381;Lyon 1er;30000\n69382;Lyon 2e;31000\n69266;Villeurbanne;150000\n"
    )
    (tmp_path / "rsa-2020-12.csv").write_text(
        "Date référence;Numéro commune;RSA ou PPA;Nom commune;Nombre foyers RSA_PPA\n"
        "2020-12;69381;RSA seul;LYON 1ER;400\n2020-12;69382;RSA seul;LYON 2E;300\n"
    )
    g = geo.load_geography(tmp_path)
    assert g.split_cities == frozenset({"69123"})
    assert list(g.units["code_unit"]) == ["69266", "69381", "69382"]
    pop = g.population("2016", units=True).set_index("code_commune_ref")["population"]
    assert pop.to_dict() == {"69266": 150_000, "69381": 30_000, "69382": 31_000}
    assert needs.rsa_by_unit(g).set_index("code_unit")["foyers_rsa"].to_dict() == {
        "69381": 400,
        "69382": 300,
    }
    siae = siae_frame().iloc[0:0].copy()
    siae.loc[0] = [1, "ACI", 2016, "69", "69381", "S", 10.0, 16070.0, 20, 11.0]
    siae.loc[1] = [2, "EI", 2016, "69", "69123", "T", 5.0, 8035.0, 10, 5.5]
    siae = siae.astype({"structure_id_siae": "int64", "year": "int64"})
    located, unlocated = locate_siae(g, siae, 2016)
    assert list(located["code_commune_ref"]) == ["69381"]
    assert unlocated == 1  # coded 69123 without its arrondissement
    assert sections.unit_label("69381", "Lyon 1er Arrondissement") == "1er arrondissement"


@needs_real
def test_rates_built_on_hidden_counts_are_hidden(proc):
    """A rate computed from a count the run hides (ETP réalisés, salariés) would give it back
    (rate x population or x RSA households): the coverage column and the needs table print
    ``s`` wherever the run hides the count."""
    ctx = context.build_context("region:11", 2013, str(proc), str(REAL_GEO_DIR))
    real_secret = ctx.secret
    hidden = {("etp_realises", "77"), ("salaries", "78")}

    def secret(indicator, year=None, type_siae="ALL", breakdown="", terr=None):
        t = terr or ctx.territory
        return (indicator, t.code) in hidden or real_secret(
            indicator, year, type_siae, breakdown, terr
        )

    ctx.secret = secret
    html = report_sections.show_territories(ctx).data
    tables = html.split("<table")
    comparison = next(t for t in tables if "ETP pour 10" in t)
    row77 = comparison[comparison.index("Seine-et-Marne (77)") :].split("</tr>")[0]
    assert row77.rstrip().endswith("<td>s</td>")  # the coverage cell
    needs_tab = next(t for t in tables if "pour 100 foyers RSA" in t)
    row78 = needs_tab[needs_tab.index("Yvelines (78)") :].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row78)
    assert cells[0] == "s" and cells[2] == "s"  # salariés, salariés per 100 RSA households
    row77n = needs_tab[needs_tab.index("Seine-et-Marne (77)") :].split("</tr>")[0]
    assert re.findall(r"<td[^>]*>(.*?)</td>", row77n)[3] == "s"  # ETP per 100 RSA households


@needs_real
def test_key_figures_sentence_names_the_departement_with_its_article(proc, monkeypatch):
    """The opening sentence reads "les SIAE de la Seine-Saint-Denis (93)", with or without a
    geography folder (reader F9)."""
    ctx = context.build_context("dep:93", 2013, str(proc), str(REAL_GEO_DIR))
    assert ctx.name_type() == 3
    html = report_sections.show_key_figures(ctx).data
    assert "les SIAE de la Seine-Saint-Denis (93) ont salarié" in html
    assert "La Seine-Saint-Denis (93) comptait" in html
    monkeypatch.delenv("IAE_DIAG_GEO_DIR", raising=False)  # `make test` sets it
    bare = context.build_context("dep:93", 2013, str(proc), "")
    assert (
        "les SIAE de la Seine-Saint-Denis (93) ont salarié"
        in report_sections.show_key_figures(bare).data
    )

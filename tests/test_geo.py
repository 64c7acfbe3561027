"""Tests of iae_diag.geo on the real geography folder (shared/data/geo) and on small folders
written in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from iae_diag import config, geo
from iae_diag.errors import InputError
from maps_helpers import REAL_GEO_DIR

needs_real = pytest.mark.skipif(
    not REAL_GEO_DIR.is_dir(),
    reason=f"the shared geography folder {REAL_GEO_DIR} does not exist on this machine",
)

MERGED_10 = [
    "77028",
    "77149",
    "77399",
    "78251",
    "78503",
    "78524",
    "91182",
    "91222",
    "93059",
    "95282",
]


@pytest.fixture
def real() -> geo.Geography:
    g = geo.load_geography(REAL_GEO_DIR)
    assert g is not None
    return g


def _p21(g: geo.Geography) -> pd.DataFrame:
    return g.population("2021").set_index("code_commune_ref")


def _pop_file(year: str) -> pd.DataFrame:
    return pd.read_csv(
        REAL_GEO_DIR / f"population-legale-{year}-communes-idf.csv", sep=";", dtype=str
    )


# ------------------------------------------------------------------------------------------
# real folder
# ------------------------------------------------------------------------------------------


@needs_real
def test_real_folder_layers_and_counts(real):
    assert real.layers == (
        "departements",
        "communes",
        "arrondissements",
        "region",
        "qpv",
        "qpv_communes",
        "population",
        "rsa",
        "unemployment",
        "ze_communes",
        "cog_departements",
        "cog_regions",
    )
    assert len(real.departements) == 8
    assert list(real.departements["code_departement"]) == [
        "75",
        "77",
        "78",
        "91",
        "92",
        "93",
        "94",
        "95",
    ]
    assert len(real.communes) == 1276
    assert len(real.qpv) == 298
    assert len(real.qpv_communes) == 345
    assert len(real.region) == 1 and real.region["code_region"].iloc[0] == "11"
    # 2006-2017 from the historical series, 2021 and 2023 from the legal-population files
    assert sorted(real.populations) == [str(y) for y in range(2006, 2018)] + ["2021", "2023"]
    assert real.population_sources["2013"] == "population-municipale-historique-communes-idf.csv"
    assert real.population_sources["2021"] == "population-legale-2021-communes-idf.csv"
    assert len(real.arrondissements) == 20
    assert real.split_cities == frozenset({"75056"})
    assert real.rsa_vintage == "2020-12"
    assert len(real.unemployment) == 300 and len(real.ze_communes) == 1266
    assert len(real.cog_departements) == 101 and len(real.cog_regions) == 18
    # Files of the folder that no layer reads: listed here so that a new file of the folder
    # is noticed, not silently skipped.
    assert set(real.ignored) == {"PROVENANCE.md"}
    assert str(real.communes.crs) == "EPSG:4326"
    assert real.communes["code_commune"].map(type).eq(str).all()


@needs_real
def test_real_folder_via_environment(monkeypatch):
    monkeypatch.setenv("IAE_DIAG_GEO_DIR", str(REAL_GEO_DIR))
    g = geo.load_geography(config.geo_dir())
    assert g is not None and len(g.communes) == 1276
    # cached per process: the same object for the same folder
    assert geo.load_geography(REAL_GEO_DIR) is g


@needs_real
def test_invalid_qpv_geometries_repaired(real):
    raw = gpd.read_file(REAL_GEO_DIR / "qpv2024-ile-de-france.geojson")
    assert int((~raw.is_valid).sum()) == 97
    assert real.invalid_repaired["qpv"] == (97, 0)
    assert real.qpv.is_valid.all()
    assert set(real.qpv.geom_type) <= {"Polygon", "MultiPolygon"}
    # the repair keeps the areas (self-intersections of ~11 m rounding): within 0.5 % in total
    a_raw = raw.to_crs(geo.LAMBERT93).buffer(0).area.sum()
    a_fixed = real.qpv.to_crs(geo.LAMBERT93).area.sum()
    assert abs(a_fixed - a_raw) / a_raw < 0.005


@needs_real
def test_paris_arrondissements_summed(real):
    raw = _pop_file("2021")
    arr = raw.loc[raw["COM"].str.startswith("751"), "PMUN"].astype(int)
    assert len(arr) == 20 and "75056" not in set(raw["COM"])
    pop = real.population("2021").set_index("code_commune_ref")
    assert pop.loc["75056", "population"] == arr.sum() == 2_133_111
    assert pop.loc["75056", "nom"] == "Paris"
    # the commune layer has Paris as one commune, joined to that population
    assert "75056" in set(real.communes_ref["code_commune_ref"])
    assert _p21(real).loc["75056", "population"] == 2_133_111
    assert (
        real.code_changes.query("raison == 'arrondissement'")["code_commune_ref"] == "75056"
    ).all()


@needs_real
def test_known_communes_joined(real):
    cr = real.communes_ref.set_index("code_commune_ref")
    assert _p21(real).loc["93048", "population"] == 111_455  # Montreuil, PMUN 2021
    assert cr.loc["93048", "nom"] == "Montreuil"
    # Saint-Denis absorbed Pierrefitte-sur-Seine (93059) on 2025-01-01: 113 942 + 32 379
    assert _p21(real).loc["93066", "population"] == 113_942 + 32_379
    assert real.population_vintage == "2006"  # the oldest; reports use the data year's


@needs_real
def test_merged_communes_mapped(real):
    c = real.communes.set_index("code_commune")
    assert c.loc["91182", "code_commune_ref"] == "91228"  # Courcouronnes -> Évry-Courcouronnes
    assert c.loc["91182", "nom"] == "Courcouronnes"
    cr = real.communes_ref.set_index("code_commune_ref")
    assert cr.loc["91228", "nom"] == "Évry-Courcouronnes"
    assert _p21(real).loc["91228", "population"] == 66_177
    assert "91182" not in cr.index
    changed = real.code_changes.query("couche == 'communes'")
    assert sorted(changed["code_commune"]) == MERGED_10
    assert (changed["raison"] == "fusion").all()
    # every polygon finds a population, for both vintages: no commune left out
    assert len(real.communes_ref) == 1276 - 10
    assert real.communes_ref["population"].notna().all()
    for vintage in ("2021", "2023"):
        pop = real.population(vintage)
        assert set(pop["code_commune_ref"]) == set(real.communes_ref["code_commune_ref"])
        assert pop["population"].sum() == _pop_file(vintage)["PMUN"].astype(int).sum()


@needs_real
def test_merger_table_codes_exist(real):
    m = geo.packaged_mergers()
    assert sorted(m["code_ancien"]) == MERGED_10
    layer = set(real.communes["code_commune"])
    new_pop = set(_pop_file("2023")["COM"])
    assert set(m["code_ancien"]) <= layer
    assert set(m["code_nouveau"]) <= layer & new_pop
    assert not set(m["code_ancien"]) & new_pop
    assert (m["source"] != "").all() and (m["notes"] != "").all()
    assert real.vintages["communes"] == "2018"  # inferred: it still holds 2019 mergers


@needs_real
def test_qpv_spanning_several_communes(real):
    pairs = real.qpv_commune_pairs
    franc_moisin = pairs.loc[pairs["code_qp"] == "QN09328M", "code_commune_ref"]
    assert sorted(franc_moisin) == ["93001", "93008", "93027", "93066"]
    raw_multi = real.qpv_communes.groupby("code_qp")["code_commune"].nunique()
    assert int((raw_multi > 1).sum()) == 38  # as in PROVENANCE.md
    multi = pairs.groupby("code_qp")["code_commune_ref"].nunique()
    # one of them spans Pierrefitte-sur-Seine and Saint-Denis, one commune since 2025
    assert int((multi > 1).sum()) == 37
    assert sorted(
        real.qpv_communes.loc[
            real.qpv_communes["code_commune"] == "93059", "code_commune_ref"
        ].unique()
    ) == ["93066"]
    # QN09116M "Le Canal" lists 91228, the commune merged with Courcouronnes
    assert list(pairs.loc[pairs["code_qp"] == "QN09116M", "code_commune_ref"]) == ["91228"]


@needs_real
def test_population_vintage_of_the_data_year(real):
    # PROVENANCE section 11: 2013, Île-de-France 11,959,807, Paris 2,229,621
    p13 = geo.population_by_departement(REAL_GEO_DIR, year=2013)
    assert (p13["vintage"] == "2013").all()
    assert p13["population"].sum() == 11_959_807
    assert p13.set_index("code_departement").loc["75", "population"] == 2_229_621
    # closest vintage: 2019 is 2 years from 2017 and from 2021: the earlier; 2030 -> 2023
    assert real.population_vintage_for(2019) == "2017"
    assert real.population_vintage_for(2022) == "2021"
    assert real.population_vintage_for(2030) == "2023"
    assert real.population_vintage_for(2001) == "2006"
    # a legal-population file wins over the series for the same vintage; the series' decimals
    # (2007: 75101 has 17,915.36) are rounded once summed
    p07 = real.population("2007", units=True).set_index("code_commune_ref")
    assert p07.loc["75101", "population"] == 17_915
    assert p07.loc["75101", "nom"] == "Paris 1er Arrondissement"
    assert real.population("2013").set_index("code_commune_ref").loc["75056", "population"] == (
        2_229_621
    )


@needs_real
def test_population_by_departement(real):
    # without a year nor a vintage: the oldest vintage available
    assert (geo.population_by_departement(REAL_GEO_DIR)["vintage"] == "2006").all()
    p = geo.population_by_departement(REAL_GEO_DIR, vintage="2021")
    assert list(p.columns) == ["code_departement", "population", "vintage"]
    assert list(p["code_departement"]) == ["75", "77", "78", "91", "92", "93", "94", "95"]
    assert p["population"].dtype == "int64"
    assert p["population"].sum() == 12_317_279
    assert (p["vintage"] == "2021").all()
    assert p.set_index("code_departement").loc["75", "population"] == 2_133_111
    p23 = geo.population_by_departement(REAL_GEO_DIR, vintage="2023")
    assert p23["population"].sum() == 12_463_067
    with pytest.raises(InputError, match="no population of vintage '2019'"):
        geo.population_by_departement(REAL_GEO_DIR, vintage="2019")


@needs_real
def test_partial_folder(tmp_path):
    for name in ("communes-ile-de-france.geojson", "population-legale-2023-communes-idf.csv"):
        shutil.copy(REAL_GEO_DIR / name, tmp_path / name)
    g = geo.load_geography(tmp_path)
    assert g.layers == ("communes", "population")
    assert g.qpv is None and g.departements is None and g.qpv_commune_pairs is None
    assert g.population_vintage == "2023"
    # départements can still be drawn: the communes dissolved
    assert list(g.departements_layer["code_departement"]) == [
        "75",
        "77",
        "78",
        "91",
        "92",
        "93",
        "94",
        "95",
    ]
    p = geo.population_by_departement(tmp_path)
    assert p["population"].sum() == 12_463_067


@needs_real
def test_qpv_layer_alone_gives_pairs(tmp_path):
    shutil.copy(REAL_GEO_DIR / "qpv2024-ile-de-france.geojson", tmp_path / "qpv.geojson")
    g = geo.load_geography(tmp_path)
    assert g.layers == ("qpv",)
    pairs = g.qpv_commune_pairs
    assert len(pairs) == 344  # 345 pairs, 93059 and 93066 both listed for one QPV -> 93066
    assert geo.population_by_departement(tmp_path) is None


# ------------------------------------------------------------------------------------------
# no folder, empty folder, bad files
# ------------------------------------------------------------------------------------------


def test_no_geography(tmp_path, monkeypatch):
    monkeypatch.delenv("IAE_DIAG_GEO_DIR", raising=False)
    assert config.geo_dir() is None
    assert geo.load_geography(None) is None
    assert geo.load_geography(config.geo_dir()) is None
    assert geo.load_geography(tmp_path) is None  # empty
    assert geo.load_geography(tmp_path / "missing") is None
    (tmp_path / "notes.txt").write_text("rien")
    assert geo.load_geography(tmp_path) is None  # nothing recognised
    assert geo.population_by_departement(tmp_path) is None


def _write_pop(path: Path, rows: list[tuple[str, str]]) -> None:
    lines = ["REG;DEP;COM;Commune;PMUN;PCAP;PTOT"]
    lines += [f"11;{c[:2]};{c};Commune {c};{p};0;{p}" for c, p in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_population_without_vintage_in_name(tmp_path):
    _write_pop(tmp_path / "donnees_communes.csv", [("93001", "100")])
    with pytest.raises(InputError, match=r"donnees_communes\.csv: its vintage is not in its name"):
        geo.load_geography(tmp_path)


def test_population_not_a_number(tmp_path):
    _write_pop(tmp_path / "population-2021.csv", [("93001", "100"), ("93066", "12a")])
    with pytest.raises(InputError, match=r"line 3, column 'PMUN': '12a'"):
        geo.load_geography(tmp_path)


def test_commune_layer_bad_code(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"INSEE_COM": ["93001", "9300"], "NOM": ["A", "B"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs=geo.LAMBERT93,
    )
    gdf.to_file(tmp_path / "COMMUNE.gpkg")
    with pytest.raises(InputError, match=r"feature 2, column 'INSEE_COM': '9300'"):
        geo.load_geography(tmp_path)


def test_ign_style_layers_and_extra_mergers(tmp_path):
    """ADMIN EXPRESS-like layers (INSEE_* columns, Lambert-93) and a merger CSV in the
    folder."""
    com = gpd.GeoDataFrame(
        {
            "INSEE_COM": ["01001", "01002", "01003"],
            "NOM": ["A", "B", "C"],
            "INSEE_DEP": ["01"] * 3,
        },
        geometry=[
            box(850000, 6550000, 851000, 6551000),
            box(851000, 6550000, 852000, 6551000),
            box(852000, 6550000, 853000, 6551000),
        ],
        crs=geo.LAMBERT93,
    )
    com.to_file(tmp_path / "COMMUNE.gpkg")
    dep = com.dissolve("INSEE_DEP", as_index=False)[["INSEE_DEP", "geometry"]]
    dep.to_file(tmp_path / "DEPARTEMENT.gpkg")
    (tmp_path / "fusions.csv").write_text("code_ancien,code_nouveau\n01003,01002\n")
    _write_pop(tmp_path / "pop_2020.csv", [("01001", "10"), ("01002", "20")])
    g = geo.load_geography(tmp_path)
    assert g.layers == ("departements", "communes", "population")
    assert g.files["communes"] == "COMMUNE.gpkg"
    assert str(g.communes.crs) == "EPSG:4326"
    assert list(g.communes["code_commune_ref"]) == ["01001", "01002", "01002"]
    cr = g.communes_ref.set_index("code_commune_ref")
    assert list(cr.index) == ["01001", "01002"]
    assert cr.loc["01002", "population"] == 20
    # the dissolved commune 01002 covers 2 km² (areas in Lambert-93)
    assert cr.to_crs(geo.LAMBERT93).area.loc["01002"] == pytest.approx(2e6, rel=1e-4)
    assert list(g.code_changes["code_commune"]) == ["01003"]


def test_reference_codes_rules():
    codes = pd.Series(["75101", "75120", "75056", "13201", "69389", "91182", "93059", "93066"])
    ref, reason = geo.reference_codes(codes, geo.codes._merger_map(None))
    assert list(ref) == ["75056", "75056", "75056", "13055", "69123", "91228", "93066", "93066"]
    assert list(reason) == [
        "arrondissement",
        "arrondissement",
        "",
        "arrondissement",
        "arrondissement",
        "fusion",
        "fusion",
        "",
    ]


def test_merger_chain_followed():
    extra = pd.DataFrame({"code_ancien": ["01001", "01002"], "code_nouveau": ["01002", "01003"]})
    m = geo.codes._merger_map(extra)
    assert m["01001"] == "01003" and m["01002"] == "01003"


def test_metric_crs():
    assert geo.metric_crs(["93"]) == "EPSG:2154"
    assert geo.metric_crs(["75", "93"]) == "EPSG:2154"
    assert geo.metric_crs(["974"]) == "EPSG:2975"


def test_whole_admin_express_archive(tmp_path):
    """The other layers of an ADMIN EXPRESS archive are ignored, not taken for communes or
    départements (ARRONDISSEMENT_MUNICIPAL has INSEE_COM, ARRONDISSEMENT has INSEE_DEP,
    CHEF_LIEU is a point layer with INSEE_COM)."""
    sq = [box(650000, 6860000, 651000, 6861000), box(651000, 6860000, 652000, 6861000)]
    layers = {
        "ARRONDISSEMENT": {"INSEE_ARR": ["1", "2"], "INSEE_DEP": ["93", "93"]},
        "ARRONDISSEMENT_MUNICIPAL": {
            "INSEE_ARM": ["75101", "75102"],
            "INSEE_COM": ["75056", "75056"],
        },
        "CANTON": {"INSEE_CAN": ["01", "02"], "INSEE_DEP": ["93", "93"]},
        "COMMUNE": {
            "INSEE_COM": ["93001", "93066"],
            "INSEE_DEP": ["93", "93"],
            "INSEE_REG": ["11", "11"],
        },
        "DEPARTEMENT": {"INSEE_DEP": ["93", "94"], "INSEE_REG": ["11", "11"]},
        "EPCI": {"CODE_SIREN": ["1", "2"]},
        "REGION": {"INSEE_REG": ["11", "24"]},
    }
    for name, cols in layers.items():
        gpd.GeoDataFrame(cols, geometry=sq, crs=geo.LAMBERT93).to_file(tmp_path / f"{name}.gpkg")
    gpd.GeoDataFrame(
        {"INSEE_COM": ["93001"]},
        geometry=gpd.points_from_xy([650500], [6860500]),
        crs=geo.LAMBERT93,
    ).to_file(tmp_path / "CHEF_LIEU.gpkg")
    g = geo.load_geography(tmp_path)
    assert g.files == {
        "departements": "DEPARTEMENT.gpkg",
        "region": "REGION.gpkg",
        "communes": "COMMUNE.gpkg",
        # municipal arrondissements are read (Paris, Lyon, Marseille by arrondissement)
        "arrondissements": "ARRONDISSEMENT_MUNICIPAL.gpkg",
    }
    assert sorted(g.ignored) == [
        "ARRONDISSEMENT.gpkg",
        "CANTON.gpkg",
        "CHEF_LIEU.gpkg",
        "EPCI.gpkg",
    ]
    assert list(g.communes["code_commune"]) == ["93001", "93066"]

"""Tests of iae_diag.geo.maps: notes without geography, maps on the real geography folder, partial
folders, and the "territoires peu couverts" table on a hand-checkable folder."""

from __future__ import annotations

import shutil
import time

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from shapely.geometry import box

from iae_diag import geo
from iae_diag.errors import InputError
from iae_diag.geo import drawing, maps
from iae_diag.territories import Territory
from maps_helpers import NEW_GEO_FILES, REAL_GEO_DIR, geo_subset, indicators_frame, siae_frame

needs_real = pytest.mark.skipif(
    not REAL_GEO_DIR.is_dir(),
    reason=f"the shared geography folder {REAL_GEO_DIR} does not exist on this machine",
)
REGION = Territory("region", "11")
DEP93 = Territory("dep", "93")
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _collection(fig: Figure, gid: str):
    hits = [c for ax in fig.axes for c in ax.collections if c.get_gid() == gid]
    assert len(hits) == 1, f"{gid}: {len(hits)} collections"
    return hits[0]


def _parts(gdf: gpd.GeoDataFrame) -> int:
    """Number of paths geopandas draws for a layer: one per feature (a multipolygon is one
    compound path)."""
    return len(gdf)


def _texts(fig: Figure) -> list[str]:
    out = [t.get_text().replace("\n", " ") for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
    for leg in fig.legends:
        out += [t.get_text().replace("\n", " ") for t in leg.get_texts()]
        out.append(leg.get_title().get_text())
    return out


# ------------------------------------------------------------------------------------------
# no geography
# ------------------------------------------------------------------------------------------


def test_no_geography_gives_notes(tmp_path, monkeypatch):
    monkeypatch.delenv("IAE_DIAG_GEO_DIR", raising=False)
    for geo_dir in (None, tmp_path, tmp_path / "missing"):
        region = maps.territory_maps(REGION, 2016, indicators_frame(), siae_frame(), geo_dir)
        assert [t for t, _ in region] == [
            f"ETP réalisés pour 10{NBSP}000 habitants, par département, région Île-de-France, "
            "2016",
            "Salariés en insertion pour 100 foyers allocataires du RSA, par département, "
            "région Île-de-France, 2016",
            f"Part des salariés résidant en QPV (en{NBSP}%), par département, région "
            "Île-de-France, 2016",
            "Structures de l'IAE par commune, selon le nombre de structures et le type, région "
            "Île-de-France, 2016",
        ]
        assert [n for _, n in region] == [maps.NOTE_NO_GEO] * 4
        dep = maps.territory_maps(DEP93, 2016, indicators_frame(), siae_frame(), geo_dir)
        assert len(dep) == 1 and dep[0][1] == maps.NOTE_NO_GEO
        assert "Seine-Saint-Denis (93)" in dep[0][0]
        assert maps.thin_offer_table(DEP93, 2016, siae_frame(), geo_dir) == maps.TABLE_NO_GEO
    # a sentence for the reader: no folder name, no variable
    assert maps.NOTE_NO_GEO == (
        f"Carte non disponible{NBSP}: les fonds de carte n'ont pas été fournis pour ce rapport."
    )
    assert plt.get_fignums() == []  # no figure was opened


# ------------------------------------------------------------------------------------------
# real geography
# ------------------------------------------------------------------------------------------


@needs_real
def test_region_maps_on_real_geography():
    g = geo.load_geography(REAL_GEO_DIR)
    t0 = time.perf_counter()
    out = maps.territory_maps(REGION, 2016, indicators_frame(), siae_frame(), REAL_GEO_DIR)
    print(f"region maps drawn in {time.perf_counter() - t0:.2f} s")
    assert all(isinstance(f, Figure) for _, f in out)
    etp, rsa_map, qpv_share, offer, zoom = (f for _, f in out)
    # salariés per 100 RSA households: 2,000 salariés each; rsa file 75: 59,940, 93: 78,735,
    # region 15,000 / 319,320
    rsa_texts = _texts(rsa_map)
    assert "3,3" in rsa_texts  # 2000 / 59 940 * 100 = 3.34
    assert "2,5" in rsa_texts  # 2000 / 78 735 * 100 = 2.54
    assert "4,7" in rsa_texts  # 15 000 / 319 320 * 100 = 4.70
    assert any(t.endswith("CNAF foyers allocataires du RSA décembre 2020") for t in rsa_texts)
    # the zoom on Paris and the petite couronne: the 20 arrondissements of Paris + 36 + 40 + 47
    # communes (Pierrefitte drawn with Saint-Denis: 39), 21 + 19 + 75 + 47 QPV
    assert out[4][0] == (
        "Structures de l'IAE par commune, zoom sur les départements 75, 92, 93 et 94, 2016"
    )
    assert len(_collection(zoom, "communes").get_paths()) == 20 + 36 + 39 + 47
    assert len(_collection(zoom, "qpv").get_paths()) == 162
    # Paris 18e (ACI), Paris 11e (AI), Saint-Denis (2), Montreuil, Nanterre, Créteil; the EI
    # coded 75056 (Paris without arrondissement) cannot be placed in an arrondissement
    assert len(_collection(zoom, "structures").get_offsets()) == 7
    # 8 départements in each choropleth
    assert len(_collection(etp, "departements").get_paths()) == 8 == _parts(g.departements)
    assert len(_collection(qpv_share, "departements").get_paths()) == 8
    # 1,266 current communes (10 merged since 2018), Paris as its 20 arrondissements
    assert len(g.communes) == 1276 and len(g.qpv) == 298
    assert len(_collection(offer, "communes").get_paths()) == 1266 - 1 + 20
    assert len(_collection(offer, "qpv").get_paths()) == 298
    # one symbol per (unit, type): 11 located; 99999 and the EI coded 75056 are not drawn
    assert len(_collection(offer, "structures").get_offsets()) == 11
    texts = _texts(offer)
    assert (
        f"Sources{NBSP}: ASP fluxIAE{NBSP}; IGN Admin Express COG 2018{NBSP}; ANCT QPV 2024"
        f"{NBSP}; contours des arrondissements municipaux" in texts
    )
    assert any("2 sans commune reconnue" in t for t in texts)
    # Paris by arrondissement: no sentence about a city drawn as one commune
    assert not any("à l'échelle de la commune" in t for t in texts)
    assert {
        "ACI",
        "AI",
        "EI",
        "ETTI",
        "EITI",
        "Type de SIAE",
        "Nombre de structures",  # publique: symbols sized by the number of SIAE
        f"QPV ({298})",
    } <= set(texts)
    # French formats in the choropleth legends; population of the data year 2016 (popmun2016
    # of the series): Paris 2,190,327, 93 1,606,660, region 12,117,132; 1,000 ETP each
    etp_texts = _texts(etp)
    assert "4,6" in etp_texts  # 1000 / 2 190 327 * 10 000 = 4.57
    assert "6,2" in etp_texts  # 1000 / 1 606 660 * 10 000 = 6.22
    assert "6,6" in etp_texts  # region: 8000 / 12 117 132 * 10 000 = 6.60
    assert f"ETP réalisés pour 10{NBSP}000 habitants (population 2016)" in etp_texts
    assert (
        f"Sources{NBSP}: ASP fluxIAE{NBSP}; IGN Admin Express COG 2018{NBSP}; INSEE "
        "populations légales 2016" in etp_texts
    )
    assert "Paris (75)" in etp_texts
    share_texts = _texts(qpv_share)
    assert f"45{NBSP}%" in share_texts and f"10{NBSP}%" in share_texts
    # each département labelled with its code
    assert {"75", "77", "78", "91", "92", "93", "94", "95"} <= set(share_texts)
    for _, f in out:
        assert f.get_figwidth() == pytest.approx(7.0)


@needs_real
def test_maps_fill_the_text_width_and_one_page_legend_below():
    out = maps.territory_maps(REGION, 2016, indicators_frame(), siae_frame(), REAL_GEO_DIR)
    out += maps.territory_maps(DEP93, 2016, indicators_frame(), siae_frame(), REAL_GEO_DIR)
    for title, f in out:
        # one A4 page of the report at most (text height 10.35 in, the PNG scaled ~0.97)
        assert 7.5 <= f.get_figheight() <= drawing.MAP_MAX_HEIGHT, title
        f.canvas.draw()
        ax = f.axes[0].get_window_extent()
        # the drawn map (its aspect kept) spans most of the 7-inch width
        assert ax.width / f.dpi >= 0.8 * 7.0, title
        legend = [leg.get_window_extent() for leg in f.legends]
        legend += [t.get_window_extent() for t in f.texts if t.get_text().endswith("(75)")]
        assert legend, title
        assert all(b.y1 <= ax.y0 + 1 for b in legend), title  # below the map


@needs_real
def test_dense_departements():
    g = geo.load_geography(REAL_GEO_DIR)
    assert maps.dense_departements(g, ["75", "77", "78", "91", "92", "93", "94", "95"]) == [
        "75",
        "92",
        "93",
        "94",
    ]
    assert maps.dense_departements(g, ["77", "78", "91", "95"]) == []
    assert maps.dense_departements(g, ["93"]) == []


@needs_real
def test_located_structures_by_arrondissement():
    g = geo.load_geography(REAL_GEO_DIR)
    located, unlocated = maps.locate_siae(g, siae_frame(), 2016)
    # 99999 and the EI coded 75056 (no arrondissement) are not placed
    assert unlocated == 2
    loc = located.set_index(["code_commune_ref", "type_siae"])["etp_realises"]
    assert loc.loc[("75118", "ACI")] == 40.0 and loc.loc[("75111", "AI")] == 12.5
    assert loc.loc[("91228", "ACI")] == 30.0
    assert len(located) == 11
    located15, unlocated15 = maps.locate_siae(g, siae_frame(), 2015)
    assert set(located15["code_commune_ref"]) == {"75111", "75118"} and unlocated15 == 1


@needs_real
def test_located_structures(tmp_path):
    """Without the arrondissement contours, Paris is one commune."""
    g = geo.load_geography(geo_subset(tmp_path, NEW_GEO_FILES))
    located, unlocated = maps.locate_siae(g, siae_frame(), 2016)
    assert unlocated == 1
    loc = located.set_index(["code_commune_ref", "type_siae"])["etp_realises"]
    # Paris: arrondissements 75118, 75111 and 75056 found as 75056
    assert loc.loc[("75056", "ACI")] == 40.0
    assert loc.loc[("75056", "AI")] == 12.5
    assert loc.loc[("75056", "EI")] == 8.0
    # Courcouronnes (91182) placed in Évry-Courcouronnes
    assert loc.loc[("91228", "ACI")] == 30.0
    assert loc.loc[("93066", "ETTI")] == 20.0
    assert len(located) == 12
    # 2015 has three structures, all in Paris
    located15, unlocated15 = maps.locate_siae(g, siae_frame(), 2015)
    assert set(located15["code_commune_ref"]) == {"75056"} and unlocated15 == 0
    _, unloc_75 = maps.locate_siae(g, siae_frame(), 2016, ["75"])
    assert unloc_75 == 0  # the unlocated SIAE is in 93


def _uncovered_93_by_hand() -> set[str]:
    pairs = pd.read_csv(REAL_GEO_DIR / "qpv2024-ile-de-france-communes.csv", dtype=str)
    communes = set(pairs.loc[pairs["insee_dep"] == "93", "insee_com"])
    communes = {"93066" if c == "93059" else c for c in communes}  # Pierrefitte -> Saint-Denis
    return communes - {"93066", "93048"}  # SIAE in Saint-Denis and Montreuil


@needs_real
def test_departement_map_highlights_qpv_communes_without_siae():
    g = geo.load_geography(REAL_GEO_DIR)
    out = maps.territory_maps(DEP93, 2016, indicators_frame(), siae_frame(), REAL_GEO_DIR)
    assert len(out) == 1
    title, fig = out[0]
    assert title == (
        "Structures de l'IAE, quartiers prioritaires et territoires peu couverts, "
        "Seine-Saint-Denis (93), 2016"
    )
    # the "territoires peu couverts" of the table are hatched, the first ten named, and the
    # préfecture (Bobigny, 93008 in the INSEE list) named
    thin = maps.thin_offer_table(DEP93, 2016, siae_frame(), REAL_GEO_DIR, formatted=False)
    assert len(thin) > 10
    assert len(_collection(fig, "communes_sans_siae").get_paths()) == len(thin)
    assert len(_collection(fig, "communes").get_paths()) == 39  # 40 in 2018, Pierrefitte merged
    assert len(_collection(fig, "qpv").get_paths()) == _parts(
        g.qpv[g.qpv.code_departement == "93"]
    )
    assert f"Territoire peu couvert ({len(thin)})" in _texts(fig)
    named = [t for t in fig.axes[0].texts if t.get_gid() == "labels"]
    first = list(thin["Commune"].head(10))
    assert [t.get_text() for t in named][: len(first)] == first
    assert "Bobigny" in first  # also the préfecture: in bold
    assert [t.get_text() for t in named if t.get_fontweight() == "bold"] == ["Bobigny"]
    # then the communes with the largest symbols: Saint-Denis (2 SIAE), Montreuil (1)
    assert [t.get_text() for t in named][len(first) :] == ["Saint-Denis", "Montreuil"]
    # Saint-Denis (ACI + ETTI) and Montreuil (EI); the SIAE with commune 99999 is counted
    assert len(_collection(fig, "structures").get_offsets()) == 3
    assert any("1 sans commune reconnue" in t for t in _texts(fig))


@needs_real
def test_missing_coverage_indicator_gives_note():
    out = maps.territory_maps(
        REGION, 2016, indicators_frame(coverage=False), siae_frame(), REAL_GEO_DIR
    )
    note = out[0][1]
    assert note == (
        f"Carte non disponible{NBSP}: la population ou les ETP réalisés des départements ne "
        "sont pas disponibles pour 2016."
    )
    # no salariés in the table either: the needs map is a note too
    assert out[1][1].startswith(f"Carte non disponible{NBSP}: le nombre de salariés")
    assert isinstance(out[2][1], Figure) and isinstance(out[3][1], Figure)
    # another year: no indicator at all -> two notes, the structures map says what it has
    out17 = maps.territory_maps(REGION, 2017, indicators_frame(), siae_frame(), REAL_GEO_DIR)
    assert all(isinstance(out17[i][1], str) for i in range(3))
    assert "public_share" in out17[2][1]
    assert isinstance(out17[3][1], Figure)
    assert any(t.startswith("0 structures localisées") for t in _texts(out17[3][1]))


@needs_real
def test_partial_folder_draws_what_it_can(tmp_path):
    shutil.copy(REAL_GEO_DIR / "departements-ile-de-france.geojson", tmp_path / "dep.geojson")
    out = maps.territory_maps(REGION, 2016, indicators_frame(), siae_frame(), tmp_path)
    # no population in the folder: no rate per inhabitants, said so
    assert out[0][1].startswith(f"Carte non disponible{NBSP}: la population")
    assert out[1][1] == (
        f"Carte non disponible{NBSP}: le nombre de foyers allocataires du RSA n'est pas "
        "disponible pour ce territoire."
    )
    assert isinstance(out[2][1], Figure)
    assert out[3][1] == (
        f"Carte non disponible{NBSP}: les fonds de carte fournis ne contiennent pas de "
        "contours des communes."
    )
    table = maps.thin_offer_table(DEP93, 2016, siae_frame(), tmp_path)
    assert isinstance(table, str) and table.startswith("Tableau non disponible")
    # communes only: the départements are the communes dissolved; no QPV outlines
    part = tmp_path / "communes"
    part.mkdir()
    shutil.copy(REAL_GEO_DIR / "communes-ile-de-france.geojson", part / "c.geojson")
    out = maps.territory_maps(DEP93, 2016, indicators_frame(), siae_frame(), part)
    fig = out[0][1]
    assert isinstance(fig, Figure)
    assert len(_collection(fig, "departements").get_paths()) == 1
    assert not [c for c in fig.axes[0].collections if c.get_gid() in ("qpv", "communes_sans_siae")]


@needs_real
def test_territory_outside_geography():
    out = maps.territory_maps(
        Territory("dep", "13"), 2016, indicators_frame(), siae_frame(), REAL_GEO_DIR
    )
    assert out[0][1] == (
        f"Carte non disponible{NBSP}: les fonds de carte fournis ne couvrent pas "
        "Bouches-du-Rhône (13)."
    )


@needs_real
def test_thin_offer_table_real():
    table = maps.thin_offer_table(DEP93, 2016, siae_frame(), REAL_GEO_DIR, formatted=False)
    assert list(table.columns) == [
        "Code commune",
        "Commune",
        "Département",
        "Foyers allocataires du RSA (décembre 2020)",
        "Nombre de QPV",
        "Population (2016)",
        "Distance à la SIAE la plus proche (km)",
        "Commune de la SIAE la plus proche",
    ]
    rsa = table["Foyers allocataires du RSA (décembre 2020)"].to_numpy()
    assert (np.diff(rsa) <= 0).all()  # ranked by need: RSA households, descending
    assert (table["Distance à la SIAE la plus proche (km)"] >= maps.THIN_OFFER_KM).all()
    # Saint-Denis and Montreuil hold a SIAE: never in the table
    assert not {"93066", "93048"} & set(table["Code commune"])
    first = table.iloc[0]
    # rsa-foyers-communes-idf-2020-12.csv: "2020-12;93001;RSA seul;AUBERVILLIERS;6765;12820";
    # popmun2016 of 93001: 86,061; Saint-Denis' centre is 3.2 km away
    assert (first["Code commune"], first["Commune"]) == ("93001", "Aubervilliers")
    assert first["Foyers allocataires du RSA (décembre 2020)"] == 6765
    assert first["Population (2016)"] == 86_061
    assert first["Commune de la SIAE la plus proche"] == "Saint-Denis"
    assert first["Distance à la SIAE la plus proche (km)"] == pytest.approx(3.2, abs=0.05)
    shown = maps.thin_offer_table(DEP93, 2016, siae_frame(), REAL_GEO_DIR)
    assert shown.iloc[0]["Foyers allocataires du RSA (décembre 2020)"] == f"6{NBSP}765"
    assert shown.iloc[0]["Distance à la SIAE la plus proche (km)"] == "3,2"


@needs_real
def test_thin_offer_by_arrondissement_in_paris():
    table = maps.thin_offer_table(
        Territory("dep", "75"), 2016, siae_frame(), REAL_GEO_DIR, formatted=False
    )
    assert table["Code commune"].str.match(r"^751\d\d$").all()
    # rsa file: "2020-12;75117;RSA seul;PARIS 17E ARRONDISSEMENT;5325;..." the most in need
    # among the arrondissements 3 km or more from the SIAE of the 18e and the 11e
    assert table.iloc[0]["Commune"] == "Paris 17e Arrondissement"
    assert table.iloc[0]["Foyers allocataires du RSA (décembre 2020)"] == 5325
    # the 18e and the 11e hold a SIAE
    assert not {"75118", "75111"} & set(table["Code commune"])


@needs_real
def test_thin_offer_without_rsa_ranks_by_qpv(tmp_path):
    folder = geo_subset(tmp_path, ("rsa-foyers-communes-idf-2020-12.csv",))
    table = maps.thin_offer_table(DEP93, 2016, siae_frame(), folder, formatted=False)
    assert "Foyers allocataires du RSA" in table.columns
    assert table["Foyers allocataires du RSA"].isna().all()
    assert (table["Nombre de QPV"] >= 1).all()
    assert (np.diff(table["Nombre de QPV"].to_numpy()) <= 0).all()


# ------------------------------------------------------------------------------------------
# hand-checkable distances
# ------------------------------------------------------------------------------------------


def _square(cx: float, cy: float, half: float = 500.0):
    return box(cx - half, cy - half, cx + half, cy + half)


@pytest.fixture
def tiny_geo(tmp_path):
    """Three square communes of 93 in Lambert-93 (written in Lambert-93, read back in WGS84):
    A 93001 at (652 km, 6 862 km), B 93066 at (655, 6 866): 5 km from A, C 93048 at
    (652, 6 872): 10 km from A and sqrt(3² + 6²) = 6.708 km from B."""
    com = gpd.GeoDataFrame(
        {
            "INSEE_COM": ["93001", "93066", "93048"],
            "NOM": ["Aubervilliers", "Saint-Denis", "Montreuil"],
        },
        geometry=[
            _square(652_000, 6_862_000),
            _square(655_000, 6_866_000),
            _square(652_000, 6_872_000),
        ],
        crs=geo.LAMBERT93,
    )
    com.to_file(tmp_path / "COMMUNE.gpkg")
    (tmp_path / "qpv-communes.csv").write_text(
        "code_qp,lib_qp,insee_com\nQN09301M,Q1,93001\nQN09302M,Q2,93048\nQN09303M,Q3,93048\n"
        "QN09304M,Q4,93066\n"
    )
    (tmp_path / "population-2021.csv").write_text("COM;PMUN\n93001;1000\n93066;3000\n93048;2000\n")
    return tmp_path


def _siae(rows):
    df = siae_frame().iloc[0:0].copy()
    for i, (dep, com) in enumerate(rows):
        df.loc[i] = [i + 1, "ACI", 2016, dep, com, f"S{i}", 10.0, 16070.0, 20, 11.0]
    return df.astype({"structure_id_siae": "int64", "year": "int64"})


def test_distance_lambert93_hand_checked(tiny_geo):
    siae = _siae([("93", "93066")])
    # SIAE in B: A (5 km) and C (6.7 km) have no SIAE within 3 km; no RSA file: ranked by QPV
    table = maps.thin_offer_table(DEP93, 2016, siae, tiny_geo, formatted=False)
    assert list(table["Code commune"]) == ["93048", "93001"]  # 2 QPV, then 1
    assert list(table["Nombre de QPV"]) == [2, 1]
    d = table.set_index("Code commune")["Distance à la SIAE la plus proche (km)"]
    assert d["93001"] == pytest.approx(5.0, abs=0.05)
    assert d["93048"] == pytest.approx(6.7, abs=0.05)
    assert list(table["Commune de la SIAE la plus proche"]) == ["Saint-Denis"] * 2
    # the stated distance: at 6 km, A (5 km from B) is no longer thin
    t6 = maps.thin_offer_table(DEP93, 2016, siae, tiny_geo, formatted=False, distance_km=6.0)
    assert list(t6["Code commune"]) == ["93048"]
    # a SIAE in C: A's nearest is still B (5 km < 10 km); C leaves the table
    siae2 = _siae([("93", "93066"), ("93", "93048")])
    t2 = maps.thin_offer_table(DEP93, 2016, siae2, tiny_geo, formatted=False)
    assert list(t2["Code commune"]) == ["93001"]
    assert t2.iloc[0]["Distance à la SIAE la plus proche (km)"] == pytest.approx(5.0, abs=0.05)
    # no SIAE at all: every commune, distances not available
    t3 = maps.thin_offer_table(DEP93, 2016, _siae([]), tiny_geo)
    # 2 QPV, then 1 QPV each: B (3,000 inhabitants) before A (1,000)
    assert list(t3["Code commune"]) == ["93048", "93066", "93001"]
    assert (t3["Distance à la SIAE la plus proche (km)"] == "n.d.").all()
    assert (t3["Commune de la SIAE la plus proche"] == "aucune").all()


def test_thin_offer_ranked_by_rsa_households(tiny_geo):
    (tiny_geo / "rsa-communes-2020-12.csv").write_text(
        "Date référence;Numéro commune;RSA ou PPA;Nom commune;Nombre foyers RSA_PPA\n"
        "2020-12;93001;RSA seul;A;500\n2020-12;93048;RSA seul;C;100\n"
        "2020-12;93048;PPA seule;C;900\n2020-12;93XXX;RSA seul;;0\n"
    )
    table = maps.thin_offer_table(DEP93, 2016, _siae([("93", "93066")]), tiny_geo, False)
    # A: 500 households before C: 100 (the 900 of the prime d'activité alone do not count)
    assert list(table["Code commune"]) == ["93001", "93048"]
    assert list(table["Foyers allocataires du RSA (décembre 2020)"]) == [500, 100]


def test_scale_bar_measured_in_lambert93(tiny_geo):
    g = geo.load_geography(tiny_geo)
    fig, ax = plt.subplots()
    g.communes.plot(ax=ax)
    length = drawing.add_scale_bar(ax)
    line = ax.lines[0]
    (lon0, lon1), (lat0, _) = line.get_xdata(), line.get_ydata()
    x0, y0 = drawing._TO_L93.transform(lon0, lat0)
    x1, _ = drawing._TO_L93.transform(lon1, lat0)
    assert (x1 - x0) / 1000 == pytest.approx(length, rel=1e-3)
    assert length == 1.0  # the map is ~4.4 km wide: the round length above a fifth is 1 km
    assert f"1{NBSP}km" in [t.get_text() for t in ax.texts]


def test_round_steps():
    assert drawing._round_steps(55.0) == [50.0, 10.0, 2.0]
    assert drawing._round_steps(430.0) == [200.0, 50.0, 10.0]
    assert drawing._nice_length_km(48.0) == 10.0


def test_bad_inputs_named(tiny_geo):
    siae = siae_frame().drop(columns=["etp_realises"])
    with pytest.raises(
        InputError,
        match=r"siae table given to territory_maps: missing "
        r"column\(s\) etp_realises",
    ):
        maps.territory_maps(DEP93, 2016, indicators_frame(), siae, tiny_geo)
    with pytest.raises(InputError, match=r"indicator table .*: missing column\(s\) breakdown"):
        maps.territory_maps(
            REGION, 2016, indicators_frame().drop(columns="breakdown"), siae_frame(), None
        )
    with pytest.raises(InputError, match="thin_offer_table: missing column"):
        maps.thin_offer_table(DEP93, 2016, siae, None)


def test_missing_commune_codes_counted_not_drawn(tiny_geo):
    g = geo.load_geography(tiny_geo)
    siae = _siae([("93", "93066"), ("93", None), ("93", ""), ("93", "93001")])
    located, unlocated = maps.locate_siae(g, siae, 2016)
    assert sorted(located["code_commune_ref"]) == ["93001", "93066"]
    assert unlocated == 2
    out = maps.territory_maps(DEP93, 2016, indicators_frame(), siae, tiny_geo)
    assert any("2 sans commune reconnue" in t for t in _texts(out[0][1]))


@needs_real
def test_region_total_and_partial_coverage_notes():
    out = maps.territory_maps(REGION, 2016, indicators_frame(), siae_frame(), REAL_GEO_DIR)
    texts = _texts(out[0][1])
    # region: 8000 / 12 117 132 * 10 000 = 6.60
    assert f"Ensemble{NBSP}: Île-de-France" in texts and "6,6" in texts
    assert not any("couvre" in t for t in texts)
    # no region row for the QPV share: no total line
    assert not any(t.startswith("Ensemble") for t in _texts(out[2][1]))
    france = maps.territory_maps(
        Territory("france", "FR"), 2016, indicators_frame(), siae_frame(), REAL_GEO_DIR
    )
    note = (
        f"Les fonds de carte fournis couvrent 8 des 101 départements du territoire{NBSP}: "
        "seuls ceux-ci sont représentés."
    )
    for _, fig in france[:3]:
        assert any(note in t for t in _texts(fig))


@needs_real
def test_qpv_share_of_fewer_than_5_salaries_is_not_drawn():
    ind = indicators_frame()
    # 93: 1 QPV resident among 3 salariés whose status is known (secret); 94: 2 of 5 (published)
    for dep, num, den in (("93", 1.0, 3.0), ("94", 2.0, 5.0)):
        sel = (ind["territory_code"] == dep) & (ind["breakdown"] == "qpv")
        ind.loc[sel, ["value", "numerator", "denominator"]] = [num / den, num, den]
    out = maps.territory_maps(REGION, 2016, ind, siae_frame(), REAL_GEO_DIR)
    fig = out[2][1]
    texts = _texts(fig)
    assert f"33{NBSP}%" not in texts and f"40{NBSP}%" in texts
    row = texts.index("Seine-Saint-Denis (93)")
    assert texts[row + 1] == "s"
    assert any("secret statistique (moins de 5 salariés" in t for t in texts)
    # 7 coloured départements, 93 hatched
    assert len(_collection(fig, "departements").get_paths()) == 7
    assert len(_collection(fig, "departements_nd").get_paths()) == 1


@needs_real
def test_symbols_show_no_structure_magnitude_in_a_publique_document():
    """Statistical secrecy: a symbol standing for one or two SIAE must not show their ETP in a
    publique document; there the symbols count structures (the list of SIAE is public). In
    Seine-Saint-Denis: Saint-Denis ACI (55 ETP), Saint-Denis ETTI (20), Montreuil EI (15), one
    SIAE each; the largest ETP of the year (the scale of every map) is 55."""
    sizes = {}
    for diffusion in ("publique", "interne"):
        out = maps.territory_maps(
            DEP93, 2016, indicators_frame(), siae_frame(), REAL_GEO_DIR, diffusion
        )
        fig = out[0][1]
        sizes[diffusion] = sorted(_collection(fig, "structures").get_sizes(), reverse=True)
        texts = _texts(fig)
        if diffusion == "publique":
            assert "Nombre de structures" in texts and "ETP réalisés" not in texts
            assert "1" in texts  # the one size of the legend: one structure
        else:
            assert "ETP réalisés" in texts and "Nombre de structures" not in texts
    assert sizes["publique"] == pytest.approx([320.0, 320.0, 320.0])
    assert sizes["interne"] == pytest.approx([320.0, 320 * 20 / 55, 320 * 15 / 55])


@needs_real
def test_every_map_has_its_data_and_an_alternative_with_its_finding():
    """The data under each map (hand-checked values of the fixture, as drawn: 1,000 ETP per
    département, population 2016; one row per commune with SIAE) and the text alternative
    naming the highest and lowest départements; a hidden département is ``s`` in the data
    and left out of the alternative."""
    ind = indicators_frame()
    sel = (ind["territory_code"] == "93") & (ind["breakdown"] == "qpv")
    ind.loc[sel, ["value", "numerator", "denominator"]] = [1 / 3, 1.0, 3.0]  # secret
    out = maps.map_outputs(REGION, 2016, ind, siae_frame(), REAL_GEO_DIR)
    assert [m.title for m in out] == [
        t for t, _ in maps.territory_maps(REGION, 2016, ind, siae_frame(), REAL_GEO_DIR)
    ]
    etp, rsa_map, qpv, offer, zoom = out
    header, rows, caption = etp.data
    assert header == ["Département", f"ETP réalisés pour 10{NBSP}000 habitants (population 2016)"]
    assert caption == (
        f"Données de la carte : ETP réalisés pour 10{NBSP}000 habitants, par département, "
        "région Île-de-France, 2016"
    )
    # 1000 / 2 190 327 * 10 000 = 4.57; 1000 / 1 606 660 * 10 000 = 6.22; region 6.60
    assert rows[0] == ["Paris (75)", "4,6"] and rows[5] == ["Seine-Saint-Denis (93)", "6,2"]
    assert rows[-1] == ["Ensemble de la région Île-de-France", "6,6"] and len(rows) == 9
    assert etp.alt == (
        f"Carte des départements de la région Île-de-France selon les ETP réalisés pour "
        f"10{NBSP}000 habitants, 2016 : valeur la plus élevée, Val-d'Oise (95) : 8,2 ; la plus "
        "faible, Paris (75) : 4,6 ; Ensemble de la région Île-de-France : 6,6."
    )
    # salariés per 100 RSA households: 2000 / 78 735 * 100 = 2.54 in 93
    assert ["Seine-Saint-Denis (93)", "2,5"] in rsa_map.data[1]
    assert "la plus faible, Seine-Saint-Denis (93) : 2,5" in rsa_map.alt
    # QPV share: 93 hidden
    assert ["Seine-Saint-Denis (93)", "s"] in qpv.data[1]
    assert ["Val-de-Marne (94)", f"40{NBSP}%"] in qpv.data[1]
    assert "(93)" not in qpv.alt and "1 département non publié (secret statistique)" in qpv.alt
    # structures: 13 SIAE of 2016, 2 without a recognised commune; Saint-Denis has two
    header, rows, _ = offer.data
    assert header == ["Commune", "Département", "ACI", "AI", "EI", "ETTI", "EITI", "Ensemble"]
    assert rows[0] == ["Saint-Denis", "Seine-Saint-Denis (93)", "1", "0", "0", "1", "0", "2"]
    assert len(rows) == 10 and sum(int(r[-1]) for r in rows) == 11
    assert offer.alt.endswith(
        "11 structures placées dans 10 communes ; Saint-Denis en compte le plus, 2. "
        "2 structures sans commune reconnue ne sont pas placées."
    )
    assert len(zoom.data[1]) == 6
    # a shape per type as well as a colour: 5 types drawn, 5 distinct symbol shapes
    shapes = {
        p.vertices.round(6).tobytes() for p in _collection(offer.item, "structures").get_paths()
    }
    assert len(shapes) == 5
    # no map drawn: no alternative, no data
    notes = maps.map_outputs(REGION, 2016, ind, siae_frame(), None)
    assert all(m.data is None and m.alt == "" and isinstance(m.item, str) for m in notes)

"""Where the SIAE are and how far the territories of need are from them: SIAE placed at the
centroid of the analysis unit of their administrative address (commune, or arrondissement
where the folder has the contours), distances in Lambert-93 (straight line, centroid of a unit
to the centroid of the nearest unit holding a SIAE), and the "territoires peu couverts" table
ranked by need."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from iae_diag.errors import require_columns
from iae_diag.formatting import MONTHS, fmt_int, fmt_number
from iae_diag.geo.codes import LAMBERT93
from iae_diag.geo.layers import Geography, load_geography
from iae_diag.geo.needs import rsa_by_unit
from iae_diag.territories import Territory

#: "territoires peu couverts": no SIAE head office at less than this distance (km, from the
#: centroid of the unit to the centroid of the unit of the SIAE's administrative address)
THIN_OFFER_KM = 3.0
#: ... and holding at least this many households receiving the RSA, or a QPV
THIN_OFFER_MIN_RSA = 100

SIAE_REQUIRED = (
    "structure_id_siae",
    "type_siae",
    "year",
    "code_departement",
    "code_commune",
    "etp_realises",
)
TABLE_NO_GEO = (
    "Tableau non disponible\u00a0: les données géographiques n'ont pas été fournies pour ce "
    "rapport."
)


def points_l93(geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Centroids of WGS84 polygons, computed in Lambert-93 (metres)."""
    c = geoms.to_crs(LAMBERT93).centroid
    return c.x.to_numpy(), c.y.to_numpy()


def territory_deps(geo: Geography, territory: Territory) -> list[str]:
    """Départements of the territory that the geography covers (communes or départements)."""
    covered: set[str] = set()
    if geo.departements_layer is not None:
        covered |= set(geo.departements_layer["code_departement"])
    if geo.communes is not None:
        covered |= set(geo.communes["code_departement"].dropna())
    return [d for d in territory.departements() if d in covered]


def locate_siae(
    geo: Geography, siae: pd.DataFrame, year: int, deps: list[str] | None = None
) -> tuple[pd.DataFrame, int]:
    """SIAE of the year placed at the centroid of their analysis unit (:meth:`Geography.units`:
    the reference commune, or the arrondissement where its contours are in the folder).
    Returns (one row per unit and type: code_commune_ref (the unit code), nom,
    code_departement, type_siae, structures, etp_realises, x, y in Lambert-93 metres; number
    of SIAE of the year, of ``deps`` when given, whose unit is not in the geography)."""
    cols = [
        "code_commune_ref",
        "nom",
        "code_departement",
        "type_siae",
        "structures",
        "etp_realises",
        "x",
        "y",
    ]
    s = siae.loc[siae["year"] == year]
    units = geo.units
    if s.empty or units is None:
        n = int(s["code_departement"].astype(str).isin(deps).sum()) if deps else len(s)
        return pd.DataFrame(columns=cols), n
    s = s.assign(
        code_commune_ref=geo.unit_codes(s["code_commune"].astype("string")).astype(object)
    )
    known = s["code_commune_ref"].isin(set(units["code_unit"]))
    in_deps = s["code_departement"].astype(str).isin(deps) if deps else True
    unlocated = int((~known & in_deps).sum())
    s = s.loc[known]
    agg = (
        s.groupby(["code_commune_ref", "type_siae"], sort=True)
        .agg(structures=("structure_id_siae", "nunique"), etp_realises=("etp_realises", "sum"))
        .reset_index()
    )
    x, y = points_l93(units.geometry)
    pos = pd.DataFrame(
        {
            "code_commune_ref": units["code_unit"].to_numpy(),
            "nom": units["nom"].to_numpy(),
            "code_departement": units["code_departement"].to_numpy(),
            "x": x,
            "y": y,
        }
    )
    out = agg.merge(pos, on="code_commune_ref", how="left")
    return out[cols].reset_index(drop=True), unlocated


def qpv_by_unit(geo: Geography) -> pd.DataFrame:
    """Number of QPV of each reference commune (a QPV over several communes counts in each):
    code_unit, qpv. Arrondissements are not in the QPV-commune list (Paris QPV carry 75056):
    a split city's QPV are placed in the arrondissements their contours overlap."""
    pairs = geo.qpv_commune_pairs
    if pairs is None:
        return pd.DataFrame(columns=["code_unit", "qpv"])
    out = pairs.groupby("code_commune_ref")["code_qp"].nunique().rename("qpv").reset_index()
    out = out.rename(columns={"code_commune_ref": "code_unit"})
    if geo.arrondissements is not None and geo.qpv is not None:
        q = geo.qpv.to_crs(LAMBERT93)
        a = geo.arrondissements.to_crs(LAMBERT93)
        j = gpd.overlay(q[["code_qp", "geometry"]], a[["code_commune", "geometry"]])
        j = j.loc[j.geometry.area > 1_000]  # more than 0.1 ha: not a border sliver
        arm = j.groupby("code_commune")["code_qp"].nunique().rename("qpv").reset_index()
        arm = arm.rename(columns={"code_commune": "code_unit"})
        out = pd.concat([out.loc[~out["code_unit"].isin(geo.split_cities)], arm])
    return out.reset_index(drop=True)


def thin_offer_table(
    territory: Territory,
    year: int,
    siae: pd.DataFrame,
    geo_dir,
    formatted: bool = True,
    distance_km: float = THIN_OFFER_KM,
) -> pd.DataFrame | str:
    """ "Territoires peu couverts": units of the territory (communes, arrondissements) holding
    at least ``THIN_OFFER_MIN_RSA`` households receiving the RSA or a QPV, with no SIAE head
    office at less than
    ``distance_km`` (centroid to centroid, Lambert-93), ranked by need: households receiving
    the RSA (descending), then number of QPV, then population. Columns: Commune, Département,
    Foyers allocataires du RSA (<vintage>), Nombre de QPV, Population (<vintage of the data
    year>), Distance à la SIAE la plus proche (km), Commune de la SIAE la plus proche, after
    Code commune (the unit's INSEE code, not shown to the reader).
    ``formatted``: French strings; else numbers. A French note when it cannot be built."""
    require_columns(siae, SIAE_REQUIRED, "siae table given to thin_offer_table")
    geo = load_geography(geo_dir)
    if geo is None:
        return TABLE_NO_GEO
    if geo.communes is None or (geo.qpv_commune_pairs is None and geo.rsa is None):
        return (
            "Tableau non disponible\u00a0: ni la liste des QPV ni les foyers allocataires du "
            "RSA ne sont disponibles pour ce territoire."
        )
    deps = territory_deps(geo, territory)
    if not deps:
        return (
            "Tableau non disponible\u00a0: la géographie disponible ne couvre pas "
            f"{territory.label()}."
        )
    t = thin_offer_units(geo, deps, siae, year, distance_km)
    vintage = geo.population_vintage_for(year)
    dist_col = "Distance à la SIAE la plus proche (km)"
    table = pd.DataFrame(
        {
            "Code commune": t["code"].to_numpy(),
            "Commune": t["nom"].to_numpy(),
            "Département": t["dep"].to_numpy(),
            "Foyers allocataires du RSA": t["rsa"].to_numpy(),
            "Nombre de QPV": t["qpv"].to_numpy(),
            "Population": t["pop"].to_numpy(),
            dist_col: np.round(np.where(np.isinf(t["dist"]), np.nan, t["dist"]).astype(float), 1),
            "Commune de la SIAE la plus proche": t["near"].to_numpy(),
        }
    )
    if formatted:
        table["Foyers allocataires du RSA"] = table["Foyers allocataires du RSA"].map(
            lambda v: "n.d." if pd.isna(v) else fmt_int(v)
        )
        table["Population"] = table["Population"].map(
            lambda v: "n.d." if pd.isna(v) else fmt_int(v)
        )
        table[dist_col] = table[dist_col].map(lambda v: "n.d." if pd.isna(v) else fmt_number(v, 1))
        table["Commune de la SIAE la plus proche"] = table[
            "Commune de la SIAE la plus proche"
        ].fillna("aucune")
    renames = {}
    if geo.rsa_vintage:
        renames["Foyers allocataires du RSA"] = (
            f"Foyers allocataires du RSA ({rsa_label(geo.rsa_vintage)})"
        )
    if vintage:
        renames["Population"] = f"Population ({vintage})"
    return table.rename(columns=renames).reset_index(drop=True)


def thin_offer_units(
    geo: Geography, deps: list[str], siae: pd.DataFrame, year: int, distance_km: float
) -> pd.DataFrame:
    """The units of ``deps`` selected by :func:`thin_offer_table`, ranked by need: code, nom,
    dep, dist (km), near (name of the nearest unit holding a SIAE), rsa, qpv, pop."""
    units = geo.units
    u = units.loc[units["code_departement"].isin(deps)].reset_index(drop=True)
    located, _ = locate_siae(geo, siae, year)
    ux, uy = points_l93(u.geometry)
    sites = located.drop_duplicates("code_commune_ref")[["nom", "x", "y"]].to_numpy()
    if len(sites) and len(u):
        d2 = (ux[:, None] - sites[:, 1].astype(float)[None, :]) ** 2 + (
            uy[:, None] - sites[:, 2].astype(float)[None, :]
        ) ** 2
        nearest = d2.argmin(axis=1)
        dist = np.sqrt(d2[np.arange(len(u)), nearest]) / 1000
        near_name = sites[nearest, 0]
    else:
        dist = np.full(len(u), np.inf)
        near_name = np.full(len(u), None)
    t = pd.DataFrame(
        {
            "code": u["code_unit"],
            "nom": u["nom"],
            "dep": u["code_departement"],
            "dist": dist,
            "near": near_name,
        }
    )
    rsa = rsa_by_unit(geo)
    t["rsa"] = (
        t["code"].map(rsa.set_index("code_unit")["foyers_rsa"]) if rsa is not None else np.nan
    )
    t["qpv"] = t["code"].map(qpv_by_unit(geo).set_index("code_unit")["qpv"]).fillna(0).astype(int)
    vintage = geo.population_vintage_for(year)
    if vintage is not None:
        pop = geo.population(vintage, units=True).set_index("code_commune_ref")
        t["pop"] = t["code"].map(pop["population"])
        t["nom"] = t["nom"].where(t["nom"].notna(), t["code"].map(pop["nom"]))
    else:
        t["pop"] = np.nan
    need = (t["rsa"].fillna(0) >= THIN_OFFER_MIN_RSA) | (t["qpv"] > 0)
    t = t.loc[need & (t["dist"] >= distance_km)]
    t = t.sort_values(
        ["rsa", "qpv", "pop", "code"], ascending=[False, False, False, True], na_position="last"
    )
    return t.reset_index(drop=True)


def rsa_label(vintage: str) -> str:
    """``2020-12`` -> ``décembre 2020``; a year alone is kept."""
    if len(vintage) == 7 and vintage[4] == "-":
        return f"{MONTHS[int(vintage[5:]) - 1]} {vintage[:4]}"
    return vintage

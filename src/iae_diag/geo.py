"""Geography: boundaries, QPV and legal population read from the configured folder.

The folder (``IAE_DIAG_GEO_DIR``, Makefile variable ``GEO_DIR``) holds official files that the
user downloads (see ``docs/geography.md``). Files are recognised by their columns, not by a
fixed name, so that a user of any region can drop the equivalent files of their region:

- départements: a vector file with ``INSEE_DEP``/``code_departement``, or ``code`` and
  "departement" in its name (``departements-ile-de-france.geojson``);
- communes: a vector file with ``INSEE_COM``/``code_commune``/``codgeo``, or ``code`` holding
  5-character codes (``communes-ile-de-france.geojson``);
- région: a vector file with ``INSEE_REG``/``code_region`` only, or ``code`` and "region" in
  its name (``region-ile-de-france.geojson``);
- QPV: a vector file with ``code_qp``/``CODE_QP``/``code_quartier``
  (``qpv2024-ile-de-france.geojson``);
- QPV-commune list: a CSV with a QPV code column and a commune code column
  (``qpv2024-ile-de-france-communes.csv``);
- legal population: a CSV with ``PMUN`` (or ``population``) and ``COM``/``CODGEO``/``DEPCOM``,
  the vintage being the year in the file name (``population-legale-2021-communes-idf.csv``);
- extra commune mergers: a CSV with ``code_ancien`` and ``code_nouveau``.

Every layer is optional: a partial folder loads what is there; an empty or missing folder gives
``None``. Geometries are kept in WGS84 (EPSG:4326) for display; areas and distances are
computed in Lambert-93 (EPSG:2154) (:func:`metric_crs` gives the local projection of the
overseas départements).

Commune codes are joined through a *reference code* (``code_commune_ref``): municipal
arrondissements of Paris, Lyon and Marseille are folded into their commune (``751xx`` ->
``75056``), and communes merged after a file's vintage are mapped to the commune that absorbed
them (``reference/communes_fusionnees.csv``, plus any merger CSV found in the folder). Every
code changed that way is listed in :attr:`Geography.code_changes` and logged.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from iae_diag.config import REFERENCE_DIR
from iae_diag.errors import InputError
from iae_diag.territories import dep_of_commune, departements, normalize_dep_code

log = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"
#: Metric projections of the overseas départements (Lambert-93 covers metropolitan France only).
OVERSEAS_CRS = {
    "971": "EPSG:5490",  # RGAF09 / UTM 20N
    "972": "EPSG:5490",
    "973": "EPSG:2972",  # RGFG95 / UTM 22N
    "974": "EPSG:2975",  # RGR92 / UTM 40S
    "976": "EPSG:4471",  # RGM04 / UTM 38S
}

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
MERGERS_FILE = REFERENCE_DIR / "communes_fusionnees.csv"

#: Municipal arrondissements folded into their commune: (first code, last code) -> commune.
ARRONDISSEMENTS = {
    ("75101", "75120"): "75056",  # Paris
    ("13201", "13216"): "13055",  # Marseille
    ("69381", "69389"): "69123",  # Lyon
}
ARRONDISSEMENT_CITY_NAMES = {"75056": "Paris", "13055": "Marseille", "69123": "Lyon"}

# Column names recognised (compared in lower case).
_COMMUNE_COLS = ("insee_com", "code_commune", "codgeo", "code_insee", "depcom", "com")
_DEP_COLS = ("insee_dep", "code_departement", "code_dep", "dep")
_REG_COLS = ("insee_reg", "code_region", "code_reg", "reg")
_QPV_COLS = ("code_qp", "code_quartier", "cod_qp", "code_qpv")
_QPV_LABEL_COLS = ("lib_qp", "nom_qp", "lib_quartier", "nom_quartier", "nom_qpv")
_NAME_COLS = (
    "nom",
    "nom_com",
    "libgeo",
    "commune",
    "nom_commune",
    "lib_com",
    "nom_dep",
    "nom_reg",
    "libelle",
)
_POP_COLS = ("pmun", "population")

LAYERS = ("departements", "communes", "region", "qpv", "qpv_communes", "population")


# --------------------------------------------------------------------------------------------
# commune codes
# --------------------------------------------------------------------------------------------


def arrondissement_city(code: str) -> str | None:
    """The commune of a municipal arrondissement (``"75113"`` -> ``"75056"``), else None."""
    for (lo, hi), city in ARRONDISSEMENTS.items():
        if len(code) == 5 and lo <= code <= hi:
            return city
    return None


@lru_cache(maxsize=1)
def packaged_mergers() -> pd.DataFrame:
    """The packaged table of communes merged after 2018 (old code -> new code), as strings."""
    return pd.read_csv(MERGERS_FILE, dtype=str, keep_default_na=False)


def _merger_map(extra: pd.DataFrame | None) -> dict[str, str]:
    """old code -> final code, followed transitively (a commune merged twice ends at the last)."""
    tables = [packaged_mergers()] + ([extra] if extra is not None else [])
    pairs: dict[str, str] = {}
    for t in tables:
        for old, new in zip(t["code_ancien"], t["code_nouveau"], strict=True):
            pairs[str(old).strip()] = str(new).strip()
    out = {}
    for old in pairs:
        seen = {old}
        cur = pairs[old]
        while cur in pairs and cur not in seen:
            seen.add(cur)
            cur = pairs[cur]
        out[old] = cur
    return out


def reference_codes(codes: pd.Series, mergers: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Map commune codes to reference codes. Returns (reference code, reason) where the reason
    is ``""`` (unchanged), ``"arrondissement"`` or ``"fusion"``."""
    s = codes.astype("string").str.strip().str.upper()
    ref = s.copy()
    reason = pd.Series("", index=s.index, dtype="string")
    arr = s.map(lambda c: arrondissement_city(c) if isinstance(c, str) else None)
    is_arr = arr.notna()
    ref[is_arr] = arr[is_arr]
    reason[is_arr] = "arrondissement"
    merged = ref.map(mergers)
    is_merged = merged.notna()
    ref[is_merged] = merged[is_merged]
    reason[is_merged & ~is_arr] = "fusion"
    return ref, reason


def metric_crs(dep_codes: list[str] | None = None) -> str:
    """The projection for areas and distances: Lambert-93, or the local UTM projection when
    every département given is the same overseas one."""
    deps = {str(d) for d in (dep_codes or [])}
    if len(deps) == 1:
        return OVERSEAS_CRS.get(next(iter(deps)), LAMBERT93)
    return LAMBERT93


# --------------------------------------------------------------------------------------------
# geometry repair
# --------------------------------------------------------------------------------------------


def repair_geometries(geoms: gpd.GeoSeries) -> tuple[gpd.GeoSeries, int, int]:
    """Repair invalid polygons with ``shapely.make_valid`` (structure method, collapsed parts
    dropped, so the result stays polygonal). Returns (geometries, invalid before, invalid
    after)."""
    invalid = ~geoms.is_valid
    before = int(invalid.sum())
    if before:
        fixed = shapely.make_valid(
            np.asarray(geoms[invalid].values), method="structure", keep_collapsed=False
        )
        geoms = geoms.copy()
        geoms[invalid] = fixed
    after = int((~geoms.is_valid).sum())
    return geoms, before, after


# --------------------------------------------------------------------------------------------
# file discovery
# --------------------------------------------------------------------------------------------


def _lower_map(columns) -> dict[str, str]:
    return {str(c).lower(): str(c) for c in columns}


def _pick(cols: dict[str, str], candidates: tuple[str, ...]) -> str | None:
    for c in candidates:
        if c in cols:
            return cols[c]
    return None


def _csv_sep(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as f:
        head = f.readline()
    return ";" if head.count(";") > head.count(",") else ","


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f, delimiter=_csv_sep(path)), [])


def _year_in_name(path: Path) -> str | None:
    m = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", path.name)
    return m.group(1) if m else None


#: code columns of the other ADMIN EXPRESS layers (arrondissements, cantons, communes
#: associées, EPCI, collectivités, chefs-lieux), so that the whole archive can be dropped in
_OTHER_LAYER_COLS = (
    "insee_arm",
    "insee_arr",
    "insee_can",
    "insee_cad",
    "insee_col",
    "code_siren",
    "id_ch_lieu",
)
_NOT_POLYGONS = ("point", "linestring", "multipoint", "multilinestring")


def _classify_vector(path: Path) -> str | None:
    info = pyogrio.read_info(path)
    fields = _lower_map(info["fields"])
    geometry_type = str(info.get("geometry_type") or "").lower().replace(" z", "")
    if geometry_type in _NOT_POLYGONS or _pick(fields, _OTHER_LAYER_COLS):
        return None
    if _pick(fields, _QPV_COLS):
        return "qpv"
    if _pick(fields, ("insee_com", "code_commune", "codgeo", "code_insee")):
        return "communes"
    if _pick(fields, ("insee_dep", "code_departement", "code_dep")):
        return "departements"
    if _pick(fields, ("insee_reg", "code_region", "code_reg")):
        return "region"
    if "code" in fields:
        codes = pyogrio.read_dataframe(path, columns=[fields["code"]], read_geometry=False)
        codes = codes[fields["code"]].astype(str)
        name = path.name.lower()
        if len(codes) and (codes.str.len() == 5).all():
            return "communes"
        if "region" in name or "région" in name:
            return "region"
        if "dep" in name or "dép" in name:
            return "departements"
    return None


def _classify_csv(path: Path) -> str | None:
    cols = _lower_map(_csv_header(path))
    if "code_ancien" in cols and "code_nouveau" in cols:
        return "mergers"
    if _pick(cols, _QPV_COLS) and _pick(cols, _COMMUNE_COLS):
        return "qpv_communes"
    if _pick(cols, _POP_COLS) and _pick(cols, _COMMUNE_COLS):
        return "population"
    return None


def discover_files(geo_dir: Path) -> dict[str, list[Path]]:
    """Files of the folder by layer (``departements``, ``communes``, ``region``, ``qpv``,
    ``qpv_communes``, ``population``, ``mergers``, ``ignored``), each list sorted by name."""
    out: dict[str, list[Path]] = {k: [] for k in (*LAYERS, "mergers", "ignored")}
    for p in sorted(geo_dir.iterdir()):
        if not p.is_file() or p.name.startswith("."):
            continue
        suffix = p.suffix.lower()
        kind = None
        if suffix in VECTOR_SUFFIXES:
            kind = _classify_vector(p)
        elif suffix == ".csv":
            kind = _classify_csv(p)
        out[kind or "ignored"].append(p)
    return out


# --------------------------------------------------------------------------------------------
# layer readers
# --------------------------------------------------------------------------------------------


def _read_vector(path: Path) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path)
    if gdf.crs is None:  # RFC 7946: GeoJSON without a crs member is WGS84
        gdf = gdf.set_crs(WGS84)
    elif gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(WGS84)
    return gdf


def _code_column(gdf: pd.DataFrame, candidates: tuple[str, ...], path: Path) -> str:
    cols = _lower_map(gdf.columns)
    col = _pick(cols, candidates) or cols.get("code")
    if col is None:
        raise InputError(
            f"Geography file {path}: no code column found; expected one of "
            f"{', '.join(candidates)} or 'code' "
            f"(columns read: {', '.join(map(str, gdf.columns))})."
        )
    return col


def _as_code(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.upper()


@dataclass(frozen=True, eq=False, repr=False)
class Geography:
    """The layers found in a geography folder (each None when absent), in WGS84.

    ``communes``: code_commune (as in the file), nom, code_commune_ref, code_departement,
    geometry. ``qpv``: code_qp, lib_qp, code_departement, geometry (repaired).
    ``qpv_communes``: one row per (QPV, commune) pair: code_qp, lib_qp, code_commune,
    code_commune_ref, code_departement. ``populations``: vintage -> per-commune table
    (code_commune, nom, code_departement, population = population municipale).
    """

    folder: Path
    departements: gpd.GeoDataFrame | None = None
    region: gpd.GeoDataFrame | None = None
    communes: gpd.GeoDataFrame | None = None
    qpv: gpd.GeoDataFrame | None = None
    qpv_communes: pd.DataFrame | None = None
    populations: dict[str, pd.DataFrame] = field(default_factory=dict)
    mergers: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    invalid_repaired: dict[str, tuple[int, int]] = field(default_factory=dict)
    code_changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    vintages: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Geography({str(self.folder)!r}, layers={self.layers!r})"

    @property
    def population_vintage(self) -> str | None:
        """The vintage used for rates: the oldest available (closest to the diagnostic years;
        the same denominator for every year)."""
        return min(self.populations) if self.populations else None

    @property
    def layers(self) -> tuple[str, ...]:
        """Names of the layers present."""
        present = []
        for name in ("departements", "communes", "region", "qpv", "qpv_communes"):
            if getattr(self, name) is not None:
                present.append(name)
        if self.populations:
            present.append("population")
        return tuple(present)

    def population(self, vintage: str | None = None) -> pd.DataFrame | None:
        """Population by reference commune (arrondissements summed, merged communes summed
        into the absorbing one): code_commune_ref, nom, code_departement, population, vintage."""
        vintage = vintage or self.population_vintage
        if vintage is None:
            return None
        if vintage not in self.populations:
            raise InputError(
                f"Geography folder {self.folder}: no population of vintage {vintage!r}; "
                f"available: {', '.join(sorted(self.populations))}."
            )
        p = self.populations[vintage]
        ref, _ = reference_codes(p["code_commune"], self.mergers)
        p = p.assign(code_commune_ref=ref)
        names = p.loc[p["code_commune"] == p["code_commune_ref"]].set_index("code_commune_ref")[
            "nom"
        ]
        out = (
            p.groupby("code_commune_ref", sort=True)
            .agg(code_departement=("code_departement", "first"), population=("population", "sum"))
            .reset_index()
        )
        out["nom"] = out["code_commune_ref"].map(names)
        missing = out["nom"].isna()
        out.loc[missing, "nom"] = out.loc[missing, "code_commune_ref"].map(
            lambda c: ARRONDISSEMENT_CITY_NAMES.get(c, self._merged_name(c))
        )
        out["population"] = out["population"].astype("int64")
        out["vintage"] = vintage
        return out[["code_commune_ref", "nom", "code_departement", "population", "vintage"]]

    def _merged_name(self, code: str) -> str | None:
        m = packaged_mergers()
        hit = m.loc[m["code_nouveau"] == code, "nom_nouveau"]
        return str(hit.iloc[0]) if len(hit) else None

    @cached_property
    def communes_ref(self) -> gpd.GeoDataFrame | None:
        """Communes dissolved by reference code (WGS84), with the current name and the
        population of the selected vintage (NaN when unknown)."""
        if self.communes is None:
            return None
        g = self.communes.dissolve(by="code_commune_ref", as_index=False, sort=True)
        g = g[["code_commune_ref", "nom", "code_departement", "geometry"]]
        pop = self.population()
        if pop is not None:
            g = g.merge(
                pop[["code_commune_ref", "nom", "population"]].rename(columns={"nom": "nom_ref"}),
                on="code_commune_ref",
                how="left",
            )
            g["nom"] = g["nom_ref"].fillna(g["nom"])
            g = g.drop(columns="nom_ref")
        else:
            g["population"] = np.nan
        return gpd.GeoDataFrame(g, geometry="geometry", crs=self.communes.crs)

    @cached_property
    def qpv_commune_pairs(self) -> pd.DataFrame | None:
        """One row per (QPV, reference commune): from the QPV-commune list, else from the
        commune list carried by the QPV layer."""
        if self.qpv_communes is not None:
            pairs = self.qpv_communes
        elif self.qpv is not None and "insee_com" in self.qpv.columns:
            pairs = _explode_qpv_communes(self.qpv, self.mergers)
        else:
            return None
        return (
            pairs[["code_qp", "lib_qp", "code_commune_ref", "code_departement"]]
            .drop_duplicates(["code_qp", "code_commune_ref"])
            .sort_values(["code_qp", "code_commune_ref"])
            .reset_index(drop=True)
        )

    @cached_property
    def departements_layer(self) -> gpd.GeoDataFrame | None:
        """Département polygons: the département file, else the communes dissolved."""
        if self.departements is not None:
            return self.departements
        if self.communes is None:
            return None
        d = self.communes.dissolve(by="code_departement", as_index=False, sort=True)
        names = departements().set_index("code_departement")["nom_departement"]
        d["nom"] = d["code_departement"].map(names)
        return gpd.GeoDataFrame(
            d[["code_departement", "nom", "geometry"]], geometry="geometry", crs=d.crs
        )


def _explode_qpv_communes(qpv: pd.DataFrame, mergers: dict[str, str]) -> pd.DataFrame:
    rows = qpv[["code_qp", "lib_qp", "insee_com"]].copy()
    rows["code_commune"] = rows["insee_com"].astype(str).str.split(",")
    rows = rows.explode("code_commune")
    rows["code_commune"] = _as_code(rows["code_commune"])
    rows = rows[rows["code_commune"].str.len() == 5]
    ref, _ = reference_codes(rows["code_commune"], mergers)
    rows["code_commune_ref"] = ref
    rows["code_departement"] = rows["code_commune_ref"].map(dep_of_commune)
    return rows.drop(columns="insee_com").reset_index(drop=True)


def _read_departements(path: Path) -> gpd.GeoDataFrame:
    g = _read_vector(path)
    col = _code_column(g, ("insee_dep", "code_departement", "code_dep"), path)
    name = _pick(_lower_map(g.columns), _NAME_COLS)
    codes = g[col].map(normalize_dep_code)
    if codes.isna().any():
        bad = g.loc[codes.isna(), col].iloc[0]
        raise InputError(
            f"Geography file {path}, column {col!r}: {bad!r} is not a département code "
            "(expected INSEE codes such as 93, 2A, 971)."
        )
    out = gpd.GeoDataFrame(
        {
            "code_departement": codes.astype(str),
            "nom": g[name].astype(str) if name else codes.astype(str),
        },
        geometry=g.geometry.values,
        crs=g.crs,
    )
    return out.sort_values("code_departement").reset_index(drop=True)


def _read_region(path: Path) -> gpd.GeoDataFrame:
    g = _read_vector(path)
    col = _code_column(g, ("insee_reg", "code_region", "code_reg"), path)
    name = _pick(_lower_map(g.columns), _NAME_COLS)
    return gpd.GeoDataFrame(
        {
            "code_region": _as_code(g[col]).astype(str),
            "nom": g[name].astype(str) if name else _as_code(g[col]).astype(str),
        },
        geometry=g.geometry.values,
        crs=g.crs,
    )


def _read_communes(path: Path, mergers: dict[str, str]) -> gpd.GeoDataFrame:
    g = _read_vector(path)
    col = _code_column(g, ("insee_com", "code_commune", "codgeo", "code_insee"), path)
    name = _pick(_lower_map(g.columns), _NAME_COLS)
    codes = _as_code(g[col])
    bad = codes.isna() | (codes.str.len() != 5)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"Geography file {path}, feature {i + 1}, column {col!r}: {g[col].iloc[i]!r} is "
            "not an INSEE commune code (expected 5 characters such as 93066 or 2A004)."
        )
    ref, _ = reference_codes(codes, mergers)
    out = gpd.GeoDataFrame(
        {
            "code_commune": codes.astype(str),
            "nom": g[name].astype(str) if name else codes.astype(str),
            "code_commune_ref": ref.astype(str),
            "code_departement": ref.map(dep_of_commune).astype(object),
        },
        geometry=g.geometry.values,
        crs=g.crs,
    )
    return out.sort_values("code_commune").reset_index(drop=True)


def _read_qpv(path: Path) -> gpd.GeoDataFrame:
    g = _read_vector(path)
    cols = _lower_map(g.columns)
    code = _pick(cols, _QPV_COLS)
    label = _pick(cols, _QPV_LABEL_COLS)
    com = _pick(cols, ("insee_com",))
    dep = _pick(cols, ("insee_dep", "code_departement", "code_dep"))
    out = pd.DataFrame({"code_qp": _as_code(g[code]).astype(str)})
    out["lib_qp"] = g[label].astype(str) if label else out["code_qp"]
    if com:
        out["insee_com"] = g[com].astype(str)
    if dep:
        out["code_departement"] = g[dep].map(normalize_dep_code)
    elif com:
        out["code_departement"] = out["insee_com"].str.split(",").str[0].map(dep_of_commune)
    else:
        out["code_departement"] = out["code_qp"].str[3:5].map(normalize_dep_code)
    gdf = gpd.GeoDataFrame(out, geometry=g.geometry.values, crs=g.crs)
    return gdf.sort_values("code_qp").reset_index(drop=True)


def _read_csv_str(path: Path) -> pd.DataFrame:
    return pd.read_csv(
        path, sep=_csv_sep(path), dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


def _read_qpv_communes(path: Path, mergers: dict[str, str]) -> pd.DataFrame:
    t = _read_csv_str(path)
    cols = _lower_map(t.columns)
    code, com = _pick(cols, _QPV_COLS), _pick(cols, _COMMUNE_COLS)
    label = _pick(cols, _QPV_LABEL_COLS)
    codes = _as_code(t[com])
    bad = codes.str.len() != 5
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"QPV-commune list {path}, line {i + 2}, column {com!r}: {t[com].iloc[i]!r} is not "
            "an INSEE commune code (expected 5 characters such as 93066)."
        )
    ref, _ = reference_codes(codes, mergers)
    out = pd.DataFrame(
        {
            "code_qp": _as_code(t[code]).astype(str),
            "lib_qp": t[label].astype(str) if label else _as_code(t[code]).astype(str),
            "code_commune": codes.astype(str),
            "code_commune_ref": ref.astype(str),
        }
    )
    out["code_departement"] = out["code_commune_ref"].map(dep_of_commune)
    return out.sort_values(["code_qp", "code_commune"]).reset_index(drop=True)


def _read_population(path: Path) -> tuple[str, pd.DataFrame]:
    vintage = _year_in_name(path)
    if vintage is None:
        raise InputError(
            f"Population file {path}: its vintage is not in its name. Rename it with the "
            "year of the populations légales, e.g. population-legale-2021-communes.csv."
        )
    t = _read_csv_str(path)
    cols = _lower_map(t.columns)
    com, pop = _pick(cols, _COMMUNE_COLS), _pick(cols, _POP_COLS)
    name = _pick(cols, _NAME_COLS)
    dep = _pick(cols, ("dep", "code_departement", "insee_dep"))
    values = t[pop].str.strip().str.replace("\u00a0", "").str.replace(" ", "")
    bad = ~values.str.fullmatch(r"\d+")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"Population file {path}, line {i + 2}, column {pop!r}: {t[pop].iloc[i]!r} is not "
            "a whole number of inhabitants."
        )
    codes = _as_code(t[com])
    out = pd.DataFrame(
        {
            "code_commune": codes.astype(str),
            "nom": t[name].astype(str)
            if name
            else pd.Series(pd.NA, index=t.index, dtype="string"),
            "population": values.astype("int64"),
        }
    )
    deps = t[dep].map(normalize_dep_code) if dep else codes.map(dep_of_commune)
    out["code_departement"] = deps.where(deps.notna(), codes.map(dep_of_commune))
    if out["code_departement"].isna().any():
        i = int(np.flatnonzero(out["code_departement"].isna().to_numpy())[0])
        raise InputError(
            f"Population file {path}, line {i + 2}: commune {t[com].iloc[i]!r} has no known "
            "département (expected an INSEE commune code)."
        )
    return vintage, out


# --------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------


def _signature(folder: Path) -> tuple:
    return tuple(
        (p.name, p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
        if p.is_file()
    )


def load_geography(geo_dir: Path | str | None) -> Geography | None:
    """Load the geography folder (cached per process, keyed by the folder and its files).

    Returns None when no folder is given, the folder does not exist or holds no recognised
    file. Raises InputError when a recognised file is malformed."""
    if geo_dir is None or str(geo_dir).strip() == "":
        return None
    folder = Path(geo_dir).resolve()
    if not folder.is_dir():
        log.warning("geography folder %s does not exist: maps are replaced by notes", folder)
        return None
    return _load_cached(str(folder), _signature(folder))


@lru_cache(maxsize=8)
def _load_cached(folder_str: str, signature: tuple) -> Geography | None:
    folder = Path(folder_str)
    found = discover_files(folder)
    if not any(found[k] for k in (*LAYERS, "mergers")):
        log.warning("geography folder %s holds no recognised file", folder)
        return None
    for k in LAYERS:
        if k != "population" and len(found[k]) > 1:
            log.warning(
                "geography folder %s: several %s files (%s); using %s",
                folder,
                k,
                ", ".join(p.name for p in found[k]),
                found[k][0].name,
            )
    extra = None
    if found["mergers"]:
        extra = pd.concat([_read_csv_str(p) for p in found["mergers"]], ignore_index=True)
    mergers = _merger_map(extra)
    files: dict[str, str] = {}
    invalid: dict[str, tuple[int, int]] = {}
    vintages: dict[str, str] = {}

    def first(kind: str) -> Path | None:
        if found[kind]:
            files[kind] = found[kind][0].name
            y = _year_in_name(found[kind][0])
            if y:
                vintages[kind] = y
            return found[kind][0]
        return None

    layers: dict[str, object] = {}
    for kind, reader in (
        ("departements", _read_departements),
        ("region", _read_region),
        ("communes", lambda p: _read_communes(p, mergers)),
        ("qpv", _read_qpv),
    ):
        p = first(kind)
        if p is None:
            layers[kind] = None
            continue
        gdf = reader(p)
        geoms, before, after = repair_geometries(gdf.geometry)
        gdf = gdf.set_geometry(geoms)
        invalid[kind] = (before, after)
        if before:
            log.info("%s: %d invalid geometries repaired (%d left)", p.name, before, after)
        layers[kind] = gdf
    p = first("qpv_communes")
    layers["qpv_communes"] = _read_qpv_communes(p, mergers) if p else None
    populations: dict[str, pd.DataFrame] = {}
    for p in found["population"]:
        vintage, table = _read_population(p)
        if vintage in populations:
            raise InputError(
                f"Geography folder {folder}: two population files of vintage {vintage} "
                f"({files['population_' + vintage]} and {p.name}); keep one."
            )
        populations[vintage] = table
        files["population_" + vintage] = p.name
    if layers["communes"] is not None and "communes" not in vintages:
        v = infer_cog_vintage(set(layers["communes"]["code_commune"]))
        if v:
            vintages["communes"] = v
    changes = _code_changes(layers, populations, mergers)
    if len(changes):
        log.info(
            "geography %s: %d commune codes mapped to their reference code (%s)",
            folder,
            len(changes),
            ", ".join(
                sorted(
                    {
                        f"{r.code_commune}->{r.code_commune_ref}"
                        for r in changes.itertuples()
                        if r.raison == "fusion"
                    }
                )
            ),
        )
    return Geography(
        folder=folder,
        departements=layers["departements"],
        region=layers["region"],
        communes=layers["communes"],
        qpv=layers["qpv"],
        qpv_communes=layers["qpv_communes"],
        populations=populations,
        mergers=mergers,
        files=files,
        ignored=tuple(p.name for p in found["ignored"]),
        invalid_repaired=invalid,
        code_changes=changes,
        vintages=vintages,
    )


def _code_changes(
    layers: dict, populations: dict[str, pd.DataFrame], mergers: dict[str, str]
) -> pd.DataFrame:
    """Every commune code of a layer that differs from its reference code."""
    frames = []
    sources = [("communes", layers.get("communes")), ("qpv_communes", layers.get("qpv_communes"))]
    sources += [(f"population_{v}", t) for v, t in sorted(populations.items())]
    for name, t in sources:
        if t is None:
            continue
        ref, reason = reference_codes(t["code_commune"], mergers)
        changed = reason != ""
        frames.append(
            pd.DataFrame(
                {
                    "couche": name,
                    "code_commune": t.loc[changed, "code_commune"].astype(str),
                    "code_commune_ref": ref[changed].astype(str),
                    "raison": reason[changed].astype(str),
                }
            )
        )
    cols = ["couche", "code_commune", "code_commune_ref", "raison"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return (
        pd.concat(frames, ignore_index=True)[cols]
        .drop_duplicates()
        .sort_values(cols)
        .reset_index(drop=True)
    )


def infer_cog_vintage(codes: set[str]) -> str | None:
    """The COG vintage of a commune layer whose name gives none, inferred from the packaged
    merger table: the year before the earliest merger whose absorbed commune is still in the
    layer (the layer predates that merger). None when no absorbed commune is present."""
    m = packaged_mergers()
    present = m[m["code_ancien"].isin(codes)]
    if present.empty:
        return None
    return str(int(present["date_effet"].str[:4].astype(int).min()) - 1)


def population_by_departement(
    geo_dir: Path | str | None, vintage: str | None = None
) -> pd.DataFrame | None:
    """Legal population (population municipale) by département: columns code_departement (str),
    population (int), vintage (str). The vintage is ``vintage`` or the oldest available
    (:attr:`Geography.population_vintage`). None without a population file."""
    geo = load_geography(geo_dir)
    if geo is None or not geo.populations:
        return None
    vintage = vintage or geo.population_vintage
    if vintage not in geo.populations:
        raise InputError(
            f"Geography folder {geo.folder}: no population of vintage {vintage!r}; "
            f"available: {', '.join(sorted(geo.populations))}."
        )
    p = geo.populations[vintage]
    out = (
        p.groupby("code_departement", sort=True)["population"].sum().astype("int64").reset_index()
    )
    out["vintage"] = str(vintage)
    return out[["code_departement", "population", "vintage"]]

"""The geography folder loaded: :class:`Geography` and :func:`load_geography` (boundaries,
QPV, populations, needs), read from the configured folder.

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
- population series: a CSV with ``popmunYYYY`` columns and ``insee`` (INSEE historical series);
- municipal arrondissements: a vector file with ``INSEE_ARM`` (``arrondissements-paris.geojson``);
- RSA households: a CSV with ``Nombre foyers RSA_PPA`` and ``Numéro commune`` (CNAF);
- unemployment by zone d'emploi: a CSV with ``code_ze2020``, ``trimestre``,
  ``taux_chomage_pct``; the commune -> zone table: ``code_ze2020`` and a commune column;
- INSEE lists of départements and regions: a CSV with ``TNCC`` and ``DEP`` (or ``REG``);
- extra commune mergers: a CSV with ``code_ancien`` and ``code_nouveau``.

(Recognition: :mod:`iae_diag.geo.files`; readers: :mod:`iae_diag.geo.readers`.)

Every layer is optional: a partial folder loads what is there; an empty or missing folder gives
``None``. Geometries are kept in WGS84 (EPSG:4326) for display; areas and distances are
computed in Lambert-93 (EPSG:2154) (:func:`metric_crs` gives the local projection of the
overseas départements).

Commune codes are joined through a *reference code* (``code_commune_ref``): municipal
arrondissements of Paris, Lyon and Marseille are folded into their commune (``751xx`` ->
``75056``) unless their contours are in the folder (then they are the analysis units:
:attr:`Geography.units`), and communes merged after a file's vintage are mapped to the
commune that absorbed them (``reference/communes_fusionnees.csv``, plus any merger CSV found in
the folder). Every code changed that way is listed in :attr:`Geography.code_changes` and
logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from iae_diag.errors import InputError
from iae_diag.geo.codes import (
    ARRONDISSEMENT_CITY_NAMES,
    _merger_map,
    infer_cog_vintage,
    packaged_mergers,
    reference_codes,
)
from iae_diag.geo.files import LAYERS, _year_in_name, discover_files
from iae_diag.geo.readers import (
    _explode_qpv_communes,
    _read_arrondissements,
    _read_cog_list,
    _read_communes,
    _read_csv_str,
    _read_departements,
    _read_population,
    _read_population_series,
    _read_qpv,
    _read_qpv_communes,
    _read_region,
    _read_rsa,
    _read_unemployment,
    _read_ze_communes,
    repair_geometries,
)
from iae_diag.territories import departements

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False, repr=False)
class Geography:
    """The layers found in a geography folder (each None when absent), in WGS84.

    ``communes``: code_commune (as in the file), nom, code_commune_ref, code_departement,
    geometry. ``qpv``: code_qp, lib_qp, code_departement, geometry (repaired).
    ``qpv_communes``: one row per (QPV, commune) pair: code_qp, lib_qp, code_commune,
    code_commune_ref, code_departement. ``populations``: vintage -> per-commune table
    (code_commune, nom, code_departement, population = population municipale), from the
    legal-population files and the historical series (``population_sources``: vintage -> file).
    ``arrondissements``: municipal arrondissements (code_commune, code_ville, nom,
    code_departement, geometry). ``rsa``: households receiving the RSA (code_commune,
    code_departement, foyers_rsa) of ``rsa_vintage`` (``2020-12``). ``unemployment``:
    quarterly rates by zone d'emploi (code_ze, lib_ze, trimestre, annee, taux);
    ``ze_communes``: code_commune, code_ze. ``cog_departements``, ``cog_regions``: INSEE lists
    (code, cheflieu, tncc, nom).
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
    arrondissements: gpd.GeoDataFrame | None = None
    population_sources: dict[str, str] = field(default_factory=dict)
    rsa: pd.DataFrame | None = None
    rsa_vintage: str | None = None
    unemployment: pd.DataFrame | None = None
    ze_communes: pd.DataFrame | None = None
    cog_departements: pd.DataFrame | None = None
    cog_regions: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"Geography({str(self.folder)!r}, layers={self.layers!r})"

    @property
    def population_vintage(self) -> str | None:
        """The default vintage when no data year is given: the oldest available (the reports
        use :meth:`population_vintage_for` the data year)."""
        return min(self.populations) if self.populations else None

    def population_vintage_for(self, year: int) -> str | None:
        """The vintage of population closest to ``year`` (the earlier one on a tie), or None
        without population. The legal population of year Y describes 1 January Y."""
        if not self.populations:
            return None
        return min(self.populations, key=lambda v: (abs(int(v) - int(year)), int(v)))

    def name_type(self, level: str, code: str) -> int | None:
        """INSEE type of name (TNCC) of a département (``level="dep"``) or region, from the
        INSEE lists of the folder; None without them."""
        t = self.cog_departements if level == "dep" else self.cog_regions
        if t is None:
            return None
        hit = t.loc[t["code"] == str(code), "tncc"]
        return int(hit.iloc[0]) if len(hit) else None

    def prefecture(self, code_departement: str) -> str | None:
        """INSEE code of the chef-lieu (préfecture) of a département, from the INSEE list."""
        t = self.cog_departements
        if t is None:
            return None
        hit = t.loc[t["code"] == str(code_departement), "cheflieu"]
        return str(hit.iloc[0]) if len(hit) and hit.iloc[0] else None

    @property
    def split_cities(self) -> frozenset[str]:
        """Cities (``75056``, ``69123``, ``13055``) whose arrondissement contours are in the
        folder: they are analysed by arrondissement."""
        if self.arrondissements is None:
            return frozenset()
        return frozenset(self.arrondissements["code_ville"])

    def unit_codes(self, codes: pd.Series) -> pd.Series:
        """The analysis unit of commune codes: the reference commune, or the arrondissement in
        a city of :attr:`split_cities`."""
        ref, _ = reference_codes(codes, self.mergers, self.split_cities)
        return ref

    @property
    def layers(self) -> tuple[str, ...]:
        """Names of the layers present."""
        present = []
        for name in ("departements", "communes", "arrondissements", "region", "qpv"):
            if getattr(self, name) is not None:
                present.append(name)
        if self.qpv_communes is not None:
            present.append("qpv_communes")
        if self.populations:
            present.append("population")
        for name in ("rsa", "unemployment", "ze_communes", "cog_departements", "cog_regions"):
            if getattr(self, name) is not None:
                present.append(name)
        return tuple(present)

    def population(self, vintage: str | None = None, units: bool = False) -> pd.DataFrame | None:
        """Population by reference commune (arrondissements summed, merged communes summed
        into the absorbing one): code_commune_ref, nom, code_departement, population, vintage.
        ``units``: by analysis unit (:meth:`unit_codes`: the arrondissements of a city whose
        contours are in the folder stay apart). Rounded to whole inhabitants once summed."""
        vintage = vintage or self.population_vintage
        if vintage is None:
            return None
        if vintage not in self.populations:
            raise InputError(
                f"Geography folder {self.folder}: no population of vintage {vintage!r}; "
                f"available: {', '.join(sorted(self.populations))}."
            )
        p = self.populations[vintage]
        split = self.split_cities if units else frozenset()
        ref, _ = reference_codes(p["code_commune"], self.mergers, split)
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
        if units and self.arrondissements is not None:
            arm_names = self.arrondissements.set_index("code_commune")["nom"]
            out["nom"] = out["code_commune_ref"].map(arm_names).fillna(out["nom"])
        out["population"] = out["population"].round().astype("int64")
        out["vintage"] = vintage
        return out[["code_commune_ref", "nom", "code_departement", "population", "vintage"]]

    def _merged_name(self, code: str) -> str | None:
        m = packaged_mergers()
        hit = m.loc[m["code_nouveau"] == code, "nom_nouveau"]
        return str(hit.iloc[0]) if len(hit) else None

    @cached_property
    def communes_ref(self) -> gpd.GeoDataFrame | None:
        """Communes dissolved by reference code (WGS84), with the current name (of the most
        recent population file that has names, else the layer's) and the population of
        :attr:`population_vintage` (NaN when unknown)."""
        if self.communes is None:
            return None
        g = self.communes.dissolve(by="code_commune_ref", as_index=False, sort=True)
        g = g[["code_commune_ref", "nom", "code_departement", "geometry"]]
        pop = self.population()
        if pop is not None:
            g = g.merge(pop[["code_commune_ref", "population"]], on="code_commune_ref", how="left")
        else:
            g["population"] = np.nan
        named = [
            v
            for v in sorted(self.populations, reverse=True)
            if self.populations[v]["nom"].notna().any()
        ]
        if named:
            names = self.population(named[0]).set_index("code_commune_ref")["nom"]
            g["nom"] = g["code_commune_ref"].map(names).fillna(g["nom"])
        return gpd.GeoDataFrame(g, geometry="geometry", crs=self.communes.crs)

    @cached_property
    def units(self) -> gpd.GeoDataFrame | None:
        """Analysis units (WGS84): the reference communes, each city of :attr:`split_cities`
        replaced by its arrondissements. Columns code_unit, nom, code_departement, geometry."""
        if self.communes is None:
            return None
        c = self.communes_ref
        c = c.loc[~c["code_commune_ref"].isin(self.split_cities)]
        c = c[["code_commune_ref", "nom", "code_departement", "geometry"]].rename(
            columns={"code_commune_ref": "code_unit"}
        )
        if self.arrondissements is not None:
            a = self.arrondissements.rename(columns={"code_commune": "code_unit"})
            a = a[["code_unit", "nom", "code_departement", "geometry"]]
            c = pd.concat([c, a], ignore_index=True)
        c = c.sort_values("code_unit").reset_index(drop=True)
        return gpd.GeoDataFrame(c, geometry="geometry", crs=self.communes.crs)

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
        if k not in ("population", "population_series") and len(found[k]) > 1:
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
        ("arrondissements", _read_arrondissements),
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
    sources = {v: files["population_" + v] for v in populations}
    for p in found["population_series"]:
        for vintage, table in _read_population_series(p).items():
            if vintage not in populations:  # a legal-population file of the vintage wins
                populations[vintage] = table
                sources[vintage] = p.name
        files["population_series"] = p.name
    rsa_vintage, rsa = None, None
    if first("rsa"):
        rsa_vintage, rsa = _read_rsa(found["rsa"][0])
    unemployment = _read_unemployment(found["unemployment"][0]) if first("unemployment") else None
    ze_communes = _read_ze_communes(found["ze_communes"][0]) if first("ze_communes") else None
    cog_deps = (
        _read_cog_list(found["cog_departements"][0], "dep") if first("cog_departements") else None
    )
    cog_regs = _read_cog_list(found["cog_regions"][0], "reg") if first("cog_regions") else None
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
        arrondissements=layers["arrondissements"],
        population_sources=dict(sorted(sources.items())),
        rsa=rsa,
        rsa_vintage=rsa_vintage,
        unemployment=unemployment,
        ze_communes=ze_communes,
        cog_departements=cog_deps,
        cog_regions=cog_regs,
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

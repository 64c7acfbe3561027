"""Recognition of the files of a geography folder by their columns (and a few name
patterns): which layer each file holds, or that it is ignored."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pyogrio

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")

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

_RSA_COUNT_COLS = ("nombre foyers rsa_ppa", "nombre foyers rsa", "nb_foyers_rsa", "foyers_rsa")
_RSA_COMMUNE_COLS = ("numéro commune", "numero commune", *_COMMUNE_COLS)
_ZE_COLS = ("code_ze2020", "code_ze", "ze2020")
_SERIES_COL = re.compile(r"^popmun((?:19|20)\d{2})$")

LAYERS = (
    "departements",
    "communes",
    "arrondissements",
    "region",
    "qpv",
    "qpv_communes",
    "population",
    "population_series",
    "rsa",
    "unemployment",
    "ze_communes",
    "cog_departements",
    "cog_regions",
)


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


#: code columns of the other ADMIN EXPRESS layers (arrondissements départementaux, cantons,
#: communes associées, EPCI, collectivités, chefs-lieux), so that the whole archive can be
#: dropped in (municipal arrondissements, ``INSEE_ARM``, are read)
_OTHER_LAYER_COLS = (
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
    if "insee_arm" in fields:
        return "arrondissements"
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
    if any(_SERIES_COL.match(c) for c in cols) and _pick(cols, ("insee", *_COMMUNE_COLS)):
        return "population_series"
    if _pick(cols, _RSA_COUNT_COLS) and _pick(cols, _RSA_COMMUNE_COLS):
        return "rsa"
    if _pick(cols, _ZE_COLS) and "taux_chomage_pct" in cols and "trimestre" in cols:
        return "unemployment"
    if _pick(cols, _ZE_COLS) and _pick(cols, _COMMUNE_COLS):
        return "ze_communes"
    if "tncc" in cols and "dep" in cols:
        return "cog_departements"
    if "tncc" in cols and "reg" in cols:
        return "cog_regions"
    return None


def discover_files(geo_dir: Path) -> dict[str, list[Path]]:
    """Files of the folder by layer (:data:`LAYERS`, ``mergers``, ``ignored``), each list
    sorted by name."""
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

"""Frames built to the contracts of docs/architecture.md (siae.parquet and the indicator table),
with real Île-de-France commune codes, for the tests of the geo package."""

from __future__ import annotations

import pandas as pd

from iae_diag import config
from iae_diag.vocabulary import INDICATOR_COLUMNS, SIAE_COLUMNS

#: the Île-de-France geography folder of the shared material (the tests assert its counts)
REAL_GEO_DIR = config.shared_dir() / "data" / "geo"

IDF_DEPS = ["75", "77", "78", "91", "92", "93", "94", "95"]

#: (id, type, département, commune, ETP réalisés) of the year 2016
SIAE_2016 = [
    (1, "ACI", "75", "75118", 40.0),  # Paris 18e arrondissement -> 75056
    (2, "AI", "75", "75111", 12.5),  # Paris 11e -> 75056
    (3, "EI", "75", "75056", 8.0),  # Paris as one commune
    (4, "ACI", "93", "93066", 55.0),  # Saint-Denis
    (5, "ETTI", "93", "93066", 20.0),  # Saint-Denis, second type
    (6, "EI", "93", "93048", 15.0),  # Montreuil
    (7, "ACI", "91", "91182", 30.0),  # Courcouronnes (merged into 91228 in 2019)
    (8, "EITI", "77", "77288", 6.0),  # Meaux
    (9, "AI", "95", "95127", 10.0),  # Cergy
    (10, "ACI", "78", "78646", 25.0),  # Versailles
    (11, "EI", "92", "92050", 9.0),  # Nanterre
    (12, "ACI", "94", "94028", 18.0),  # Créteil
    (13, "AI", "93", "99999", 4.0),  # unknown commune code: not drawn, counted
]


def siae_frame(year: int = 2016) -> pd.DataFrame:
    """siae.parquet rows (one per SIAE and year) for ``year`` and ``year - 1`` (fewer SIAE)."""
    rows = []
    for sid, typ, dep, com, etp in SIAE_2016:
        rows.append(
            (
                sid,
                typ,
                year,
                dep,
                com,
                f"Structure {sid}",
                etp,
                etp * 1607,
                int(etp * 2),
                etp * 1.1,
            )
        )
    for sid, typ, dep, com, etp in SIAE_2016[:3]:
        rows.append(
            (sid, typ, year - 1, dep, com, f"Structure {sid}", etp, etp * 1607, int(etp * 2), etp)
        )
    df = pd.DataFrame(rows, columns=SIAE_COLUMNS)
    df["structure_id_siae"] = df["structure_id_siae"].astype("int64")
    df["year"] = df["year"].astype("int64")
    return df


def indicators_frame(year: int = 2016, coverage: bool = True) -> pd.DataFrame:
    """Indicator rows by département: etp_realises (1,000 each, 8,000 for the region) and
    salaries (2,000 each, 15,000 for the region) when ``coverage``, etp_per_10000_inhabitants
    (5 + i, not read by the maps: the population of the data year is the geography's) and
    public_share/qpv, type ALL, values chosen by hand."""
    rows = []
    for i, dep in enumerate(IDF_DEPS):
        if coverage:
            rows.append(
                ("etp_per_10000_inhabitants", "dep", dep, year, "ALL", "", 5.0 + i, None, None)
            )
            rows.append(("etp_realises", "dep", dep, year, "ALL", "", 1000.0, None, None))
            rows.append(("salaries", "dep", dep, year, "ALL", "", 2000.0, None, None))
        share = 0.10 + 0.05 * i
        rows.append(("public_share", "dep", dep, year, "ALL", "qpv", share, share * 100, 100.0))
        rows.append(("public_share", "dep", dep, year, "ALL", "women", 0.4, 40.0, 100.0))
    rows.append(("etp_per_10000_inhabitants", "region", "11", year, "ALL", "", 9.0, None, None))
    if coverage:
        rows.append(("etp_realises", "region", "11", year, "ALL", "", 8000.0, None, None))
        rows.append(("salaries", "region", "11", year, "ALL", "", 15000.0, None, None))
    df = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    df["year"] = df["year"].astype("int64")
    return df


#: the files of the shared geography folder added for issue 13 (needs, population series, Paris
#: by arrondissement, INSEE lists)
NEW_GEO_FILES = (
    "arrondissements-paris.geojson",
    "chomage-ze2020-idf-trimestriel.csv",
    "communes-ze2020-idf.csv",
    "departements-france-cog2024.csv",
    "population-municipale-historique-communes-idf.csv",
    "regions-france-cog2024.csv",
    "rsa-foyers-communes-idf-2020-12.csv",
)


def geo_subset(dest, without: tuple[str, ...]):
    """A copy of the shared geography folder in ``dest`` (a tmp_path) without the files
    ``without``; returns ``dest``."""
    import shutil

    for f in sorted(REAL_GEO_DIR.iterdir()):
        if f.is_file() and f.name not in without and f.name != "PROVENANCE.md":
            shutil.copy(f, dest / f.name)
    return dest

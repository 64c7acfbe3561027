"""Reading and writing the indicator tables, and the ``iae-diag indicators`` command."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from iae_diag import freshness
from iae_diag.errors import InputError
from iae_diag.indicators.contributions import SIAE_SECTORS_FILE, siae_sector_hours
from iae_diag.indicators.emi_years import EmiYears
from iae_diag.indicators.flows import CONTRACT_MOTIF_COLUMN, FLOW_CONTRACT_COLUMNS
from iae_diag.indicators.publics import CONTRACT_COLUMNS, SALARIE_COLUMNS
from iae_diag.indicators.records import MODIFICATION_DATES
from iae_diag.indicators.tables import build_tables
from iae_diag.processed import load_processed, require_processed

log = logging.getLogger(__name__)

INDICATORS_FILE = "indicators"
QUALITY_FILE = "quality"
SIAE_FILE = "siae.parquet"
STR_COLUMNS = {
    "indicator": str,
    "territory_level": str,
    "territory_code": str,
    "type_siae": str,
    "breakdown": str,
    "check": str,
    "code_departement": str,
    "code_commune": str,
}


#: The columns of the large reference tables the indicators read (the whole content of a row
#: is read only for the rows of a repeated id): a new indicator reading another column adds
#: it here (``docs/performance.md``).
READ_COLUMNS = {
    "contrat_mission": [
        *CONTRACT_COLUMNS,
        *(c for c in FLOW_CONTRACT_COLUMNS if c not in CONTRACT_COLUMNS),
        CONTRACT_MOTIF_COLUMN,
        "contrat_code_rome",
        MODIFICATION_DATES["contrat_id_ctr"],
    ],
    "salarie": [
        "salarie_id",
        "person_key",
        *SALARIE_COLUMNS,
        MODIFICATION_DATES["salarie_id"],
    ],
}


def write_tables(
    processed_dir: Path | str,
    out_dir: Path | str | None = None,
    population: pd.DataFrame | None = None,
    geo_dir: Path | None = None,
) -> dict[str, Path]:
    """Compute the tables from a processed folder and write indicators.{parquet,csv},
    quality.{parquet,csv}, siae.parquet and siae_sectors.parquet into ``out_dir`` (default:
    the processed folder), with ``indicators-inputs.json`` (what they were computed from;
    ``geo_dir``: the geography folder the population came from). Returns the paths written."""
    data = load_processed(processed_dir, emi_in_memory=False, columns=READ_COLUMNS)
    emi = EmiYears(path=data.emi_path)  # read one year at a time (docs/performance.md)
    inputs = freshness.indicators_inputs(processed_dir, geo_dir)
    indicators, quality, siae = build_tables(data, population=population, emi=emi)
    out = Path(out_dir) if out_dir is not None else Path(processed_dir)
    out.mkdir(parents=True, exist_ok=True)
    # every file is written into a temporary folder beside the outputs, then moved into place;
    # the inputs stamp is removed first and written last, so an interrupted write leaves tables
    # that `iae-diag data` recomputes and `iae-diag report` refuses (iae_diag.freshness)
    tmp = Path(tempfile.mkdtemp(prefix=".indicators-", dir=out))
    paths: dict[str, Path] = {}
    try:
        for name, df in ((INDICATORS_FILE, indicators), (QUALITY_FILE, quality)):
            paths[f"{name}.parquet"] = out / f"{name}.parquet"
            df.to_parquet(tmp / f"{name}.parquet", index=False)
            paths[f"{name}.csv"] = out / f"{name}.csv"
            df.to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        paths[SIAE_FILE] = out / SIAE_FILE
        siae.to_parquet(tmp / SIAE_FILE, index=False)
        paths[SIAE_SECTORS_FILE] = (
            out / SIAE_SECTORS_FILE
        )  # statistical secrecy (iae_diag.secrecy)
        siae_sector_hours(data, emi=emi).to_parquet(tmp / SIAE_SECTORS_FILE, index=False)
        (out / freshness.INDICATORS_STAMP).unlink(missing_ok=True)
        for p in paths.values():
            os.replace(tmp / p.name, p)
        freshness.record_indicators(out, inputs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("wrote %s", ", ".join(p.name for p in paths.values()))
    return paths


def _read(processed_dir: Path | str, stem: str) -> pd.DataFrame:
    d = Path(processed_dir)
    pq = d / f"{stem}.parquet"
    if pq.is_file():
        df = pd.read_parquet(pq)
    elif (d / f"{stem}.csv").is_file():
        df = pd.read_csv(
            d / f"{stem}.csv",
            dtype=STR_COLUMNS,
            keep_default_na=False,
            na_values={"value": [""], "numerator": [""], "denominator": [""]},
        )
    else:
        raise InputError(
            f"{pq} does not exist: compute the indicator tables first with "
            f"`iae-diag indicators --processed {d}` (or `make data`)."
        )
    for c in df.columns:
        if c in STR_COLUMNS:
            df[c] = df[c].astype(object).where(df[c].notna(), None)
            df[c] = df[c].map(lambda v: v if v is None else str(v))
    return df


def load_indicators(processed_dir: Path | str) -> pd.DataFrame:
    """The indicator table written by :func:`write_tables` (codes as str)."""
    return _read(processed_dir, INDICATORS_FILE)


def load_quality(processed_dir: Path | str) -> pd.DataFrame:
    """The data-quality table written by :func:`write_tables` (codes as str)."""
    return _read(processed_dir, QUALITY_FILE)


def load_siae(processed_dir: Path | str) -> pd.DataFrame:
    """The per-SIAE table written by :func:`write_tables` (codes as str)."""
    path = Path(processed_dir) / SIAE_FILE
    if not path.is_file():
        raise InputError(f"{path} does not exist: run `iae-diag indicators` first.")
    return _read(processed_dir, "siae")


def _population() -> pd.DataFrame | None:
    """Population by département from the configured geography folder, None without one."""
    from iae_diag.config import geo_dir

    gdir = geo_dir()
    if gdir is None:
        log.info("no geography folder configured: coverage per 10 000 inhabitants skipped")
        return None
    from iae_diag.geo import population_by_departement  # geopandas: imported when needed

    return population_by_departement(gdir)


def cli_main(args: argparse.Namespace) -> int:
    """``iae-diag indicators --processed DIR [--out DIR]``."""
    from iae_diag.config import geo_dir

    require_processed(args.processed)  # before the geography is loaded
    paths = write_tables(args.processed, args.out, population=_population(), geo_dir=geo_dir())
    for p in paths.values():
        print(p)
    return 0

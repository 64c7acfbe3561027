"""Access to the processed data (the output of ``iae-diag ingest``).

The parquet layout is described in ``docs/architecture.md``; the ``iae_diag.ingest`` package
writes it, the indicators read it through :func:`load_processed`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from iae_diag.errors import InputError

#: fluxIAE table name -> processed parquet file name
TABLE_FILES = {
    "Structure": "structure.parquet",
    "AnnexeFinanciere": "annexe_financiere.parquet",
    "EtatMensuelIndiv": "etat_mensuel_indiv.parquet",
    "ContratMission": "contrat_mission.parquet",
    "Salarie": "salarie.parquet",
}
#: Optional reference tables: written when their raw file was present, else absent.
OPTIONAL_TABLE_FILES = {
    "RefCategorieSort": "ref_categorie_sort.parquet",
    "RefMotifSort": "ref_motif_sort.parquet",
}
MANIFEST = "manifest.json"
QUARANTINE = "quarantine.csv"


@dataclass
class ProcessedData:
    """The five processed tables and the manifest of the ingest that wrote them.

    ``etat_mensuel_indiv`` is None when the folder was loaded without it (the large table,
    read one year at a time from ``emi_path``: ``iae_diag.indicators.emi_years``)."""

    structure: pd.DataFrame
    annexe_financiere: pd.DataFrame
    etat_mensuel_indiv: pd.DataFrame | None
    contrat_mission: pd.DataFrame
    salarie: pd.DataFrame
    manifest: dict = field(default_factory=dict)
    quarantine: pd.DataFrame | None = None
    #: the exit reference tables (None when the extract had no such file)
    ref_motif_sort: pd.DataFrame | None = None
    ref_categorie_sort: pd.DataFrame | None = None
    #: the parquet file of the EtatMensuelIndiv rows (None for data built in memory)
    emi_path: Path | None = None


def require_processed(processed_dir: Path | str) -> None:
    """Fail with a clear message if a file of the processed folder is missing."""
    d = Path(processed_dir)
    missing = [f for f in [*TABLE_FILES.values(), MANIFEST] if not (d / f).is_file()]
    if missing:
        raise InputError(
            f"The processed folder {d} is incomplete: missing {', '.join(missing)}. "
            "Run `iae-diag ingest --raw DIR --out DIR` (or `make data`) first."
        )


def load_processed(processed_dir: Path | str, emi_in_memory: bool = True) -> ProcessedData:
    """Read the processed folder; fail with a clear message if a file is missing.

    ``emi_in_memory=False`` leaves the EtatMensuelIndiv rows on disk (``etat_mensuel_indiv``
    None, ``emi_path`` set): the indicators then read them one year at a time."""
    d = Path(processed_dir)
    require_processed(d)
    emi_file = TABLE_FILES["EtatMensuelIndiv"]
    frames = {
        f: pd.read_parquet(d / f) for f in TABLE_FILES.values() if emi_in_memory or f != emi_file
    }
    manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    quarantine = None
    if (d / QUARANTINE).is_file():
        quarantine = pd.read_csv(d / QUARANTINE, dtype=str, keep_default_na=False)
    return ProcessedData(
        structure=frames["structure.parquet"],
        annexe_financiere=frames["annexe_financiere.parquet"],
        etat_mensuel_indiv=frames.get(emi_file),
        contrat_mission=frames["contrat_mission.parquet"],
        salarie=frames["salarie.parquet"],
        manifest=manifest,
        quarantine=quarantine,
        emi_path=d / emi_file,
        **{
            f.removesuffix(".parquet"): pd.read_parquet(d / f)
            for f in OPTIONAL_TABLE_FILES.values()
            if (d / f).is_file()
        },
    )

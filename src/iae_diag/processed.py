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
from iae_diag.memory import release_arrow_memory

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
    #: tables loaded with some of their columns only (``load_processed(columns=...)``): file
    #: name -> path, to read the whole content of a few rows (:func:`full_rows`)
    narrowed: dict[str, Path] = field(default_factory=dict)


def require_processed(processed_dir: Path | str) -> None:
    """Fail with a clear message if a file of the processed folder is missing."""
    d = Path(processed_dir)
    missing = [f for f in [*TABLE_FILES.values(), MANIFEST] if not (d / f).is_file()]
    if missing:
        raise InputError(
            f"The processed folder {d} is incomplete: missing {', '.join(missing)}. "
            "Run `iae-diag ingest --raw DIR --out DIR` (or `make data`) first."
        )


def _read_compact(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A processed table with its text columns compact (``docs/performance.md``): a column of
    few distinct values (codes, flags: at most :data:`CATEGORY_SHARE` of the rows) as a pandas
    ``Categorical`` (one small integer a row), the others as pyarrow strings (about 8 bytes a
    value instead of about 60 for a Python str; nulls as ``pd.NA``). What a national history
    of ContratMission and Salarie needs to fit in a laptop's memory."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    if columns is not None:
        present = set(schema.names)
        columns = [c for c in dict.fromkeys(columns) if c in present]
    names = schema.names if columns is None else columns
    text = [n for n in names if schema.field(n).type in (pa.string(), pa.large_string())]
    table = pq.read_table(path, columns=columns, read_dictionary=text)
    for name in text:
        i = table.schema.get_field_index(name)
        col = table.column(i)
        distinct = max((len(chunk.dictionary) for chunk in col.chunks), default=0)
        if distinct > CATEGORY_SHARE * max(table.num_rows, 1):  # ids, hashes: plain strings
            table = table.set_column(i, name, pc.cast(col, pa.string()))
    return table.to_pandas(types_mapper=_text_as_arrow)


def _text_as_arrow(arrow_type):
    """pandas dtype of an arrow column in a compact table: text as pyarrow strings."""
    import pyarrow as pa

    return pd.StringDtype("pyarrow") if arrow_type in (pa.string(), pa.large_string()) else None


#: A text column is read as a ``Categorical`` when its distinct values are at most this share
#: of the rows (:func:`_read_compact`).
CATEGORY_SHARE = 0.05


def full_rows(path: Path, id_column: str, ids) -> pd.DataFrame:
    """Every column of the rows of the processed table ``path`` whose ``id_column`` is in
    ``ids``, in the file's order (read the way ``load_processed`` reads a compact table)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    wanted = pa.array(pd.unique(pd.Series(ids)).astype("int64"), type=pa.int64())
    return (
        ds.dataset(path, format="parquet")
        .to_table(filter=ds.field(id_column).isin(wanted))
        .to_pandas(types_mapper=_text_as_arrow)
    )


def load_processed(
    processed_dir: Path | str,
    emi_in_memory: bool = True,
    columns: dict[str, list[str]] | None = None,
) -> ProcessedData:
    """Read the processed folder; fail with a clear message if a file is missing.

    ``emi_in_memory=False`` leaves the EtatMensuelIndiv rows on disk (``etat_mensuel_indiv``
    None, ``emi_path`` set): the indicators then read them one year at a time; the other
    tables then hold their text as pyarrow strings (``_read_compact``). ``columns``: for some
    tables (file name without ``.parquet``), the only columns to load (those present); the
    tables are then listed in ``narrowed``."""
    d = Path(processed_dir)
    require_processed(d)
    emi_file = TABLE_FILES["EtatMensuelIndiv"]
    wanted = columns or {}
    frames = {
        f: pd.read_parquet(d / f) if emi_in_memory else _read_compact(d / f, wanted.get(f[:-8]))
        for f in TABLE_FILES.values()
        if emi_in_memory or f != emi_file
    }
    manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    quarantine = None
    if (d / QUARANTINE).is_file():
        quarantine = pd.read_csv(d / QUARANTINE, dtype=str, keep_default_na=False)
    if not emi_in_memory:
        release_arrow_memory()
    return ProcessedData(
        structure=frames["structure.parquet"],
        annexe_financiere=frames["annexe_financiere.parquet"],
        etat_mensuel_indiv=frames.get(emi_file),
        contrat_mission=frames["contrat_mission.parquet"],
        salarie=frames["salarie.parquet"],
        manifest=manifest,
        quarantine=quarantine,
        emi_path=d / emi_file,
        narrowed={t: d / f"{t}.parquet" for t in wanted if not emi_in_memory},
        **{
            f.removesuffix(".parquet"): pd.read_parquet(d / f)
            for f in OPTIONAL_TABLE_FILES.values()
            if (d / f).is_file()
        },
    )

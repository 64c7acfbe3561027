"""Write fluxIAE tables in the real export format.

``DEB<Table><ddmmyyyy>_<hhmmss>|<synthetic marker>`` first line padded with pipes to the header
width (the marker tells the ingest that the file is synthetic, see
``iae_diag.ingest.schemas.SYNTHETIC_MARKER``), the header
line (the real layout read from the headers folder), ``|``-separated rows without quoting,
``FIN<n>`` last line (n = data rows). EtatMensuelIndiv is gzipped with mtime 0 and no embedded
file name, so the same data gives the same bytes.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from iae_diag import config
from iae_diag.errors import InputError
from iae_diag.ingest.schemas import SYNTHETIC_MARKER

TABLES = (
    "Structure",
    "AnnexeFinanciere",
    "EtatMensuelIndiv",
    "ContratMission",
    "Salarie",
    "RefCategorieSort",
    "RefMotifSort",
)
GZIPPED = {"EtatMensuelIndiv"}


def read_headers(headers_dir: Path | str | None = None) -> dict[str, list[str]]:
    """Column layouts ``{table: [columns]}`` from ``fluxIAE_<Table>.header`` files."""
    d = Path(headers_dir) if headers_dir is not None else config.headers_dir()
    if not d.is_dir():
        raise InputError(
            f"The fluxIAE header folder {d} does not exist: the synthetic generator writes the "
            "real column layouts read from it. Set IAE_DIAG_HEADERS_DIR to the folder holding "
            "fluxIAE_<Table>.header files (default <shared>/data/fluxiae/headers, with the "
            "shared folder set by IAE_DIAG_SHARED_DIR or the Makefile's SHARED_DIR)."
        )
    out = {}
    for t in TABLES:
        p = d / f"fluxIAE_{t}.header"
        if not p.is_file():
            raise InputError(f"The header file {p} is missing (one line, columns separated by |).")
        line = p.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()[0].strip()
        cols = line.split("|")
        if len(cols) < 2 or any(not c for c in cols):
            raise InputError(f"{p}, line 1: expected column names separated by '|'.")
        out[t] = cols
    return out


def to_arrow(values: object, n: int) -> pa.Array:
    """A column as an arrow array: numpy arrays as they are (object arrays may hold None),
    a scalar string repeated, ``None`` for an empty column."""
    if values is None:
        return pa.nulls(n, pa.string())
    if isinstance(values, str):
        return pa.repeat(pa.scalar(values), n) if n else pa.array([], pa.string())
    if isinstance(values, pa.Array):
        return values
    arr = np.asarray(values)
    if arr.dtype == object:
        return pa.array(arr, from_pandas=True)
    return pa.array(arr)


def _write_body(
    f: object, table: str, columns: list[str], data: dict[str, object], n: int, stamp: str
) -> None:
    unknown = set(data) - set(columns)
    if unknown:
        raise InputError(f"synth: columns {sorted(unknown)} are not in the {table} header layout.")
    arrays = [to_arrow(data.get(c), n) for c in columns]
    tab = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(columns))])
    # the synthetic marker as the DEB line's second field (same field count as the header)
    f.write(f"DEB{table}{stamp}|{SYNTHETIC_MARKER}{'|' * (len(columns) - 2)}\n".encode())
    f.write(("|".join(columns) + "\n").encode())
    if n:
        buf = io.BytesIO()
        opts = pacsv.WriteOptions(
            include_header=False, delimiter="|", quoting_style="none", batch_size=65536
        )
        step = 500_000
        for lo in range(0, n, step):
            buf.seek(0)
            buf.truncate()
            pacsv.write_csv(tab.slice(lo, step), buf, write_options=opts)
            f.write(buf.getvalue())
    f.write(f"FIN{n}\n".encode())


def write_table(
    out_dir: Path, table: str, columns: list[str], data: dict[str, object], n: int, stamp: str
) -> Path:
    """Write ``fluxIAE_<Table>_<stamp>.csv`` (``.csv.gz`` for EtatMensuelIndiv)."""
    name = f"fluxIAE_{table}_{stamp}.csv"
    if table in GZIPPED:
        path = out_dir / (name + ".gz")
        with (
            path.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1) as gz,
        ):
            _write_body(gz, table, columns, data, n, stamp)
    else:
        path = out_dir / name
        with path.open("wb") as f:
            _write_body(f, table, columns, data, n, stamp)
    return path

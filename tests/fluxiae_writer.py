"""Write small fluxIAE files in the real export format, for tests.

``write_table(folder, "Salarie", rows)`` writes ``fluxIAE_Salarie_15012014_060000.csv``:
optional ``DEB`` line, header line, ``|``-separated rows with no quoting, optional
``FIN<n>`` line (``synthetic=True``: the DEB line carries the marker of ``iae-diag synth``).
Columns are the union of the row keys in first-seen order unless
``columns`` is given; missing values are empty fields.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from iae_diag.ingest.schemas import SYNTHETIC_MARKER


def render_table(
    table: str,
    rows: list[dict],
    columns: list[str] | None = None,
    stamp: str = "15012014_060000",
    deb: bool = True,
    fin: bool = True,
    bom: bool = False,
    fin_count: int | None = None,
    newline: str = "\n",
    synthetic: bool = False,
) -> str:
    if columns is None:
        columns = []
        for r in rows:
            for k in r:
                if k not in columns:
                    columns.append(k)
    lines = []
    if deb and synthetic:  # the marker of `iae-diag synth`, as it writes it
        lines.append(f"DEB{table}{stamp}|{SYNTHETIC_MARKER}" + "|" * (len(columns) - 2))
    elif deb:
        lines.append(f"DEB{table}{stamp}" + "|" * (len(columns) - 1))
    lines.append("|".join(columns))
    for r in rows:
        lines.append("|".join("" if r.get(c) is None else str(r.get(c)) for c in columns))
    if fin:
        lines.append(f"FIN{len(rows) if fin_count is None else fin_count}")
    text = newline.join(lines) + newline
    return ("\ufeff" + text) if bom else text


def write_table(
    folder: Path | str,
    table: str,
    rows: list[dict],
    stamp: str = "15012014_060000",
    gz: bool = False,
    **kwargs,
) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    day, time = stamp.split("_")
    name = f"fluxIAE_{table}_{day}_{time}.csv" + (".gz" if gz else "")
    text = render_table(table, rows, stamp=stamp, **kwargs)
    path = folder / name
    if gz:
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as f,
        ):
            f.write(text.encode("utf-8"))
    else:
        path.write_bytes(text.encode("utf-8"))
    return path

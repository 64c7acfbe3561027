"""The whole ingest: the five tables in order, then the output folder written in one move
(parquet files, ``quarantine.csv``, ``manifest.json``)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from iae_diag import SCHEMA_VERSION, __version__
from iae_diag.errors import InputError
from iae_diag.ingest.files import RawFile, carries_synthetic_marker, find_raw_files
from iae_diag.ingest.keys import REAL, SYNTHETIC, NirKey, fingerprint, resolve_key
from iae_diag.ingest.quarantine import QUARANTINE_COLUMNS
from iae_diag.ingest.schemas import OPTIONAL_TABLES, TABLES, TableSpec
from iae_diag.ingest.table import DEFAULT_BLOCK_BYTES, TableResult, read_table
from iae_diag.ingest.writing import ParquetSink
from iae_diag.processed import MANIFEST, OPTIONAL_TABLE_FILES, QUARANTINE, TABLE_FILES
from iae_diag.progress import Progress

log = logging.getLogger(__name__)


def _ingest_table(
    spec: TableSpec,
    files: list[RawFile],
    key: str,
    done: dict[str, TableResult],
    sink: ParquetSink,
    block_bytes: int,
    on_rows=None,
) -> TableResult:
    rf = files[0]
    if len(files) > 1:
        log.info(
            "%s: using %s, the latest of %d extracts (older: %s)",
            spec.table,
            rf.name,
            len(files),
            ", ".join(f.name for f in files[1:]),
        )
    else:
        log.info("%s: reading %s", spec.table, rf.name)
    res = read_table(spec, rf, key, done, sink, block_bytes, on_rows)
    res.info = {
        **res.info,
        "output": ALL_FILES[spec.table],
        "candidates": sorted(f.name for f in files),
    }
    log.info(
        "%s: %d rows read, %d kept, %d quarantined",
        spec.table,
        res.info["rows_read"],
        res.info["rows_kept"],
        res.info["rows_quarantined"],
    )
    return res


ALL_FILES = {**TABLE_FILES, **OPTIONAL_TABLE_FILES}


def ingest(
    raw_dir: Path | str,
    out_dir: Path | str,
    salt: str | None = None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> dict:
    """Read the five fluxIAE tables of ``raw_dir`` and write the processed layout into
    ``out_dir``; return the manifest. ``salt`` is the secret key of the NIR hash (named after
    ``IAE_DIAG_SALT``); None: the configured key (:mod:`iae_diag.ingest.keys`).
    ``block_bytes``: bytes of text read and checked at a time (the memory used depends on it,
    not on the size of the files; the output does not depend on it). Raises InputError on a
    file-level fault, on real data without a proper key, or when ``out_dir`` cannot be
    written (nothing is written then)."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    found, ignored = find_raw_files(raw_dir)
    missing = [s.table for s in TABLES if s.table not in found]
    if missing:
        names = ", ".join(sorted(f for f in ignored)) or "no file"
        raise InputError(
            f"Missing fluxIAE table(s) {', '.join(missing)} in {raw_dir}: expected a file "
            f"named fluxIAE_<Table>_<ddmmyyyy>_<hhmmss>.csv or .csv.gz for each of "
            f"{', '.join(s.table for s in TABLES)} (other files found: {names})."
        )
    marked = {s.table: carries_synthetic_marker(found[s.table][0]) for s in TABLES}
    status = SYNTHETIC if all(marked.values()) else REAL
    unmarked = [found[t][0].name for t, m in marked.items() if not m]
    if status == REAL and len(unmarked) < len(marked):
        log.warning(
            "the files of %s carry the marker of `iae-diag synth` but %s do(es) not: the data "
            "is treated as real (a secret key is needed)",
            ", ".join(t for t, m in marked.items() if m),
            ", ".join(unmarked),
        )
    key = resolve_key(salt, status, unmarked)
    log.info("data: %s; NIR hash key: %s (%s)", status, key.kind, key.source)
    _check_output_folder(out_dir)
    try:
        return _ingest_into(out_dir, found, ignored, marked, status, key, block_bytes)
    except OSError as exc:
        raise InputError(
            f"Cannot write the processed data to {out_dir}: {exc.strerror}"
            + (f" ({exc.filename})" if exc.filename else "")
            + "; the temporary files were removed."
        ) from None


def _check_output_folder(out_dir: Path) -> None:
    """``out_dir`` must be a folder we can write to, or a path where one can be created."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(
            f"The output folder {out_dir} exists and is not a folder; give a folder for the "
            "processed data (--out)."
        )
    parent = next((p for p in [out_dir, *out_dir.parents] if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise InputError(
            f"The output folder {out_dir} cannot be created: {parent} is a file, not a folder."
        )
    # the temporary folder is created beside out_dir, the files are then moved into out_dir
    need = [out_dir, out_dir.parent] if out_dir.is_dir() else [parent]
    for d in need:
        if d is not None and not os.access(d, os.W_OK | os.X_OK):
            raise InputError(
                f"Cannot write the processed data to {out_dir}: the folder {d} is not "
                "writable; choose another --out or change its permissions."
            )


def _ingest_into(
    out_dir: Path,
    found: dict[str, list[RawFile]],
    ignored: list[str],
    marked: dict[str, bool],
    status: str,
    key: NirKey,
    block_bytes: int,
) -> dict:
    # Every file is read and checked before anything reaches out_dir: the parquet files are
    # written (in a background thread, while the next tables are processed) into a temporary
    # folder next to out_dir, then moved into place once every table has passed.
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.ingest-", dir=out_dir.parent))
    try:
        results: dict[str, TableResult] = {}
        with ThreadPoolExecutor(max_workers=1) as writer:
            shown = Progress("ingest")
            for i, spec in enumerate(TABLES, start=1):
                shown.update(spec.table, index=i, total=len(TABLES))

                def on_rows(rows: int, table: str = spec.table, i: int = i) -> None:
                    shown.update(table, rows, i, len(TABLES))  # once per block of text

                sink = ParquetSink(spec, tmp / TABLE_FILES[spec.table], writer)
                res = _ingest_table(
                    spec, found[spec.table], key.value, results, sink, block_bytes, on_rows
                )
                res.info["synthetic_marker"] = marked[spec.table]
                results[spec.table] = res
                shown.update(spec.table, res.info["rows_read"], i, len(TABLES))
            shown.close()
            for spec in OPTIONAL_TABLES:
                if spec.table not in found:
                    log.info("%s: no file in the extract (optional table, skipped)", spec.table)
                    continue
                sink = ParquetSink(spec, tmp / ALL_FILES[spec.table], writer)
                res = _ingest_table(spec, found[spec.table], key.value, results, sink, block_bytes)
                res.info["synthetic_marker"] = carries_synthetic_marker(found[spec.table][0])
                results[spec.table] = res
        manifest = {
            "package_version": __version__,
            "schema_version": SCHEMA_VERSION,
            "data_status": status,
            "key_kind": key.kind,
            "key_fingerprint": fingerprint(key.value),
            "nir_hash": "HMAC-SHA-256(key, first 13 characters of the valid NIR), hex",
            "quarantine_file": QUARANTINE,
            "ignored_files": sorted(ignored),
            "tables": {t: r.info for t, r in results.items()},
        }
        q = pd.concat([r.quarantine for r in results.values()], ignore_index=True)
        q[QUARANTINE_COLUMNS].to_csv(tmp / QUARANTINE, index=False, lineterminator="\n")
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        out_dir.mkdir(exist_ok=True)
        for f in OPTIONAL_TABLE_FILES.values():  # no stale table of an earlier extract
            if (out_dir / f).exists():
                (out_dir / f).unlink()
        written = [ALL_FILES[t] for t in results]
        for f in [*written, QUARANTINE, MANIFEST]:
            os.replace(tmp / f, out_dir / f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest

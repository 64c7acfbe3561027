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

from iae_diag import SCHEMA_VERSION, __version__, config
from iae_diag.errors import InputError
from iae_diag.ingest.files import RawFile, find_raw_files, read_bytes, sha256_hex
from iae_diag.ingest.quarantine import QUARANTINE_COLUMNS
from iae_diag.ingest.schemas import TABLES, TableSpec
from iae_diag.ingest.table import TableResult, process_table
from iae_diag.ingest.writing import write_parquet
from iae_diag.processed import MANIFEST, QUARANTINE, TABLE_FILES

log = logging.getLogger(__name__)


def _ingest_table(
    spec: TableSpec,
    files: list[RawFile],
    salt: str,
    done: dict[str, TableResult],
    pool: ThreadPoolExecutor,
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
    data, raw = read_bytes(rf)
    res = process_table(spec, rf, data, salt, done)
    del data
    # the hash runs in a thread (hashlib releases the GIL) while the parquet file is written
    # and the next table is read; ingest() collects it
    res.digest = pool.submit(sha256_hex, raw)
    res.info = {
        "file": rf.name,
        "size": len(raw),
        "sha256": None,
        "extract_stamp": rf.stamp.isoformat(),
        **res.info,
        "output": TABLE_FILES[spec.table],
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


def ingest(raw_dir: Path | str, out_dir: Path | str, salt: str | None = None) -> dict:
    """Read the five fluxIAE tables of ``raw_dir`` and write the processed layout into
    ``out_dir``; return the manifest. Raises InputError on a file-level fault (nothing is
    written then)."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    salt = config.nir_salt() if salt is None else salt
    found, ignored = find_raw_files(raw_dir)
    missing = [s.table for s in TABLES if s.table not in found]
    if missing:
        names = ", ".join(sorted(f for f in ignored)) or "no file"
        raise InputError(
            f"Missing fluxIAE table(s) {', '.join(missing)} in {raw_dir}: expected a file "
            f"named fluxIAE_<Table>_<ddmmyyyy>_<hhmmss>.csv or .csv.gz for each of "
            f"{', '.join(s.table for s in TABLES)} (other files found: {names})."
        )
    # Every file is read and checked before anything reaches out_dir: the parquet files are
    # written (in a background thread, while the next tables are processed) into a temporary
    # folder next to out_dir, then moved into place once every table has passed.
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.ingest-", dir=out_dir.parent))
    try:
        results: dict[str, TableResult] = {}
        with (
            ThreadPoolExecutor(max_workers=1) as pool,
            ThreadPoolExecutor(max_workers=1) as writer,
        ):
            writes = []
            for spec in TABLES:
                res = _ingest_table(spec, found[spec.table], salt, results, pool)
                results[spec.table] = res
                writes.append(writer.submit(write_parquet, res, tmp / TABLE_FILES[spec.table]))
            for w in writes:
                w.result()
            for res in results.values():
                res.info["sha256"] = res.digest.result()
        manifest = {
            "package_version": __version__,
            "schema_version": SCHEMA_VERSION,
            "salt_is_default": salt == config.DEFAULT_SALT,
            "nir_hash": "sha256(utf8(salt) + first 13 characters of the normalised NIR), hex",
            "quarantine_file": QUARANTINE,
            "ignored_files": sorted(ignored),
            "tables": {t: results[t].info for t in (s.table for s in TABLES)},
        }
        q = pd.concat([r.quarantine for r in results.values()], ignore_index=True)
        q[QUARANTINE_COLUMNS].to_csv(tmp / QUARANTINE, index=False, lineterminator="\n")
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        out_dir.mkdir(exist_ok=True)
        for f in [*TABLE_FILES.values(), QUARANTINE, MANIFEST]:
            os.replace(tmp / f, out_dir / f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest

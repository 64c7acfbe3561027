"""Peak memory of ``iae-diag ingest`` on a national-size extract: an EtatMensuelIndiv of 20 M rows.

Writes a raw folder (the layout of ``bench_ingest.write_raw``: real header, small valid files
for the four other tables) whose EtatMensuelIndiv file has ``BENCH_INGEST_LARGE_ROWS`` rows
(default 20 000 000, about 2.7 GB of text, the 4x national extract of issue 15), generated
200 000 rows at a time, into a temporary folder (``BENCH_INGEST_LARGE_DIR``, default the
system's; deleted afterwards; the free disk space is checked first). Then ingests it once, in a
fresh process, and measures the process's peak resident memory (VmHWM). Last line:
``bench ingest_large: rows=<n> time_s=<t> peak_mib=<n> mib_per_m_rows=<x>``; target: peak_mib
under 4096 (exit status 1 otherwise). The peak does not grow with the rows: the file is read
by blocks (``iae_diag.ingest.table.DEFAULT_BLOCK_BYTES``).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import bench_ingest
from bench_ingest import _run, write_raw

ROWS = int(os.environ.get("BENCH_INGEST_LARGE_ROWS", "20000000"))
TARGET_MIB = 4096
#: bytes of disk needed per EtatMensuelIndiv row: the text (~135 bytes) and the parquet
BYTES_PER_ROW = 200


def main() -> int:
    bench_ingest.CHUNK = 200_000  # rows generated at a time: the generator stays small
    base = os.environ.get("BENCH_INGEST_LARGE_DIR") or tempfile.gettempdir()
    need = ROWS * BYTES_PER_ROW + (1 << 30)
    free = shutil.disk_usage(base).free
    if free < need:
        print(
            f"bench ingest_large: not run: {free / 2**30:.1f} GiB free in {base}, "
            f"{need / 2**30:.1f} GiB needed for {ROWS} rows (BENCH_INGEST_LARGE_DIR, "
            "BENCH_INGEST_LARGE_ROWS)"
        )
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-ingest-large-", dir=base) as tmp:
        t0 = time.perf_counter()
        emi = write_raw(Path(tmp) / "raw", ROWS)
        print(
            f"EtatMensuelIndiv: {ROWS} rows, {emi.stat().st_size / 2**20:.0f} MiB, written in "
            f"{time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        res = _run("ingest", Path(tmp) / "raw", Path(tmp) / "out")
    peak = res["peak_mib"]
    print(
        f"bench ingest_large: rows={res['rows']} time_s={res['seconds']:.1f} "
        f"peak_mib={peak:.0f} mib_per_m_rows={peak / (ROWS / 1e6):.1f}"
    )
    return 0 if peak < TARGET_MIB else 1


if __name__ == "__main__":
    sys.exit(main())

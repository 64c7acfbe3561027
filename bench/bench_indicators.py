"""Benchmark of the indicator pass (``iae_diag.indicators.build_tables``) on national-size data.

1. The SYNTH generator writes a national dataset (``region="france"``, years
   ``BENCH_INDICATORS_YEARS``, default 2011-2013, scale ``BENCH_INDICATORS_SCALE``, default 1.1)
   and the ingest turns it into processed parquet. If the dataset has fewer than
   ``BENCH_INDICATORS_MIN_ROWS`` (default 5 000 000) EtatMensuelIndiv rows, the scale is
   raised and the data generated again.
2. For k = 1, 2, 4, a processed folder holds k copies of the tables with offset ids
   (structures, annexes, persons, contracts and rows are all distinct; AF numbers, hence
   départements, are kept); a fresh process loads its small tables, leaves EtatMensuelIndiv on
   disk (read year by year, as ``iae-diag indicators`` does) and times ``build_tables``:
   every indicator for every département, region, France and year. Peak memory is the peak
   resident memory of that process, sampled during ``build_tables``, and its increase over
   the memory held before the call (the small tables).
3. The three folders are written (and synced to disk) first; then ``REPEAT`` rounds time 1x,
   2x and 4x in turn, so that a change of the machine's load touches every size alike. Each
   size keeps its best time (noise only adds time); the ratio of the medians is printed
   too, and the peak is the highest of the 4x runs.

``BENCH_INDICATORS_PROCESSED=<folder>`` uses an already ingested national folder instead of
generating one (step 1).

Last line: ``bench indicators: ratio=<t4/t1> t1_s=.. t2_s=.. t4_s=.. ratio_median=..
peak_mib_4x=.. rows_1x=..`` (linear growth means a ratio about 4; targets: ratio <= 4.2,
peak_mib_4x < 4096).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

MIN_ROWS = int(os.environ.get("BENCH_INDICATORS_MIN_ROWS", "5000000"))
YEARS = os.environ.get("BENCH_INDICATORS_YEARS", "2011-2013")
SCALE = float(os.environ.get("BENCH_INDICATORS_SCALE", "1.1"))
#: Each size is timed REPEAT times, in rounds of 1x, 2x, 4x; the best time is kept (the machine
#: is shared: its noise only adds time), and the median is printed too.
REPEAT = 3
SIZES = (1, 2, 4)

#: id columns shifted together in each copy (same id space in each group)
ID_GROUPS = {
    "structure": [
        ("structure", "structure_id_siae"),
        ("annexe_financiere", "af_id_structure"),
        ("contrat_mission", "contrat_id_structure"),
    ],
    "af": [("annexe_financiere", "af_id_annexe_financiere"), ("etat_mensuel_indiv", "emi_afi_id")],
    "avenant": [("annexe_financiere", "af_id_avenant_modification")],
    "dsm": [("etat_mensuel_indiv", "emi_dsm_id")],
    "pph": [
        ("etat_mensuel_indiv", "emi_pph_id"),
        ("contrat_mission", "contrat_id_pph"),
        ("salarie", "salarie_id"),
    ],
    "ctr": [("etat_mensuel_indiv", "emi_ctr_id"), ("contrat_mission", "contrat_id_ctr")],
}
TABLES = ["structure", "annexe_financiere", "etat_mensuel_indiv", "contrat_mission", "salarie"]


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def replicate(processed_dir: Path, k: int, out: Path) -> Path:
    """A processed folder ``out`` holding k copies of ``processed_dir``'s tables with every id
    shifted by the copy's offset. The EtatMensuelIndiv copies are appended to one parquet file
    copy by copy (row groups of the ingest's size), so that building the 4x folder holds one
    copy in memory, not four."""
    import shutil

    from iae_diag.processed import MANIFEST, QUARANTINE, load_processed

    if k == 1:
        return processed_dir
    data = load_processed(processed_dir)
    frames = {t: getattr(data, t) for t in TABLES}
    offsets = {}
    for group, cols in ID_GROUPS.items():
        top = max(int(pd.to_numeric(frames[t][c]).max()) for t, c in cols)
        bottom = min(int(pd.to_numeric(frames[t][c]).min()) for t, c in cols)
        offsets[group] = top - bottom + 1  # copies follow each other: ids stay dense
    out.mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        parts = []
        path = out / f"{t}.parquet"
        if t == "etat_mensuel_indiv":  # in arrow, with the ingest's column types
            _replicate_emi(processed_dir / f"{t}.parquet", k, offsets, path)
            continue
        for i in range(k):
            f = frames[t].copy()
            for group, cols in ID_GROUPS.items():
                for tt, c in cols:
                    if tt == t:
                        f[c] = f[c] + i * offsets[group]
            if t == "salarie" and i:  # another salted hash per copy: new persons
                f["person_key"] = [
                    None if k is None else hashlib.sha256(f"{i}{k}".encode()).hexdigest()
                    for k in f["person_key"].astype(object).where(f["person_key"].notna(), None)
                ]
            parts.append(f)
        pd.concat(parts, ignore_index=True).to_parquet(path, index=False)
    for name in (MANIFEST, QUARANTINE):
        if (processed_dir / name).is_file():
            shutil.copy(processed_dir / name, out / name)
    return out


def _replicate_emi(src: Path, k: int, offsets: dict[str, int], path: Path) -> None:
    """k copies of the EtatMensuelIndiv parquet file, ids shifted, appended copy by copy."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(src)
    shifted = {c: g for g, cols in ID_GROUPS.items() for t, c in cols if t == "etat_mensuel_indiv"}
    with pq.ParquetWriter(path, table.schema, compression="snappy") as writer:
        for i in range(k):
            copy = table
            for c, group in shifted.items():
                j = copy.schema.get_field_index(c)
                col = pc.add(copy.column(c), i * offsets[group]).cast(copy.schema.field(c).type)
                copy = copy.set_column(j, copy.schema.field(c), col)
            writer.write_table(copy, row_group_size=1 << 20)


def child(processed_dir: str, k: int) -> None:
    """Time build_tables on the processed folder (k copies); print one JSON line. The
    EtatMensuelIndiv rows stay on disk and are read year by year, as ``iae-diag
    indicators`` does (``write_tables``)."""
    from iae_diag.indicators import build_tables
    from iae_diag.indicators.emi_years import EmiYears
    from iae_diag.indicators.io import READ_COLUMNS
    from iae_diag.processed import load_processed

    data = load_processed(processed_dir, emi_in_memory=False, columns=READ_COLUMNS)
    gc.collect()
    before = _rss_mib()
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_mib())
            time.sleep(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0 = time.perf_counter()
    emi = EmiYears(path=data.emi_path)
    ind, quality, siae = build_tables(data, emi=emi)
    elapsed = time.perf_counter() - t0
    stop.set()
    th.join()
    peak[0] = max(peak[0], _rss_mib())
    print(
        json.dumps(
            {
                "k": k,
                "rows": emi.n_rows,
                "seconds": elapsed,
                "peak_mib": peak[0],
                "delta_mib": peak[0] - before,
                "indicator_rows": len(ind),
            }
        )
    )


def run_child(processed_dir: Path, k: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(processed_dir), str(k)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(tmp: Path) -> Path:
    """Generate and ingest a national dataset with at least MIN_ROWS monthly rows."""
    from iae_diag.ingest import ingest
    from iae_diag.synth import generate

    scale = SCALE
    while True:
        raw, proc = tmp / f"raw-{scale:g}", tmp / f"processed-{scale:g}"
        t0 = time.perf_counter()
        generate(raw, years=YEARS, seed=2013, region="france", scale=scale)
        t1 = time.perf_counter()
        manifest = ingest(raw, proc)
        t2 = time.perf_counter()
        rows = manifest["tables"]["EtatMensuelIndiv"]["rows_kept"]
        print(
            f"data: region=france years={YEARS} scale={scale:g} emi_rows={rows} "
            f"synth_s={t1 - t0:.1f} ingest_s={t2 - t1:.1f}",
            flush=True,
        )
        if rows >= MIN_ROWS:
            return proc
        scale = scale * MIN_ROWS / max(rows, 1) * 1.05


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-indicators-") as d:
        reuse = os.environ.get("BENCH_INDICATORS_PROCESSED")
        proc = Path(reuse) if reuse else prepare(Path(d))
        folders = {k: replicate(proc, k, Path(d) / f"processed-{k}x") for k in SIZES}
        os.sync()  # the copies are on disk before any timing: no write-back during a run
        # rounds of 1x, 2x, 4x: a change of the machine's load touches every size alike
        runs: dict[int, list[dict]] = {k: [] for k in SIZES}
        for _ in range(REPEAT):
            for k in SIZES:
                runs[k].append(run_child(folders[k], k))
        res = {}
        for k in SIZES:
            best = min(runs[k], key=lambda r: r["seconds"])
            res[k] = best
            times = "/".join(f"{r['seconds']:.2f}" for r in runs[k])
            print(
                f"indicators {k}x: emi_rows={best['rows']} time_s={best['seconds']:.2f} "
                f"(runs {times}) peak_mib={max(r['peak_mib'] for r in runs[k]):.0f} "
                f"(+{best['delta_mib']:.0f} during the pass) "
                f"indicator_rows={best['indicator_rows']}",
                flush=True,
            )
    t1, t2, t4 = (res[k]["seconds"] for k in SIZES)
    m1, m4 = (statistics.median(r["seconds"] for r in runs[k]) for k in (1, 4))
    peak4 = max(r["peak_mib"] for r in runs[4])
    print(
        f"bench indicators: ratio={t4 / t1:.2f} t1_s={t1:.2f} t2_s={t2:.2f} t4_s={t4:.2f} "
        f"ratio_median={m4 / m1:.2f} peak_mib_4x={peak4:.0f} rows_1x={res[1]['rows']}"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    np.seterr(all="ignore")
    sys.exit(main())

"""Benchmark of the report rendering: the full set of one region (the region and its
départements, HTML + PDF + JSON) through ``iae-diag report --jobs 2``, against a naive
baseline run in this same process.

1. Data: the default synthetic dataset (seed 2013, region ``BENCH_REPORT_REGION``, default 11,
   2007-2013), ingested and turned into indicator tables once under ``bench/out/report/``
   (reused by later runs while the processed files are there).
2. Ours: ``iae-diag report --region 11 --jobs 2`` (a subprocess, timed end to end: worker
   processes with one warm kernel each, in-process HTML export and PDF).
3. Naive: for each territory in turn, the papermill command line (parameters from a YAML
   file, so codes stay strings), then the ``jupyter nbconvert --to html --no-input`` command
   line, then the same PDF step (WeasyPrint, A4) in this process.

Last line: ``bench report: ratio=<ours/naive> ours_s=.. naive_s=.. territories=..``
(target <= 0.5 on 2 cores).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REGION = os.environ.get("BENCH_REPORT_REGION", "11")
OUT = ROOT / "bench" / "out" / "report"


def prepare_data() -> Path:
    """Processed folder of the default dataset (built once)."""
    from iae_diag import config, freshness
    from iae_diag.ingest import ingest
    from iae_diag.synth import generate

    proc = OUT / "processed"
    fresh = freshness.indicators_staleness(proc, config.geo_dir()) is None
    if fresh and (proc / "manifest.json").is_file():
        return proc
    shutil.rmtree(OUT, ignore_errors=True)
    generate(OUT / "raw", years=(2007, 2013), seed=2013, region=REGION)
    ingest(OUT / "raw", proc)
    # through the command line, as `make data` does (population from the geography folder)
    subprocess.run([str(BIN / "iae-diag"), "indicators", "--processed", str(proc)], check=True)
    return proc


def run_ours(proc: Path, reports: Path) -> float:
    shutil.rmtree(reports, ignore_errors=True)
    t0 = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "iae-diag"),
            "report",
            "--region",
            REGION,
            "--jobs",
            "2",
            "--processed",
            str(proc),
            "--reports",
            str(reports),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def run_naive(proc: Path, reports: Path, territories: list[str], year: int) -> float:
    import weasyprint

    from iae_diag.territories import parse_territory

    shutil.rmtree(reports, ignore_errors=True)
    out = reports / str(year)
    (out / "notebooks").mkdir(parents=True)
    template = ROOT / "notebooks" / "diagnostic.ipynb"
    t0 = time.perf_counter()
    for spec in territories:
        slug = parse_territory(spec).slug
        params = out / f"{slug}.yml"
        params.write_text(
            f'territory: "{spec}"\nyear: {year}\nprocessed_dir: "{proc}"\ngeo_dir: ""\n',
            encoding="utf-8",
        )
        nb = out / "notebooks" / f"{slug}.ipynb"
        subprocess.run(
            [str(BIN / "papermill"), str(template), str(nb), "-f", str(params)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        subprocess.run(
            [
                str(BIN / "jupyter"),
                "nbconvert",
                "--to",
                "html",
                "--no-input",
                "--output-dir",
                str(out),
                "--output",
                slug,
                str(nb),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        html = out / f"{slug}.html"
        weasyprint.HTML(filename=str(html)).write_pdf(str(out / f"{slug}.pdf"))
    return time.perf_counter() - t0


def main() -> int:
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    os.environ.setdefault("MPLBACKEND", "Agg")
    from iae_diag.report.run import plan_run, region_params

    proc = prepare_data()
    territories = region_params(REGION)["territories"]
    year = plan_run(territories, None, proc).year
    ours = run_ours(proc, OUT / "reports-ours")
    naive = run_naive(proc, OUT / "reports-naive", territories, year)
    n_pdf = len(list((OUT / "reports-ours" / str(year)).glob("*.pdf")))
    if n_pdf != len(territories):
        print(f"bench report: FAILED: {n_pdf} PDF for {len(territories)} territories")
        return 1
    print(
        f"bench report: ratio={ours / naive:.3f} ours_s={ours:.1f} naive_s={naive:.1f} "
        f"territories={len(territories)} per_report_ours_s={ours / len(territories):.1f} "
        f"per_report_naive_s={naive / len(territories):.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the synthetic generator: national size (``--region france``) at scale 1 and 4.

Each run happens in its own process (peak memory = that process's max RSS). Prints
``bench synth: ratio=<t4/t1> ...`` with the rows written and the peak memory of each run; time
and memory should grow about linearly with the rows (ratio near 4). Usage:
``python bench/bench_synth.py [first_year-last_year]`` (default 2013-2013).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, tempfile, time
from iae_diag.synth import generate
years, scale = (int(sys.argv[1]), int(sys.argv[2])), float(sys.argv[3])
stats = {}
with tempfile.TemporaryDirectory() as d:
    t = time.perf_counter()
    generate(d, years=years, seed=2013, region="france", scale=scale, stats=stats)
    stats["wall"] = time.perf_counter() - t
stats["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(stats))
"""


def run(years: tuple[int, int], scale: float) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(years[0]), str(years[1]), str(scale)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    spec = sys.argv[1] if len(sys.argv) > 1 else "2013-2013"
    a, _, b = spec.partition("-")
    years = (int(a), int(b or a))
    r1 = run(years, 1.0)
    r4 = run(years, 4.0)
    rows1 = sum(r1["rows"].values())
    rows4 = sum(r4["rows"].values())
    emi1, emi4 = r1["rows"]["EtatMensuelIndiv"], r4["rows"]["EtatMensuelIndiv"]
    print(
        f"bench synth: ratio={r4['wall'] / r1['wall']:.2f} "
        f"rows_ratio={rows4 / rows1:.2f} mem_ratio={r4['peak_mib'] / r1['peak_mib']:.2f} "
        f"years={years[0]}-{years[1]} region=france "
        f"scale1: {r1['siae']} SIAE, {emi1} EMI rows, {rows1} rows, {r1['wall']:.1f} s, "
        f"peak {r1['peak_mib']:.0f} MiB; "
        f"scale4: {r4['siae']} SIAE, {emi4} EMI rows, {rows4} rows, {r4['wall']:.1f} s, "
        f"peak {r4['peak_mib']:.0f} MiB",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark script (bench/bench_*.py) in turn, each in its own process.

Each script prints one line per benchmark: ``bench <name>: ratio=<x> ...``; ratios compare with
a baseline measured in the same process, never absolute times against a threshold.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ORDER = ["ingest", "indicators", "synth", "report"]


def main() -> int:
    here = Path(__file__).parent
    scripts = sorted(
        here.glob("bench_*.py"),
        key=lambda p: (ORDER.index(p.stem[6:]) if p.stem[6:] in ORDER else len(ORDER), p.name),
    )
    only = set(sys.argv[1:])
    failed = 0
    for s in scripts:
        if only and s.stem[6:] not in only:
            continue
        print(f"== {s.name}", flush=True)
        rc = subprocess.call([sys.executable, str(s)])
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

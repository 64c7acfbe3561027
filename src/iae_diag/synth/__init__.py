"""Synthetic fluxIAE generator: the project's default dataset, in the real export format.

``generate(out_dir, years=(2007, 2013), seed=2013, region="11", scale=1.0)`` writes the five
fluxIAE tables (Structure, AnnexeFinanciere, EtatMensuelIndiv, ContratMission, Salarie) and
the two exit reference tables (RefCategorieSort, RefMotifSort) with
the real header layouts, calibrated so that the project's ingest and indicators reproduce the
published 2013 Île-de-France diagnostic (``<shared>/calibration/targets.yaml``). Every assumed
value is in :mod:`iae_diag.synth.assumptions`; see ``docs/synthetic-data.md``.
"""

from __future__ import annotations

import argparse

from iae_diag.formatting import fmt_int
from iae_diag.synth.core import generate, parse_years

__all__ = ["generate", "cli_main"]


def cli_main(args: argparse.Namespace) -> int:
    """``iae-diag synth``: generate the dataset and print the files written."""
    stats: dict = {}
    paths = generate(
        args.out,
        stats=stats,
        years=parse_years(args.years),
        seed=args.seed,
        region=args.region,
        scale=args.scale,
    )
    print(
        f"iae-diag synth: {fmt_int(stats['siae'])} SIAE, {fmt_int(stats['persons'])} persons, "
        f"years {args.years}, region {args.region}, seed {args.seed}, scale {args.scale}; "
        f"wrote {len(paths)} fluxIAE files into {args.out}:"
    )
    for p in paths:
        table = p.name.split("_")[1]
        print(
            f"  {p.name}  {fmt_int(stats['rows'][table])} rows, {fmt_int(p.stat().st_size)} bytes"
        )
    return 0

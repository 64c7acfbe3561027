"""Synthetic fluxIAE generator: the project's default dataset, in the real export format.

``generate(out_dir, years=(2007, 2013), seed=2013, region="11", scale=1.0)`` writes the five
fluxIAE tables (Structure, AnnexeFinanciere, EtatMensuelIndiv, ContratMission, Salarie) with
the real header layouts, calibrated so that the project's ingest and indicators reproduce the
published 2013 Île-de-France diagnostic (``<shared>/calibration/targets.yaml``). Every assumed
value is in :mod:`iae_diag.synth.assumptions`; see ``docs/synthetic-data.md``.
"""

from __future__ import annotations

import argparse

from iae_diag.synth.core import generate, parse_years

__all__ = ["generate", "cli_main"]


def cli_main(args: argparse.Namespace) -> int:
    """``iae-diag synth``: generate the dataset and print the files written."""
    paths = generate(
        args.out,
        years=parse_years(args.years),
        seed=args.seed,
        region=args.region,
        scale=args.scale,
    )
    print(f"iae-diag synth: wrote {len(paths)} fluxIAE files into {args.out}")
    for p in paths:
        print(f"  {p.name}  ({p.stat().st_size:,} bytes)".replace(",", "\u00a0"))
    return 0

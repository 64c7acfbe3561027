"""The ``iae-diag`` command line.

Each sub-command parses its arguments here and hands them to one function of the module that
owns the work (``cli_main(args) -> int``). Input errors (:class:`iae_diag.errors.InputError`)
and file-system errors (a folder that cannot be written...) are printed as one unwrapped
message without a traceback, with exit status 2; Ctrl-C prints one line, exit status 130.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from iae_diag import __version__
from iae_diag.errors import InputError

# sub-command -> module whose cli_main(args) does the work
COMMANDS = {
    "ingest": "iae_diag.ingest",
    "key": "iae_diag.ingest.keys",
    "synth": "iae_diag.synth",
    "indicators": "iae_diag.indicators",
    "figures": "iae_diag.figures",
    "calibration": "iae_diag.calibration",
    "report": "iae_diag.report.run",
    "data": "iae_diag.freshness",
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="iae-diag",
        description="Annual diagnostic of the IAE from ASP fluxIAE exports.",
    )
    p.add_argument("--version", action="version", version=f"iae-diag {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", help="raw fluxIAE exports -> validated, pseudonymised parquet")
    s.add_argument("--raw", required=True, help="folder holding the fluxIAE_*.csv[.gz] files")
    s.add_argument("--out", required=True, help="output folder (parquet + manifest.json)")

    s = sub.add_parser("key", help="the secret key of the NIR hash (needed for real data)")
    k = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    k = k.add_parser("create", help="write a new random key file, mode 0600, never overwritten")
    k.add_argument(
        "--path", help="key file (default: IAE_DIAG_KEY_FILE or ~/.config/iae-diag/nir.key)"
    )

    s = sub.add_parser("synth", help="write a synthetic fluxIAE dataset in the real format")
    s.add_argument("--out", required=True, help="output folder for the fluxIAE files")
    s.add_argument("--years", default="2007-2013", help="year range, e.g. 2007-2013")
    s.add_argument("--seed", type=int, default=2013, help="random seed (same seed, same bytes)")
    s.add_argument(
        "--region", default="11", help="INSEE region code, or 'france' for every département"
    )
    s.add_argument("--scale", type=float, default=1.0, help="multiply the number of structures")

    s = sub.add_parser(
        "indicators", help="compute the indicator and data-quality tables (parquet + CSV)"
    )
    s.add_argument("--processed", required=True, help="processed folder (output of ingest)")
    s.add_argument("--out", help="output folder (default: the processed folder)")

    s = sub.add_parser("figures", help="key figures of a territory and a year")
    s.add_argument("--processed", required=True, help="processed folder")
    s.add_argument("--year", type=int, help="year (default: latest in the data)")
    s.add_argument(
        "--territory", required=True, help="dep:<code>, region:<code> or france (codes as text)"
    )
    s.add_argument("--json", action="store_true", help="print the key-figures JSON")

    s = sub.add_parser(
        "calibration", help="compare the default dataset with the published targets"
    )
    s.add_argument("--processed", required=True, help="processed folder of the default dataset")
    s.add_argument("--targets", help="targets YAML (default: <shared>/calibration/targets.yaml)")

    s = sub.add_parser(
        "data",
        help="bring a processed folder up to date with a raw folder (ingest, indicators), "
        "deciding from the files' content",
    )
    s.add_argument("--raw", required=True, help="folder holding the fluxIAE_*.csv[.gz] files")
    s.add_argument("--processed", required=True, help="processed folder (ingest and indicators)")
    s.add_argument(
        "--default-dataset",
        action="store_true",
        help="generate the default synthetic dataset into --raw when it holds no fluxIAE file "
        "(without it, such a folder is an error)",
    )
    s.add_argument("--years", default="2007-2013", help="years of the default dataset")
    s.add_argument("--seed", type=int, default=2013, help="seed of the default dataset")
    s.add_argument("--region", default="11", help="region of the default dataset")

    s = sub.add_parser("report", help="render the annual diagnostic (HTML, PDF, JSON)")
    s.add_argument("--year", type=int, help="year (default: latest in the data)")
    s.add_argument(
        "--territory",
        action="append",
        help="dep:<code> or region:<code>; repeatable (default: the region and its départements)",
    )
    s.add_argument("--region", default="11", help="region of the default set of reports")
    s.add_argument(
        "--processed", help="processed folder (default: data/processed of the current folder)"
    )
    s.add_argument("--reports", help="reports folder (default: reports of the current folder)")
    s.add_argument("--jobs", type=int, default=2, help="territories rendered in parallel")
    s.add_argument("--no-pdf", action="store_true", help="skip the PDF step")
    s.add_argument(
        "--force",
        action="store_true",
        help="render again the reports whose inputs did not change",
    )
    s.add_argument(
        "--diffusion",
        choices=("publique", "interne"),
        help="statistical secrecy level (default: the params file's, else publique)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        module = importlib.import_module(COMMANDS[args.command])
        return int(module.cli_main(args) or 0)
    except InputError as exc:
        # never wrapped: a command or a path in the message stays whole (copy and paste)
        print(f"iae-diag {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder that cannot be written, a file where a folder is expected
        where = f": {exc.filename}" if exc.filename else ""
        print(f"iae-diag {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"iae-diag {args.command}: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

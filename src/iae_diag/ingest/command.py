"""``iae-diag ingest``: the command's glue (arguments in, counts out)."""

from __future__ import annotations

from pathlib import Path

from iae_diag.ingest.pipeline import ingest


def format_counts(manifest: dict) -> str:
    """The per-table counts as a small text table."""
    lines = [f"{'table':<18} {'read':>10} {'kept':>10} {'quarantined':>12}"]
    for table, info in manifest["tables"].items():
        lines.append(
            f"{table:<18} {info['rows_read']:>10} {info['rows_kept']:>10} "
            f"{info['rows_quarantined']:>12}"
        )
    return "\n".join(lines)


def cli_main(args) -> int:
    """``iae-diag ingest --raw DIR --out DIR``."""
    manifest = ingest(args.raw, args.out)
    print(f"processed data written to {Path(args.out)}")
    print(format_counts(manifest))
    if manifest["data_status"] == "synthetic":
        print(
            "synthetic data (every file carries the marker of `iae-diag synth`); NIR hash key: "
            + manifest["key_kind"]
        )
    return 0

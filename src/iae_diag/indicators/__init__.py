"""Indicators of the annual diagnostic (definitions: ``../shared/docs/definitions.md``;
methodology in French: ``reference/methodology.md``).

Modules: ``eligibility`` (eligible AF, type, département), ``offer`` (active SIAE, ETP
conventionnés), ``activity`` (counted EMI rows, ETP réalisés, persons), ``publics`` (one set of
characteristics per person and year), ``sectors`` (ROME -> sector), ``tables`` (one pass to
the long indicator table), ``io`` (files and the command line).
"""

from __future__ import annotations

from iae_diag.config import REFERENCE_DIR
from iae_diag.indicators.io import (
    cli_main,
    load_indicators,
    load_quality,
    load_siae,
    write_tables,
)
from iae_diag.indicators.sectors import load_sector_reference
from iae_diag.indicators.tables import build_tables
from iae_diag.vocabulary import INDICATOR_COLUMNS, QUALITY_COLUMNS


def methodology_markdown() -> str:
    """The methodology page (French Markdown) that every report shows."""
    return (REFERENCE_DIR / "methodology.md").read_text(encoding="utf-8")


__all__ = [
    "INDICATOR_COLUMNS",
    "QUALITY_COLUMNS",
    "build_tables",
    "cli_main",
    "load_indicators",
    "load_quality",
    "load_siae",
    "load_sector_reference",
    "methodology_markdown",
    "write_tables",
]

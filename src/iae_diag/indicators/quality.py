"""Data-quality helpers that do not need the microdata (rows quarantined at ingest)."""

from __future__ import annotations

from iae_diag.processed import TABLE_FILES, ProcessedData


def quarantine_counts(data: ProcessedData) -> dict[str, int]:
    """Rows quarantined at ingest, per fluxIAE table (all five tables, 0 when none).

    Read from the manifest (``rows_quarantined``); when the manifest lacks a table, the rows
    of ``quarantine.csv`` naming it are counted. These counts cover the whole extract: a
    rejected row cannot be placed in a territory or a year."""
    out = {t: 0 for t in sorted(TABLE_FILES)}
    tables = (data.manifest or {}).get("tables", {})
    q = data.quarantine
    for t in out:
        info = tables.get(t)
        if isinstance(info, dict) and "rows_quarantined" in info:
            out[t] = int(info["rows_quarantined"])
        elif q is not None and "table" in q.columns:
            out[t] = int((q["table"] == t).sum())
    return out


def unknown_value_counts(data: ProcessedData) -> dict[str, int]:
    """Optional values the ingest could not read and set to unknown, per ``<Table>.<column>``
    (manifest ``tables.<Table>.unknown_values``; none when the manifest has no such field).
    Like the quarantine, these counts cover the whole extract."""
    out: dict[str, int] = {}
    tables = (data.manifest or {}).get("tables", {})
    for t in sorted(tables):
        info = tables[t]
        counts = info.get("unknown_values", {}) if isinstance(info, dict) else {}
        for column in sorted(counts or {}):
            out[f"{t}.{column}"] = int(counts[column])
    return out

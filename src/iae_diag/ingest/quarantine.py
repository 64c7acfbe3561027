"""The quarantine: the first failing check of each rejected row, and ``quarantine.csv``'s
rows (the value of a personal column is never copied, nor a value that looks like a NIR)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from iae_diag.ingest.files import RawFile
from iae_diag.ingest.framing import Framed
from iae_diag.ingest.schemas import TableSpec

QUARANTINE_COLUMNS = [
    "table",
    "source_file",
    "source_line",
    "reason",
    "column",
    "value",
    "record_id",
]
#: Something that looks like a NIR inside a value (a NIR typed into an id column, probe m5).
NIR_LIKE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{6}")
HIDDEN_NIR = "(hidden: looks like a NIR)"


class Rejects:
    """First failing check of each row: reason, column (raw values looked up at the end)."""

    def __init__(self, n: int) -> None:
        self.code = np.full(n, -1, dtype=np.int32)
        self.checks: list[tuple[str, str]] = []

    def add(self, mask: np.ndarray, reason: str, column: str) -> None:
        new = mask & (self.code < 0)
        if new.any():
            self.checks.append((reason, column))
            self.code[new] = len(self.checks) - 1

    @property
    def alive(self) -> np.ndarray:
        return self.code < 0


def as_text(v: object) -> str:
    """A raw value as it was in the file (typed numbers written back without a spurious .0),
    or :data:`HIDDEN_NIR` when it holds something that looks like a NIR."""
    if v is None:
        return ""
    if isinstance(v, float):
        t = repr(v)
        return t[:-2] if t.endswith(".0") else t
    text = str(v).strip()
    if NIR_LIKE.search("".join(text.split()).upper()):
        return HIDDEN_NIR
    return text


def quarantine_frame(
    spec: TableSpec, rf: RawFile, fr: Framed, rej: Rejects, raw_cols: dict[str, pa.Array]
) -> pd.DataFrame:
    """The quarantine rows of a table (QUARANTINE_COLUMNS), in source line order; the value
    of a personal column is never copied."""
    qidx = np.flatnonzero(~rej.alive)
    q_checks = rej.code[qidx]
    personal = set(spec.personal_columns) | {c.name for c in spec.columns if c.personal}
    q_values = np.full(len(qidx), "", dtype=object)
    q_reason = np.empty(len(qidx), dtype=object)
    q_column = np.empty(len(qidx), dtype=object)
    for k, (reason, column) in enumerate(rej.checks):
        sel = q_checks == k
        q_reason[sel] = reason
        q_column[sel] = column
        if column not in personal and sel.any():
            vals = pc.take(raw_cols[column], pa.array(qidx[sel])).to_pylist()
            q_values[sel] = [as_text(v) for v in vals]
    rec_ids = (
        [as_text(v) for v in pc.take(raw_cols[spec.record_id], pa.array(qidx)).to_pylist()]
        if spec.record_id in raw_cols
        else [""] * len(qidx)
    )
    q = pd.DataFrame(
        {
            "table": spec.table,
            "source_file": rf.name,
            "source_line": fr.record_lines[qidx],
            "reason": q_reason,
            "column": q_column,
            "value": q_values,
            "record_id": rec_ids,
        }
    )
    if fr.bad_records:
        qb = pd.DataFrame(
            {
                "table": spec.table,
                "source_file": rf.name,
                "source_line": [b[0] for b in fr.bad_records],
                "reason": "wrong_field_count",
                "column": "",
                "value": [b[1] for b in fr.bad_records],
                "record_id": "",
            }
        )
        q = pd.concat([q, qb], ignore_index=True)
    return q.sort_values("source_line", kind="stable").reset_index(drop=True)

"""One table: frame, parse, type and check its columns, quarantine the rows whose key,
period, hours or mesure is unusable, derive the personal columns, keep the output columns."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from iae_diag.ingest.convert import (
    MISSING,
    OK,
    arrow_type,
    as_numpy,
    convert,
    reason_of,
    with_pandas_metadata,
)
from iae_diag.ingest.files import RawFile
from iae_diag.ingest.framing import ParseFallback, check_fin, frame, frame_line_by_line, parse
from iae_diag.ingest.privacy import derive_personal
from iae_diag.ingest.quarantine import Rejects, quarantine_frame
from iae_diag.ingest.schemas import DERIVED_COLUMNS, TableSpec

log = logging.getLogger(__name__)


@dataclass
class TableResult:
    spec: TableSpec
    file: RawFile
    table: pa.Table  # kept rows, typed, output columns (pandas metadata attached)
    quarantine: pd.DataFrame
    info: dict = field(default_factory=dict)
    digest: Future | None = None  # sha256 of the raw file, computed in a thread


def process_table(
    spec: TableSpec,
    rf: RawFile,
    data: bytes,
    key: str,
    kept: dict[str, TableResult],
) -> TableResult:
    """Frame, parse, type and check one table; ``kept`` holds the tables already processed
    (targets of the references)."""
    where = f"Table {spec.table}: file {rf.path}"
    fr = frame(data, spec, where)
    include = [c.name for c in spec.columns if c.name in fr.columns]
    try:
        t = parse(fr, include, spec.record_id)
    except ParseFallback as exc:
        log.info("%s: %s; re-framing line by line", where, exc)
        fr = frame_line_by_line(fr, where)
        t = parse(fr, include, spec.record_id)
    check_fin(fr, where)
    del data
    n = t.num_rows
    lines = fr.record_lines
    rej = Rejects(n)
    out: dict[str, pa.Array] = {}
    raw_cols: dict[str, pa.Array] = {}
    present = [c for c in spec.columns if c.name in fr.columns]
    absent = [c.name for c in spec.columns if c.name not in fr.columns]
    for col in present:
        raw_cols[col.name] = t.column(col.name).combine_chunks()
    # columns are typed in parallel (pyarrow and numpy release the GIL); the checks are then
    # applied in the spec's order, so the first failing check of a row does not depend on it
    with ThreadPoolExecutor(max_workers=2) as workers:
        converted = list(workers.map(lambda c: convert(raw_cols[c.name], c), present))
    unknown: dict[str, np.ndarray] = {}  # non-critical column -> rows whose value was nulled
    for col, (values, status) in zip(present, converted, strict=True):
        out[col.name] = values
        if col.kind == "str" and col.personal:
            continue
        if not col.required:
            status = np.where(status == MISSING, OK, status)
        if not col.critical:
            bad = status != OK
            if bad.any():
                out[col.name] = pc.if_else(pa.array(bad), pa.scalar(None, values.type), values)
                unknown[col.name] = bad
            continue
        for s in np.unique(status[status != OK]).tolist():
            rej.add(status == s, reason_of(col, s), col.name)
    for a, b, reason in spec.date_order:
        if a in out and b in out:
            before = as_numpy(pc.fill_null(pc.less(out[b], out[a]), False))
            rej.add(before, reason, b)
    for ref in spec.references:
        target = kept[ref.target_table].table.column(ref.target_column)
        known = pc.unique(target.combine_chunks() if target.num_chunks != 1 else target.chunk(0))
        found = as_numpy(pc.fill_null(pc.is_in(out[ref.column], value_set=known), False))
        rej.add(~found, ref.reason, ref.column)

    info = derive_personal(spec, raw_cols, out, rej.alive, key)

    q = quarantine_frame(spec, rf, fr, rej, raw_cols)
    unknown_values = _count_unknown(spec, rf, unknown, rej.alive, lines)

    # kept rows, output columns, processed types
    keep = rej.alive
    keep_arr = pa.array(keep)
    all_kept = bool(keep.all())
    arrays, names = [], []
    for col in spec.columns:
        if not col.output:
            continue
        if col.name in out:
            arr = out[col.name]
        else:
            arr = pa.nulls(n, arrow_type(col))
        arrays.append(arr if all_kept else pc.filter(arr, keep_arr))
        names.append(col.name)
    for extra in DERIVED_COLUMNS.get(spec.table, ()):
        if extra in out:
            arrays.append(out[extra] if all_kept else pc.filter(out[extra], keep_arr))
            names.append(extra)
    arrays.append(pa.array(lines[keep], pa.int64()))
    names.append("source_line")
    result = pa.table(arrays, names=names)
    result = with_pandas_metadata(result, spec)

    n_read = n + len(fr.bad_records)
    reasons = q["reason"].value_counts().sort_index()
    info.update(
        {
            "rows_read": int(n_read),
            "rows_kept": int(result.num_rows),
            "rows_quarantined": int(len(q)),
            "quarantined_by_reason": {str(k): int(v) for k, v in reasons.items()},
            "deb_line": fr.deb,
            "fin_count": fr.fin,
            "embedded_newlines_joined": int(fr.joined_lines),
            "blank_lines_skipped": int(fr.blank_lines),
            "columns_absent": absent,
            "unknown_values": unknown_values,
        }
    )
    assert info["rows_read"] == info["rows_kept"] + info["rows_quarantined"], spec.table
    return TableResult(spec=spec, file=rf, table=result, quarantine=q, info=info)


def _count_unknown(
    spec: TableSpec,
    rf: RawFile,
    unknown: dict[str, np.ndarray],
    alive: np.ndarray,
    lines: np.ndarray,
) -> dict[str, int]:
    """``{column: number of kept rows whose value was unusable and set to null}``, in the
    spec's column order (columns without any such value left out); each is logged with the
    line of its first occurrence so that it can be found in the raw file."""
    counts: dict[str, int] = {}
    for name, bad in unknown.items():
        kept_bad = bad & alive
        n_bad = int(kept_bad.sum())
        if n_bad:
            counts[name] = n_bad
            log.info(
                "%s: %s: %d unreadable value(s) set to unknown, the rows kept (first at line "
                "%d of %s)",
                spec.table,
                name,
                n_bad,
                int(lines[np.argmax(kept_bad)]),
                rf.name,
            )
    return counts

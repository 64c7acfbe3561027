"""One table, block by block: frame, parse, type and check its columns, quarantine the rows
whose key, period, hours or mesure is unusable, derive the personal columns, keep the output
columns; the kept rows of each block go to a :class:`~iae_diag.ingest.writing.ParquetSink`
and the counts of the manifest are added up, so that memory does not grow with the file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from iae_diag.errors import InputError
from iae_diag.ingest.convert import (
    MISSING,
    OK,
    arrow_type,
    as_numpy,
    convert,
    reason_of,
    with_pandas_metadata,
)
from iae_diag.ingest.files import RawFile, RawReader, read_ahead
from iae_diag.ingest.framing import (
    Framed,
    FramingTotals,
    ParseFallback,
    Redo,
    frame,
    frame_line_by_line,
    parse,
    split_blocks,
)
from iae_diag.ingest.privacy import derive_personal, person_keys, placeholder_nirs
from iae_diag.ingest.quarantine import Rejects, quarantine_frame
from iae_diag.ingest.schemas import DERIVED_COLUMNS, SPECS, TableSpec
from iae_diag.ingest.writing import ParquetSink

log = logging.getLogger(__name__)

#: Bytes of decompressed text framed and checked at a time: the ingest's peak memory depends
#: on this, not on the size of the file (about 0.8 GiB with 64 MiB: docs/performance.md).
DEFAULT_BLOCK_BYTES = 64 << 20

#: Columns other tables refer to (``Reference``): table -> columns whose values are kept.
REFERENCE_TARGETS: dict[str, tuple[str, ...]] = {
    table: tuple(
        sorted(
            {
                r.target_column
                for s in SPECS.values()
                for r in s.references
                if r.target_table == table
            }
        )
    )
    for table in sorted({r.target_table for s in SPECS.values() for r in s.references})
}


@dataclass
class TableResult:
    spec: TableSpec
    file: RawFile
    quarantine: pd.DataFrame
    info: dict = field(default_factory=dict)
    #: distinct values, in the kept rows, of the columns other tables refer to
    values: dict[str, pa.Array] = field(default_factory=dict)


@dataclass
class _Block:
    """What one block gives: its kept rows and its share of the manifest's counts."""

    table: pa.Table
    quarantine: pd.DataFrame
    n_read: int
    personal: dict
    persons: pa.Table | None  # NIR, sex and year of the kept rows (tables with a NIR)
    unknown: dict[str, tuple[int, int]]  # column -> (kept rows nulled, line of the first)


@dataclass
class _Sums:
    """The manifest's counts of a table, added block after block."""

    rows_read: int = 0
    rows_kept: int = 0
    personal: dict = field(default_factory=dict)
    unknown: dict[str, tuple[int, int]] = field(default_factory=dict)
    quarantine: list[pd.DataFrame] = field(default_factory=list)
    persons: list[pa.Table] = field(default_factory=list)  # first reading of a NIR table
    nir_placeholder: int = 0
    values: dict[str, list[pa.Array]] = field(default_factory=dict)

    def add(self, b: _Block) -> None:
        self.rows_read += b.n_read
        self.rows_kept += b.table.num_rows
        for k, v in b.personal.items():
            self.personal[k] = self.personal.get(k, 0) + v
        for name, (n, line) in b.unknown.items():
            n0, line0 = self.unknown.get(name, (0, line))
            self.unknown[name] = (n0 + n, line0)  # the line of the first occurrence
        if len(b.quarantine) or not self.quarantine:
            self.quarantine.append(b.quarantine)


class _Placeholders(Exception):  # noqa: N818 (a result of the first reading, not an error)
    """The first reading of a table with a NIR column is over: the shared placeholders."""

    def __init__(self, shared: np.ndarray) -> None:
        super().__init__(len(shared))
        self.shared = shared


def read_table(
    spec: TableSpec,
    rf: RawFile,
    key: str,
    kept: dict[str, TableResult],
    sink: ParquetSink,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    on_rows: Callable[[int], None] | None = None,
) -> TableResult:
    """Read, check and write one table, block by block (``block_bytes`` of text at a time);
    ``kept`` holds the tables already read (targets of the references); the kept rows go to
    ``sink``; ``on_rows(rows read so far)`` is called after each block. The result does not
    depend on ``block_bytes``.

    The file is read a second time when something known only at its end changes how its
    blocks are read: a table with a NIR column (Salarie), whose ``person_key`` needs the
    placeholder NIRs of the whole file (the first reading keeps only the NIR, sex and birth
    year of the kept rows); and, rarely, a framing decision that the whole file contradicts
    (the FIN count says that lines without '|' continue the row before them; or a block where
    most lines lack the header's fields turns out not to make the file unreadable)."""
    continuation, allow_skip, shared = False, True, None
    while True:
        try:
            return _read_once(
                spec, rf, key, kept, sink, block_bytes, on_rows, continuation, allow_skip, shared
            )
        except Redo as redo:
            log.info("%s: %s read again (whole-file framing decision)", spec.table, rf.name)
            continuation, allow_skip = redo.continuation, redo.allow_skip
        except _Placeholders as first:
            log.info("%s: %s read again for person_key", spec.table, rf.name)
            shared = first.shared
        sink.reset()


def _read_once(
    spec: TableSpec,
    rf: RawFile,
    key: str,
    kept: dict[str, TableResult],
    sink: ParquetSink,
    block_bytes: int,
    on_rows: Callable[[int], None] | None,
    continuation: bool,
    allow_skip: bool,
    shared: np.ndarray | None,
) -> TableResult:
    where = f"Table {spec.table}: file {rf.path}"
    reader = RawReader(rf)
    pieces = read_ahead(reader.pieces())
    known = {}
    for ref in spec.references:
        known[ref.column] = kept[ref.target_table].values[ref.target_column]
    totals = FramingTotals()
    sums = _Sums(values={c: [] for c in REFERENCE_TARGETS.get(spec.table, ())})
    head: Framed | None = None
    line = 0
    fin = None
    fallback_logged = False
    # columns are typed in parallel (pyarrow and numpy release the GIL)
    with ThreadPoolExecutor(max_workers=2) as workers:
        try:
            for text, last in split_blocks(pieces, block_bytes):
                fr = frame(text, spec, where, head, line, last)
                del text
                if head is None:  # the header, without the block's text
                    head = replace(fr, body=pa.py_buffer(b""), source=None)
                fin = fr.fin
                t = None
                if totals.skipped and fr.record_lines is None:
                    fr = frame_line_by_line(fr, count_only=True)
                elif not totals.skipped:
                    include = [c.name for c in spec.columns if c.name in fr.columns]
                    try:
                        t = parse(fr, include, spec.record_id)
                    except ParseFallback as exc:
                        if not fallback_logged:
                            log.info("%s: %s; re-framing line by line", where, exc)
                            fallback_logged = True
                        fr = frame_line_by_line(fr, continuation, allow_skip)
                        if not fr.skipped:
                            t = parse(fr, include, spec.record_id)
                totals.add(fr)
                line = fr.first_line + fr.n_body_lines
                if t is None:
                    continue
                b = _process_block(spec, rf, fr, t, key, known, workers)
                del t, fr
                sums.add(b)
                for c, vals in sums.values.items():
                    vals.append(pc.unique(b.table.column(c).combine_chunks()))
                if b.persons is None:
                    sink.add(b.table)
                elif shared is None:  # first reading: the rows' NIR number, sex and year
                    sums.persons.append(b.persons.select(["number", "sex", "year"]))
                else:
                    keys, n = person_keys(b.persons, shared, key)
                    sums.nir_placeholder += n
                    t = b.table
                    t = t.set_column(t.column_names.index("person_key"), "person_key", keys)
                    sink.add(with_pandas_metadata(t, spec))
                if on_rows is not None:
                    on_rows(sums.rows_read)
        except InputError:
            if rf.name.endswith(".gz"):  # a damaged gzip is reported first, as when the
                for _ in pieces:  # file was read whole
                    pass
            raise
        finally:
            pieces.close()  # the reading thread stops
    totals.check(fin, where, continuation)
    if sums.persons:
        raise _Placeholders(placeholder_nirs(pa.concat_tables(sums.persons)))
    return _finish(spec, rf, head, fin, totals, sums, reader, sink, shared)


def _finish(
    spec: TableSpec,
    rf: RawFile,
    head: Framed,
    fin: int | None,
    totals: FramingTotals,
    sums: _Sums,
    reader: RawReader,
    sink: ParquetSink,
    shared: np.ndarray | None,
) -> TableResult:
    """The parquet file closed, the counts of the manifest."""
    personal = dict(sums.personal)
    if shared is not None:
        personal.update(
            {"nir_placeholder": sums.nir_placeholder, "nir_placeholder_values": len(shared)}
        )
    sink.close()
    q = pd.concat(sums.quarantine, ignore_index=True)
    reasons = q["reason"].value_counts().sort_index()
    order = {c.name: i for i, c in enumerate(spec.columns)}
    unknown = {}
    for name in sorted(sums.unknown, key=order.__getitem__):
        n_bad, first = sums.unknown[name]
        unknown[name] = n_bad
        log.info(
            "%s: %s: %d unreadable value(s) set to unknown, the rows kept (first at line "
            "%d of %s)",
            spec.table,
            name,
            n_bad,
            first,
            rf.name,
        )
    info = {
        "file": rf.name,
        "size": reader.size,
        "sha256": reader.sha256,
        "extract_stamp": rf.stamp.isoformat(),
        **personal,
        "rows_read": sums.rows_read,
        "rows_kept": sums.rows_kept,
        "rows_quarantined": int(len(q)),
        "quarantined_by_reason": {str(k): int(v) for k, v in reasons.items()},
        "deb_line": head.deb,
        "fin_count": fin,
        "embedded_newlines_joined": totals.joined_lines,
        "blank_lines_skipped": totals.blank_lines,
        "columns_absent": [c.name for c in spec.columns if c.name not in head.columns],
        "unknown_values": unknown,
    }
    assert info["rows_read"] == info["rows_kept"] + info["rows_quarantined"], spec.table
    values = {
        c: pc.unique(pa.chunked_array(v, arrow_type(spec.col(c))).combine_chunks())
        for c, v in sums.values.items()
    }
    return TableResult(spec=spec, file=rf, quarantine=q, info=info, values=values)


def _process_block(
    spec: TableSpec,
    rf: RawFile,
    fr: Framed,
    t: pa.Table,
    key: str,
    known: dict[str, pa.Array],
    workers: ThreadPoolExecutor,
) -> _Block:
    """Type and check the rows of one block (``fr``, parsed into ``t``); ``known``: the
    values each reference column must take."""
    n = t.num_rows
    lines = fr.record_lines
    rej = Rejects(n)
    out: dict[str, pa.Array] = {}
    raw_cols: dict[str, pa.Array] = {}
    present = [c for c in spec.columns if c.name in fr.columns]
    for col in present:
        raw_cols[col.name] = t.column(col.name).combine_chunks()
    # the checks are applied in the spec's order, so the first failing check of a row does
    # not depend on the order in which the columns were typed
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
        found = as_numpy(
            pc.fill_null(pc.is_in(out[ref.column], value_set=known[ref.column]), False)
        )
        rej.add(~found, ref.reason, ref.column)

    personal, persons = derive_personal(spec, raw_cols, out, rej.alive)

    q = quarantine_frame(spec, rf, fr, rej, raw_cols)
    unknown_counts = {}
    for name, bad in unknown.items():
        kept_bad = bad & rej.alive
        if kept_bad.any():
            unknown_counts[name] = (int(kept_bad.sum()), int(lines[np.argmax(kept_bad)]))

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
    result = with_pandas_metadata(pa.table(arrays, names=names), spec)
    return _Block(
        table=result,
        quarantine=q,
        n_read=n + len(fr.bad_records),
        personal=personal,
        persons=persons,
        unknown=unknown_counts,
    )

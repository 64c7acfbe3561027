"""Ingest of the ASP fluxIAE exports: raw ``fluxIAE_*.csv[.gz]`` -> typed, validated,
pseudonymised parquet (layout: docs/architecture.md, "Processed data"; details: docs/ingest.md).

Steps per table (specs in :mod:`iae_diag.schemas`):

1. pick the file: ``fluxIAE_<Table>_<ddmmyyyy>_<hhmmss>.csv[.gz]``, latest stamp wins;
2. frame it at byte level: BOM, optional ``DEB`` line, header, optional ``FIN<n>`` line,
   UTF-8 check, embedded newlines glued back (physical line numbers kept);
3. parse with ``pyarrow.csv`` (``|``, no quoting, every selected column as text);
4. type and check each column with vectorised pyarrow/numpy operations; rows failing a check
   go to the quarantine with their reason, physical line, column and value;
5. duplicates and references between tables; privacy (NIR -> salted SHA-256, birth date ->
   birth year, personal columns never read into the output);
6. write the five parquet files, ``quarantine.csv`` and ``manifest.json`` (only once every
   file-level check has passed, so a faulty input leaves ``--out`` untouched).

File-level faults raise :class:`iae_diag.errors.InputError`; row-level faults never stop the
ingest and ``rows_read = rows_kept + rows_quarantined`` holds for every table.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import unicodedata
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from iae_diag import SCHEMA_VERSION, __version__, config
from iae_diag.errors import InputError
from iae_diag.processed import MANIFEST, QUARANTINE, TABLE_FILES
from iae_diag.schemas import (
    BIRTH_YEAR_MAX,
    BIRTH_YEAR_MIN,
    DATE_YEAR_MAX,
    DATE_YEAR_MIN,
    DERIVED_COLUMNS,
    FALSE_VALUES,
    FILE_PATTERN,
    NIR_PATTERN,
    PE_DUREE_LABELS,
    SPECS,
    TABLES,
    TRUE_VALUES,
    Col,
    TableSpec,
)

log = logging.getLogger(__name__)

QUARANTINE_COLUMNS = [
    "table",
    "source_file",
    "source_line",
    "reason",
    "column",
    "value",
    "record_id",
]

# status codes of a converted value
OK, MISSING, INVALID, BELOW, ABOVE, NOT_ALLOWED, IMPLAUSIBLE = range(7)

_INVALID_REASON = {
    "id": "invalid_id",
    "int": "invalid_integer",
    "float": "invalid_number",
    "date": "invalid_date",
    "bool": "invalid_boolean",
    "code": "invalid_value",
    "str": "invalid_value",
}
_UTF8_CHUNK = 1 << 24
_SLICE = 1 << 24  # bytes per slice when counting separators line by line


# --------------------------------------------------------------------------------------
# choosing the files


@dataclass(frozen=True)
class RawFile:
    """One fluxIAE file of the raw folder."""

    table: str
    path: Path
    stamp: datetime

    @property
    def name(self) -> str:
        return self.path.name


def find_raw_files(raw_dir: Path) -> tuple[dict[str, list[RawFile]], list[str]]:
    """fluxIAE files of ``raw_dir`` grouped by table (latest stamp first), and the names of
    the other files (not fluxIAE tables, or tables the diagnostic does not read)."""
    if not raw_dir.is_dir():
        raise InputError(f"The raw folder {raw_dir} does not exist or is not a folder.")
    found: dict[str, list[RawFile]] = {}
    ignored: list[str] = []
    for p in sorted(raw_dir.iterdir()):
        if p.name.startswith("."):  # hidden files (.gitkeep, editor files)
            continue
        m = re.match(FILE_PATTERN, p.name)
        if not m or not p.is_file():
            ignored.append(p.name)
            continue
        try:
            stamp = datetime.strptime(m["day"] + m["time"], "%d%m%Y%H%M%S")
        except ValueError:
            raise InputError(
                f"File {p}: the extract stamp {m['day']}_{m['time']} in its name is not a "
                "valid date and time; expected fluxIAE_<Table>_<ddmmyyyy>_<hhmmss>.csv[.gz]."
            ) from None
        if m["table"] not in SPECS:
            log.info("ignoring %s: table %s is not read by the diagnostic", p.name, m["table"])
            ignored.append(p.name)
            continue
        found.setdefault(m["table"], []).append(RawFile(m["table"], p, stamp))
    for table, files in found.items():
        files.sort(key=lambda f: (f.stamp, f.name), reverse=True)
        if len(files) > 1 and files[0].stamp == files[1].stamp:
            raise InputError(
                f"Table {table}: two extracts carry the same stamp in {raw_dir}: "
                f"{files[0].name} and {files[1].name}; keep only one of them."
            )
    for p in ignored:
        if not p.startswith("fluxIAE_"):
            log.info("ignoring %s: not a fluxIAE table file", p)
    return found, ignored


# --------------------------------------------------------------------------------------
# reading and framing a file


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_bytes(rf: RawFile) -> tuple[bytes, bytes]:
    """(decompressed content, the file's bytes as stored)."""
    raw = rf.path.read_bytes()
    if not rf.name.endswith(".gz") or not raw:  # an empty file is reported by _frame
        return raw, raw
    d = zlib.decompressobj(wbits=31)
    chunks: list[bytes] = []
    pos = 0
    try:
        while pos < len(raw):
            chunks.append(d.decompress(raw[pos : pos + _UTF8_CHUNK]))
            pos += _UTF8_CHUNK
            while d.eof and d.unused_data:  # concatenated gzip members
                rest = d.unused_data
                d = zlib.decompressobj(wbits=31)
                chunks.append(d.decompress(rest))
        chunks.append(d.flush())
    except zlib.error as exc:
        line = sum(c.count(b"\n") for c in chunks) + 1
        raise InputError(
            f"Table {rf.table}: file {rf.path} is not a valid gzip file ({exc}); the "
            f"decompressed text breaks at line {line}. Expected a complete .csv.gz export; "
            "ask ASP for the file again or remove the .gz and give the plain .csv."
        ) from None
    if not d.eof:
        line = sum(c.count(b"\n") for c in chunks) + 1
        raise InputError(
            f"Table {rf.table}: file {rf.path} is a truncated gzip file: the compressed data "
            f"ends in the middle of line {line} (no end-of-stream marker). Expected a complete "
            ".csv.gz export; the transfer was probably interrupted."
        )
    return b"".join(chunks), raw


def _check_utf8(
    data: bytes, start: int, end: int, where: str, columns: list[str] | None = None
) -> None:
    """Raise InputError at the first byte of data[start:end] that is not UTF-8 (line number,
    column name when the header is known)."""
    pos = start
    while pos < end:
        stop = min(end, pos + _UTF8_CHUNK)
        if stop < end:  # cut after a newline so that no character is split
            nl = data.rfind(b"\n", pos, stop)
            if nl < 0:
                nl = data.find(b"\n", stop, end)
            stop = nl + 1 if nl >= 0 else end
        try:
            data[pos:stop].decode("utf-8")
        except UnicodeDecodeError as exc:
            off = pos + exc.start
            line = data.count(b"\n", 0, off) + 1
            line_start = data.rfind(b"\n", 0, off) + 1
            field = data.count(b"|", line_start, off)
            column = (
                f", column {columns[field]}"
                if columns is not None and field < len(columns)
                else ""
            )
            raise InputError(
                f"{where} is not UTF-8: line {line}{column}, byte {off - line_start + 1} of "
                f"the line (0x{data[off]:02x}) is not valid UTF-8. fluxIAE exports are UTF-8; "
                "convert the file (e.g. from Latin-1 with `iconv -f latin1 -t utf-8`)."
            ) from None
        pos = stop


@dataclass
class Framed:
    """A file cut into header and data records."""

    columns: list[str]
    body: pa.Buffer  # the data records, one per line, each with len(columns) fields
    n_body_lines: int  # physical lines between header and FIN (-1: not known yet)
    record_lines: np.ndarray | None  # physical line of each record (None: one per line)
    bad_records: list[tuple[int, str]]  # (physical line, "<n> fields, expected <m>")
    deb: bool
    fin: int | None
    header_line: int
    joined_lines: int = 0
    blank_lines: int = 0
    # fast path: the decompressed text and the body's byte range in it
    source: bytes | None = None
    body_range: tuple[int, int] = (0, 0)


def _frame(data: bytes, spec: TableSpec, where: str) -> Framed:
    """Cut the decompressed text of a file into header and records (see module docstring)."""
    table = spec.table
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b" ")
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    end = len(data)
    while end > start and data[end - 1 : end] in (b"\n", b" ", b"\t"):
        end -= 1
    if end <= start:
        raise InputError(
            f"{where} is empty: expected a header line naming the columns, then one line per "
            "row (optionally a DEB... first line and a FIN<n> last line)."
        )
    line_no = 1
    nl = data.find(b"\n", start, end)
    first = data[start : nl if nl >= 0 else end]
    deb = first.startswith(b"DEB")
    if deb:
        if nl < 0:
            raise InputError(
                f"{where} is empty: it holds only the DEB line (line 1); expected a header "
                "line and data rows after it."
            )
        start = nl + 1
        line_no = 2
        nl = data.find(b"\n", start, end)
    header_line = line_no
    header_end = nl if nl >= 0 else end
    ascii_only = data.isascii()
    if not ascii_only:
        _check_utf8(data, start, header_end, where)
    header = data[start:header_end].decode("utf-8").lstrip("\ufeff")
    columns = [c.strip() for c in header.split("|")]
    if len(columns) == 1:
        sep = next((s for s in (";", "\t", ",") if s in header), None)
        found = f"the separator looks like {sep!r}" if sep else "it holds a single column"
        raise InputError(
            f"{where}, line {header_line} (header): wrong separator: {found}. fluxIAE files "
            f"are separated by '|' (pipe); expected a header such as "
            f"'{'|'.join(c.name for c in spec.columns[:3])}|...'."
        )
    missing = [c.name for c in spec.columns if c.in_header and c.name not in columns]
    if missing:
        raise InputError(
            f"{where}, line {header_line} (header): missing required column(s) "
            f"{', '.join(missing)}. Expected every column of the {table} layout (names are "
            f"matched exactly, in any order); the header has {len(columns)} columns."
        )
    dupes = sorted({c for c in columns if columns.count(c) > 1 and c})
    needed = {c.name for c in spec.columns}
    if any(c in needed for c in dupes):
        raise InputError(
            f"{where}, line {header_line} (header): column(s) {', '.join(dupes)} appear more "
            "than once; expected each column name once."
        )
    if nl < 0:
        raise InputError(
            f"{where} is empty: no data row after the header (line {header_line}). "
            "Expected at least one row."
        )
    body_start = nl + 1
    if not ascii_only:
        _check_utf8(data, body_start, end, where, columns)
    # optional FIN<n> line
    fin = None
    last_nl = data.rfind(b"\n", body_start, end)
    last_start = last_nl + 1 if last_nl >= 0 else body_start
    m = re.fullmatch(rb"FIN(\d+)[|\s]*", data[last_start:end])
    if m:
        fin = int(m[1])
        end = max(body_start, last_start - 1)
    if end <= body_start:
        raise InputError(
            f"{where} is empty: no data row between the header (line {header_line}) and the "
            f"end of the file{' (FIN line)' if fin is not None else ''}. "
            "Expected at least one row."
        )
    # fast path: one record per line; the parser checks the field count of every line (and
    # _parse looks for blank lines); a failure sends the file to the line-by-line framing
    return Framed(
        columns=columns,
        body=pa.py_buffer(data).slice(body_start, end - body_start),
        n_body_lines=-1,
        record_lines=None,
        bad_records=[],
        deb=deb,
        fin=fin,
        header_line=header_line,
        source=data,
        body_range=(body_start, end),
    )


def _check_fin(fr: Framed, where: str) -> None:
    """The FIN<n> line, when present, must announce the number of data rows."""
    n_records = len(fr.record_lines) + len(fr.bad_records)
    if fr.fin is not None and fr.fin != n_records:
        first = fr.header_line + 1
        last = first + fr.n_body_lines - 1
        raise InputError(
            f"{where}, line {last + 1} (FIN line): the FIN line announces {fr.fin} rows but "
            f"the file holds {n_records} data rows (lines {first} to {last}). The file is "
            "probably truncated or was edited; expected FIN<number of data rows>."
        )


def _pipes_per_line(arr: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Number of ``|`` on each line (``starts``: offsets of the lines in ``arr``), by slices
    of about 16 MiB so that the temporary arrays stay small."""
    counts = np.empty(len(starts), dtype=np.int64)
    li = 0
    while li < len(starts):
        lj = max(li + 1, int(np.searchsorted(starts, starts[li] + _SLICE)))
        stop = starts[lj] if lj < len(starts) else len(arr)
        seg = (arr[starts[li] : stop] == 124).astype(np.int32)
        counts[li:lj] = np.add.reduceat(seg, starts[li:lj] - starts[li])
        li = lj
    return counts


def _separator_hint(line: bytes, target: int) -> str:
    """Suffix of a broken line's quarantine value, ``: wrong separator on this line (...)``,
    when the line holds ``;``, a tab or ``,`` where ``|`` is expected (at least half as many
    as the header's separators), else ""; never any value of the line."""
    n, sep = max((line.count(s), s) for s in (b",", b"\t", b";"))
    if n < max(1, target // 2):
        return ""
    return f": wrong separator on this line ({n + 1} fields separated by {sep.decode()!r})"


def _frame_slow(
    data: bytes,
    body_start: int,
    end: int,
    ncols: int,
    first_line: int,
    where: str,
    fin: int | None = None,
) -> Framed:
    """Records when some lines do not hold ``ncols`` fields: embedded newlines are glued
    back. A short line joins the following lines when that gives exactly the header's field
    count (this covers "newline followed by ``|``", the pilotage rule, and a newline in the
    middle of a field). A non-empty line without any ``|`` right after a complete row (or
    after another such line) that cannot be completed that way is ambiguous: a newline inside
    the row's last field, or a broken row (e.g. written with ``;``). By default it is a broken
    row; when ``fin`` (the FIN count) only matches the reading where every ambiguous line
    continues the last field, they are all glued; when it matches neither reading, InputError.
    Blank lines are skipped; what cannot be completed is a bad record (quarantined as
    ``wrong_field_count``)."""
    arr = np.frombuffer(data, dtype=np.uint8, count=end - body_start, offset=body_start)
    nls = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], nls + 1))
    ends = np.concatenate((nls, [len(arr)]))
    lengths = ends - starts
    counts = _pipes_per_line(arr, starts)
    counts[lengths == 0] = 0
    first_byte = arr[np.minimum(starts, len(arr) - 1)]
    del arr
    n_lines = len(starts)
    target = ncols - 1
    abnormal = np.flatnonzero(counts != target)

    def not_pipe_separated(n_bad: int, n_all: int, first: int, what: str) -> InputError:
        line = data[body_start + starts[first] : body_start + ends[first]]
        sep = next((s for s in (b";", b"\t", b",") if line.count(s) >= target // 2 > 0), None)
        hint = f" (the separator looks like {sep.decode()!r})" if sep else ""
        return InputError(
            f"{where}: {n_bad} of {n_all} data {what} do not hold the {ncols} '|'-separated "
            f"fields of the header{hint}; first at line {first_line + first} "
            f"({int(counts[first]) + 1} fields). Expected a '|'-separated fluxIAE export."
        )

    if len(abnormal) > max(1000, n_lines // 2):  # not worth gluing line by line
        raise not_pipe_separated(len(abnormal), n_lines, int(abnormal[0]), "lines")
    is_start = np.ones(n_lines, dtype=bool)
    glue: list[int] = []  # line indexes whose ending newline is inside a field
    bad: list[tuple[int, str]] = []
    drop: list[tuple[int, int]] = []  # line index ranges removed from the body
    ambiguous: list[int] = []  # no "|", after a complete row: last field goes on, or broken
    blank = 0
    last_good_end = -2  # index of the last line of the last complete record
    done_until = -1

    def broken(i: int) -> tuple[int, str]:
        line = data[body_start + starts[i] : body_start + ends[i]]
        n = int(counts[i]) + 1
        found = f"{n} field{'s' if n > 1 else ''}, expected {ncols}"
        return first_line + i, found + _separator_hint(line, target)

    for i in abnormal.tolist():
        if i <= done_until:
            continue
        if lengths[i] == 0:
            is_start[i] = False
            drop.append((i, i))
            blank += 1
            continue
        prev_complete = i > 0 and (
            last_good_end == i - 1 or (i - 1 > done_until and counts[i - 1] == target)
        )
        next_starts_with_pipe = i + 1 < n_lines and first_byte[i + 1] == 124
        if counts[i] == 0 and prev_complete and not next_starts_with_pipe:
            # no field separator, after a complete row: decided below, for all such lines
            ambiguous.append(i)
            is_start[i] = False
            last_good_end = done_until = i
            continue
        total = int(counts[i])
        j = i
        while total < target and j + 1 < n_lines and total + counts[j + 1] <= target:
            if lengths[j + 1] == 0 and j + 2 < n_lines and total + counts[j + 2] > target:
                break
            j += 1
            total += int(counts[j])
        if total == target:
            glue.extend(range(i, j))
            is_start[i + 1 : j + 1] = False
            last_good_end = done_until = j
        elif counts[i] == 0 and prev_complete:
            ambiguous.append(i)
            is_start[i] = False
            last_good_end = done_until = i
        else:
            # this line cannot be completed: it alone is a bad record, the next lines are
            # framed on their own
            is_start[i] = False
            drop.append((i, i))
            bad.append(broken(i))
            done_until = i
    # the ambiguous lines: broken rows (default), or all glued when only that matches FIN
    n_glued = int(is_start.sum()) + len(bad)  # records if they continue the last field
    n_broken = n_glued + len(ambiguous)  # records if they are broken rows
    continuation = False
    if ambiguous and fin is not None and fin != n_broken:
        continuation = fin == n_glued
        if not continuation and 2 * (len(bad) + len(ambiguous)) <= n_broken:
            shown = ", ".join(str(first_line + i) for i in ambiguous[:5])
            more = f" and {len(ambiguous) - 5} more" if len(ambiguous) > 5 else ""
            raise InputError(
                f"{where}, line {first_line + n_lines} (FIN line): the FIN line announces "
                f"{fin} rows, but the file holds {n_broken} data rows if the "
                f"{len(ambiguous)} line(s) without '|' after a complete row (line(s) "
                f"{shown}{more}) are broken rows, or {n_glued} if they continue the last "
                "field of the row before them (a newline inside that field); neither count "
                "matches. Check those lines (a row written with another separator than '|'?) "
                "and the end of the file; expected FIN<number of data rows>."
            )
    if continuation:
        glue.extend(i - 1 for i in ambiguous)
        log.info(
            "%s: %d line(s) without '|' (first at line %d) continue the last field of the "
            "row before them, as the FIN count says",
            where,
            len(ambiguous),
            first_line + ambiguous[0],
        )
    elif ambiguous:
        bad.extend(broken(i) for i in ambiguous)
        drop.extend((i, i) for i in ambiguous)
        bad.sort()
        drop.sort()
    n_records = int(is_start.sum()) + len(bad)
    if bad and 2 * len(bad) > n_records:  # most rows unreadable: a file-level fault
        raise not_pipe_separated(len(bad), n_records, bad[0][0] - first_line, "rows")
    body = bytearray(memoryview(data)[body_start:end])  # one copy, edited in place
    for k in glue:
        body[ends[k]] = 0x20  # the embedded newline becomes a space
    if drop:
        view = memoryview(body)
        parts = []
        pos = 0
        for a, b in drop:
            parts.append(view[pos : starts[a]])
            pos = ends[b] + 1
        parts.append(view[pos:])
        joined = b"".join(parts)
        del parts, view, body
        stop = len(joined)
        while stop > 0 and joined[stop - 1] == 0x0A:
            stop -= 1
        body_buf = pa.py_buffer(joined).slice(0, stop)
    else:
        body_buf = pa.py_buffer(body)
    record_lines = np.flatnonzero(is_start).astype(np.int64) + first_line
    return Framed(
        columns=[],
        body=body_buf,
        n_body_lines=n_lines,
        record_lines=record_lines,
        bad_records=bad,
        deb=False,
        fin=None,
        header_line=0,
        joined_lines=len(glue),
        blank_lines=blank,
    )


def _parse(fr: Framed, include: list[str], key: str) -> pa.Table:
    """Parse the framed records with pyarrow.csv, every selected column as text (typing is
    done afterwards, so that a bad value is a row-level fault). On the fast path
    (``record_lines is None``) a line without the header's field count, or a blank line,
    raises _ParseFallback."""
    if fr.record_lines is not None and len(fr.record_lines) == 0:
        return pa.table({c: pa.array([], pa.string()) for c in include})
    opts = dict(
        read_options=pacsv.ReadOptions(column_names=fr.columns, block_size=1 << 22),
        parse_options=pacsv.ParseOptions(
            delimiter="|", quote_char=False, escape_char=False, ignore_empty_lines=False
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=include,
            column_types={c: pa.string() for c in include},
            strings_can_be_null=False,
            check_utf8=False,
        ),
    )
    try:
        t = pacsv.read_csv(pa.BufferReader(fr.body), **opts)
    except pa.ArrowInvalid as exc:
        if fr.record_lines is not None:
            raise
        raise _ParseFallback(str(exc).splitlines()[0]) from None
    if fr.record_lines is None and _may_hold_blank_lines(t, key):
        raise _ParseFallback("blank lines")
    if fr.record_lines is None:
        first = fr.header_line + 1
        fr.n_body_lines = t.num_rows
        fr.record_lines = np.arange(first, first + t.num_rows, dtype=np.int64)
    elif t.num_rows != len(fr.record_lines):
        raise AssertionError(f"{t.num_rows} rows parsed, {len(fr.record_lines)} framed")
    return t


def _may_hold_blank_lines(t: pa.Table, key: str) -> bool:
    """pyarrow reads a blank line as a row whose fields are all empty: look for such rows
    (cheap when the key column, always filled on a real row, has no empty value)."""
    if key not in t.column_names:
        return False
    k = t.column(key)
    if k.null_count == 0 and not (pa.types.is_string(k.type) and pc.any(pc.equal(k, "")).as_py()):
        return False
    empty = None
    for c in t.columns:
        e = pc.is_null(c) if not pa.types.is_string(c.type) else pc.equal(c, "")
        e = pc.fill_null(e, True)
        empty = e if empty is None else pc.and_(empty, e)
    return bool(pc.any(empty).as_py())


class _ParseFallback(Exception):
    """The fast path's assumption (one record per line) did not hold."""


# --------------------------------------------------------------------------------------
# typing and checking columns (vectorised)


def _np(a: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(a.to_numpy(zero_copy_only=False))


def _strip_accents_upper(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(s.upper().split())


def _normalize_values(values: pa.Array, how: str | None) -> pa.Array:
    """Normalise the (few) distinct values of a text column."""
    if how is None:
        return values
    if how == "upper":
        return pc.utf8_upper(values)
    if how == "pad2":
        return pc.if_else(pc.equal(values, ""), values, pc.utf8_lpad(values, 2, "0"))
    if how == "pe_duree":
        mapped = [
            PE_DUREE_LABELS.get(_strip_accents_upper(v), v) if v is not None else None
            for v in values.to_pylist()
        ]
        return pa.array(mapped, pa.string())
    if how == "dep":
        from iae_diag.territories import normalize_dep_code

        out = []
        for v in values.to_pylist():
            out.append(normalize_dep_code(v) or v if v else v)
        return pa.array(out, pa.string())
    raise ValueError(f"unknown normalisation {how!r}")


def _convert_unique(values: pa.Array, col: Col) -> tuple[pa.Array, np.ndarray]:
    """Convert distinct raw values (text) of a column: (typed values, status per value)."""
    v = pc.utf8_trim_whitespace(values)
    empty = _np(pc.equal(v, ""))
    status = np.where(empty, MISSING, OK).astype(np.int8)
    kind = col.kind
    if kind in ("id", "int", "float"):
        pattern = {
            "id": r"^[0-9]{1,18}$",
            "int": r"^[+-]?[0-9]{1,18}(\.0+)?$",
            "float": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
        }[kind]
        good = _np(pc.match_substring_regex(v, pattern))
        status[~empty & ~good] = INVALID
        clean = pc.if_else(pa.array(good), v, None)
        if kind == "int":
            clean = pc.replace_substring_regex(clean, r"\.0+$", "")
        out = pc.cast(clean, pa.float64() if kind == "float" else pa.int64())
        num = _np(pc.fill_null(pc.cast(out, pa.float64()), 0.0))
        if col.min is not None:
            status[(status == OK) & (num < col.min)] = BELOW
        if col.max is not None:
            status[(status == OK) & (num > col.max)] = ABOVE
        return out, status
    if kind == "date":
        good = _np(
            pc.match_substring_regex(
                v, r"^[0-9]{2}/[0-9]{2}/[0-9]{4}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
            )
        )
        d10 = pc.if_else(pa.array(good), pc.utf8_slice_codeunits(v, 0, 10), None)
        ts = pc.strptime(d10, format="%d/%m/%Y", unit="s", error_is_null=True)
        day = pc.cast(pc.utf8_slice_codeunits(d10, 0, 2), pa.int64())
        month = pc.cast(pc.utf8_slice_codeunits(d10, 3, 5), pa.int64())
        # strptime rolls 31/02 over to 03/03: the day and month must survive the parse
        same = pc.and_(pc.equal(pc.day(ts), day), pc.equal(pc.month(ts), month))
        valid = _np(pc.fill_null(same, False))
        status[~empty & ~valid] = INVALID
        year = _np(pc.fill_null(pc.year(ts), 0))
        status[(status == OK) & ~empty & ((year < DATE_YEAR_MIN) | (year > DATE_YEAR_MAX))] = (
            IMPLAUSIBLE
        )
        usable = pa.array(valid & (year >= DATE_YEAR_MIN) & (year <= DATE_YEAR_MAX))
        out = pc.cast(pc.if_else(usable, ts, None), pa.timestamp("ns"))
        return out, status
    if kind == "bool":
        u = pc.utf8_upper(v)
        t = _np(pc.is_in(u, value_set=pa.array(TRUE_VALUES)))
        f = _np(pc.is_in(u, value_set=pa.array(FALSE_VALUES)))
        status[~empty & ~t & ~f] = INVALID
        out = pa.array(np.where(t, True, False), pa.bool_(), mask=~(t | f))
        return out, status
    # code / str
    v = _normalize_values(v, col.normalize)
    if col.allowed is not None:
        ok = _np(pc.is_in(v, value_set=pa.array(col.allowed)))
        status[(status == OK) & ~ok] = NOT_ALLOWED
    out = pc.if_else(pc.equal(v, ""), None, v)
    return out, status


def _check_numeric(out: pa.Array, col: Col) -> tuple[pa.Array, np.ndarray]:
    """Status of a numeric column cast from text (int64 or float64; empty -> null)."""
    status = np.zeros(len(out), dtype=np.int8)
    num = _np(out if out.null_count == 0 else pc.fill_null(out, 0))
    if out.null_count:
        status[_np(pc.is_null(out))] = MISSING
    if col.kind == "id":
        status[(status == OK) & (num < 0)] = INVALID
    if col.kind == "float":
        status[(status == OK) & ~np.isfinite(num)] = INVALID  # "nan", "inf" are not numbers
    if col.min is not None:
        status[(status == OK) & (num < col.min)] = BELOW
    if col.max is not None:
        status[(status == OK) & (num > col.max)] = ABOVE
    return out, status


def _convert(raw: pa.Array, col: Col) -> tuple[pa.Array, np.ndarray]:
    """Typed values and status codes of a raw text column (one entry per row)."""
    if col.kind in ("id", "int", "float"):
        # fast path for clean columns: a direct cast (empty fields made null first); a
        # column with a stray value takes the regex path below
        empty = pc.equal(raw, "")
        n_empty = pc.sum(empty).as_py() or 0
        target = pa.float64() if col.kind == "float" else pa.int64()
        if n_empty == len(raw):
            return pa.nulls(len(raw), target), np.full(len(raw), MISSING, dtype=np.int8)
        src = raw if n_empty == 0 else pc.if_else(empty, None, raw)
        try:
            out = pc.cast(src, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            out = None
        if out is not None:
            return _check_numeric(out, col)
    if col.kind == "id":  # ids are mostly distinct: no dictionary
        return _convert_unique(raw, col)
    enc = pc.dictionary_encode(raw)
    values, status_u = _convert_unique(enc.dictionary, col)
    idx = enc.indices
    return pc.take(values, idx), status_u[_np(idx)]


def _reason(col: Col, status: int) -> str:
    if status == MISSING:
        return "missing_key" if col.kind == "id" else "missing_value"
    if status == INVALID:
        return _INVALID_REASON[col.kind]
    if status == BELOW:
        return col.below_reason
    if status == ABOVE:
        return col.above_reason
    if status == NOT_ALLOWED:
        return col.allowed_reason
    if status == IMPLAUSIBLE:
        return "implausible_date"
    raise ValueError(status)


# --------------------------------------------------------------------------------------
# one table


@dataclass
class TableResult:
    spec: TableSpec
    file: RawFile
    table: pa.Table  # kept rows, typed, output columns (pandas metadata attached)
    quarantine: pd.DataFrame
    info: dict = field(default_factory=dict)
    digest: Future | None = None  # sha256 of the raw file, computed in a thread


class _Rejects:
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


def _as_text(v: object) -> str:
    """A raw value as it was in the file (typed numbers written back without a spurious .0)."""
    if v is None:
        return ""
    if isinstance(v, float):
        t = repr(v)
        return t[:-2] if t.endswith(".0") else t
    return str(v).strip()


def _row_hashes(t: pa.Table, columns: list[str]) -> np.ndarray:
    df = t.select(columns).to_pandas()
    return pd.util.hash_pandas_object(df, index=False).to_numpy()


def _check_duplicates(
    spec: TableSpec, t: pa.Table, include: list[str], out: dict[str, pa.Array], rej: _Rejects
) -> None:
    """Repeated keys among the rows still alive (see :class:`iae_diag.schemas.Unique`)."""
    u = spec.unique
    n = t.num_rows
    alive = np.flatnonzero(rej.alive)
    keys = pd.Series(_np(out[u.key])[alive])
    kv = keys.to_numpy()
    if len(kv) > 1 and kv.dtype.kind == "i" and bool(np.all(kv[1:] > kv[:-1])):
        return  # strictly increasing: no duplicate
    dup = keys.duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    if u.identical is None:
        mask = np.zeros(n, dtype=bool)
        mask[alive[dup]] = True
        rej.add(mask, "duplicate_id", u.key)
        return
    # compare whole raw rows (all read columns but the ignored ones) through a row hash
    cols = [c for c in include if c not in u.ignore]
    h = pd.Series(_row_hashes(t.take(pa.array(alive)), cols))
    first = h.groupby(kv).transform("first").to_numpy()
    same = h.to_numpy() == first
    exact = np.zeros(n, dtype=bool)
    conflict = np.zeros(n, dtype=bool)
    conflict[alive[dup & ~same]] = True
    if u.identical == "quarantine_exact":
        exact[alive[dup & same]] = True
    rej.add(exact, "duplicate_exact", u.key)
    rej.add(conflict, "duplicate_id", u.key)


def _derive_personal(
    spec: TableSpec,
    raw_cols: dict[str, pa.Array],
    out: dict[str, pa.Array],
    alive: np.ndarray,
    salt: str,
) -> dict:
    """``person_key`` from the NIR and ``salarie_annee_naissance`` from the birth date (added
    to ``out``); returns the counts of missing/invalid values among the kept rows."""
    info: dict = {}
    n = len(alive)
    if spec.nir_column and spec.nir_column in raw_cols:
        nir = pc.replace_substring(pc.utf8_upper(raw_cols[spec.nir_column]), " ", "")
        empty = _np(pc.equal(nir, ""))
        valid = _np(pc.match_substring_regex(nir, NIR_PATTERN))
        key13 = pc.utf8_slice_codeunits(nir, 0, 13).to_numpy(zero_copy_only=False)
        salt_b = salt.encode("utf-8")
        keys_arr = np.full(n, None, dtype=object)
        # hashlib has no vectorised form: one C call per valid NIR
        keys_arr[valid] = [
            hashlib.sha256(salt_b + k.encode("ascii")).hexdigest() for k in key13[valid]
        ]
        out["person_key"] = pa.array(keys_arr, pa.string())
        info["nir_missing"] = int((empty & alive).sum())
        info["nir_invalid"] = int((~empty & ~valid & alive).sum())
    if spec.birth_date_column and spec.birth_date_column in raw_cols:
        ts, status = _convert(
            raw_cols[spec.birth_date_column], Col(spec.birth_date_column, "date")
        )
        yv = _np(pc.fill_null(pc.year(ts), 0))
        good = (status == OK) & (yv >= BIRTH_YEAR_MIN) & (yv <= BIRTH_YEAR_MAX)
        info["birth_date_missing"] = int(((status == MISSING) & alive).sum())
        info["birth_date_invalid"] = int(((status != MISSING) & ~good & alive).sum())
        out["salarie_annee_naissance"] = pa.array(np.where(good, yv, 0), pa.int64(), mask=~good)
    return info


def _quarantine_frame(
    spec: TableSpec, rf: RawFile, fr: Framed, rej: _Rejects, raw_cols: dict[str, pa.Array]
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
            q_values[sel] = [_as_text(v) for v in vals]
    rec_ids = (
        [_as_text(v) for v in pc.take(raw_cols[spec.record_id], pa.array(qidx)).to_pylist()]
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


def _process_table(
    spec: TableSpec,
    rf: RawFile,
    data: bytes,
    salt: str,
    kept: dict[str, TableResult],
) -> TableResult:
    """Frame, parse, type and check one table; ``kept`` holds the tables already processed
    (targets of the references)."""
    where = f"Table {spec.table}: file {rf.path}"
    fr = _frame(data, spec, where)
    if spec.read_all_columns:
        include = [c for c in dict.fromkeys(fr.columns) if c]
    else:
        include = [c.name for c in spec.columns if c.name in fr.columns]
    try:
        t = _parse(fr, include, spec.record_id)
    except _ParseFallback as exc:
        log.info("%s: %s; re-framing line by line", where, exc)
        fr = _frame_slow_from_fast(fr, where)
        t = _parse(fr, include, spec.record_id)
    _check_fin(fr, where)
    del data
    n = t.num_rows
    lines = fr.record_lines
    rej = _Rejects(n)
    out: dict[str, pa.Array] = {}
    raw_cols: dict[str, pa.Array] = {}
    present = [c for c in spec.columns if c.name in fr.columns]
    absent = [c.name for c in spec.columns if c.name not in fr.columns]
    for col in present:
        raw_cols[col.name] = t.column(col.name).combine_chunks()
    # columns are typed in parallel (pyarrow and numpy release the GIL); the checks are then
    # applied in the spec's order, so the first failing check of a row does not depend on it
    with ThreadPoolExecutor(max_workers=2) as workers:
        converted = list(workers.map(lambda c: _convert(raw_cols[c.name], c), present))
    for col, (values, status) in zip(present, converted, strict=True):
        out[col.name] = values
        if col.kind == "str" and col.personal:
            continue
        if not col.required:
            status = np.where(status == MISSING, OK, status)
        for s in np.unique(status[status != OK]).tolist():
            rej.add(status == s, _reason(col, s), col.name)
    for a, b, reason in spec.date_order:
        if a in out and b in out:
            before = _np(pc.fill_null(pc.less(out[b], out[a]), False))
            rej.add(before, reason, b)
    if spec.unique is not None and spec.unique.key in out:
        _check_duplicates(spec, t, include, out, rej)
    for ref in spec.references:
        target = kept[ref.target_table].table.column(ref.target_column)
        known = pc.unique(target.combine_chunks() if target.num_chunks != 1 else target.chunk(0))
        found = _np(pc.fill_null(pc.is_in(out[ref.column], value_set=known), False))
        rej.add(~found, ref.reason, ref.column)

    info = _derive_personal(spec, raw_cols, out, rej.alive, salt)

    q = _quarantine_frame(spec, rf, fr, rej, raw_cols)

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
            arr = pa.nulls(n, _arrow_type(col))
        arrays.append(arr if all_kept else pc.filter(arr, keep_arr))
        names.append(col.name)
    for extra in DERIVED_COLUMNS.get(spec.table, ()):
        if extra in out:
            arrays.append(out[extra] if all_kept else pc.filter(out[extra], keep_arr))
            names.append(extra)
    arrays.append(pa.array(lines[keep], pa.int64()))
    names.append("source_line")
    result = pa.table(arrays, names=names)
    result = _with_pandas_metadata(result, spec)

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
        }
    )
    assert info["rows_read"] == info["rows_kept"] + info["rows_quarantined"], spec.table
    return TableResult(spec=spec, file=rf, table=result, quarantine=q, info=info)


def _frame_slow_from_fast(fr: Framed, where: str) -> Framed:
    """Re-frame a file line by line after the parser refused the fast path."""
    start, end = fr.body_range
    slow = _frame_slow(fr.source, start, end, len(fr.columns), fr.header_line + 1, where, fr.fin)
    slow.deb, slow.fin, slow.header_line, slow.columns = fr.deb, fr.fin, fr.header_line, fr.columns
    fr.source = None
    return slow


def _arrow_type(col: Col) -> pa.DataType:
    return {
        "id": pa.int64(),
        "int": pa.int64(),
        "float": pa.float64(),
        "date": pa.timestamp("ns"),
        "bool": pa.bool_(),
        "code": pa.string(),
        "str": pa.string(),
    }[col.kind]


def _pandas_dtype(col: Col) -> object:
    if col.kind in ("id", "int") and col.required:
        return "int64"
    if col.kind in ("id", "int"):
        return "Int64"
    return {
        "float": "float64",
        "date": "datetime64[ns]",
        "bool": "boolean",
        "code": "object",
        "str": "object",
    }[col.kind]


def _with_pandas_metadata(t: pa.Table, spec: TableSpec) -> pa.Table:
    """Attach the pandas metadata so that ``pd.read_parquet`` restores the contract's dtypes
    (``Int64``, ``boolean``) without a pandas round trip of the big tables."""
    dtypes = {c.name: _pandas_dtype(c) for c in spec.columns if c.output}
    dtypes.update(
        {"person_key": "object", "salarie_annee_naissance": "Int64", "source_line": "int64"}
    )
    empty = pd.DataFrame({name: pd.Series([], dtype=dtypes[name]) for name in t.column_names})
    meta = pa.Schema.from_pandas(empty, preserve_index=False).metadata
    schema = pa.schema([t.schema.field(i) for i in range(t.num_columns)], metadata=meta)
    return t.cast(schema)


# --------------------------------------------------------------------------------------
# the whole ingest


def _ingest_table(
    spec: TableSpec,
    files: list[RawFile],
    salt: str,
    done: dict[str, TableResult],
    pool: ThreadPoolExecutor,
) -> TableResult:
    rf = files[0]
    if len(files) > 1:
        log.info(
            "%s: using %s, the latest of %d extracts (older: %s)",
            spec.table,
            rf.name,
            len(files),
            ", ".join(f.name for f in files[1:]),
        )
    else:
        log.info("%s: reading %s", spec.table, rf.name)
    data, raw = _read_bytes(rf)
    res = _process_table(spec, rf, data, salt, done)
    del data
    # the hash runs in a thread (hashlib releases the GIL) while the parquet file is written
    # and the next table is read; ingest() collects it
    res.digest = pool.submit(_sha256, raw)
    res.info = {
        "file": rf.name,
        "size": len(raw),
        "sha256": None,
        "extract_stamp": rf.stamp.isoformat(),
        **res.info,
        "output": TABLE_FILES[spec.table],
        "candidates": sorted(f.name for f in files),
    }
    log.info(
        "%s: %d rows read, %d kept, %d quarantined",
        spec.table,
        res.info["rows_read"],
        res.info["rows_kept"],
        res.info["rows_quarantined"],
    )
    return res


def ingest(raw_dir: Path | str, out_dir: Path | str, salt: str | None = None) -> dict:
    """Read the five fluxIAE tables of ``raw_dir`` and write the processed layout into
    ``out_dir``; return the manifest. Raises InputError on a file-level fault (nothing is
    written then)."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    salt = config.nir_salt() if salt is None else salt
    found, ignored = find_raw_files(raw_dir)
    missing = [s.table for s in TABLES if s.table not in found]
    if missing:
        names = ", ".join(sorted(f for f in ignored)) or "no file"
        raise InputError(
            f"Missing fluxIAE table(s) {', '.join(missing)} in {raw_dir}: expected a file "
            f"named fluxIAE_<Table>_<ddmmyyyy>_<hhmmss>.csv or .csv.gz for each of "
            f"{', '.join(s.table for s in TABLES)} (other files found: {names})."
        )
    # Every file is read and checked before anything reaches out_dir: the parquet files are
    # written (in a background thread, while the next tables are processed) into a temporary
    # folder next to out_dir, then moved into place once every table has passed.
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.ingest-", dir=out_dir.parent))
    try:
        results: dict[str, TableResult] = {}
        with (
            ThreadPoolExecutor(max_workers=1) as pool,
            ThreadPoolExecutor(max_workers=1) as writer,
        ):
            writes = []
            for spec in TABLES:
                res = _ingest_table(spec, found[spec.table], salt, results, pool)
                results[spec.table] = res
                writes.append(writer.submit(_write_parquet, res, tmp / TABLE_FILES[spec.table]))
            for w in writes:
                w.result()
            for res in results.values():
                res.info["sha256"] = res.digest.result()
        manifest = {
            "package_version": __version__,
            "schema_version": SCHEMA_VERSION,
            "salt_is_default": salt == config.DEFAULT_SALT,
            "nir_hash": "sha256(utf8(salt) + first 13 characters of the normalised NIR), hex",
            "quarantine_file": QUARANTINE,
            "ignored_files": sorted(ignored),
            "tables": {t: results[t].info for t in (s.table for s in TABLES)},
        }
        q = pd.concat([r.quarantine for r in results.values()], ignore_index=True)
        q[QUARANTINE_COLUMNS].to_csv(tmp / QUARANTINE, index=False, lineterminator="\n")
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        out_dir.mkdir(exist_ok=True)
        for f in [*TABLE_FILES.values(), QUARANTINE, MANIFEST]:
            os.replace(tmp / f, out_dir / f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest


def _write_parquet(res: TableResult, path: Path) -> None:
    """Dictionary pages where values repeat, delta encoding for the integer ids and
    ``source_line`` (mostly increasing): faster to write and about half the size."""
    names = set(res.table.column_names)
    ids = [c.name for c in res.spec.columns if c.output and c.kind == "id"] + ["source_line"]
    dict_cols = [c.name for c in res.spec.columns if c.output and c.kind != "id"]
    dict_cols += [c for c in DERIVED_COLUMNS.get(res.spec.table, ()) if c != "person_key"]
    pq.write_table(
        res.table,
        path,
        compression="snappy",
        use_dictionary=[c for c in dict_cols if c in names],
        column_encoding={c: "DELTA_BINARY_PACKED" for c in ids if c in names},
    )


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
    if manifest["salt_is_default"]:
        print("note: the NIR hash uses the default salt; set IAE_DIAG_SALT for real data")
    return 0

"""Framing a file at byte level: BOM, optional ``DEB`` line, header, optional ``FIN<n>``
line, UTF-8 check, embedded newlines glued back (physical line numbers kept), then parsing
with ``pyarrow.csv`` (``|``, no quoting, every selected column as text)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from iae_diag.errors import InputError
from iae_diag.ingest.schemas import TableSpec

log = logging.getLogger(__name__)

_UTF8_CHUNK = 1 << 24
_SLICE = 1 << 24  # bytes per slice when counting separators line by line


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


def frame(data: bytes, spec: TableSpec, where: str) -> Framed:
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


def check_fin(fr: Framed, where: str) -> None:
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


def parse(fr: Framed, include: list[str], key: str) -> pa.Table:
    """Parse the framed records with pyarrow.csv, every selected column as text (typing is
    done afterwards, so that a bad value is a row-level fault). On the fast path
    (``record_lines is None``) a line without the header's field count, or a blank line,
    raises ParseFallback."""
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
        raise ParseFallback(str(exc).splitlines()[0]) from None
    if fr.record_lines is None and _may_hold_blank_lines(t, key):
        raise ParseFallback("blank lines")
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


class ParseFallback(Exception):
    """The fast path's assumption (one record per line) did not hold."""


def frame_line_by_line(fr: Framed, where: str) -> Framed:
    """Re-frame a file line by line after the parser refused the fast path."""
    start, end = fr.body_range
    slow = _frame_slow(fr.source, start, end, len(fr.columns), fr.header_line + 1, where, fr.fin)
    slow.deb, slow.fin, slow.header_line, slow.columns = fr.deb, fr.fin, fr.header_line, fr.columns
    fr.source = None
    return slow

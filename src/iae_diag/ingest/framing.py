"""Framing a file at byte level, block by block (:func:`split_blocks` cuts the text at complete
lines): BOM, optional ``DEB`` line, header, optional ``FIN<n>`` line, UTF-8 check, embedded
newlines glued back (physical line numbers kept), then parsing with ``pyarrow.csv`` (``|``, no
quoting, every selected column as text); the file-level checks of the framing run on the
totals of the blocks (:class:`FramingTotals`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from iae_diag.errors import InputError
from iae_diag.ingest.schemas import TableSpec

log = logging.getLogger(__name__)

_UTF8_CHUNK = 1 << 24
_SLICE = 1 << 24  # bytes per slice when counting separators line by line
_MARGIN = 1 << 16  # bytes read past a block's size, to find where to cut it


def _check_utf8(
    data: bytes,
    start: int,
    end: int,
    where: str,
    columns: list[str] | None = None,
    line_base: int = 1,
) -> None:
    """Raise InputError at the first byte of data[start:end] that is not UTF-8 (line number,
    column name when the header is known); ``line_base``: the physical line of data[0]."""
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
            line = data.count(b"\n", 0, off) + line_base
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
    first_line: int = 0  # physical line of the body's first line
    # line-by-line framing: what the checks of the whole file need (FramingTotals)
    n_abnormal: int = 0  # lines without the header's field count (blank lines included)
    first_abnormal: LineInfo | None = None
    n_ambiguous: int = 0  # lines without '|' after a complete row
    ambiguous_lines: list[int] = field(default_factory=list)  # the first five of them
    first_ambiguous: LineInfo | None = None
    n_bad_other: int = 0  # lines that cannot be completed (ambiguous ones apart)
    first_bad_other: LineInfo | None = None
    skipped: bool = False  # too many abnormal lines: only counted (see _frame_slow)
    ambiguous_glued: bool = False  # the ambiguous lines continue the row before them

    @property
    def n_records(self) -> int:
        return len(self.record_lines) + len(self.bad_records)


@dataclass(frozen=True)
class LineInfo:
    """A data line named in a file-level message: physical line, number of fields, and the
    separator it seems to use (`` (the separator looks like ';')`` or "")."""

    line: int
    fields: int
    hint: str


def frame(
    data: bytes,
    spec: TableSpec,
    where: str,
    head: Framed | None = None,
    first_line: int = 0,
    last: bool = True,
) -> Framed:
    """Cut a block of the decompressed text of a file (the whole file by default) into header
    and records (see module docstring). ``head``: the framing of the file's first block (its
    header), None when ``data`` is the first block; ``first_line``: the physical line of
    ``data``'s first line when ``head`` is given; ``last``: ``data`` ends the file (trailing
    blanks, FIN line), else it ends with the newline of a complete line (:func:`split_blocks`)."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b" ")
    end = len(data)
    if last:
        while end > 0 and data[end - 1 : end] in (b"\n", b" ", b"\t"):
            end -= 1
    else:
        end -= 1  # the block's final newline
    ascii_only = data.isascii()
    if head is None:
        columns, deb, header_line, body_start = _frame_head(data, end, spec, where, ascii_only)
        first_line = header_line + 1
    else:
        columns, deb, header_line, body_start = head.columns, head.deb, head.header_line, 0
    if not ascii_only:
        _check_utf8(data, body_start, end, where, columns, 1 if head is None else first_line)
    # optional FIN<n> line
    fin = None
    if last:
        last_nl = data.rfind(b"\n", body_start, end)
        last_start = last_nl + 1 if last_nl >= 0 else body_start
        m = re.fullmatch(rb"FIN(\d+)[|\s]*", data[last_start:end])
        if m:
            fin = int(m[1])
            end = max(body_start, last_start - 1)
    if end <= body_start and head is None:
        raise InputError(
            f"{where} is empty: no data row between the header (line {header_line}) and the "
            f"end of the file{' (FIN line)' if fin is not None else ''}. "
            "Expected at least one row."
        )
    framed = Framed(
        columns=columns,
        body=pa.py_buffer(data).slice(body_start, max(end - body_start, 0)),
        n_body_lines=-1,
        record_lines=None,
        bad_records=[],
        deb=deb,
        fin=fin,
        header_line=header_line,
        source=data,
        body_range=(body_start, end),
        first_line=first_line,
    )
    if end <= body_start:  # a last block holding only the FIN line
        framed.n_body_lines, framed.record_lines, framed.source = 0, np.empty(0, np.int64), None
    # fast path: one record per line; the parser checks the field count of every line (and
    # _parse looks for blank lines); a failure sends the block to the line-by-line framing
    return framed


def _frame_head(
    data: bytes, end: int, spec: TableSpec, where: str, ascii_only: bool
) -> tuple[list[str], bool, int, int]:
    """BOM, optional DEB line and header of a file's first block: (columns, DEB line present,
    header's physical line, offset of the first data line)."""
    table = spec.table
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
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
    return columns, deb, header_line, nl + 1


def split_blocks(pieces: Iterator[bytes], block_bytes: int) -> Iterator[tuple[bytes, bool]]:
    """The decompressed text of a file (given in pieces of any size) as blocks of about
    ``block_bytes`` bytes: ``(text, last)``. A block other than the last ends with the newline
    of a line holding the header's number of ``|`` and the line after it holds as many too, so
    that no record, embedded newline or ambiguous line (see :func:`_frame_slow`) straddles two
    blocks and each block's first line follows a complete row. The first block holds the DEB
    and header lines; the last one holds the FIN line. A stretch without two such lines in a
    row stays in one block."""
    it = iter(pieces)
    buf = b""
    start = 0  # where the next block starts in buf
    floor = 0  # lines before it belong to the header (first block)
    target = None  # number of '|' of the header
    eof = False
    while True:
        if target is None:
            head = _header_end(buf)
            if head is not None:
                floor, target = head
        cut = None
        if target is not None:
            pos = max(start + block_bytes, floor)
            cut = _find_cut(buf, pos, max(floor, start), target)
        if cut is not None:
            yield buf[start : cut + 1], False
            start = cut + 1
            continue
        if eof:
            yield buf[start:], True
            return
        # more text: at least a block's worth past the current start, joined once
        parts = [buf[start:]]
        size = len(parts[0])
        while size <= block_bytes + _MARGIN or len(parts) == 1:
            piece = next(it, None)
            if piece is None:
                eof = True
                break
            parts.append(piece)
            size += len(piece)
        buf = b"".join(parts)
        del parts
        floor = max(floor - start, 0)
        start = 0


def _header_end(buf: bytes) -> tuple[int, int] | None:
    """(offset of the first data line, number of '|' in the header), None when ``buf`` does
    not hold the whole header line yet."""
    start = 3 if buf.startswith(b"\xef\xbb\xbf") else 0
    nl = buf.find(b"\n", start)
    if nl < 0:
        return None
    if buf.startswith(b"DEB", start):
        start = nl + 1
        nl = buf.find(b"\n", start)
        if nl < 0:
            return None
    return nl + 1, buf.count(b"|", start, nl)


def _find_cut(buf: bytes, pos: int, floor: int, target: int) -> int | None:
    """Offset of the newline ending the first line that ends at or after ``pos``, starts at or
    after ``floor``, holds ``target`` '|' and is followed by a whole line holding as many;
    None when ``buf`` holds no such line."""
    e = buf.find(b"\n", pos)
    if e < 0:
        return None
    s = max(buf.rfind(b"\n", floor, e) + 1, floor)
    ok = buf.count(b"|", s, e) == target
    while True:
        e2 = buf.find(b"\n", e + 1)
        if e2 < 0:
            return None
        ok_next = buf.count(b"|", e + 1, e2) == target
        if ok and ok_next:
            return e
        e, ok = e2, ok_next


class Redo(Exception):  # noqa: N818 (a request, not an error)
    """The whole file must be framed again with other settings (see :class:`FramingTotals`)."""

    def __init__(self, continuation: bool, allow_skip: bool) -> None:
        super().__init__(continuation, allow_skip)
        self.continuation = continuation
        self.allow_skip = allow_skip


@dataclass
class FramingTotals:
    """What the file-level checks of the framing need, added block after block: they run
    once the last block is framed (:meth:`check`), so that they give the same result whatever
    the block size."""

    header_line: int = 0
    ncols: int = 0
    n_lines: int = 0  # physical data lines (blank ones included)
    n_records: int = 0  # records, as the blocks were framed
    n_glued: int = 0  # records if every ambiguous line continues the row before it
    n_abnormal: int = 0
    first_abnormal: LineInfo | None = None
    n_ambiguous: int = 0
    ambiguous_lines: list[int] = field(default_factory=list)
    first_ambiguous: LineInfo | None = None
    n_bad_other: int = 0
    first_bad_other: LineInfo | None = None
    skipped: bool = False
    joined_lines: int = 0
    blank_lines: int = 0

    def add(self, fr: Framed) -> None:
        self.header_line, self.ncols = fr.header_line, len(fr.columns)
        self.n_lines += fr.n_body_lines
        self.n_records += fr.n_records
        self.n_glued += fr.n_records - (0 if fr.ambiguous_glued else fr.n_ambiguous)
        self.n_abnormal += fr.n_abnormal
        self.first_abnormal = self.first_abnormal or fr.first_abnormal
        self.n_ambiguous += fr.n_ambiguous
        self.ambiguous_lines = (self.ambiguous_lines + fr.ambiguous_lines)[:5]
        self.first_ambiguous = self.first_ambiguous or fr.first_ambiguous
        self.n_bad_other += fr.n_bad_other
        self.first_bad_other = self.first_bad_other or fr.first_bad_other
        self.skipped = self.skipped or fr.skipped
        self.joined_lines += fr.joined_lines
        self.blank_lines += fr.blank_lines

    def check(self, fin: int | None, where: str, continuation: bool) -> None:
        """The file-level checks of the framing, in this order: most lines without the
        header's fields; the ambiguous lines against the FIN count; most rows unreadable; the
        FIN count. Raises InputError, or :class:`Redo` when the blocks were framed with a
        setting that the whole file contradicts (rare: see :func:`frame_line_by_line`)."""
        first = self.header_line + 1
        if self.n_abnormal > max(1000, self.n_lines // 2):  # not worth gluing line by line
            raise _not_pipe_separated(
                where, self.n_abnormal, self.n_lines, self.first_abnormal, self.ncols, "lines"
            )
        if self.skipped:
            raise Redo(continuation, allow_skip=False)
        n_broken = self.n_glued + self.n_ambiguous
        glue = False
        if self.n_ambiguous and fin is not None and fin != n_broken:
            glue = fin == self.n_glued
            if not glue and 2 * (self.n_bad_other + self.n_ambiguous) <= n_broken:
                shown = ", ".join(str(i) for i in self.ambiguous_lines)
                more = f" and {self.n_ambiguous - 5} more" if self.n_ambiguous > 5 else ""
                raise InputError(
                    f"{where}, line {first + self.n_lines} (FIN line): the FIN line announces "
                    f"{fin} rows, but the file holds {n_broken} data rows if the "
                    f"{self.n_ambiguous} line(s) without '|' after a complete row (line(s) "
                    f"{shown}{more}) are broken rows, or {self.n_glued} if they continue the "
                    "last field of the row before them (a newline inside that field); neither "
                    "count matches. Check those lines (a row written with another separator "
                    "than '|'?) and the end of the file; expected FIN<number of data rows>."
                )
        if glue != continuation:
            raise Redo(glue, allow_skip=False)
        if glue:
            log.info(
                "%s: %d line(s) without '|' (first at line %d) continue the last field of the "
                "row before them, as the FIN count says",
                where,
                self.n_ambiguous,
                self.ambiguous_lines[0],
            )
        n_bad = self.n_bad_other + (0 if glue else self.n_ambiguous)
        if n_bad and 2 * n_bad > self.n_records:  # most rows unreadable: a file-level fault
            firsts = [self.first_bad_other] + ([] if glue else [self.first_ambiguous])
            first_bad = min((f for f in firsts if f is not None), key=lambda f: f.line)
            raise _not_pipe_separated(where, n_bad, self.n_records, first_bad, self.ncols, "rows")
        if fin is not None and fin != self.n_records:
            last = first + self.n_lines - 1
            raise InputError(
                f"{where}, line {last + 1} (FIN line): the FIN line announces {fin} rows but "
                f"the file holds {self.n_records} data rows (lines {first} to {last}). The "
                "file is probably truncated or was edited; expected FIN<number of data rows>."
            )


def _not_pipe_separated(
    where: str, n_bad: int, n_all: int, first: LineInfo, ncols: int, what: str
) -> InputError:
    return InputError(
        f"{where}: {n_bad} of {n_all} data {what} do not hold the {ncols} '|'-separated "
        f"fields of the header{first.hint}; first at line {first.line} "
        f"({first.fields} fields). Expected a '|'-separated fluxIAE export."
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
    continuation: bool = False,
    allow_skip: bool = True,
    count_only: bool = False,
) -> Framed:
    """Records when some lines do not hold ``ncols`` fields: embedded newlines are glued
    back. A short line joins the following lines when that gives exactly the header's field
    count (this covers "newline followed by ``|``", the pilotage rule, and a newline in the
    middle of a field). A non-empty line without any ``|`` right after a complete row (or
    after another such line) that cannot be completed that way is ambiguous: a newline inside
    the row's last field, or a broken row (e.g. written with ``;``): a broken row unless
    ``continuation`` (the FIN count decides, for the whole file: :class:`FramingTotals`).
    Blank lines are skipped; what cannot be completed is a bad record (quarantined as
    ``wrong_field_count``). A block after the first starts with a complete line
    (:func:`split_blocks`), so no decision here needs the lines of another block. With
    ``allow_skip``, a block where most lines
    lack the header's fields is only counted (``skipped``): the file is then refused, or
    framed again without skipping; ``count_only``: only count (the blocks after such a
    block)."""
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

    def line_info(i: int) -> LineInfo:
        line = data[body_start + starts[i] : body_start + ends[i]]
        sep = next((s for s in (b";", b"\t", b",") if line.count(s) >= target // 2 > 0), None)
        hint = f" (the separator looks like {sep.decode()!r})" if sep else ""
        return LineInfo(first_line + i, int(counts[i]) + 1, hint)

    def counted(fr: Framed) -> Framed:
        fr.n_body_lines, fr.n_abnormal, fr.first_line = n_lines, len(abnormal), first_line
        fr.first_abnormal = line_info(int(abnormal[0])) if len(abnormal) else None
        return fr

    if count_only or (allow_skip and len(abnormal) > max(1000, n_lines // 2)):
        skipped = Framed([], pa.py_buffer(b""), n_lines, np.empty(0, np.int64), [], False, None, 0)
        skipped.skipped = True
        return counted(skipped)
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
    n_bad_other = len(bad)
    first_bad_other = line_info(bad[0][0] - first_line) if bad else None
    # the ambiguous lines: broken rows (default), or all glued when the FIN count says so
    if continuation:
        glue.extend(i - 1 for i in ambiguous)
    elif ambiguous:
        bad.extend(broken(i) for i in ambiguous)
        drop.extend((i, i) for i in ambiguous)
        bad.sort()
        drop.sort()
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
    fr = Framed(
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
        n_ambiguous=len(ambiguous),
        ambiguous_lines=[first_line + i for i in ambiguous[:5]],
        first_ambiguous=line_info(ambiguous[0]) if ambiguous else None,
        n_bad_other=n_bad_other,
        first_bad_other=first_bad_other,
        ambiguous_glued=continuation,
    )
    return counted(fr)


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
        first = fr.first_line
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


def frame_line_by_line(
    fr: Framed,
    continuation: bool = False,
    allow_skip: bool = True,
    count_only: bool = False,
) -> Framed:
    """Re-frame a block line by line after the parser refused the fast path (arguments: see
    :func:`_frame_slow`)."""
    start, end = fr.body_range
    slow = _frame_slow(
        fr.source,
        start,
        end,
        len(fr.columns),
        fr.first_line,
        continuation,
        allow_skip,
        count_only,
    )
    slow.deb, slow.fin, slow.header_line, slow.columns = fr.deb, fr.fin, fr.header_line, fr.columns
    fr.source = None
    return slow
